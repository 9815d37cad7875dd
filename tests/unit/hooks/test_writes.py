"""hooks.writes: the one write engine over an in-memory Intacct, without a server.

The fake channel answers as the transport would after its own retries: a 2xx response, or the
exception the transport raises (a lost answer or a 5xx to a create is an
``IntacctAmbiguousWriteError``, a 429 an ``IntacctRateLimitError``, ...). ``faults`` script what the
next sends meet, so every rule of the engine is checked request by request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import SimpleNamespace
from typing import Any

import pytest

from intacct_provider.catalog.bulk_records import Item, Preparer
from intacct_provider.catalog.registry import BILL
from intacct_provider.exceptions import (
    IntacctAmbiguousWriteError,
    IntacctAuthError,
    IntacctConflictError,
    IntacctError,
    IntacctNotFoundError,
    IntacctProtocolError,
    IntacctRateLimitError,
    IntacctRequestError,
    IntacctServerError,
    IntacctTransportError,
)
from intacct_provider.hooks.writes import How, WriteEngine

PATH = "accounts-payable/bill"
URL = f"/objects/{PATH}"
QUERY = "/services/core/query"


def answer(status: int, body: Any) -> SimpleNamespace:
    now = format_datetime(datetime.now(UTC), usegmt=True)
    return SimpleNamespace(status_code=status, text=json.dumps(body), headers={"Date": now})


class FakeIntacct:
    """Bills in memory: array and single creates, batch GETs, ``$eq``/``$in`` queries; scripted faults.

    ``faults`` name what the next sends meet, one each: ``commit_then_lost``/``commit_then_500``
    perform the create and then raise what the transport raises; ``lost``/``429``/``409``/``403``
    (and ``no_connection``) raise without writing; ``late`` loses the answer and commits the request just before the next
    create arrives (a request still being processed when the look-up ran), ``torn`` just before the look-up's second
    query (committed while it was looked up); ``item_409``/``item_503``
    make the first record of an array fail alone, ``201_bare_error`` in a 201 without a status. A body described ``bad`` makes its whole request
    a 400, as validation would. A committed request's key replays its answer, as Intacct's does.
    """

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.replays: dict[str, SimpleNamespace] = {}
        self.late: list[tuple[str | None, Any]] = []
        self.queries_until_commit: int | None = None  # ``torn``: queries answered before the late commit lands
        self.calls: list[tuple[str, str, Any, str | None]] = []
        self.faults: list[str] = []
        self.pauses: list[float] = []
        self.next_key = 100
        #: A batch GET answers in another order than asked (Intacct does not promise one).
        self.gets_reversed = False
        #: Query pages hold no rows while ``totalCount`` says there are some.
        self.pages_empty = False

    # -- the channel
    def send(self, method, path, *, json_body=None, headers=None, resend_safe=True):
        key = (headers or {}).get("Idempotency-Key")
        self.calls.append((method, path, json_body, key))
        if path == QUERY:
            if self.queries_until_commit is not None:
                self.queries_until_commit -= 1
                if self.queries_until_commit < 0:
                    self._commit_late()
            return self._query(json_body)
        if method == "GET":
            return self._get(path.rsplit("/", 1)[-1].split(","))
        self._commit_late()  # the late commit lands before this request is read
        fault = self.faults.pop(0) if self.faults else None
        if fault in ("late", "torn"):
            self.late.append((key, json_body))
            self.queries_until_commit = 1 if fault == "torn" else None
            fault = "lost"
        if fault == "lost":
            raise IntacctAmbiguousWriteError(
                "the answer to this POST was lost (ReadTimeout); the record may or may not have been created"
            )
        if fault == "429":
            raise IntacctRateLimitError("throttled", status=429)
        if fault == "no_connection":
            raise IntacctTransportError("could not connect (ConnectionRefusedError)")
        bad = [i for i, body in enumerate(json_body if isinstance(json_body, list) else [json_body])
               if body.get("description") == "bad"]  # fmt: skip
        if bad:  # one answer for the whole request, as a 400 is
            raise IntacctRequestError(f"record {bad[0]} is invalid", status=400)
        if fault == "409":
            raise IntacctConflictError("A request with the same idempotency key was already processed", status=409)
        if fault == "403":
            raise IntacctAuthError("forbidden", status=403)
        if key in self.replays:
            return self.replays[key]
        return self._commit(key, json_body, fault)

    def _commit_late(self) -> None:
        for late_key, late_body in self.late:
            self._commit(late_key, late_body, None)
        self.late = []
        self.queries_until_commit = None

    def _commit(self, key: str | None, json_body: Any, fault: str | None) -> SimpleNamespace:
        bodies = json_body if isinstance(json_body, list) else [json_body]
        items = []
        for index, body in enumerate(bodies):
            if fault in ("item_409", "item_503") and index == 0:
                status = 409 if fault == "item_409" else 503
                items.append({"ia::status": status, "ia::error": {"code": "x", "message": f"record failed {status}"}})
                continue
            if fault == "201_bare_error" and index == 0:  # "all created", yet an error of unknown status
                items.append({"ia::error": {"code": "x", "message": "record failed"}})
                continue
            items.append({"ia::status": 201, "ia::result": self.create(body)})
        if not isinstance(json_body, list):
            reply = answer(201, {"ia::result": items[0]["ia::result"]})
        elif fault == "201_bare_error":
            reply = answer(201, {"ia::result": [item.get("ia::result", item) for item in items]})
        elif all(item["ia::status"] == 201 for item in items):
            reply = answer(201, {"ia::result": [item["ia::result"] for item in items]})
        else:
            reply = answer(207, {"ia::result": items})
        if key is not None:
            self.replays[key] = reply
        if fault == "commit_then_lost":
            raise IntacctAmbiguousWriteError("the answer to this POST was lost (ConnectionError)")
        if fault == "commit_then_500":
            raise IntacctAmbiguousWriteError(
                "Intacct answered HTTP 500 to this POST; the record may or may not have been created", status=500
            )
        return reply

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)

    # -- the store
    def create(self, body: dict[str, Any], created: datetime | None = None) -> dict[str, Any]:
        self.next_key += 1
        key = str(self.next_key)
        stamp = (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.records[key] = {**body, "key": key, "id": key, "href": f"{URL}/{key}", "audit": {"createdDateTime": stamp}}
        return {"key": key, "id": key, "href": f"{URL}/{key}"}

    def _get(self, keys: list[str]) -> SimpleNamespace:
        if len(keys) == 1:
            return answer(200, {"ia::result": self.records[keys[0]]})
        records = [self.records[key] for key in keys]
        return answer(200, {"ia::result": records[::-1] if self.gets_reversed else records})

    def _query(self, body: dict[str, Any]) -> SimpleNamespace:
        def value(record, name):
            for part in name.split("."):
                record = record.get(part) if isinstance(record, dict) else None
            return record

        def matches(record):
            for condition in body.get("filters") or []:
                ((operator, pair),) = condition.items()
                ((name, wanted),) = pair.items()
                have = value(record, name)
                if operator == "$eq" and str(have) != str(wanted):
                    return False
                if operator == "$in" and str(have) not in [str(w) for w in wanted]:
                    return False
            return True

        rows = [r for r in self.records.values() if matches(r)]
        rows.sort(key=lambda r: (r["audit"]["createdDateTime"], int(r["key"])), reverse=True)
        start, size = body["start"], body["size"]
        page = [{name: value(r, name) for name in body["fields"]} for r in rows[start - 1 : start - 1 + size]]
        if self.pages_empty:
            page = []
        return answer(200, {"ia::result": page, "ia::meta": {"totalCount": len(rows)}})

    # -- what happened
    def posts(self) -> list[tuple[str, str, Any, str | None]]:
        return [call for call in self.calls if call[0] == "POST" and call[1] == URL]

    def count(self, description: str) -> int:
        return sum(1 for r in self.records.values() if r.get("description") == description)


def bills(count: int, tag: str, numbered: bool = True) -> list[Item]:
    preparer = Preparer(BILL, BILL.natural_key)
    records = []
    for i in range(count):
        record = {
            "vendor_id": "V-1",
            "date_created": "2026-11-02",
            "date_due": "2026-12-02",
            "description": f"{tag}-{i}",
            "line_items": [{"glaccountno": "6700", "amount": f"{i + 1}.00"}],
        }
        if numbered:
            record["bill_number"] = f"{tag}-{i}"
        records.append(preparer.prepare(i, record))
    return records


def keys_by_round(tag: str = "k") -> Callable[[int, Any], str]:
    """A batch's keys: one per round and bodies, as ``core.batching`` derives them."""
    return lambda round_index, sent: f"{tag}-{round_index}-{len(sent)}"


