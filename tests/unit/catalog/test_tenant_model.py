"""catalog/model: the model service's answer read as Sage shapes it (and as it may vary), its JSON Schema."""

from __future__ import annotations

import copy

import pytest

from intacct_provider.catalog.model import flat_fields, is_custom, parse_model
from intacct_provider.exceptions import IntacctNotFoundError, IntacctProtocolError


def field(kind="string", **extra):
    return {"type": kind, "readOnly": False, "writeOnly": False, "required": False, "nullable": True,
            "mutable": True, **extra}  # fmt: skip


#: Sage's "Model for department" example (common-resources.json), as published.
DEPARTMENT = {
    "fields": {
        "id": {"mutable": False, "nullable": False, "type": "string", "readOnly": False, "writeOnly": False,
               "required": False},
        "key": {"readOnly": True, "type": "string", "writeOnly": False, "required": False, "nullable": True,
                "mutable": False},
        "name": field(nullable=False),
        "status": field(enum=["active", "activeNonPosting", "inactive"], nullable=False),
    },
    "groups": {"audit": {"fields": {"createdDateTime": field(format="date-time", readOnly=True, mutable=False)}}},
    "httpMethods": "OPTIONS,GET,POST,DELETE,PATCH",
    "refs": {
        "parent": {"apiObject": "company-config/department",
                   "fields": {"id": field(), "key": field(), "name": field(readOnly=True, mutable=False)}},
    },
    "lists": [],
    "idempotenceSupported": True,
}  # fmt: skip

#: A bill of a company with custom fields, its lines a mapping by list name (the sandbox's reading).
BILL = {
    "fields": {
        "key": field(readOnly=True, mutable=False),
        "billNumber": field(),
        "nsp::APPROVER": field(),
        "nsp::PRIORITY": field(enum=["low", "normal", "rush"]),
        "nsp::FREIGHT": field("number"),
        "nsp::AUDIT_SCORE": field("integer", readOnly=True, mutable=False),
    },
    "groups": {"audit": {"fields": {"modifiedDateTime": field(format="date-time", readOnly=True)}}},
    "refs": {"vendor": {"apiObject": "accounts-payable/vendor", "fields": {"id": field(), "key": field()}}},
    "lists": {
        "lines": {
            "fields": {"txnAmount": field(format="decimal-precision-2"), "nsp::COST_CODE": field()},
            "groups": {
                "dimensions": {
                    "fields": {"nsp::project_type": field("object", apiObject="platform-apps/nsp::project_type")},
                    "refs": {"location": {"apiObject": "company-config/location", "fields": {"id": field()}}},
                }
            },
            "refs": {"glAccount": {"apiObject": "general-ledger/account", "fields": {"id": field()}}},
        }
    },
}


def test_sages_department_example_reads_whole():
    model = parse_model("company-config/department", DEPARTMENT)
    assert list(model.fields) == ["id", "key", "name", "status"]
    assert model.fields["id"].mutable is False and model.fields["id"].nullable is False
    assert model.fields["key"].read_only is True
    assert model.fields["status"].enum == ("active", "activeNonPosting", "inactive")
    assert model.groups["audit"].fields["createdDateTime"].format == "date-time"
    assert model.refs["parent"].api_object == "company-config/department"
    assert model.lists == {} and model.custom_fields == ()
    assert model.idempotence_supported is True and model.http_methods.startswith("OPTIONS")


def test_custom_fields_lines_and_dimensions_are_named():
    model = parse_model("accounts-payable/bill", BILL)
    assert model.custom_fields == ("nsp::APPROVER", "nsp::PRIORITY", "nsp::FREIGHT", "nsp::AUDIT_SCORE")
    assert model.lists["lines"].dimension_names() == ("nsp::project_type",)
    assert "lines.nsp::COST_CODE" in model.custom_names()
    assert "lines.dimensions.nsp::project_type" in model.custom_names()
    assert is_custom("nsp::X") and not is_custom("nspX") and not is_custom(None)


