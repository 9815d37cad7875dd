"""Intacct Assets: the URI scheme, operator events, and a downstream DAG triggered by the sync."""

from __future__ import annotations

import inspect
import json
from types import SimpleNamespace

import pendulum
import pytest
from airflow.sdk import DAG, Asset
from airflow.sdk.execution_time.context import OutletEventAccessors
from bulk_helpers import BILL_POST, MemoryStore, bills
from bulk_helpers import context as bulk_context

from intacct_provider.assets import asset_uri, intacct_asset, parse_asset_uri
from intacct_provider.exceptions import IntacctConfigError, IntacctValidationError
from intacct_provider.get_provider_info import get_provider_info
from intacct_provider.operators import (
    IntacctBulkCreateOperator,
    IntacctBulkUpsertOperator,
    IntacctCreateBillOperator,
    IntacctCreateVendorOperator,
    IntacctListBillsOperator,
    IntacctQueryOperator,
    IntacctUpdateRecordOperator,
    IntacctWorkflowOperator,
)
from intacct_provider.operators.execute.bulk.run import IntacctBulkWriteError
from intacct_provider.operators.execute.outlets import writes_extra

COMPANY = "SANDBOX-CO"  # the sandbox's company id
BILLS_URI = f"intacct://{COMPANY}/accounts-payable/bill"
VENDORS_URI = f"intacct://{COMPANY}/accounts-payable/vendor"


def context(task_id="t"):
    return {
        "ti": SimpleNamespace(dag_id="d", task_id=task_id, run_id="r", map_index=-1, try_number=1),
        "outlet_events": OutletEventAccessors(),
    }


def extra_of(ctx, asset):
    return ctx["outlet_events"][asset].extra


# ---------------------------------------------------------------- the URI scheme
def test_scheme_is_registered_with_airflow():
    (entry,) = get_provider_info()["asset-uris"]
    assert entry["schemes"] == ["intacct"]
    from airflow.sdk.definitions.asset import _get_uri_normalizer

    assert _get_uri_normalizer("intacct").__module__ == "intacct_provider.assets"


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("intacct://ACME/bill", "intacct://ACME/accounts-payable/bill"),
        ("intacct://ACME/accounts-payable/bill/", "intacct://ACME/accounts-payable/bill"),
        ("INTACCT://ACME/accounts-payable/bill?entity=US", "intacct://ACME/accounts-payable/bill?entity=US"),
        ("intacct://ACME/accounts-payable/bill?entity=", "intacct://ACME/accounts-payable/bill"),
        ("intacct://ACME/purchasing/document#x", "intacct://ACME/purchasing/document"),
    ],
)
def test_airflow_normalizes_intacct_uris(written, normalized):
    assert Asset(written).uri == normalized


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("intacct://ACME/bills", "did you mean 'bill'?"),
        ("intacct:///accounts-payable/bill", "company id as its host"),
        ("intacct://user@ACME/accounts-payable/bill", "company id as its host"),
        ("intacct://ACME/accounts-payable/bill?entty=US", "got 'entty' — did you mean 'entity'?"),
        ("intacct://ACME/a/b/c", "Intacct path like"),
    ],
)
def test_malformed_uris_fail_at_parse_time(uri, message):
    with pytest.raises(ValueError, match=message):
        Asset(uri)


def test_helper_and_parser_round_trip():
    assert asset_uri("ACME", "bill") == "intacct://ACME/accounts-payable/bill"
    asset = intacct_asset("ACME", "invoice", entity="UK")
    assert asset.uri == "intacct://ACME/accounts-receivable/invoice?entity=UK"
    assert parse_asset_uri(asset.uri) == ("ACME", "accounts-receivable/invoice", "UK")
    assert parse_asset_uri("s3://bucket/key") is None
    with pytest.raises(IntacctValidationError, match="company_id"):
        intacct_asset("ACME/US", "bill")


def test_write_extra_is_bounded():
    assert writes_extra(["1", "2"]) == {"keys": ["1", "2"], "count": 2}
    big = writes_extra([str(n) for n in range(250)])
    assert big["count"] == 250 and len(big["keys"]) == 100 and big["keys_truncated"] is True
    # A bulk task keeps only the first keys in memory and passes the full count.
    assert writes_extra(["1", "2"], count=7) == {"keys": ["1", "2"], "count": 7, "keys_truncated": True}


