"""A create whose answer is lost yields exactly one record, however it is retried, under every sandbox reading.

Two layers can repeat a create: the provider inside the task (the connection's
``max_retries``) and Airflow itself (the task's ``retries``). Both must end
with one record and a successful task returning its key. Where Sage's contract
is silent or contradicts itself the sandbox has a switch, and every test that
can runs under rows of :data:`SETTINGS` that between them take each switch
both ways (``idempotency`` conflict|replay, ``id_semantics`` key|number,
``require_document_numbers``, ``bill_approval``, ``bill_approve_state``,
``payment_flow``, ``payment_reverse_state``): settlement never relies on a
replayed key nor on ``id``, and a workflow step never on one state's name.
Bills and invoices are found by their numbers, vendors by their id, journal
entries by journal, posting date, description and lines, AP payments (no key
of their own) by what Intacct returns of them. Tests about records without a
number run in a company with document sequencing (``require_document_numbers``
off), the only one where such a record exists.
"""

from __future__ import annotations

import importlib.util
import time
from types import SimpleNamespace

import pytest

from intacct_provider.exceptions import IntacctAmbiguousWriteError, IntacctConflictError, IntacctServerError
from intacct_provider.operators import (
    IntacctCreateBillOperator,
    IntacctCreateJournalEntryOperator,
    IntacctCreatePaymentOperator,
    IntacctWorkflowOperator,
)

BILL = "accounts-payable/bill"
INVOICE = "accounts-receivable/invoice"
JOURNAL_ENTRY = "general-ledger/journal-entry"
VENDOR = "accounts-payable/vendor"
BILL_POST = "/objects/accounts-payable/bill$"
INVOICE_POST = "/objects/accounts-receivable/invoice$"
LINES = [{"glaccountno": "6700", "amount": "321.00", "memo": "retry safety", "locationid": "US"}]
#: Readings of what the contract leaves open, each switch both ways across the rows; the first row
#: is the sandbox's default (every stricter reading: Sage's documented 409, id = key, ...).
SETTINGS = [
    dict(idempotency="conflict", id_semantics="key", require_document_numbers=True, bill_approval=True,
         bill_approve_state="approved", payment_flow="print", payment_reverse_state="voided"),
    dict(idempotency="conflict", id_semantics="number", require_document_numbers=False, bill_approval=False,
         bill_approve_state="posted", payment_flow="approval", payment_reverse_state="reversed"),
    dict(idempotency="replay", id_semantics="key", require_document_numbers=False, bill_approval=True,
         bill_approve_state="posted", payment_flow="direct", payment_reverse_state="reversed"),
    dict(idempotency="replay", id_semantics="number", require_document_numbers=True, bill_approval=False,
         bill_approve_state="approved", payment_flow="approval", payment_reverse_state="voided"),
]  # fmt: skip
PAYMENT = "accounts-payable/payment"
PAYMENT_POST = "/objects/accounts-payable/payment$"
#: Airflow 3.3+ gives tasks ``task_state_store``; before, only the look-up and the key replay settle a retry.
HAS_TASK_STATE_STORE = importlib.util.find_spec("airflow.models.task_state_store") is not None


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    """Retries wait milliseconds, not seconds (``backoff`` reads these at call time)."""
    monkeypatch.setattr("intacct_provider.core.backoff.BACKOFF_BASE", 0.01)
    monkeypatch.setattr("intacct_provider.core.backoff.BACKOFF_CAP", 0.05)


def _setting_id(row):
    numbers = "numbers" if row["require_document_numbers"] else "sequencing"
    approval = "approval" if row["bill_approval"] else "no-approval"
    flows = f"{row['payment_flow']}-{row['payment_reverse_state']}"
    return f"{row['idempotency']}-id_{row['id_semantics']}-{numbers}-{approval}-{flows}"


@pytest.fixture(params=SETTINGS, ids=[_setting_id(row) for row in SETTINGS])
def setting(request, intacct_sandbox):
    """Run the test under one reading of what the contract leaves open."""
    intacct_sandbox.state.update(**request.param)
    return request.param


def keyless(sandbox):
    """A company with document sequencing: the only one where a bill without a number exists."""
    sandbox.require_document_numbers = False


def keys(sandbox, path):
    return {r["key"] for r in sandbox.records(path)}


def new_records(sandbox, path, before):
    return [r for r in sandbox.records(path) if r["key"] not in before]


def posts(sandbox, path):
    return [r for r in sandbox.requests if r["method"] == "POST" and r["path"] == f"/objects/{path}"]


def task_tries(dag_run):
    """``{(task_id, map_index): (state, try_number)}`` of one DAG run."""
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(TaskInstance).filter(
            TaskInstance.dag_id == dag_run.dag_id, TaskInstance.run_id == dag_run.run_id
        )
        return {(ti.task_id, ti.map_index): (str(ti.state), ti.try_number) for ti in rows}