@pytest.fixture
def intacct() -> FakeIntacct:
    return FakeIntacct()


def engine(intacct: FakeIntacct, rounds: int = 3) -> WriteEngine:
    return WriteEngine(intacct, PATH, BILL.natural_key, rounds=rounds)


def statuses(written) -> list[tuple[str, How | None]]:
    return [(w.status, w.how) for w in written]


# ------------------------------------------------------------------ one rule for every create
@pytest.mark.parametrize("numbered", [True, False], ids=["natural-key", "content"])
@pytest.mark.parametrize("fault", ["commit_then_500", "commit_then_lost"])
def test_a_committed_batch_whose_answer_proves_nothing_is_looked_up_not_sent_again(intacct, numbered, fault):
    intacct.faults = [fault]
    written = engine(intacct).create(bills(5, "c", numbered), keys_by_round())
    assert statuses(written) == [("created", How.FOUND)] * 5
    assert [intacct.count(f"c-{i}") for i in range(5)] == [1] * 5
    assert len(intacct.posts()) == 1 and intacct.pauses == []  # looked up at once, nothing to send again


@pytest.mark.parametrize("numbered", [True, False], ids=["natural-key", "content"])
def test_a_lost_send_all_missing_goes_again_under_its_own_key(intacct, numbered):
    intacct.faults = ["lost"]
    written = engine(intacct).create(bills(3, "m", numbered), keys_by_round())
    assert statuses(written) == [("created", How.ANSWERED)] * 3
    keys = [call[3] for call in intacct.posts()]
    assert keys == ["k-0-3", "k-0-3"]  # the same request again: a late commit would be replayed or refused
    assert len(intacct.pauses) == 1


