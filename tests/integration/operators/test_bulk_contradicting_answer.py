"""A 201 that holds an error without its status: settled by a look-up against the sandbox, never trusted.

No honest server sends it (a 201 says every record was created), so the sandbox has no fault for
it: the sandbox answers the batch truly -- a 207 in which one bill failed with 503 and was not
written -- and the answer is rewritten on its way to the write engine into the self-contradicting
201, the record's status dropped, as a gateway or a server bug could. Everything else is the real
hook and sandbox: the look-up that follows finds the bills that were made (adopted, not sent again)
and not the failed one, which alone goes out again, under a new key.
"""

from __future__ import annotations

import json

import pytest
from bulk_helpers import BILL, BILL_POST, bill_posts, bills, context, copies, fast_backoff, read_results  # noqa: F401 - fast_backoff is an autouse fixture

from intacct_provider.operators import IntacctBulkCreateOperator


@pytest.fixture
def contradicting_first_answer(monkeypatch):
    """The first bill POST's 207 reaches the engine as a 201 whose failed record carries no status."""
    from intacct_provider.hooks.intacct import IntacctHook

    send = IntacctHook.send
    seen = {"rewritten": 0}

    def rewriting(self, method, path, **kwargs):
        response = send(self, method, path, **kwargs)
        if (method, path) == ("POST", f"/objects/{BILL}") and not seen["rewritten"]:
            assert response.status_code == 207, response.text
            payload = json.loads(response.text)
            items = [item.get("ia::result") if item["ia::status"] < 300 else item for item in payload["ia::result"]]
            for item in items:
                item.pop("ia::status", None)
            response.status_code = 201
            response._content = json.dumps({"ia::result": items}).encode()
            seen["rewritten"] += 1
        return response

    monkeypatch.setattr(IntacctHook, "send", rewriting)
    return seen


@pytest.mark.parametrize("numbered", [True, False], ids=["numbered", "unnumbered"])
def test_a_201_holding_an_error_of_unknown_status_is_settled_by_a_look_up(
    intacct_sandbox, intacct_conn, tmp_path, key_reading, numbered, contradicting_first_answer
):
    intacct_sandbox.require_document_numbers = numbered  # bills without numbers: a company with sequencing
    tag = f"contra{'n' if numbered else 'u'}"
    intacct_sandbox.inject("item_status", status=503, method="POST", path=BILL_POST, item=1)
    out = tmp_path / "results.jsonl"
    operator = IntacctBulkCreateOperator(
        task_id="bulk", object="bill", records=bills(3, tag, numbered=numbered), output_path=str(out)
    )
    summary = operator.execute(context())
    assert contradicting_first_answer["rewritten"] == 1
    assert (summary["created"], summary["exists"], summary["failed"]) == (3, 0, 0)
    assert copies(intacct_sandbox, tag) == {f"{tag}-{i}": 1 for i in range(3)}
    rows = read_results(out)
    for index, row in rows.items():
        assert row["status"] == "created"
        assert intacct_sandbox.get_record(BILL, row["key"])["description"] == f"{tag}-{index}"
    first, again = bill_posts(intacct_sandbox)
    assert [body["description"] for body in again["body"]] == [f"{tag}-1"]  # the two made were found, not re-sent
    assert again["headers"]["Idempotency-Key"] != first["headers"]["Idempotency-Key"]  # a subset: a new key
    order = [r["path"] for r in intacct_sandbox.requests if r["method"] == "POST"]
    posted = [i for i, path in enumerate(order) if path == f"/objects/{BILL}"]
    assert "/services/core/query" in order[posted[0] : posted[1]]  # looked up before anything was sent again