def state_store_rows(dag_run):
    """The ``task_state_store`` rows of one DAG run: ``{(task_id, map_index, key): value}``.

    Empty on Airflow < 3.3, which has no ``task_state_store``: nothing can be stored there.
    """
    if not HAS_TASK_STATE_STORE:
        return {}
    from airflow.models.task_state_store import TaskStateStoreModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(TaskStateStoreModel).filter(
            TaskStateStoreModel.dag_id == dag_run.dag_id, TaskStateStoreModel.run_id == dag_run.run_id
        )
        return {(r.task_id, r.map_index, r.key): r.value for r in rows}


def context(task_id="create_bill", run_id="run-1", store=None, try_number=1):
    ti = SimpleNamespace(dag_id="retry_safety", task_id=task_id, run_id=run_id, map_index=-1, try_number=try_number)
    ctx = {"ti": ti}
    if store is not None:
        ctx["task_state_store"] = store
    return ctx


class MemoryStore(dict):
    """The slice of ``task_state_store`` the operators use."""

    def set(self, key, value, **_kw):
        self[key] = value


def bill_operator(**changes):
    kwargs = dict(
        task_id="create_bill",
        vendor_id="VEND-200",
        date_created="2026-11-02",
        date_due="2026-12-02",
        line_items=LINES,
        currency="USD",
    )
    return IntacctCreateBillOperator(**{**kwargs, **changes})


def assert_one_bill(sandbox, before, dag_run, xcoms, bill_number=""):
    created = new_records(sandbox, BILL, before)
    assert len(created) == 1, [(r["key"], r["id"]) for r in created]
    assert dag_run.state == "success"
    assert xcoms["create_bill"]["ia::result"]["key"] == created[0]["key"]
    if bill_number:
        assert created[0]["billNumber"] == bill_number
    # Every POST of this task instance carried one and the same idempotency key.
    sent = {r["headers"].get("Idempotency-Key") for r in posts(sandbox, BILL)}
    assert len(sent) == 1 and None not in sent
    return created[0]


# ------------------------------------------------- (a) the provider retries inside the task
IN_TASK_FAULTS = {
    "commit_then_drop": dict(kind="commit_then_drop"),
    "gateway_504": dict(kind="status", status=504),
    "gateway_504_html": dict(kind="status", status=504, html=True),
    "reset": dict(kind="reset"),
}


@pytest.mark.parametrize("fault", list(IN_TASK_FAULTS))
def test_lost_answer_settled_inside_the_task(run_dag, intacct_sandbox, setting, fault):
    before = keys(intacct_sandbox, BILL)
    intacct_sandbox.inject(method="POST", path=BILL_POST, **IN_TASK_FAULTS[fault])
    dag_run, xcoms = run_dag("intacct_retry_bill", file="retry_safety", conf={"bill_number": "RS-IN-1"})
    assert_one_bill(intacct_sandbox, before, dag_run, xcoms, "RS-IN-1")
    assert task_tries(dag_run)[("create_bill", -1)] == ("success", 1)  # no Airflow retry was needed
    bill_posts = posts(intacct_sandbox, BILL)
    if fault == "commit_then_drop":
        assert len(bill_posts) == 1  # the look-up by vendor + bill number found it: no second POST
    else:
        assert len(bill_posts) == 2  # nothing was created, nothing found: posted again, with the same key


@pytest.mark.parametrize("idempotency", ["conflict", "replay"])
def test_intacct_numbered_bill_is_settled_by_content(run_dag, intacct_sandbox, idempotency):
    """Without a bill number nothing names the bill but its idempotency key, and the key is not trusted.

    Before posting again the settlement compares content: the one bill identical to the body and
    created since the first POST began is adopted, under either reading of the key, with no second
    POST (a server that ignored the key would otherwise make a second bill).
    """
    intacct_sandbox.idempotency = idempotency
    keyless(intacct_sandbox)
    before = keys(intacct_sandbox, BILL)
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST)
    dag_run, xcoms = run_dag("intacct_retry_bill_no_store", file="retry_safety")
    assert_one_bill(intacct_sandbox, before, dag_run, xcoms)
    assert len(posts(intacct_sandbox, BILL)) == 1
    looked_up = [r for r in intacct_sandbox.requests if r["path"] == "/services/core/query"]
    assert looked_up and looked_up[0]["body"]["orderBy"][0] == {"audit.createdDateTime": "desc"}