@pytest.mark.parametrize("empty", [[], {}, None])
def test_groups_refs_and_lists_may_be_empty_arrays_mappings_or_absent(empty):
    answer = copy.deepcopy(DEPARTMENT)
    answer["lists"] = empty
    answer["groups"] = empty
    model = parse_model("company-config/department", answer)
    assert model.lists == {} and model.groups == {}


def test_lists_may_come_as_an_array_of_named_entries():
    answer = copy.deepcopy(BILL)
    answer["lists"] = [{"name": "lines", **BILL["lists"]["lines"]}]
    model = parse_model("accounts-payable/bill", answer)
    assert model.lists["lines"].dimension_names() == ("nsp::project_type",)


def test_a_dimension_listed_in_the_lines_refs_counts_too():
    answer = copy.deepcopy(BILL)
    answer["lists"]["lines"]["groups"] = {}
    answer["lists"]["lines"]["refs"]["nsp::project_type"] = {"apiObject": "platform-apps/nsp::project_type"}
    assert parse_model("accounts-payable/bill", answer).lists["lines"].dimension_names() == ("nsp::project_type",)


def test_an_unknown_name_answered_by_an_empty_list_is_not_found():
    with pytest.raises(IntacctNotFoundError, match="knows no object 'platform-apps/nsp::nope'"):
        parse_model("platform-apps/nsp::nope", [])


@pytest.mark.parametrize(
    ("answer", "where"),
    [
        ("model", "ia::result is a JSON str"),
        ([{"apiObject": "objects/x"}], "ia::result is a JSON list"),
        ({"fields": ["id"]}, r"fields\[0\] is an entry without a name"),
        ({"fields": 7}, "fields is a JSON int, not a mapping by name"),
        ({"fields": {"id": "string"}}, "fields.id is not an object"),
        ({"lists": [{"fields": {}}]}, r"lists\[0\] is an entry without a name"),
        ({"refs": {"vendor": 3}}, "refs.vendor is not an object"),
    ],
)
def test_shapes_it_cannot_read_are_refused_naming_the_place(answer, where):
    with pytest.raises(IntacctProtocolError, match=where) as caught:
        parse_model("accounts-payable/bill", answer, call="GET /services/core/model?name=x")
    assert "GET /services/core/model?name=x" in str(caught.value)


def test_the_json_schema_nests_as_intacct_nests_the_record():
    schema = parse_model("accounts-payable/bill", BILL).json_schema()
    assert schema["type"] == "object" and schema["title"] == "accounts-payable/bill"
    properties = schema["properties"]
    assert properties["nsp::PRIORITY"] == {
        "type": "string", "enum": ["low", "normal", "rush"], "readOnly": False, "writeOnly": False, "nullable": True,
    }  # fmt: skip
    assert properties["nsp::AUDIT_SCORE"]["readOnly"] is True
    assert properties["audit"]["properties"]["modifiedDateTime"]["format"] == "date-time"
    assert properties["vendor"]["type"] == "object" and properties["vendor"]["x-intacct-object"] == VENDOR
    lines = properties["lines"]
    assert lines["type"] == "array" and lines["items"]["properties"]["txnAmount"]["format"] == "decimal-precision-2"
    assert "nsp::project_type" in lines["items"]["properties"]["dimensions"]["properties"]


VENDOR = "accounts-payable/vendor"


def test_flat_fields_name_the_query_services_columns_in_a_stable_order():
    schema = parse_model("accounts-payable/bill", BILL).json_schema()
    flat = flat_fields(schema)
    assert list(flat) == [
        "key", "billNumber", "nsp::APPROVER", "nsp::PRIORITY", "nsp::FREIGHT", "nsp::AUDIT_SCORE",
        "audit.modifiedDateTime", "vendor.id", "vendor.key",
    ]  # fmt: skip
    assert flat["nsp::FREIGHT"]["type"] == "number"
    assert flat == flat_fields(parse_model("accounts-payable/bill", copy.deepcopy(BILL)).json_schema())