@pytest.mark.parametrize("numbered", [True, False], ids=["natural-key", "content"])
@pytest.mark.parametrize("meanwhile", ["429", "no_connection"])
def test_a_lost_send_keeps_its_key_until_a_definite_answer(intacct, numbered, meanwhile):
    """Lost while still committing; the re-send under its key meets a 429 or no connection: the key stays.

    Under a new key the late commit of the first request and the third send would both create the bills.
    """
    intacct.faults = ["late", meanwhile]
    written = engine(intacct).create(bills(2, "h", numbered), keys_by_round())
    assert [call[3] for call in intacct.posts()] == ["k-0-2"] * 3
    assert [intacct.count(f"h-{i}") for i in range(2)] == [1, 1]
    assert [w.status for w in written] == ["created", "created"]


@pytest.mark.parametrize("numbered", [True, False], ids=["natural-key", "content"])
@pytest.mark.parametrize("faults", [["lost", "409"], ["lost", "429", "409"]], ids=["at-once", "after-a-429"])
def test_a_lost_keys_refusal_with_nothing_found_is_never_sent_again(intacct, numbered, faults):
    """A 409 on its own lost key proves the lost request reached Intacct: it may still be committing."""
    intacct.faults = list(faults)
    written = engine(intacct).create(bills(2, "g", numbered), keys_by_round())
    assert [call[3] for call in intacct.posts()] == ["k-0-2"] * len(faults)
    for one in written:
        assert one.status == "failed" and isinstance(one.error, IntacctConflictError)
        text = str(one.error)
        assert "Idempotency-Key 'k-0-2' was lost" in text and "may still be committing it" in text
        assert "it was not sent again" in text
    assert ("by vendor.id=V-1, billNumber=g-1" if numbered else "by content") in str(written[1].error)