def test_an_identical_bill_from_an_earlier_run_is_not_adopted(intacct_sandbox, intacct_conn, setting):
    """A later run's identical bill (another key) whose POST is lost before it commits is posted again.

    The earlier twin predates this create's first POST (its audit stamp, on the sandbox's clock, is
    an hour old), so the content look-up does not take it for this one.
    """
    keyless(intacct_sandbox)
    before = keys(intacct_sandbox, BILL)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    intacct_sandbox.freeze_time(stamp)
    first = bill_operator(idempotency_key="TWIN-1").execute(context())
    intacct_sandbox.unfreeze_time()
    intacct_sandbox.inject("status", status=504, method="POST", path=BILL_POST)  # lost, nothing committed
    second = bill_operator(idempotency_key="TWIN-2").execute(context(run_id="run-2"))
    created = new_records(intacct_sandbox, BILL, before)
    assert sorted(r["key"] for r in created) == sorted([first["ia::result"]["key"], second["ia::result"]["key"]])
    assert first != second


def test_a_lost_bill_beside_an_earlier_identical_one_is_found(intacct_sandbox, intacct_conn, setting):
    keyless(intacct_sandbox)
    before = keys(intacct_sandbox, BILL)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    intacct_sandbox.freeze_time(stamp)
    first = bill_operator(idempotency_key="TWIN-3").execute(context())
    intacct_sandbox.unfreeze_time()
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST)
    second = bill_operator(idempotency_key="TWIN-4").execute(context(run_id="run-2"))
    created = new_records(intacct_sandbox, BILL, before)
    assert len(created) == 2 and second != first
    assert second["ia::result"]["key"] in {r["key"] for r in created}
    assert len(posts(intacct_sandbox, BILL)) == 2  # one each: the lost one was found, not posted again


def test_lost_answer_after_a_read_timeout_is_settled(run_dag, intacct_sandbox, intacct_conn, setting):
    """The server commits after the client gave up waiting (timeout=1 s, answer after 1.5 s)."""
    intacct_conn(max_retries=4, timeout=1)
    before = keys(intacct_sandbox, BILL)
    intacct_sandbox.inject("latency", method="POST", path=BILL_POST, latency_ms=1500)
    dag_run, xcoms = run_dag("intacct_retry_bill", file="retry_safety", conf={"bill_number": "RS-SLOW-1"})
    # The slow first POST is still being served; count only once the late commit has happened.
    deadline = time.monotonic() + 10
    while any(r["status"] is None for r in posts(intacct_sandbox, BILL)) and time.monotonic() < deadline:
        time.sleep(0.05)
    statuses = sorted(r["status"] for r in posts(intacct_sandbox, BILL))
    assert statuses in ([201, 201], [201, 409])  # the retry created it; the late one was replayed or refused
    assert_one_bill(intacct_sandbox, before, dag_run, xcoms, "RS-SLOW-1")


# --------------------------------------------------------- (b) Airflow retries the task
DIE = {"die_while_settling": True}


@pytest.mark.parametrize("dag_id", ["intacct_retry_bill", "intacct_retry_bill_no_store"])
def test_airflow_retry_after_lost_answer_creates_one_bill(run_dag, intacct_sandbox, intacct_conn, setting, dag_id):
    """Try 1 dies before it can look its lost bill up; try 2 looks the bill up by number before posting."""
    intacct_conn(max_retries=0)
    before = keys(intacct_sandbox, BILL)
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST)
    dag_run, xcoms = run_dag(dag_id, file="retry_safety", conf={"bill_number": "RS-AF-1", **DIE})
    assert task_tries(dag_run)[("create_bill", -1)] == ("success", 2)
    bill = assert_one_bill(intacct_sandbox, before, dag_run, xcoms, "RS-AF-1")
    assert xcoms["create_bill"]["adopted"] is False  # made by this task instance's try 1, not an earlier run
    if not HAS_TASK_STATE_STORE:
        return  # nothing stored anywhere: the single bill above is the whole proof on this Airflow
    stored = state_store_rows(dag_run)
    if dag_id == "intacct_retry_bill":
        assert bill["key"] in stored[("create_bill", -1, "intacct_create")]
        assert len(posts(intacct_sandbox, BILL)) == 1  # try 2 knew it might exist: looked up first
    else:
        assert stored == {}  # the operator never saw a store: its number found it (a 409 first, then the look-up)