# ---------------------------------------------------------------- operators
def test_emit_asset_declares_the_outlet_at_parse_time():
    with DAG("assets_parse", schedule=None, default_args={"asset_company_id": COMPANY}):
        query = IntacctQueryOperator(task_id="q", object="bill", emit_asset=True)
        vendor = IntacctCreateVendorOperator(task_id="v", vendor_id="V-1", name="n", emit_asset=True)
        update = IntacctUpdateRecordOperator(
            task_id="u", object="accounts-payable/bill", key="1", changes={"a": 1}, emit_asset=True
        )
        plain = IntacctQueryOperator(task_id="p", object="bill")
        bulk = IntacctBulkCreateOperator(task_id="b", object="bill", records=[], emit_asset=True)
        upsert = IntacctBulkUpsertOperator(task_id="bu", object="vendor", records=[], emit_asset=True)
        submit = IntacctWorkflowOperator(task_id="w", object="bill", action="submit", key="1", emit_asset=True)
    assert [o.uri for o in query.outlets] == [BILLS_URI]
    assert [o.uri for o in vendor.outlets] == [VENDORS_URI]
    assert [o.uri for o in update.outlets] == [BILLS_URI]
    assert plain.outlets == []
    assert [o.uri for o in bulk.outlets] == [BILLS_URI]
    assert [o.uri for o in upsert.outlets] == [VENDORS_URI]
    assert [o.uri for o in submit.outlets] == [BILLS_URI]


def test_emit_asset_needs_a_company_known_at_parse_time():
    with pytest.raises(IntacctValidationError, match="asset_company_id"):
        IntacctQueryOperator(task_id="q", object="bill", emit_asset=True)
    with pytest.raises(IntacctValidationError, match="asset_company_id"):
        IntacctQueryOperator(task_id="q", object="bill", emit_asset=True, asset_company_id="{{ var.value.co }}")
    with pytest.raises(IntacctValidationError, match="outlets=\\[intacct_asset"):
        IntacctQueryOperator(task_id="q", object="{{ params.o }}", emit_asset=True, asset_company_id=COMPANY)


def test_list_operators_do_not_take_asset_arguments():
    with pytest.raises(IntacctValidationError, match="unknown argument 'emit_asset'"):
        IntacctListBillsOperator(task_id="l", emit_asset=True)


def test_query_event_extra_names_count_window_and_file(intacct_sandbox, intacct_conn, tmp_path):
    op = IntacctQueryOperator(
        task_id="q",
        object="bill",
        fields=["id"],
        modified_since="2026-03-11T00:00:00Z",
        modified_until="2026-03-12T00:00:00Z",
        output_path=str(tmp_path / "bills.jsonl"),
        emit_asset=True,
        asset_company_id=COMPANY,
    )
    ctx = context()
    result = op.execute(ctx)
    lines = (tmp_path / "bills.jsonl").read_text().splitlines()
    assert result["count"] == len(lines) > 0
    assert extra_of(ctx, op.outlets[0]) == {
        "count": len(lines),
        "window": ["2026-03-11T00:00:00Z", "2026-03-12T00:00:00Z"],
        "path": str(tmp_path / "bills.jsonl"),
    }


def test_user_outlets_get_the_event_too(intacct_sandbox, intacct_conn):
    asset = intacct_asset(COMPANY, "bill")
    other = Asset("s3://lake/bills")
    op = IntacctQueryOperator(task_id="q", object="bill", max_records=3, outlets=[asset, other])
    ctx = context()
    rows = op.execute(ctx)
    assert extra_of(ctx, asset) == {"count": len(rows), "window": [None, None], "path": None}  # no window: everything
    assert extra_of(ctx, other) == {}  # not ours to describe


def test_writes_emit_their_record_keys(intacct_sandbox, intacct_conn):
    ctx = context()
    create = IntacctCreateVendorOperator(
        task_id="v", vendor_id="V-ASSET", name="Asset Vendor", emit_asset=True, asset_company_id=COMPANY
    )
    key = create.execute(ctx)["ia::result"]["key"]
    assert extra_of(ctx, create.outlets[0]) == {"keys": [key], "count": 1}
    ctx = context()
    update = IntacctUpdateRecordOperator(
        task_id="u", object="vendor", key=key, changes={"name": "Renamed"}, emit_asset=True, asset_company_id=COMPANY
    )
    update.execute(ctx)
    assert extra_of(ctx, update.outlets[0]) == {"keys": [key], "count": 1}