def test_a_lost_send_partly_committed_sends_only_the_missing_under_a_new_key(intacct):
    items = bills(4, "p")
    intacct.faults = ["lost"]
    intacct.create(items[1].body)  # the lost request committed only this one (as a server may)
    written = engine(intacct).create(items, keys_by_round())
    assert statuses(written)[1] == ("created", How.FOUND)
    sent = intacct.posts()[1]
    assert [body["description"] for body in sent[2]] == ["p-0", "p-2", "p-3"] and sent[3] == "k-1-3"
    assert [intacct.count(f"p-{i}") for i in range(4)] == [1] * 4


def test_a_lost_send_committing_while_it_is_looked_up_is_found_not_sent_again(intacct):
    """The first record's query found nothing, then the request committed: it is looked up again, and found."""
    intacct.faults = ["torn"]
    written = engine(intacct).create(bills(3, "tn", numbered=False), keys_by_round())
    assert statuses(written) == [("created", How.FOUND)] * 3
    assert [intacct.count(f"tn-{i}") for i in range(3)] == [1] * 3
    assert len(intacct.posts()) == 1


def test_a_lost_send_partly_found_twice_sends_the_rest(intacct):
    """A record a second look-up does not find either is sent again (a subset, so under a new key)."""
    items = bills(3, "pt", numbered=False)
    intacct.faults = ["lost"]
    intacct.create(items[0].body)
    written = engine(intacct).create(items, keys_by_round())
    assert statuses(written) == [("created", How.FOUND), ("created", How.ANSWERED), ("created", How.ANSWERED)]
    queries = [call for call in intacct.calls if call[1] == QUERY]
    assert len(queries) == 3 + 2  # three records looked up, then the two missing once more
    assert [call[3] for call in intacct.posts()] == ["k-0-3", "k-1-2"]


def test_a_429_proves_nothing_was_written_and_is_sent_again_without_a_look_up(intacct):
    intacct.faults = ["429"]
    written = engine(intacct).create(bills(2, "t"), keys_by_round())
    assert statuses(written) == [("created", How.ANSWERED)] * 2
    assert [call[1] for call in intacct.calls] == [URL, URL]  # no query between the two sends
    assert len(intacct.pauses) == 1  # through the one pacer


def test_a_whole_batch_refused_as_invalid_is_split_until_the_bad_record_stands_alone(intacct):
    items = bills(4, "v")
    items[2] = Item(2, {**items[2].body, "description": "bad"}, items[2].natural)
    written = engine(intacct).create(items, keys_by_round())
    assert [w.status for w in written] == ["created", "created", "failed", "created"]
    assert isinstance(written[2].error, IntacctRequestError) and "record 0 is invalid" in str(written[2].error)


def test_a_records_own_503_is_looked_up_before_it_is_sent_again(intacct):
    intacct.faults = ["item_503"]
    written = engine(intacct).create(bills(3, "i"), keys_by_round())
    assert statuses(written) == [("created", How.ANSWERED)] * 3
    kinds = [(call[0], call[1]) for call in intacct.calls]
    assert kinds == [("POST", URL), ("POST", QUERY), ("POST", URL)]  # the look-up came first