def test_airflow_retry_of_a_bill_without_number_finds_what_try_1_created(
    run_dag, intacct_sandbox, intacct_conn, setting
):
    """No natural key: try 2 adopts the one identical bill created since try 1 began posting.

    With ``task_state_store`` try 1 stored when it began posting, so try 2 looks before posting
    and the identical bills of earlier runs (older than that) are not taken for this one.
    """
    intacct_conn(max_retries=0)
    keyless(intacct_sandbox)
    conf = {"bill_number": "", "amount": "4321.09"}
    intacct_sandbox.freeze_time(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600)))
    run_dag("intacct_retry_bill", file="retry_safety", conf=conf)  # an identical bill from an earlier run
    intacct_sandbox.unfreeze_time()
    before = keys(intacct_sandbox, BILL)
    sent_before = len(posts(intacct_sandbox, BILL))
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST)
    dag_run, xcoms = run_dag("intacct_retry_bill", file="retry_safety", conf={**conf, **DIE})
    created = new_records(intacct_sandbox, BILL, before)
    assert len(created) == 1  # try 1's bill, and never a second one
    if not HAS_TASK_STATE_STORE and setting["idempotency"] == "conflict":
        # Airflow < 3.3: try 2 does not know it is a retry. Its POST meets 409, and try 1's bill and
        # the earlier run's twin cannot be told apart by content: a loud failure naming the key.
        assert task_tries(dag_run)[("create_bill", -1)] == ("failed", 2)
        return
    assert task_tries(dag_run)[("create_bill", -1)] == ("success", 2)
    assert [r["key"] for r in created] == [xcoms["create_bill"]["ia::result"]["key"]]
    if HAS_TASK_STATE_STORE:
        assert len(posts(intacct_sandbox, BILL)) - sent_before == 1  # try 2 found it by content, no second POST


def test_airflow_retry_of_a_journal_entry_finds_it_by_content(run_dag, intacct_sandbox, intacct_conn, setting):
    intacct_conn(max_retries=0)
    before = keys(intacct_sandbox, JOURNAL_ENTRY)
    intacct_sandbox.inject("commit_then_drop", method="POST", path="/objects/general-ledger/journal-entry$")
    dag_run, xcoms = run_dag("intacct_retry_journal_entry", file="retry_safety", conf=DIE)
    assert task_tries(dag_run)[("create_entry", -1)] == ("success", 2)
    created = new_records(intacct_sandbox, JOURNAL_ENTRY, before)
    assert len(created) == 1
    assert xcoms["create_entry"]["ia::result"]["key"] == created[0]["key"]
    assert created[0]["description"] == "Retry safety accrual"


def test_airflow_retry_of_a_vendor_finds_it_by_id(run_dag, intacct_sandbox, intacct_conn, setting):
    intacct_conn(max_retries=0)
    intacct_sandbox.inject("commit_then_drop", method="POST", path="/objects/accounts-payable/vendor$")
    dag_run, xcoms = run_dag("intacct_retry_vendor", file="retry_safety", conf=DIE)
    assert task_tries(dag_run)[("create_vendor", -1)] == ("success", 2)
    matching = [r for r in intacct_sandbox.records(VENDOR) if r["id"] == "VEND-RETRY"]
    assert [r["key"] for r in matching] == [xcoms["create_vendor"]["ia::result"]["key"]]


def test_airflow_retry_reads_back_the_bill_a_crashed_try_created(run_dag, intacct_sandbox, intacct_conn, setting):
    """Try 1 created and stored the bill, then died: try 2 reads it back (GET), it does not POST."""
    intacct_conn(max_retries=0)
    before = keys(intacct_sandbox, BILL)
    conf = {"bill_number": "RS-CRASH-1"}
    dag_run, xcoms = run_dag("intacct_retry_bill_crash_after_create", file="retry_safety", conf=conf)
    assert task_tries(dag_run)[("create_bill", -1)] == ("success", 2)
    bill = assert_one_bill(intacct_sandbox, before, dag_run, xcoms, "RS-CRASH-1")
    if not HAS_TASK_STATE_STORE:
        return  # nothing was stored: try 2 settled it by replaying the key, and one bill exists (above)
    assert len(posts(intacct_sandbox, BILL)) == 1
    reads = [
        r for r in intacct_sandbox.requests if r["method"] == "GET" and r["path"] == f"/objects/{BILL}/{bill['key']}"
    ]
    assert len(reads) == 2  # try 1 read its webURL for the task's link; try 2 read the bill back, nothing more


def test_airflow_retries_mapped_creates(run_dag, intacct_sandbox, intacct_conn, setting):
    intacct_conn(max_retries=0)
    before = keys(intacct_sandbox, INVOICE)
    intacct_sandbox.inject("commit_then_drop", count=3, method="POST", path=INVOICE_POST)
    dag_run, xcoms = run_dag("intacct_retry_invoice_mapped", file="retry_safety", conf={"prefix": "RS-MAP", **DIE})
    assert dag_run.state == "success"
    tries = task_tries(dag_run)
    assert [tries[("create_invoice", i)] for i in range(3)] == [("success", 2)] * 3
    created = new_records(intacct_sandbox, INVOICE, before)
    assert len(created) == 3
    assert sorted(r["key"] for r in created) == sorted(
        xcoms["create_invoice"][i]["ia::result"]["key"] for i in range(3)
    )
    assert sorted(r["invoiceNumber"] for r in created) == ["RS-MAP-0", "RS-MAP-1", "RS-MAP-2"]
    per_instance = {}
    for request in posts(intacct_sandbox, INVOICE):
        per_instance.setdefault(request["body"]["lines"][0]["txnAmount"], set()).add(
            request["headers"]["Idempotency-Key"]
        )
    assert sorted(per_instance) == ["10.00", "20.00", "30.00"]
    assert all(len(sent) == 1 for sent in per_instance.values())  # one key per map index, kept across tries
    assert len({next(iter(sent)) for sent in per_instance.values()}) == 3