def test_an_asset_of_another_company_fails_before_any_request(intacct_sandbox, intacct_conn):
    production = {"emit_asset": True, "asset_company_id": "PRODUCTION-CO"}
    for op in (
        IntacctQueryOperator(task_id="q", object="bill", **production),
        IntacctBulkCreateOperator(task_id="b", object="bill", records=bills(3, "other-co"), **production),
        IntacctBulkUpsertOperator(
            task_id="bu", object="vendor", records=[{"vendor_id": "X", "name": "x"}], **production
        ),
        IntacctWorkflowOperator(task_id="w", object="bill", action="submit", key="1", **production),
    ):
        with pytest.raises(IntacctConfigError, match=r"PRODUCTION-CO.*not the connection's data.*'SANDBOX-CO'"):
            op.execute(context())
    entity = IntacctCreateVendorOperator(
        task_id="v", vendor_id="V-9", name="n", emit_asset=True, asset_company_id=COMPANY, asset_entity="US"
    )
    with pytest.raises(IntacctConfigError, match=r"entity=US.*top level"):
        entity.execute(context())
    assert intacct_sandbox.requests == []


def test_an_asset_of_another_object_is_refused(intacct_sandbox, intacct_conn):
    op = IntacctQueryOperator(task_id="q", object="bill", outlets=[intacct_asset(COMPANY, "invoice")])
    with pytest.raises(IntacctValidationError, match="outlets: expected Intacct assets of accounts-payable/bill"):
        op.execute(context())
    assert intacct_sandbox.requests == []


def test_entity_assets_match_an_entity_connection(intacct_sandbox, intacct_conn):
    intacct_conn(entity_id="US")
    op = IntacctQueryOperator(
        task_id="q", object="bill", max_records=2, emit_asset=True, asset_company_id=COMPANY, asset_entity="US"
    )
    ctx = context()
    rows = op.execute(ctx)
    assert op.outlets[0].uri == f"{BILLS_URI}?entity=US"
    assert extra_of(ctx, op.outlets[0])["count"] == len(rows)


# ---------------------------------------------------------------- bulk and workflow writes
def tagged_bills(sandbox, tag):
    return {r["description"]: r["key"] for r in sandbox.records("accounts-payable/bill")
            if str(r.get("description") or "").startswith(f"{tag}-")}  # fmt: skip


def test_bulk_create_event_lists_the_created_keys(intacct_sandbox, intacct_conn, tmp_path):
    out = tmp_path / "results.jsonl"
    op = IntacctBulkCreateOperator(
        task_id="b",
        object="bill",
        records=bills(12, "asset-bulk"),
        batch_size=5,
        output_path=str(out),
        emit_asset=True,
        asset_company_id=COMPANY,
    )
    ctx = context()
    summary = op.execute(ctx)
    created = tagged_bills(intacct_sandbox, "asset-bulk")
    assert len(created) == summary["created"] == 12
    extra = extra_of(ctx, op.outlets[0])
    assert sorted(extra.pop("keys")) == sorted(created.values())
    assert extra == {"count": 12, "exists": 0, "failed": 0, "skipped": 0, "results_path": summary["results_path"]}


def test_bulk_upsert_event_lists_created_and_updated_keys_only(intacct_sandbox, intacct_conn):
    vendors = [{"vendor_id": f"ASSET-V{i}", "name": f"Vendor {i}"} for i in range(8)]
    IntacctBulkUpsertOperator(task_id="first", object="vendor", records=vendors[:5]).execute(context())
    vendors[1]["name"] = "Vendor 1 renamed"
    op = IntacctBulkUpsertOperator(
        task_id="u", object="vendor", records=vendors, emit_asset=True, asset_company_id=COMPANY
    )
    ctx = context()
    summary = op.execute(ctx)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (3, 1, 4)
    keys = {
        r["id"]: r["key"] for r in intacct_sandbox.records("accounts-payable/vendor") if r["id"].startswith("ASSET-V")
    }
    extra = extra_of(ctx, op.outlets[0])
    assert sorted(extra.pop("keys")) == sorted(keys[f"ASSET-V{i}"] for i in (1, 5, 6, 7))  # not the unchanged ones
    assert extra == {"count": 4, "failed": 0, "skipped": 0, "results_path": None}


