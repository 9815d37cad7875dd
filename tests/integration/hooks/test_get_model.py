"""IntacctHook.get_model / describe / model_for_check: the company's model, read once, cached, or unreadable.

Against the sandbox (with the example tenant) over real HTTP, and against the scripted loopback
server for the shapes and failures no honest sandbox answers.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from scripted_server import Answer, rows, token

from intacct_provider.catalog.model import flat_fields
from intacct_provider.exceptions import IntacctAuthError, IntacctNotFoundError
from intacct_provider.hooks import model_cache
from intacct_provider.hooks.intacct import IntacctHook
from intacct_provider.sandbox.tenant import EXAMPLE_TENANT, load_tenant

BILL = "accounts-payable/bill"
#: A bill's lines: the sandbox's model names this owned object (owned_lists="reference"), whose model is read too.
LINE = "accounts-payable/bill-line"
CIP = "platform-apps/nsp::cip_asset"
TENANT = load_tenant(EXAMPLE_TENANT)
MODEL = "/services/core/model"


@pytest.fixture
def intacct_tenant() -> Any:
    return TENANT


def model_reads(sandbox: Any) -> list[dict]:
    return [r for r in sandbox.requests if r["path"] == MODEL]


# ---------------------------------------------------------------- against the sandbox
def names(sandbox: Any) -> list[str]:
    return [r["query"]["name"] for r in model_reads(sandbox)]


@pytest.mark.parametrize("owned_lists", ["reference", "inline"])
def test_get_model_of_a_standard_and_a_custom_object(intacct_sandbox, hook, owned_lists):
    intacct_sandbox.owned_lists = owned_lists
    bill = hook.get_model("bill")
    assert bill.path == BILL and "nsp::APPROVER" in bill.custom_fields
    assert bill.lists["lines"].dimension_names() == ("nsp::project_type",)  # the same model either way
    assert "nsp::COST_CODE" in bill.lists["lines"].fields
    cip = hook.get_model("nsp::cip_asset")
    assert cip.path == CIP and cip.fields["key"].read_only and cip.fields["nsp::COST"].type == "number"
    # A list the model only names is described by its owned object's model, read with it (and kept).
    assert names(intacct_sandbox) == ([BILL, LINE, CIP] if owned_lists == "reference" else [BILL, CIP])
    assert bill.lists["lines"].api_object == (LINE if owned_lists == "reference" else None)


def test_describe_names_the_query_services_columns(intacct_sandbox, hook):
    """Every flat field of describe() is a column the query service returns, typed as the model says."""
    for obj in ("nsp::cip_asset", "vendor"):
        flat = flat_fields(hook.describe(obj))
        row = hook.query(obj, fields=list(flat), size=1)["ia::result"][0]
        assert list(row) == list(flat)
    cip = flat_fields(hook.describe("nsp::cip_asset"))
    assert cip["nsp::COST"]["type"] == "number" and cip["audit.createdDateTime"]["format"] == "date-time"
    assert cip["nsp::STATUS"]["enum"] == ["planned", "in progress", "in service"]
    bill = hook.describe("bill")
    assert bill["properties"]["vendor"]["x-intacct-object"] == "accounts-payable/vendor"
    assert bill["properties"]["lines"]["type"] == "array"
    assert flat_fields(bill)["totalTxnAmount"] == {
        "type": "string", "format": "decimal-precision-2", "readOnly": True, "writeOnly": False,
    }  # fmt: skip
    assert "lines" not in {name.split(".")[0] for name in flat_fields(bill)}


def test_one_model_read_per_object_per_cache_period_across_hooks(intacct_sandbox, intacct_conn, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(model_cache, "clock", lambda: now[0])
    for _ in range(25):  # 25 task instances in one worker process: each has its own hook
        with_hook = IntacctHook()
        assert "nsp::APPROVER" in with_hook.get_model("bill").custom_fields
        with_hook.get_model("nsp::cip_asset")
        with_hook.close()
    assert names(intacct_sandbox) == [BILL, LINE, CIP]  # the bill's lines: its owned object's model
    now[0] += 899  # still inside the default 900 s
    IntacctHook().get_model("bill")
    assert len(model_reads(intacct_sandbox)) == 3
    now[0] += 2  # the period is over: read again, once
    IntacctHook().get_model("bill")
    IntacctHook().get_model("bill")
    assert names(intacct_sandbox) == [BILL, LINE, CIP, BILL, LINE]


def test_model_cache_seconds_zero_reads_once_per_hook(intacct_sandbox, intacct_conn):
    intacct_conn(model_cache_seconds=0)
    for _ in range(3):
        hook = IntacctHook()
        hook.get_model("bill")
        hook.get_model("bill")  # the hook's own copy
    assert names(intacct_sandbox) == [BILL, LINE] * 3


def test_a_bad_model_cache_seconds_is_a_configuration_error(intacct_conn):
    from intacct_provider.exceptions import IntacctConfigError

    intacct_conn(model_cache_seconds=-1)
    with pytest.raises(IntacctConfigError, match="model_cache_seconds must be a float >= 0"):
        IntacctHook().settings  # noqa: B018


def test_a_model_read_by_one_company_is_not_anothers(intacct_sandbox, intacct_conn, monkeypatch):
    IntacctHook().get_model("bill")
    intacct_conn(entity_id="US")  # another entity of the company: its own model
    IntacctHook().get_model("bill")
    assert names(intacct_sandbox) == [BILL, LINE] * 2


def test_unknown_objects_and_a_forbidden_model_service(intacct_sandbox, hook, caplog):
    with pytest.raises(IntacctNotFoundError, match="knows no object 'platform-apps/nsp::nope'"):
        hook.get_model("nsp::nope")
    intacct_sandbox.model_unknown = "error"
    with pytest.raises(IntacctNotFoundError):
        hook.get_model("nsp::gone")
    intacct_sandbox.model_service = "forbidden"
    with pytest.raises(IntacctAuthError) as refused:
        hook.get_model("bill")
    assert refused.value.status == 403
    with caplog.at_level(logging.WARNING):
        assert hook.model_for_check("bill") is None
        assert hook.model_for_check("bill") is None  # warned once per hook and object
    warnings = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(warnings) == 1 and "custom fields go unchecked and are sent as given" in warnings[0]
    assert "HTTP 403" in warnings[0]


# ---------------------------------------------------------------- odd answers (scripted server)
def answer(result: Any) -> Answer:
    return Answer(200, {"ia::result": result, "ia::meta": {"totalCount": 1}})


LINES = {"fields": {"nsp::COST_CODE": {"type": "string"}}, "groups": {}, "refs": {}}


@pytest.mark.parametrize(
    "lists",
    [{"lines": LINES}, [{"name": "lines", **LINES}]],
    ids=["mapping by name", "array of named entries"],
)
def test_lists_as_a_mapping_or_a_named_array(server, scripted_hook, lists):
    server.play([token(), answer({"fields": {"nsp::A": {"type": "string"}}, "lists": lists})])
    model = scripted_hook.get_model("bill")
    assert "nsp::COST_CODE" in model.lists["lines"].fields
    (call,) = [r for r in server.requests if r["path"].startswith("/ia/api/v1/services/core/model")]
    assert call["path"] == "/ia/api/v1/services/core/model?name=accounts-payable/bill"


@pytest.mark.parametrize(
    ("script", "why"),
    [
        ([Answer(404, {"ia::error": {"message": "Resource not found"}})], "Resource not found"),
        ([answer([])], "answered an empty list"),
        ([Answer(503, "down"), Answer(503, "down")], "HTTP 503"),
        ([answer({"fields": {"nsp::A": "string"}})], "fields.nsp::A is not an object"),
        ([Answer(200, {"unexpected": True})], "has no ia::result"),
        ([Answer(400, {"ia::error": {"message": "Invalid name"}})], "Invalid name"),
    ],
    ids=["404", "empty list", "down after retries", "odd shape", "no result", "400"],
)
def test_an_unreadable_model_leaves_custom_fields_unchecked_with_one_warning(
    server, scripted_hook, caplog, script, why
):
    server.play([token(), *script])
    with caplog.at_level(logging.WARNING):
        assert scripted_hook.model_for_check("bill") is None
    (warning,) = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert why in warning and "accounts-payable/bill" in warning


def test_a_token_refused_twice_is_not_taken_for_an_unreadable_model(server, scripted_hook):
    server.play([token(), Answer(401, {"ia::error": {"message": "expired"}}), token(), Answer(401, "no")])
    with pytest.raises(IntacctAuthError) as refused:
        scripted_hook.model_for_check("bill")
    assert refused.value.status == 401


# ---------------------------------------------------------------- owned lists and referenced records (scripted)
def test_a_list_naming_its_owned_object_is_described_by_that_model(server, scripted_hook):
    owned = {"apiObject": "objects/accounts-payable/payment-detail", "type": "ownedObject", "href": "/x"}
    detail = {"fields": {"nsp::REMIT_REF": {"type": "string"}}, "lists": []}
    server.play([token(), answer({"fields": {}, "lists": {"details": owned}}), answer(detail)])
    model = scripted_hook.get_model("ap_payment")
    assert "nsp::REMIT_REF" in model.lists["details"].fields
    assert model.lists["details"].api_object == "accounts-payable/payment-detail"
    calls = [r["path"] for r in server.requests if "/services/core/model" in r["path"]]
    assert calls == [
        "/ia/api/v1/services/core/model?name=accounts-payable/payment",
        "/ia/api/v1/services/core/model?name=accounts-payable/payment-detail",
    ]


def test_an_owned_model_that_cannot_be_read_leaves_the_whole_model_unread(server, scripted_hook, caplog):
    """Without its details' model the check could refuse a real detail field: nothing is checked instead."""
    owned = {"apiObject": "accounts-payable/payment-detail"}
    server.play([token(), answer({"fields": {}, "lists": {"details": owned}}), Answer(403, {"ia::error": {}})])
    with caplog.at_level(logging.WARNING):
        assert scripted_hook.model_for_check("ap_payment") is None
    assert any("cannot be read" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("script", "exists"),
    [
        ([rows("10004")], True),
        ([Answer(200, {"ia::result": [], "ia::meta": {"totalCount": 0, "start": 1, "pageSize": 2}})], False),
        ([Answer(403, {"ia::error": {"message": "not permitted"}})], None),
        ([Answer(400, {"ia::error": {"message": "Field 'key' is not valid"}})], None),
    ],
    ids=["found", "not found", "403: cannot tell", "400: cannot tell"],
)
def test_record_exists_is_read_once_per_record(server, scripted_hook, script, exists):
    server.play([token(), *script])
    assert scripted_hook.record_exists("nsp::contract", "key", "10004") is exists
    assert scripted_hook.record_exists("platform-apps/nsp::contract", "key", "10004") is exists  # not asked again
    (query,) = [r for r in server.requests if r["path"] == "/ia/api/v1/services/core/query"]
    assert query["body"]["object"] == "platform-apps/nsp::contract"
    assert query["body"]["filters"] == [{"$eq": {"key": "10004"}}]


def test_a_refused_token_on_a_look_up_is_not_taken_for_cannot_tell(server, scripted_hook):
    server.play([token(), Answer(401, {"ia::error": {"message": "expired"}}), token(), Answer(401, "no")])
    with pytest.raises(IntacctAuthError):
        scripted_hook.record_exists("nsp::contract", "key", "10004")