def test_example_invoice_per_order_with_every_answer_lost(run_dag, intacct_sandbox, setting):
    before = keys(intacct_sandbox, INVOICE)
    intacct_sandbox.inject("commit_then_drop", count=3, method="POST", path=INVOICE_POST)
    dag_run, xcoms = run_dag("intacct_invoice_per_order")
    assert dag_run.state == "success"
    created = new_records(intacct_sandbox, INVOICE, before)
    assert len(created) == 3
    assert sorted(r["key"] for r in created) == sorted(xcoms["report"]["created"])  # the example reports keys
    faulted = [r for r in intacct_sandbox.requests if r["fault"] == "commit_then_drop"]
    assert len(faulted) == 3


# ------------------------------------------------ operator.execute twice, with and without a store
@pytest.mark.parametrize("with_store", [True, False], ids=["task_state_store", "no-task_state_store"])
def test_second_try_after_lost_answer_by_execute(intacct_sandbox, intacct_conn, setting, with_store):
    """Try 1's answer is lost and its look-up fails too (a 503): it fails; try 2 settles it."""
    intacct_conn(max_retries=0)
    store = MemoryStore() if with_store else None
    before = keys(intacct_sandbox, BILL)
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST)
    intacct_sandbox.inject("status", status=503, method="POST", path="/services/core/query$")
    with pytest.raises(IntacctServerError):
        bill_operator(bill_number="RS-EX-1").execute(context(store=store))
    if with_store:
        assert store["intacct_create"]["record"] is None  # the key is remembered, the record not yet known
    result = bill_operator(bill_number="RS-EX-1").execute(context(store=store, try_number=2))
    created = new_records(intacct_sandbox, BILL, before)
    assert [r["key"] for r in created] == [result["ia::result"]["key"]]
    assert result["adopted"] is False  # try 1 of this task made it
    if with_store:
        assert store["intacct_create"]["record"]["key"] == result["ia::result"]["key"]
        intacct_sandbox.clear_requests()
        third = bill_operator(bill_number="RS-EX-1").execute(context(store=store, try_number=3))
        assert third == result  # a third try reads it back
        assert posts(intacct_sandbox, BILL) == []


def test_journal_entry_lost_inside_the_task_is_found_by_content(intacct_sandbox, intacct_conn, setting):
    lines = [
        {"glaccountno": "6500", "amount": "10.00", "tr_type": "debit", "memo": "a"},
        {"glaccountno": "2000", "amount": "10.00", "tr_type": "credit"},
    ]

    def entry(**changes):
        kwargs = dict(task_id="je", journal_id="GJ", posting_date="2026-11-30", lines=lines, description="RS JE")
        return IntacctCreateJournalEntryOperator(**{**kwargs, **changes})

    before = keys(intacct_sandbox, JOURNAL_ENTRY)
    intacct_sandbox.inject("commit_then_drop", method="POST", path="/objects/general-ledger/journal-entry$")
    result = entry().execute(context(task_id="je"))
    created = new_records(intacct_sandbox, JOURNAL_ENTRY, before)
    assert [r["key"] for r in created] == [result["ia::result"]["key"]]
    assert len(posts(intacct_sandbox, JOURNAL_ENTRY)) == 1  # found by journal, date, description and lines
    # Same journal, date and description, other lines, answer lost too: the entry with *these* lines is found.
    intacct_sandbox.inject("commit_then_drop", method="POST", path="/objects/general-ledger/journal-entry$")
    other = [{**lines[0], "amount": "11.00"}, {**lines[1], "amount": "11.00"}]
    second = entry(lines=other).execute(context(task_id="je2", run_id="run-2"))
    created = new_records(intacct_sandbox, JOURNAL_ENTRY, before)
    assert len(created) == 2 and second["ia::result"]["key"] != result["ia::result"]["key"]
    found = intacct_sandbox.get_record(JOURNAL_ENTRY, second["ia::result"]["key"])
    assert [line["txnAmount"] for line in found["lines"]] == ["11.00", "11.00"]


