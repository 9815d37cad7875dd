"""Fault matrix: the example sync and create DAGs under mixed faults end with exactly the expected records.

Three rounds, each with its own seeded mix of faults (429 with Retry-After,
503, HTML 502, 504, connection resets, commit-then-drop on creates, revoked
tokens, every token expiring mid-paging, latency), run the daily AP/AR sync,
a small-page full read (tests/dags/fault_matrix.py), the catalog tour, the
invoice-per-order DAG and a journal entry + vendor create. Afterwards every
synced file must hold exactly the sandbox's own records for its window (no
gaps, no duplicates) and every create must have made exactly one record. The
whole matrix runs under each sandbox reading of what Sage's contract leaves
open (``idempotency`` conflict|replay x ``id_semantics`` key|number). The
faults that actually fired are counted from the sandbox (the request log's
``fault`` field; latency from the fault book), and the figures are printed and
written to ``artifacts/fault-matrix-<setting>.json`` for the README's
reliability section.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path

import pendulum
import pytest

#: Three rounds of whole DAG runs through ``dag.test()``: a few minutes each on a loaded 2-core
#: machine, longer on Airflow 3.1, whose in-process execution API is slower than 3.3's.
pytestmark = pytest.mark.timeout(900)

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
ROUNDS = 3
#: (idempotency, id_semantics): every reading of the contract's open questions.
SETTINGS = [("conflict", "key"), ("conflict", "number"), ("replay", "key"), ("replay", "number")]
SEED = 20261126

BILL = "accounts-payable/bill"
INVOICE = "accounts-receivable/invoice"
SYNCED = {
    "bill": BILL,
    "invoice": INVOICE,
    "vendor": "accounts-payable/vendor",
    "customer": "accounts-receivable/customer",
}
QUERY = "^/services/core/query$"
TOKEN = "^/oauth2/token$"
CREATE = {
    "bill": "^/objects/accounts-payable/bill$",
    "invoice": "^/objects/accounts-receivable/invoice$",
    "journal_entry": "^/objects/general-ledger/journal-entry$",
    "vendor": "^/objects/accounts-payable/vendor$",
}
JOURNAL_ENTRY = "general-ledger/journal-entry"
VENDOR = "accounts-payable/vendor"


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    """Exponential backoff in milliseconds (``backoff`` reads these at call time); Retry-After stays honoured."""
    monkeypatch.setattr("intacct_provider.core.backoff.BACKOFF_BASE", 0.01)
    monkeypatch.setattr("intacct_provider.core.backoff.BACKOFF_CAP", 0.05)


class TokenExpiry:
    """Expire every access token when the N-th query of a paging run arrives (all threads at once)."""

    def __init__(self, sandbox, monkeypatch):
        self.state = sandbox.state
        self.original = sandbox.state.log
        self.queries = 0
        self.at: int | None = None
        self.fired = 0
        monkeypatch.setattr(sandbox.state, "log", self._log)

    def arm(self, at_query: int) -> None:
        self.queries, self.at = 0, at_query

    def disarm(self) -> None:
        self.at = None

    def _log(self, entry):
        self.original(entry)
        if entry["path"] == "/services/core/query" and self.at is not None:
            self.queries += 1
            if self.queries == self.at:
                self.state.expire_tokens()  # the request being logged now meets an expired token too
                self.fired += 1


class FaultMix:
    """Random faults for one DAG run, and the tally of those that actually fired."""

    def __init__(self, sandbox, rng: random.Random):
        self.sandbox = sandbox
        self.rng = rng
        self.injected: Counter[str] = Counter()

    def read_faults(self, n: int, paths=(QUERY, QUERY, QUERY, TOKEN)) -> None:
        for _ in range(n):
            kind = self.rng.choice(["429", "503", "502_html", "504", "reset", "latency"])
            self._inject(kind, "POST", self.rng.choice(paths))

    def revoke_token(self, path: str = QUERY) -> None:
        """One request meets a revoked token (one per run: the hook renews once per call)."""
        self.sandbox.inject("expire_token", method="POST", path=path)
        self.injected["expire_token"] += 1

    def create_faults(self, obj: str, n: int) -> None:
        for _ in range(n):
            kind = self.rng.choice(["commit_then_drop", "commit_then_drop", "503", "504", "reset", "429", "latency"])
            self._inject(kind, "POST", CREATE[obj])

    def _inject(self, kind: str, method: str, path: str) -> None:
        count = self.rng.choice([1, 1, 2])
        if kind == "429":
            options = dict(kind="status", status=429, retry_after=self.rng.choice([0, 0, 0.5, 1]))
        elif kind in ("503", "504"):
            options = dict(kind="status", status=int(kind))
        elif kind == "502_html":
            options = dict(kind="status", status=502, html=True)
        elif kind == "latency":
            options = dict(kind="latency", latency_ms=self.rng.randint(20, 200))
        else:
            options = dict(kind=kind)
        self.sandbox.inject(count=count, method=method, path=path, **options)
        self.injected[kind] += count

    def settle(self) -> int:
        """Drop the faults no request met; return how many latency faults fired (not in the request log)."""
        pending = Counter()
        for fault in self.sandbox.state.pending_faults():
            if fault["kind"] == "latency":
                pending["latency"] += fault["count"]
        self.sandbox.clear_faults()
        fired = self.injected["latency"] - pending["latency"]
        self.injected.clear()
        return fired


def fired_from_log(requests) -> Counter:
    """Faults that fired, by kind, from the sandbox's request log."""
    fired: Counter[str] = Counter()
    for entry in requests:
        kind = entry["fault"]
        if kind == "status":
            status = entry["status"]
            kind = {429: "429_retry_after", 502: "502_html", 503: "503", 504: "504"}.get(status, f"status_{status}")
        if kind:
            fired[kind] += 1
    return fired