def test_a_large_bulk_event_lists_the_first_keys_and_the_full_count(intacct_sandbox, intacct_conn):
    vendors = [{"vendor_id": f"MANY-{i}", "name": f"Many {i}"} for i in range(130)]
    op = IntacctBulkCreateOperator(
        task_id="b", object="vendor", records=vendors, batch_size=50, emit_asset=True, asset_company_id=COMPANY
    )
    ctx = context()
    op.execute(ctx)
    created = {r["key"] for r in intacct_sandbox.records("accounts-payable/vendor") if r["id"].startswith("MANY-")}
    extra = extra_of(ctx, op.outlets[0])
    assert len(created) == extra["count"] == 130 and extra["keys_truncated"] is True
    assert len(extra["keys"]) == len(set(extra["keys"])) == 100 and set(extra["keys"]) <= created


def test_a_partly_failed_bulk_task_emits_no_event_and_continue_counts_failures(intacct_sandbox, intacct_conn):
    """on_error="fail": the task fails after writing the others, so Airflow records no event (and none is prepared)."""
    records = bills(6, "asset-part")
    records[2]["vendor_id"] = "VEND-NOPE"  # refused by Intacct, after the pre-flight
    op = IntacctBulkCreateOperator(
        task_id="b", object="bill", records=records, emit_asset=True, asset_company_id=COMPANY
    )
    ctx = context()
    with pytest.raises(IntacctBulkWriteError):
        op.execute(ctx)
    assert len(tagged_bills(intacct_sandbox, "asset-part")) == 5  # written, yet no event for a failed task
    assert extra_of(ctx, op.outlets[0]) == {}

    intacct_sandbox.reset()
    op = IntacctBulkCreateOperator(
        task_id="c", object="bill", records=records, on_error="continue", emit_asset=True, asset_company_id=COMPANY
    )
    ctx = context("c")
    op.execute(ctx)
    written = tagged_bills(intacct_sandbox, "asset-part")
    extra = extra_of(ctx, op.outlets[0])
    assert sorted(extra.pop("keys")) == sorted(written.values()) and len(written) == 5
    assert extra == {"count": 5, "exists": 0, "failed": 1, "skipped": 0, "results_path": None}


def test_a_resumed_bulk_task_lists_the_keys_written_by_its_earlier_try(intacct_sandbox, intacct_conn):
    """The event of the try that succeeds covers the batches an earlier try finished (from the checkpoint)."""
    from intacct_provider.exceptions import IntacctAuthError

    records, store = bills(30, "asset-resume"), MemoryStore()
    intacct_sandbox.inject("status", status=403, method="POST", path=BILL_POST, after=2)

    def run(try_number):
        op = IntacctBulkCreateOperator(
            task_id="bulk", object="bill", records=records, batch_size=5, max_concurrency=1,
            emit_asset=True, asset_company_id=COMPANY,
        )  # fmt: skip
        ctx = {**bulk_context(store, try_number), "outlet_events": OutletEventAccessors()}
        op.execute(ctx)
        return extra_of(ctx, op.outlets[0])

    with pytest.raises(IntacctAuthError):
        run(1)
    written_first = len(tagged_bills(intacct_sandbox, "asset-resume"))
    assert 0 < written_first < 30
    extra = run(2)
    created = tagged_bills(intacct_sandbox, "asset-resume")
    assert len(created) == extra["count"] == 30
    assert sorted(extra["keys"]) == sorted(created.values())