def test_journal_entry_with_the_same_header_but_other_lines_is_not_adopted(hook, intacct_sandbox):
    """An existing entry with this journal, date and description but other lines is someone else's."""
    body = {
        "glJournal": {"id": "GJ"},
        "postingDate": "2026-11-30",
        "description": "RS JE other",
        "lines": [
            {"glAccount": {"id": "6500"}, "txnAmount": "10.00", "txnType": "debit"},
            {"glAccount": {"id": "2000"}, "txnAmount": "10.00", "txnType": "credit"},
        ],
    }
    hook.create_record(JOURNAL_ENTRY, body)
    lookup = [
        {"$eq": {"glJournal.id": "GJ"}},
        {"$eq": {"postingDate": "2026-11-30"}},
        {"$eq": {"description": "RS JE other"}},
    ]
    other = {**body, "lines": [{**line, "txnAmount": "12.00"} for line in body["lines"]]}
    with pytest.raises(IntacctConflictError, match="differs from this create in lines"):
        hook.create_record(JOURNAL_ENTRY, other, lookup=lookup, resumed=True)


# --------------------------------------------------------------------------- the 409 path
def test_same_idempotency_key_different_body_is_a_clear_conflict(intacct_sandbox, intacct_conn, setting):
    before = keys(intacct_sandbox, BILL)
    first = bill_operator(idempotency_key="ORDER-42", bill_number="RS-42").execute(context())
    other_lines = [{**LINES[0], "amount": "999.00"}]
    with pytest.raises(IntacctConflictError) as info:
        bill_operator(idempotency_key="ORDER-42", line_items=other_lines).execute(context(run_id="run-2"))
    error = info.value
    assert error.status == 409
    text = str(error)
    assert "idempotency key" in text.lower() and "already" in text
    assert "POST /objects/accounts-payable/bill" in text
    assert [r["key"] for r in new_records(intacct_sandbox, BILL, before)] == [first["ia::result"]["key"]]
    # The same key with the same body and number: a replay, or a 409 settled by the number. Still one bill.
    again = bill_operator(idempotency_key="ORDER-42", bill_number="RS-42").execute(context(run_id="run-3"))
    assert again["ia::result"] == first["ia::result"]
    # A 409 settled by the number is said to be an earlier run's; a replayed answer cannot be told from a create.
    assert again["adopted"] is (setting["idempotency"] == "conflict")
    assert len(new_records(intacct_sandbox, BILL, before)) == 1


def test_same_key_different_bill_number_is_a_conflict_not_the_old_bill(intacct_sandbox, intacct_conn, setting):
    """The look-up after a 409 searches the *new* bill number, so it cannot return an unrelated bill."""
    before = keys(intacct_sandbox, BILL)
    bill_operator(idempotency_key="ORDER-43", bill_number="RS-43-A").execute(context())
    with pytest.raises(IntacctConflictError):
        bill_operator(idempotency_key="ORDER-43", bill_number="RS-43-B").execute(context(run_id="run-2"))
    assert [r["billNumber"] for r in new_records(intacct_sandbox, BILL, before)] == ["RS-43-A"]


def test_duplicate_bill_number_from_an_earlier_run_is_found(intacct_sandbox, intacct_conn, setting, capsys):
    before = keys(intacct_sandbox, BILL)
    first = bill_operator(bill_number="RS-DUP-1").execute(context(run_id="run-1"))
    intacct_sandbox.clear_requests()
    capsys.readouterr()
    second = bill_operator(bill_number="RS-DUP-1").execute(context(run_id="run-2"))  # another run, another key
    assert second == {"ia::result": first["ia::result"], "adopted": True} and first["adopted"] is False
    bill = first["ia::result"]
    said = capsys.readouterr().out  # the task log (Airflow's structured logger writes to stdout here)
    assert (
        f"Adopted AP bill {bill['id']} (key {bill['key']}), created by an earlier run; nothing new was created" in said
    )
    assert "Created AP bill" not in said
    statuses = [r["status"] for r in posts(intacct_sandbox, BILL)]
    assert statuses == [409]  # Intacct refused the duplicate number; the look-up then found the bill
    assert [r["billNumber"] for r in new_records(intacct_sandbox, BILL, before)] == ["RS-DUP-1"]


def test_duplicate_bill_number_in_a_dag_rerun(run_dag, intacct_sandbox):
    """Re-running the DAG (a new run id, so a new key) for the same bill number returns the first bill."""
    before = keys(intacct_sandbox, BILL)
    _, first = run_dag("intacct_retry_bill", file="retry_safety", conf={"bill_number": "RS-RERUN-1"})
    dag_run, second = run_dag("intacct_retry_bill", file="retry_safety", conf={"bill_number": "RS-RERUN-1"})
    assert dag_run.state == "success"
    assert second["create_bill"] == {"ia::result": first["create_bill"]["ia::result"], "adopted": True}
    assert [r["billNumber"] for r in new_records(intacct_sandbox, BILL, before)] == ["RS-RERUN-1"]