def test_a_201_holding_an_error_of_unknown_status_is_settled_by_a_look_up(intacct):
    """It contradicts itself: the record it calls failed is looked up, found missing and sent again."""
    intacct.faults = ["201_bare_error"]
    written = engine(intacct).create(bills(3, "b"), keys_by_round())
    assert statuses(written) == [("created", How.ANSWERED), ("created", How.FOUND), ("created", How.FOUND)]
    assert [intacct.count(f"b-{i}") for i in range(3)] == [1] * 3
    # Two of three found: the request was at work, so the third is looked up once more before it is sent.
    assert [call[1] for call in intacct.calls] == [URL, QUERY, "/objects/accounts-payable/bill/102,101", QUERY, URL]


def test_rounds_spent_fail_the_record_saying_what_was_tried(intacct):
    intacct.faults = ["lost", "lost"]
    (written,) = engine(intacct, rounds=2).create(bills(1, "r"), keys_by_round())
    assert written.status == "failed" and isinstance(written.error, IntacctAmbiguousWriteError)
    text = str(written.error)
    assert "not created after 2 attempts" in text
    assert "looked up afterwards by vendor.id=V-1, billNumber=r-0, it does not exist" in text
    assert "check Intacct before creating it again" in text


def test_a_failure_no_record_can_survive_stops_the_write(intacct):
    intacct.faults = ["403"]
    with pytest.raises(IntacctAuthError):
        engine(intacct).create(bills(2, "f"), keys_by_round())


def test_a_content_look_up_pairs_each_row_with_its_own_record_whatever_the_gets_order(intacct):
    """Two bills alike but for their lines, lost after commit; the batch GET answers in reverse order."""
    items = [Item(i, {**item.body, "description": "twin"}, None) for i, item in enumerate(bills(2, "q", False))]
    intacct.faults = ["commit_then_lost"]
    intacct.gets_reversed = True
    written = engine(intacct).create(items, keys_by_round())
    assert statuses(written) == [("created", How.FOUND)] * 2
    for one in written:  # each adopted the record with its own lines, not its twin's
        assert intacct.records[one.reference["key"]]["lines"] == one.item.body["lines"]


@pytest.mark.parametrize("numbered", [True, False], ids=["natural-key", "content"])
def test_a_look_up_page_contradicting_its_count_fails_the_write_never_resends(intacct, numbered):
    """An empty page whose totalCount says 1 is not "missing": the write fails naming the query."""
    intacct.faults = ["commit_then_lost"]
    intacct.pages_empty = True
    with pytest.raises(IntacctProtocolError, match="contradict") as raised:
        engine(intacct).create(bills(1, "z", numbered), keys_by_round())
    assert raised.value.path == QUERY
    assert len(intacct.posts()) == 1 and intacct.count("z-0") == 1


@pytest.mark.parametrize(
    ("refusal", "said"),
    [
        (IntacctNotFoundError("no such record", status=404), "the task fails without a retry"),
        (IntacctServerError("unavailable", status=503), "a retry of this task looks it up again"),
    ],
    ids=["permanent", "transient"],
)
def test_a_failed_look_up_ends_the_write_saying_truly_what_comes_next(intacct, caplog, refusal, said):
    """A 404 on a record the query listed is not "not there" (it may be this write's own): the write stops."""
    intacct.faults = ["commit_then_lost"]
    send = intacct.send

    def refusing(method, path, **kwargs):
        if method == "GET":
            raise refusal
        return send(method, path, **kwargs)

    intacct.send = refusing  # type: ignore[method-assign]
    with pytest.raises(type(refusal)):
        engine(intacct).create(bills(1, "l"), keys_by_round())
    assert len(intacct.posts()) == 1
    (line,) = [r.getMessage() for r in caplog.records if "looking it up failed" in r.getMessage()]
    assert said in line
    if refusal.status == 404:
        assert "retry of this task looks it up" not in line and "check Intacct for it" in line