def test_workflow_event_names_the_record_and_the_outcome(intacct_sandbox, intacct_conn):
    draft = IntacctCreateBillOperator(
        task_id="bill",
        vendor_id="VEND-200",
        date_created="2026-11-01",
        date_due="2026-11-30",
        bill_number="ASSET-WF-1",
        currency="USD",
        line_items=[{"glaccountno": "6700", "amount": "120.00", "locationid": "US"}],
    ).execute(context())
    key = draft["ia::result"]["key"]
    for performed in (True, False):  # the second run finds the bill already submitted
        op = IntacctWorkflowOperator(
            task_id="w", object="bill", action="submit", key=key, emit_asset=True, asset_company_id=COMPANY
        )
        ctx = context()
        outcome = op.execute(ctx)
        assert outcome["performed"] is performed
        state = intacct_sandbox.get_record("accounts-payable/bill", key)["state"]
        assert extra_of(ctx, op.outlets[0]) == {
            "keys": [key],
            "count": 1,
            "action": "submit",
            "state": state,
            "performed": performed,
        }


def test_bulk_and_workflow_events_of_a_dag_run(run_dag, intacct_sandbox, tmp_path):
    """Airflow itself records the events, with the extra each task attached, for a real run."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    results = tmp_path / "results.jsonl"
    conf = {"out": str(tmp_path / "bills.jsonl"), "results": str(results), "tag": "ASSETRUN"}
    dag_run, xcoms = run_dag("lineage_check", conf=conf)
    assert dag_run.state == "success"
    with create_session() as session:
        rows = session.execute(
            select(AssetEvent.source_task_id, AssetModel.uri, AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetEvent.source_dag_id == "lineage_check", AssetEvent.source_run_id == dag_run.run_id)
        ).all()
    events = {(task_id, uri): extra for task_id, uri, extra in rows}
    assert set(events) == {("upsert_vendors", VENDORS_URI), ("load_bills", BILLS_URI), ("submit_bill", BILLS_URI)}

    vendor_keys = {r["id"]: r["key"] for r in intacct_sandbox.records("accounts-payable/vendor")}
    upserted = events["upsert_vendors", VENDORS_URI]
    assert sorted(upserted.pop("keys")) == sorted(vendor_keys[f"ASSETRUN-V{i}"] for i in range(3))
    assert upserted == {"count": 3, "failed": 0, "skipped": 0, "results_path": None}

    bill_keys = {r.get("billNumber"): r["key"] for r in intacct_sandbox.records("accounts-payable/bill")}
    loaded = events["load_bills", BILLS_URI]
    assert sorted(loaded.pop("keys")) == sorted(bill_keys[f"ASSETRUN-B{i}"] for i in range(2))
    assert loaded == {
        "count": 2, "exists": 0, "failed": 0, "skipped": 0, "results_path": xcoms["load_bills"]["results_path"]
    }  # fmt: skip
    assert results.read_text().count("\n") == 2

    submitted = events["submit_bill", BILLS_URI]
    assert submitted["keys"] == [bill_keys["ASSETRUN-B0"]]  # the first bill of the load
    assert (submitted["action"], submitted["performed"]) == ("submit", True)
    assert submitted["state"] == intacct_sandbox.get_record("accounts-payable/bill", bill_keys["ASSETRUN-B0"])["state"]


# ---------------------------------------------------------------- the asset-triggered DAG
def _sync_dags_folder() -> None:
    """Write every DAG of the DAGs folder to the metadata DB, as the dag-processor does."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    try:
        from airflow.dag_processing.dagbag import BundleDagBag, DagBag, sync_bag_to_db
    except ImportError:  # Airflow < 3.2 keeps them with the models
        from airflow.models.dagbag import BundleDagBag, DagBag, sync_bag_to_db  # type: ignore[no-redef]

    takes_name = "bundle_name" in inspect.signature(DagBag.__init__).parameters  # new in 3.2

    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    for bundle in manager.get_all_dag_bundles():
        if not bundle.is_initialized:
            bundle.initialize()
        named = {"bundle_name": bundle.name} if takes_name else {}
        bag = BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, **named)
        sync_bag_to_db(bag, bundle.name, bundle.version)


def _set_paused(session, dag_id: str, paused: bool) -> None:
    from airflow.models.dag import DagModel
    from sqlalchemy import update

    session.execute(update(DagModel).where(DagModel.dag_id == dag_id).values(is_paused=paused))


