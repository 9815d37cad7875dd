"""AP ageing report, run whenever new bills land: scheduled on the Intacct bill Asset, not a clock.

``intacct_daily_ap_ar_sync`` emits an event for ``intacct://<company>/accounts-payable/bill``
each time its bill sync succeeds, with ``extra = {"count", "window", "path"}``. This DAG
is scheduled on that asset, so Airflow starts it after every sync (several syncs before it
runs are one run with several events). It reads the files named in the triggering events'
``extra`` (any ``ObjectStoragePath`` URI: local, ``s3://``...), keeps the newest version of
each bill, and buckets the amount still due by days past due as of the end of the newest
sync window. The synced rows are the bills changed in a window; point it at a full sync
(no ``modified_since``) for the whole ledger.

Set ``INTACCT_COMPANY_ID`` to your connection's company id (the sandbox's is ``SANDBOX-CO``):
the asset names the company, so the sandbox's syncs never trigger the production report.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal

import pendulum
from airflow.sdk import DAG, ObjectStoragePath, task

from intacct_provider.assets import intacct_asset

COMPANY_ID = os.environ.get("INTACCT_COMPANY_ID", "SANDBOX-CO")
BILLS = intacct_asset(COMPANY_ID, "bill")
#: (label, first day past due, last day past due) of each ageing bucket.
BUCKETS = [("current", None, 0), ("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("over 90", 91, None)]

with DAG(
    dag_id="intacct_ap_ageing_report",
    description="AP ageing of the bills each Intacct bill sync wrote (asset-triggered)",
    schedule=[BILLS],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["intacct", "example", "assets"],
) as dag:

    @task(inlets=[BILLS])
    def ageing_report(triggering_asset_events=None) -> dict:
        """Amounts due per ageing bucket, from the files of the syncs that triggered this run."""
        events = sorted(triggering_asset_events[BILLS], key=lambda event: event.timestamp)
        synced = [event.extra for event in events if event.extra.get("path")]
        if not synced:
            raise ValueError(f"no triggering event of {BILLS.uri} names a file; was the sync run with output_path?")
        bills: dict[str, dict] = {}
        for extra in synced:  # oldest first: a later sync's version of a bill replaces an earlier one
            with ObjectStoragePath(extra["path"]).open("r") as handle:
                for line in handle:
                    row = json.loads(line)
                    bills[str(row["key"])] = row
        as_of = pendulum.parse(synced[-1]["window"][1]).date()
        totals = {label: Decimal("0.00") for label, _, _ in BUCKETS}
        for bill in bills.values():
            due = Decimal(str(bill.get("totalTxnAmountDue") or 0))
            if due <= 0:
                continue
            late = (as_of - pendulum.parse(bill["dueDate"]).date()).days
            label = next(
                name for name, low, high in BUCKETS if (low is None or late >= low) and (high is None or late <= high)
            )
            totals[label] += due
        return {
            "as_of": as_of.isoformat(),
            "files": [extra["path"] for extra in synced],
            "bills": len(bills),
            "open_bills": sum(1 for b in bills.values() if Decimal(str(b.get("totalTxnAmountDue") or 0)) > 0),
            "due_by_age": {label: str(total) for label, total in totals.items()},
        }

    ageing_report()