# ------------------------------------------------------------------ 409: already there
def test_a_records_own_409_adopts_the_identical_record_of_an_earlier_run(intacct):
    items = bills(2, "e")
    made = intacct.create(items[0].body, created=datetime.now(UTC) - timedelta(days=1))
    intacct.faults = ["item_409"]  # "already exists" to its first send: this task did not make it
    written = engine(intacct).create(items, keys_by_round())
    assert statuses(written) == [("exists", How.EXISTED), ("created", How.ANSWERED)]
    assert written[0].reference == made and intacct.count("e-0") == 1


def test_a_records_409_with_nothing_to_find_fails_with_intaccts_words(intacct):
    intacct.faults = ["item_409"]
    written = engine(intacct).create(bills(2, "n"), keys_by_round())
    assert written[0].status == "failed" and isinstance(written[0].error, IntacctConflictError)
    assert "record failed 409 [HTTP 409, code x]; looked up, no record identical to it could be found" in str(
        written[0].error
    )
    assert len(intacct.posts()) == 1  # not sent again


def test_a_different_record_holding_the_natural_key_is_a_conflict(intacct):
    items = bills(1, "d")
    intacct.create({**items[0].body, "dueDate": "2027-01-01"})
    intacct.faults = ["item_409"]
    (written,) = engine(intacct).create(items, keys_by_round())
    assert isinstance(written.error, IntacctConflictError)
    assert "differs from this create in dueDate" in str(written.error)


def test_a_refused_key_is_never_used_again(intacct):
    """A single create's key is fixed: refused, and nothing found, it fails at once naming the key."""
    intacct.faults = ["409"]
    (written,) = engine(intacct).create(bills(1, "x"), lambda _r, _s: "ORDER-1", single=True)
    assert isinstance(written.error, IntacctConflictError)
    assert "Intacct refused Idempotency-Key 'ORDER-1' as already used" in str(written.error)
    assert len(intacct.posts()) == 1


def test_a_refused_batch_key_sends_the_missing_records_under_a_new_one(intacct):
    intacct.faults = ["409"]
    written = engine(intacct).create(bills(2, "y"), keys_by_round())
    assert [w.status for w in written] == ["created", "created"]
    assert [call[3] for call in intacct.posts()] == ["k-0-2", "k-1-2"]


@pytest.mark.parametrize("numbered", [True, False], ids=["natural-key", "content"])
def test_a_resumed_writes_key_refused_with_nothing_found_is_never_sent_again(intacct, numbered):
    """A retry derives the keys its earlier try used: a 409 to one, nothing found, is that try's request.

    It reached Intacct and may still be committing the records: a send under a new key could make them twice.
    """
    intacct.faults = ["409"]
    began = datetime.now(UTC).timestamp() - 30
    written = engine(intacct).create(bills(2, "w", numbered), keys_by_round(), resumed=True, posted_at=began)
    assert [call[3] for call in intacct.posts()] == ["k-0-2"]
    for one in written:
        assert one.status == "failed" and isinstance(one.error, IntacctConflictError)
        text = str(one.error)
        assert "an earlier try of this task may have sent it under Idempotency-Key 'k-0-2'" in text
        assert "may still be committing it; it was not sent again" in text
    assert ("by vendor.id=V-1, billNumber=w-1" if numbered else "by content") in str(written[1].error)


def test_a_resumed_writes_key_refused_after_a_429_is_never_sent_again(intacct):
    """Any key of a resumed write may be one its earlier try sent: the round after a 429 too."""
    intacct.faults = ["429", "409"]
    written = engine(intacct).create(bills(2, "v"), keys_by_round(), resumed=True)
    assert [call[3] for call in intacct.posts()] == ["k-0-2", "k-1-2"]
    assert all(one.status == "failed" and "earlier try" in str(one.error) for one in written)