# ------------------------------------------------------------- what the errors say
@pytest.mark.parametrize("bill_number", [None, "RS-MSG-1"], ids=["intacct-numbered", "bill-number"])
def test_ambiguous_error_says_what_was_tried(intacct_sandbox, intacct_conn, bill_number):
    """max_retries=0: lost before it committed, the bill is looked up (not found) but not posted again."""
    intacct_conn(max_retries=0)
    if bill_number is None:
        keyless(intacct_sandbox)
    intacct_sandbox.inject("status", status=504, method="POST", path=BILL_POST)
    with pytest.raises(IntacctAmbiguousWriteError) as info:
        bill_operator(bill_number=bill_number, idempotency_key="ORDER-7").execute(context())
    assert len([r for r in intacct_sandbox.requests if r["path"] == "/services/core/query"]) == 1  # looked up
    assert len(posts(intacct_sandbox, BILL)) == 1
    text = str(info.value)
    assert "may or may not have been created" in text
    assert "it was not sent again: the connection's max_retries is 0" in text
    by = "by vendor.id=VEND-200, billNumber=RS-MSG-1" if bill_number else "by content"
    assert f"looked up afterwards {by}, it does not exist" in text
    assert "check Intacct before creating it again" in text
    assert "ORDER-7" in text  # the key an Airflow retry of the task will resend


def test_a_lost_create_is_settled_inside_the_task_even_with_max_retries_0(intacct_sandbox, intacct_conn, setting):
    """Committed, then the answer lost: the look-up that follows at once finds the bill; no POST again."""
    intacct_conn(max_retries=0)
    before = keys(intacct_sandbox, BILL)
    intacct_sandbox.inject("commit_then_drop", method="POST", path=BILL_POST)
    result = bill_operator(bill_number="RS-MR0-1").execute(context())
    assert [r["key"] for r in new_records(intacct_sandbox, BILL, before)] == [result["ia::result"]["key"]]
    assert len(posts(intacct_sandbox, BILL)) == 1 and result["adopted"] is False


def test_key_conflict_names_the_key(intacct_sandbox, intacct_conn):
    """Without a number only the key ties the two creates together: the conflict names it."""
    keyless(intacct_sandbox)
    bill_operator(idempotency_key="ORDER-44").execute(context())
    other = bill_operator(idempotency_key="ORDER-44", line_items=[{**LINES[0], "amount": "1.00"}])
    with pytest.raises(IntacctConflictError) as info:
        other.execute(context())
    assert "ORDER-44" in str(info.value)


# ------------------------------------------------------------------ AP payments and their workflow
def payment_operator(**changes):
    kwargs = dict(
        task_id="pay_bill",
        vendor_id="VEND-100",
        bank_account_id="BOA",
        payment_date="2026-11-15",
        payment_method="Printed Check",
        bills=[{"key": "2001", "amount": "500.00"}],
        description="Retry safety payment",
        submit=True,
    )
    return IntacctCreatePaymentOperator(**{**kwargs, **changes})


#: The state ``submit`` leaves a payment in under each ``payment_flow`` reading.
SUBMITTED = {"print": "submitted", "approval": "submitted", "direct": "confirmed"}


@pytest.mark.parametrize("fault", ["commit_then_drop", "gateway_504"])
def test_lost_payment_answer_is_settled_by_what_intacct_returns(intacct_sandbox, intacct_conn, setting, fault):
    """No natural key, and ``paymentDate`` is writeOnly: the look-up never filters on it, and finds
    the one identical payment created since the first POST by vendor, bank, method, memo, amounts."""
    before = keys(intacct_sandbox, PAYMENT)
    intacct_sandbox.inject(method="POST", path=PAYMENT_POST, **IN_TASK_FAULTS[fault])
    result = payment_operator().execute(context(task_id="pay_bill"))
    created = new_records(intacct_sandbox, PAYMENT, before)
    assert [r["key"] for r in created] == [result["ia::result"]["key"]]
    assert created[0]["state"] == SUBMITTED[setting["payment_flow"]]
    assert len(posts(intacct_sandbox, PAYMENT)) == (1 if fault == "commit_then_drop" else 2)
    queries = [r["body"] for r in intacct_sandbox.requests if r["path"] == "/services/core/query"]
    filtered = {name for q in queries for item in q.get("filters", []) for name in next(iter(item.values()))}
    assert "paymentDate" not in filtered and "vendor.id" in filtered