def test_the_bill_sync_triggers_the_ageing_report(run_dag, intacct_sandbox, airflow_db, tmp_path, monkeypatch):
    from airflow.jobs.job import Job
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
    from airflow.models.asset import AssetDagRunQueue, AssetEvent, AssetModel
    from airflow.models.dag import DagModel
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunType
    from sqlalchemy import delete, select

    report = "intacct_ap_ageing_report"
    _sync_dags_folder()
    with create_session() as session:
        _set_paused(session, report, False)  # as a user switches the DAG on
        session.execute(delete(AssetDagRunQueue).where(AssetDagRunQueue.target_dag_id == report))
        # Earlier tests in this session ran the sync too; the report would consume their events as well.
        bill_asset_ids = select(AssetModel.id).where(AssetModel.uri == BILLS_URI)
        session.execute(delete(AssetEvent).where(AssetEvent.asset_id.in_(bill_asset_ids)))
    try:
        dag_run, xcoms = run_dag(
            "intacct_daily_ap_ar_sync",
            conf={"base_path": str(tmp_path), "lookback_seconds": 3600},
            logical_date=pendulum.datetime(2026, 3, 12, tz="UTC"),  # covers 2026-03-11, a day with bills
        )
        assert dag_run.state == "success"
        synced = xcoms["sync_bills"]
        assert synced["count"] > 0

        with create_session() as session:
            bills = session.scalar(select(AssetModel).where(AssetModel.uri == BILLS_URI))
            event = session.scalars(
                select(AssetEvent)
                .where(AssetEvent.asset_id == bills.id, AssetEvent.source_run_id == dag_run.run_id)
                .order_by(AssetEvent.id.desc())
            ).first()
            assert event is not None, "the sync recorded no event for the bill asset"
            assert event.source_task_id == "sync_bills"
            assert event.extra == {
                "count": synced["count"],
                "window": synced["window"],
                "path": synced["path"],
                "deleted": synced["deleted"],
            }
            queued = session.scalars(select(AssetDagRunQueue).where(AssetDagRunQueue.target_dag_id == report)).all()
            assert [q.asset_id for q in queued] == [bills.id]

            # The scheduler's own decision: the report's asset condition is met, and it creates the run.
            query, triggered = DagModel.dags_needing_dagruns(session)
            due = [dm for dm in query.all() if dm.dag_id in triggered]
            assert [dm.dag_id for dm in due] == [report]
            create_runs = SchedulerJobRunner(job=Job())._create_dag_runs_asset_triggered
            dated = "triggered_date_by_dag" in inspect.signature(create_runs).parameters  # Airflow < 3.2
            create_runs(dag_models=due, session=session, **({"triggered_date_by_dag": triggered} if dated else {}))
            session.flush()
            run = session.scalars(select(DagRun).where(DagRun.dag_id == report).order_by(DagRun.id.desc())).first()
            assert run.run_type == DagRunType.ASSET_TRIGGERED
            assert event.id in [e.id for e in run.consumed_asset_events]
            run_id = run.run_id

        # Run the run the scheduler created, in process (dag.test's task loop, our DagRun).
        with create_session() as session:
            run = session.scalar(select(DagRun).where(DagRun.run_id == run_id, DagRun.dag_id == report))
            run.state = DagRunState.RUNNING

        def the_scheduled_run(*, dag, session, **_):
            found = session.scalar(select(DagRun).where(DagRun.run_id == run_id, DagRun.dag_id == report))
            found.dag = dag
            return found

        monkeypatch.setattr("airflow.models.dagrun.get_or_create_dagrun", the_scheduled_run)
        report_run, report_xcoms = run_dag(report)
        assert report_run.run_id == run_id and report_run.state == "success"
        summary = report_xcoms["ageing_report"]
        with open(synced["path"]) as handle:
            rows = [json.loads(line) for line in handle]
        assert summary["files"] == [synced["path"]]
        assert summary["bills"] == len(rows) == synced["count"]
        assert summary["as_of"] == "2026-03-12"
        in_sandbox = {r["key"]: r for r in intacct_sandbox.records("accounts-payable/bill")}
        expected_due = sum(float(in_sandbox[r["key"]]["totalTxnAmountDue"]) for r in rows)
        assert sum(float(v) for v in summary["due_by_age"].values()) == pytest.approx(expected_due)
    finally:
        with create_session() as session:
            _set_paused(session, report, True)