def test_flat_fields_keep_a_multi_select_picklist_as_one_column():
    answer = {"fields": {"key": field(), "nsp::TAGS": field("array", items={"type": "string", "enum": ["a", "b"]})}}
    flat = flat_fields(parse_model("platform-apps/nsp::thing", answer).json_schema())
    assert flat["nsp::TAGS"] == {
        "type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "readOnly": False, "writeOnly": False,
        "nullable": True,
    }  # fmt: skip


def test_the_model_is_immutable():
    model = parse_model("accounts-payable/bill", BILL)
    with pytest.raises(TypeError):
        model.fields["nsp::NEW"] = None  # type: ignore[index]
    with pytest.raises(AttributeError):
        model.path = "x"  # type: ignore[misc]


# ---------------------------------------------------------------- owned lists and relationships
PAYMENT = {
    "fields": {"key": field(readOnly=True), "paymentMethod": field()},
    "refs": {"vendor": {"apiObject": "accounts-payable/vendor", "fields": {"id": field(), "key": field()}}},
    # Sage: lists are "repeatable groups or owned objects"; this one only names its owned object.
    "lists": {"details": {"apiObject": "accounts-payable/payment-detail", "type": "ownedObject", "href": "/x"}},
}
DETAIL = {
    "fields": {"key": field(readOnly=True), "nsp::REMIT_REF": field(), "nsp::WITHHELD": field("number")},
    "refs": {"bill": {"apiObject": "accounts-payable/bill", "fields": {"key": field(), "id": field()}}},
    "lists": [],
}


def test_a_list_that_only_names_its_owned_object_is_described_by_that_objects_model():
    payment = parse_model("accounts-payable/payment", PAYMENT)
    assert payment.owned_lists() == {"details": "accounts-payable/payment-detail"}
    assert not payment.lists["details"].described
    whole = payment.with_lists({"details": parse_model("accounts-payable/payment-detail", DETAIL)})
    assert whole.owned_lists() == {}  # described now
    details = whole.lists["details"]
    assert details.api_object == "accounts-payable/payment-detail"
    assert list(details.fields) == ["key", "nsp::REMIT_REF", "nsp::WITHHELD"]
    assert payment.lists["details"].fields == {}  # the original is unchanged (immutable)
    inline = parse_model("accounts-payable/bill", BILL)
    assert inline.owned_lists() == {}  # described in place: nothing to read


def test_object_paths_are_read_in_every_spelling():
    from intacct_provider.catalog.model import object_path

    assert object_path("objects/accounts-payable/payment-detail") == "accounts-payable/payment-detail"
    assert object_path("nsp::contract") == "platform-apps/nsp::contract"
    assert object_path("platform-apps/nsp::contract") == "platform-apps/nsp::contract"


def test_a_custom_relationship_is_a_reference_and_a_custom_field():
    answer = copy.deepcopy(BILL)
    answer["refs"]["nsp::CONTRACT"] = {
        "apiObject": "platform-apps/nsp::contract",
        "fields": {"key": field(), "id": field()},
    }
    answer["refs"]["nsp::r10258"] = {"apiObject": "nsp::lease", "fields": {"key": field(), "id": field()}}
    answer["refs"]["nsp::OWNER"] = {"apiObject": "company-config/employee", "fields": {"key": field(), "id": field()}}
    model = parse_model("accounts-payable/bill", answer)
    assert model.custom_fields[-3:] == ("nsp::CONTRACT", "nsp::r10258", "nsp::OWNER")
    assert model.refs["nsp::CONTRACT"].to_custom_object and model.refs["nsp::r10258"].to_custom_object
    assert not model.refs["nsp::OWNER"].to_custom_object and not model.refs["vendor"].to_custom_object
    flat = flat_fields(model.json_schema())
    assert flat["nsp::CONTRACT.key"]["type"] == "string" and "nsp::CONTRACT.id" in flat  # columns of a load