# ------------------------------------------------------------------ resumed writes
def test_a_resumed_write_adopts_what_an_earlier_try_made_and_sends_the_rest(intacct):
    items = bills(3, "s", numbered=False)
    began = datetime.now(UTC).timestamp() - 30
    intacct.create(items[0].body)  # the earlier try's, made since it began
    intacct.create(items[1].body, created=datetime.now(UTC) - timedelta(hours=2))  # an earlier run's twin
    written = engine(intacct).create(items, keys_by_round(), resumed=True, posted_at=began)
    assert statuses(written) == [("created", How.EARLIER_TRY), ("created", How.ANSWERED), ("created", How.ANSWERED)]
    assert intacct.count("s-1") == 2  # the twin is never taken for this task's record
    (post,) = intacct.posts()
    assert [body["description"] for body in post[2]] == ["s-1", "s-2"]


def test_an_identical_record_older_than_a_lost_send_is_an_earlier_runs(intacct):
    """Lost before it committed, while an earlier run's identical bill holds the number: reported exists."""
    items = bills(1, "o")
    intacct.create(items[0].body, created=datetime.now(UTC) - timedelta(days=2))
    intacct.faults = ["lost"]
    (written,) = engine(intacct).create(items, keys_by_round())
    assert statuses([written]) == [("exists", How.EXISTED)]


# ------------------------------------------------------------------ single creates and patches
def test_a_single_create_posts_its_body_and_reads_its_reference(intacct):
    (written,) = engine(intacct).create(bills(1, "one"), lambda _r, _s: "K", single=True)
    assert written.reference == {"key": "101", "id": "101", "href": f"{URL}/101"}
    ((method, path, body, key),) = intacct.calls
    assert (method, path, key) == ("POST", URL, "K") and body["description"] == "one-0"


def test_a_lost_single_create_without_a_key_is_not_sent_again(intacct):
    intacct.faults = ["lost"]
    (written,) = engine(intacct).create(bills(1, "nk"), lambda _r, _s: None, single=True)
    assert "without an idempotency key a late commit of the lost request could not be caught" in str(written.error)
    assert len(intacct.posts()) == 1


def test_upsert_patches_changed_fields_leaves_equal_ones_and_creates_the_missing(intacct):
    items = bills(3, "u")
    same = intacct.create(items[0].body)
    intacct.create({**items[1].body, "description": "old"})
    patched: list[Any] = []
    send = intacct.send

    def recording(method, path, **kwargs):
        if method == "PATCH":
            patched.append(kwargs["json_body"])
            return answer(
                200, {"ia::result": [{"key": p["key"], "id": p["key"], "href": "h"} for p in kwargs["json_body"]]}
            )
        return send(method, path, **kwargs)

    intacct.send = recording  # type: ignore[method-assign]
    written = engine(intacct).upsert(items, keys_by_round())
    assert [w.status for w in written] == ["unchanged", "updated", "created"]
    assert written[0].reference == same
    assert patched == [[{"key": "102", "description": "u-1"}]]


def test_results_name_the_record_for_the_results_file(intacct):
    intacct.faults = ["item_409"]
    written = engine(intacct).create(bills(1, "row"), keys_by_round())
    row = written[0].result()
    assert (row.index, row.status, row.natural_key) == (0, "failed", {"vendor.id": "V-1", "billNumber": "row-0"})
    assert row.error and isinstance(written[0].error, IntacctError)


def test_server_errors_of_a_patch_are_sent_again(intacct):
    """A PATCH sets fields to given values: a 5xx is simply sent again, never looked up."""
    items = bills(1, "pe")
    intacct.create({**items[0].body, "description": "old"})
    calls = {"n": 0}
    send = intacct.send

    def flaky(method, path, **kwargs):
        if method == "PATCH":
            calls["n"] += 1
            if calls["n"] == 1:
                raise IntacctServerError("500", status=500)
            return answer(200, {"ia::result": [{"key": "101", "id": "101", "href": "h"}]})
        return send(method, path, **kwargs)

    intacct.send = flaky  # type: ignore[method-assign]
    (written,) = engine(intacct).upsert(items, keys_by_round())
    assert written.status == "updated" and calls["n"] == 2