def jsonl_keys(path) -> list[str]:
    return [json.loads(line)["key"] for line in Path(path).read_text().splitlines()]


def busiest_days(sandbox, n: int) -> list[pendulum.DateTime]:
    stamps = Counter(r["audit"]["modifiedDateTime"][:10] for path in (BILL, INVOICE) for r in sandbox.records(path))
    return [pendulum.parse(day) for day, _ in stamps.most_common(n)]


@pytest.mark.parametrize("setting", SETTINGS, ids=[f"{i}-id_{s}" for i, s in SETTINGS])
def test_fault_matrix(run_dag, intacct_sandbox, intacct_conn, tmp_path, monkeypatch, capsys, setting):
    started = time.monotonic()
    intacct_sandbox.idempotency, intacct_sandbox.id_semantics = setting
    intacct_conn(max_retries=10, max_concurrency=2)
    expiry = TokenExpiry(intacct_sandbox, monkeypatch)
    days = busiest_days(intacct_sandbox, ROUNDS)
    figures = Counter()
    latency_fired = 0
    problems: list[str] = []

    def check(condition: bool, message: str) -> None:
        if not condition:
            problems.append(message)

    def run(mix: FaultMix, dag_id: str, **kwargs):
        nonlocal latency_fired
        dag_run, xcoms = run_dag(dag_id, **kwargs)
        latency_fired += mix.settle()
        expiry.disarm()
        figures["dag_runs"] += 1
        check(dag_run.state == "success", f"{dag_id} ended {dag_run.state}")
        return dag_run, xcoms

    for round_no in range(ROUNDS):
        rng = random.Random(SEED + round_no)
        mix = FaultMix(intacct_sandbox, rng)

        # 1. The daily AP/AR sync for one of the busiest days.
        base = tmp_path / f"sync-{round_no}"
        mix.read_faults(rng.randint(4, 6))
        mix.revoke_token()
        dag_run, xcoms = run(
            mix,
            "intacct_daily_ap_ar_sync",
            conf={"base_path": str(base), "lookback_seconds": 3600},
            logical_date=days[round_no].add(days=1),
        )
        window = xcoms["summary"]["window"]
        ds = pendulum.instance(dag_run.data_interval_start).to_date_string()
        for name, path in SYNCED.items():
            expected = {
                r["key"]
                for r in intacct_sandbox.records(path)
                if window[0] <= r["audit"]["modifiedDateTime"] < window[1]
            }
            got = jsonl_keys(base / ds / f"{name}.jsonl")
            figures["records_synced"] += len(got)
            figures["duplicates"] += len(got) - len(set(got))
            figures["lost"] += len(expected - set(got))
            figures["unexpected"] += len(set(got) - expected)
        check(sum(xcoms["summary"]["counts"].values()) > 0, f"round {round_no}: the sync window {window} is empty")

        # 2. A full read in pages of 7 (8 pages of bills), every token expiring mid-paging.
        out = tmp_path / f"paging-{round_no}"
        mix.read_faults(rng.randint(4, 6), paths=(QUERY,))
        expiry.arm(at_query=rng.randint(2, 6))
        run(mix, "intacct_fault_matrix_paging", file="fault_matrix", conf={"out_dir": str(out), "page_size": 7})
        for name, path in (("bill", BILL), ("invoice", INVOICE)):
            expected = {r["key"] for r in intacct_sandbox.records(path)}
            got = jsonl_keys(out / f"{name}.jsonl")
            figures["records_synced"] += len(got)
            figures["duplicates"] += len(got) - len(set(got))
            figures["lost"] += len(expected - set(got))
            figures["unexpected"] += len(set(got) - expected)

        # 3. The catalog tour: one bill and one invoice, each with its own number (found by it when an answer is lost).
        bills, invoices = ({r["key"] for r in intacct_sandbox.records(p)} for p in (BILL, INVOICE))
        mix.read_faults(rng.randint(2, 4))
        mix.create_faults("bill", rng.randint(1, 3))
        mix.create_faults("invoice", rng.randint(1, 3))
        mix.revoke_token(rng.choice([QUERY, CREATE["bill"]]))
        _, xcoms = run(mix, "intacct_catalog_tour", conf={"document_date": "2026-11-26"})
        new_bills = [r["key"] for r in intacct_sandbox.records(BILL) if r["key"] not in bills]
        new_invoices = [r["key"] for r in intacct_sandbox.records(INVOICE) if r["key"] not in invoices]
        figures["records_created"] += len(new_bills) + len(new_invoices)
        figures["creates_expected"] += 2
        figures["duplicates"] += max(0, len(new_bills) - 1) + max(0, len(new_invoices) - 1)
        figures["lost"] += (not new_bills) + (not new_invoices)
        summary = xcoms.get("summarize") or {}
        check(new_bills == [summary.get("bill", {}).get("key")], f"round {round_no}: tour bills {new_bills}")
        check(new_invoices == [summary.get("invoice", {}).get("key")], f"round {round_no}: tour invoices")

        # 4. One invoice per order (mapped, with invoice numbers: the look-up settles lost answers).
        invoices = {r["key"] for r in intacct_sandbox.records(INVOICE)}
        mix.create_faults("invoice", rng.randint(3, 5))
        mix.read_faults(rng.randint(1, 3))
        mix.revoke_token(CREATE["invoice"])
        _, xcoms = run(mix, "intacct_invoice_per_order")
        created = [r for r in intacct_sandbox.records(INVOICE) if r["key"] not in invoices]
        figures["records_created"] += len(created)
        figures["creates_expected"] += 3
        figures["duplicates"] += max(0, len(created) - 3)
        figures["lost"] += max(0, 3 - len(created))
        reported = (xcoms.get("report") or {}).get("created", [])
        check(sorted(r["key"] for r in created) == sorted(reported), f"round {round_no}: invoices {reported}")

        # 5. A journal entry and a vendor: no document number, found by content and by id.
        entries, vendors = ({r["key"] for r in intacct_sandbox.records(p)} for p in (JOURNAL_ENTRY, VENDOR))
        mix.create_faults("journal_entry", rng.randint(1, 3))
        mix.create_faults("vendor", rng.randint(1, 2))
        _, xcoms = run(mix, "intacct_fault_matrix_creates", file="fault_matrix", conf={"tag": f"FM-{round_no}"})
        for path, task_id, before in ((JOURNAL_ENTRY, "create_entry", entries), (VENDOR, "create_vendor", vendors)):
            made = [r["key"] for r in intacct_sandbox.records(path) if r["key"] not in before]
            figures["records_created"] += len(made)
            figures["creates_expected"] += 1
            figures["duplicates"] += max(0, len(made) - 1)
            figures["lost"] += not made
            returned = (xcoms.get(task_id) or {}).get("ia::result", {}).get("key")
            check(made == [returned], f"round {round_no}: {task_id} made {made}, returned {returned}")

    fired = fired_from_log(intacct_sandbox.requests)
    fired["latency"] += latency_fired
    fired["all_tokens_expired_mid_paging"] += expiry.fired
    result = {
        "idempotency": setting[0],
        "id_semantics": setting[1],
        "rounds": ROUNDS,
        "seed": SEED,
        "dag_runs": figures["dag_runs"],
        "requests": len(intacct_sandbox.requests),
        "faults_injected": sum(fired.values()),
        "faults_by_kind": dict(sorted(fired.items())),
        "records_synced": figures["records_synced"],
        "records_created": figures["records_created"],
        "creates_expected": figures["creates_expected"],
        "duplicates": figures["duplicates"],
        "lost": figures["lost"],
        "unexpected": figures["unexpected"],
        "seconds": round(time.monotonic() - started, 1),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"fault-matrix-{setting[0]}-id_{setting[1]}.json").write_text(json.dumps(result, indent=2) + "\n")
    with capsys.disabled():
        print("\nfault matrix:", json.dumps(result, indent=2))

    assert problems == []
    assert result["duplicates"] == 0 and result["lost"] == 0 and result["unexpected"] == 0
    assert result["records_created"] == result["creates_expected"] == ROUNDS * 7
    assert result["records_synced"] > 0
    # Every kind of fault the issue names actually struck.
    for kind in ("429_retry_after", "503", "502_html", "reset", "commit_then_drop", "latency", "expire_token"):
        assert fired[kind] > 0, f"no {kind} fault fired: {dict(fired)}"
    assert expiry.fired == ROUNDS