@pytest.mark.parametrize("with_store", [True, False], ids=["task_state_store", "no-task_state_store"])
def test_second_try_of_a_payment_after_a_lost_answer(intacct_sandbox, intacct_conn, setting, with_store):
    """Try 1's answer is lost and its look-up fails too (a 503): it fails; try 2 settles it."""
    intacct_conn(max_retries=0)
    store = MemoryStore() if with_store else None
    before = keys(intacct_sandbox, PAYMENT)
    intacct_sandbox.inject("commit_then_drop", method="POST", path=PAYMENT_POST)
    intacct_sandbox.inject("status", status=503, method="POST", path="/services/core/query$")
    with pytest.raises(IntacctServerError):
        payment_operator().execute(context(task_id="pay_bill", store=store))
    result = payment_operator().execute(context(task_id="pay_bill", store=store, try_number=2))
    created = new_records(intacct_sandbox, PAYMENT, before)
    assert [r["key"] for r in created] == [result["ia::result"]["key"]]
    assert created[0]["state"] == SUBMITTED[setting["payment_flow"]]  # submitted once, by the second try
    submits = [r for r in intacct_sandbox.requests if r["path"] == "/workflows/accounts-payable/payment/submit"]
    assert len(submits) == 1


def test_airflow_retries_of_the_payment_flow_pay_the_bill_once(run_dag, intacct_sandbox, intacct_conn, setting):
    """Every POST of the flow (the create, submit, approve, print, confirm) loses its answer once;
    max_retries=0, so each task fails and Airflow retries it. One payment, each action run once at
    most, and the bill ends paid whichever steps the reading needs."""
    intacct_conn(max_retries=0)
    before = keys(intacct_sandbox, PAYMENT)
    intacct_sandbox.inject("commit_then_drop", method="POST", path=PAYMENT_POST)
    for action in ("submit", "approve", "print", "confirm"):
        intacct_sandbox.inject("commit_then_drop", method="POST", path=f"/workflows/accounts-payable/payment/{action}$")
    dag_run, xcoms = run_dag("intacct_retry_payment", file="retry_safety")
    assert dag_run.state == "success", task_tries(dag_run)
    created = new_records(intacct_sandbox, PAYMENT, before)
    assert [r["key"] for r in created] == [xcoms["pay_bill"]["ia::result"]["key"]]
    bill = intacct_sandbox.get_record(BILL, "2001")
    assert (bill["state"], bill["totalTxnAmountDue"]) == ("paid", "0.00")
    for action in ("submit", "approve", "print", "confirm"):
        performed = [
            r
            for r in intacct_sandbox.requests
            if r["path"] == f"/workflows/accounts-payable/payment/{action}" and r["status"] == 200
        ]
        assert len(performed) <= 1, action
    done = {task: xcoms[f"{task}_payment"]["performed"] for task in ("approve", "print", "confirm")}
    if setting["payment_flow"] == "direct":
        assert done == {"approve": False, "print": False, "confirm": False}  # submit confirmed it
    else:
        assert done == {"approve": True, "print": True, "confirm": True}


def test_airflow_retries_of_a_lost_reverse_never_reverse_twice(run_dag, intacct_sandbox, intacct_conn, setting):
    """Two confirmed payments; each reverse task's try 1 dies right after its POST, one of them
    without ``task_state_store`` (Airflow < 3.3). Try 2 reads the state, whichever name the reading
    gives it (``voided`` or ``reversed``), counts the reverse as done and posts nothing."""
    intacct_conn(max_retries=0)
    keys_ = []
    for amount in ("200.00", "300.00"):
        created = payment_operator(bills=[{"key": "2001", "amount": amount}], description=f"Reverse {amount}")
        key = created.execute(context(task_id=f"pay_{amount}"))["ia::result"]["key"]
        for action in ("approve", "print", "confirm"):  # each skipped where the reading is past it
            step = IntacctWorkflowOperator(task_id=action, object="ap_payment", action=action, key=key)
            step.execute(context(task_id=action))
        keys_.append(key)
    assert intacct_sandbox.get_record(BILL, "2001")["state"] == "paid"
    dag_run, xcoms = run_dag("intacct_retry_reverse", file="retry_safety", conf={"payment_keys": keys_})
    assert dag_run.state == "success", task_tries(dag_run)
    reverse_state = setting["payment_reverse_state"]
    for index, key in enumerate(keys_):
        done = {"key": key, "action": "reverse", "state": reverse_state, "performed": False}
        assert task_tries(dag_run)[(f"reverse_{index}", -1)] == ("success", 2)
        assert xcoms[f"reverse_{index}"] == done
        assert intacct_sandbox.get_record(PAYMENT, key)["state"] == reverse_state
    reverses = [r for r in intacct_sandbox.requests if r["path"] == "/workflows/accounts-payable/payment/reverse"]
    assert sorted(r["body"]["key"] for r in reverses) == sorted(keys_)  # one POST per payment
    bill = intacct_sandbox.get_record(BILL, "2001")
    assert (bill["state"], bill["totalTxnAmountDue"]) == ("posted", "500.00")
