"""catalog/custom_fields: a body's custom names checked against the company's model, each problem named."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_tenant_model import BILL, field

from intacct_provider.catalog.custom_fields import check_custom, needs_model, strip_custom, with_model
from intacct_provider.catalog.model import parse_model
from intacct_provider.core.exact_json import dumps
from intacct_provider.exceptions import IntacctInputError, IntacctValidationError

MODEL = parse_model(
    "accounts-payable/bill",
    {
        **BILL,
        "fields": {
            **BILL["fields"],
            "nsp::CAPEX": field("boolean", nullable=False),
            "nsp::UNITS": field("integer"),
            "nsp::RATE": field("number", format="decimal-precision-2"),
            "nsp::RECEIVED": field(format="date"),
            "nsp::STAMP": field(format="date-time"),
            "nsp::LOCKED": field(mutable=False),
            "nsp::TAGS": field("array", items={"type": "string", "enum": ["local", "preferred"]}),
        },
        "refs": {**BILL["refs"], "nsp::r10258": {"apiObject": "accounts-payable/vendor", "fields": {"id": field()}}},
    },
)
CIP = parse_model(
    "platform-apps/nsp::cip_asset",
    {
        "fields": {
            "key": field(readOnly=True),
            "id": field(readOnly=True),
            "name": field(),
            "nsp::COST": field("number"),
        },
        "groups": {"audit": {"fields": {"createdDateTime": field(readOnly=True)}}},
        "refs": {},
        "lists": [],
    },
)


def name(path):
    return "body." + ".".join(path).replace(".[", "[")


def check(body, model=MODEL, **options):
    return check_custom(model, body, name=name, **options)


def test_a_body_without_custom_names_is_left_alone_and_needs_no_model():
    body = {"billNumber": "B-1", "lines": [{"txnAmount": "1.00", "dimensions": {"location": {"id": "US"}}}]}
    assert check(body) == body
    assert not needs_model("accounts-payable/bill", body)
    assert needs_model("accounts-payable/bill", {"nsp::APPROVER": "x"})
    assert needs_model("accounts-payable/bill", {"lines": [{"dimensions": {"nsp::project_type": {"key": "1"}}}]})
    assert needs_model("platform-apps/nsp::cip_asset", {"name": "x"})  # a custom object: the whole body


def test_values_go_as_the_models_types_say():
    checked = check(
        {
            "nsp::APPROVER": 42,
            "nsp::CAPEX": "TRUE",
            "nsp::UNITS": "7",
            "nsp::FREIGHT": "59.10",
            "nsp::RATE": 12.5,
            "nsp::RECEIVED": "2026-02-28",
            "nsp::TAGS": '["local"]',
        }
    )
    assert checked == {
        "nsp::APPROVER": "42",
        "nsp::CAPEX": True,
        "nsp::UNITS": 7,
        "nsp::FREIGHT": Decimal("59.10"),
        "nsp::RATE": Decimal("12.5"),
        "nsp::RECEIVED": "2026-02-28",
        "nsp::TAGS": ["local"],
    }
    assert type(check({"nsp::FREIGHT": 59})["nsp::FREIGHT"]) is int
    # A decimal custom field is written as the exact JSON number it is, never through a float.
    assert dumps(checked).count('"nsp::FREIGHT": 59.10,') == 1


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"nsp::APPROVR": "x"}, "body.nsp::APPROVR: expected a field of bill — did you mean 'nsp::APPROVER'?"),
        ({"nsp::PRIORITY": "urgent"}, "one of 'low', 'normal', 'rush' (the picklist's values), got 'urgent'"),
        ({"nsp::CAPEX": "maybe"}, "body.nsp::CAPEX: expected true or false, got 'maybe'"),
        ({"nsp::CAPEX": None}, "a value: nsp::CAPEX cannot be empty"),
        ({"nsp::FREIGHT": "1e3"}, "a number such as 59.10 (sent as a JSON number), got '1e3'"),
        ({"nsp::FREIGHT": True}, "a number such as 59.10"),
        ({"nsp::FREIGHT": float("nan")}, "a number such as 59.10"),
        ({"nsp::UNITS": "3.5"}, "a whole number, got '3.5'"),
        ({"nsp::RATE": "1.005"}, "at most 2 decimal places"),
        ({"nsp::RECEIVED": "2026-02-30"}, "a real calendar date as YYYY-MM-DD, got '2026-02-30'"),
        ({"nsp::STAMP": "yesterday"}, "a date and time such as '2026-11-26T10:00:00Z'"),
        ({"nsp::AUDIT_SCORE": 3}, "no value: nsp::AUDIT_SCORE is read-only (Intacct sets it)"),
        ({"nsp::TAGS": ["local", "big"]}, "one of 'local', 'preferred' (the picklist's values), got 'big'"),
        ({"nsp::TAGS": "local"}, "a list of values"),
        ({"nsp::r10258": "V-1"}, "a reference to a record of accounts-payable/vendor such as {'key': '10004'}"),
        ({"nsp::APPROVER": ["a"]}, "expected text"),
    ],
)
def test_each_problem_names_the_argument_and_the_fix(given, expected):
    with pytest.raises(IntacctValidationError, match=None) as caught:
        check(given, label="bill")
    assert expected in str(caught.value)
    assert str(caught.value).startswith("body.nsp::")


def test_an_update_may_not_change_an_immutable_field_a_create_may_set():
    assert check({"nsp::LOCKED": "x"}) == {"nsp::LOCKED": "x"}
    with pytest.raises(IntacctValidationError, match="no change: Intacct does not let nsp::LOCKED change"):
        check({"nsp::LOCKED": "x"}, operation="update")


def test_every_problem_of_a_body_is_reported_at_once():
    with pytest.raises(IntacctInputError) as caught:
        check({"nsp::APPROVR": "x", "nsp::CAPEX": "maybe", "lines": [{"nsp::COST_CODEX": "1"}]})
    assert caught.value.problems == [
        "body.nsp::APPROVR: expected a field of accounts-payable/bill — did you mean 'nsp::APPROVER'?",
        "body.nsp::CAPEX: expected true or false, got 'maybe'",
        "body.lines[0].nsp::COST_CODEX: expected a custom field or user-defined dimension of "
        "accounts-payable/bill lines — did you mean 'nsp::COST_CODE'?",
    ]


def test_line_fields_stay_on_the_line_and_dimensions_move_into_its_dimensions():
    body = {
        "lines": [
            {
                "txnAmount": "10.00",
                "dimensions": {"location": {"id": "US"}},
                "nsp::COST_CODE": "CC-7",
                "nsp::project_type": 10002,
            },
            {"txnAmount": "5.00", "nsp::project_type": "10003"},
            {"txnAmount": "1.00", "dimensions": {"nsp::project_type": {"key": None}}},
        ]
    }
    lines = check(body)["lines"]
    assert lines[0] == {
        "txnAmount": "10.00",
        "dimensions": {"location": {"id": "US"}, "nsp::project_type": {"key": "10002"}},
        "nsp::COST_CODE": "CC-7",
    }
    assert lines[1] == {"txnAmount": "5.00", "dimensions": {"nsp::project_type": {"key": "10003"}}}
    assert lines[2]["dimensions"] == {"nsp::project_type": {"key": None}}  # unset, as Sage writes it
    # Whatever the order of the keys, a dimension given as a line key joins the line's dimensions.
    reordered = {"nsp::project_type": "7", "dimensions": {"location": {"id": "US"}}}
    assert check({"lines": [reordered]})["lines"][0] == {
        "dimensions": {"location": {"id": "US"}, "nsp::project_type": {"key": "7"}}
    }
    assert body["lines"][0]["nsp::project_type"] == 10002  # the caller's body is not changed


def test_unknown_dimensions_and_bad_dimension_values_are_refused():
    with pytest.raises(IntacctInputError) as caught:
        check({"lines": [{"dimensions": {"nsp::projet_type": {"key": "1"}}, "nsp::project_type": True}]})
    assert caught.value.problems == [
        "body.lines[0].dimensions.nsp::projet_type: expected a user-defined dimension of accounts-payable/bill "
        "lines — did you mean 'nsp::project_type'?",
        "body.lines[0].nsp::project_type: expected the key of a record of this user-defined dimension, such as '10004'",
    ]


def test_custom_line_keys_on_an_object_whose_model_lists_no_lines_are_refused():
    model = parse_model("accounts-payable/vendor", {"fields": {"nsp::X": field()}, "lists": []})
    with pytest.raises(IntacctValidationError, match=r"lines\[0\].nsp::COST_CODE: .*lists none here"):
        check({"lines": [{"nsp::COST_CODE": "1"}]}, model=model)


def test_a_custom_objects_whole_body_is_checked():
    assert check({"name": "Dock", "nsp::COST": "99.95"}, model=CIP) == {"name": "Dock", "nsp::COST": Decimal("99.95")}
    with pytest.raises(IntacctInputError) as caught:
        check({"nmae": "Dock", "key": "1", "audit": {"createdDateTime": "x"}}, model=CIP)
    assert caught.value.problems == [
        "body.nmae: expected a field of platform-apps/nsp::cip_asset — did you mean 'name'?",
        "body.key: expected no value: key is read-only (Intacct sets it)",
        "body.audit.createdDateTime: expected no value: createdDateTime is read-only (Intacct sets it)",
    ]


def test_with_model_reads_the_model_only_when_needed_and_never_drops_a_field():
    reads = []

    def read():
        reads.append(1)
        return None  # the model cannot be read

    plain = {"billNumber": "B-1"}
    assert with_model(read, "accounts-payable/bill", plain, name=name) == plain and reads == []
    custom = {"nsp::APPROVR": "x", "lines": [{"nsp::project_type": "1"}]}
    assert with_model(read, "accounts-payable/bill", custom, name=name) == custom and reads == [1]
    assert with_model(lambda: MODEL, "accounts-payable/bill", {"nsp::APPROVER": "x"}, name=name) == {
        "nsp::APPROVER": "x"
    }


def test_strip_custom_leaves_what_sages_schema_describes():
    body = {"a": 1, "nsp::X": 2, "lines": [{"b": 3, "nsp::Y": 4, "dimensions": {"location": {}, "nsp::D": {}}}]}
    assert strip_custom(body) == {"a": 1, "lines": [{"b": 3, "dimensions": {"location": {}}}]}
    plain = {"a": 1, "lines": [{"b": 3}]}
    assert strip_custom(plain) is plain


# ---------------------------------------------------------------- custom relationships
RELATED = parse_model(
    "accounts-payable/bill",
    {
        **BILL,
        "refs": {
            **BILL["refs"],
            "nsp::CONTRACT": {"apiObject": "platform-apps/nsp::contract", "fields": {"key": field(), "id": field()}},
            "nsp::OWNER": {
                "apiObject": "company-config/employee",
                "fields": {"key": field(), "id": field(), "name": field(readOnly=True)},
            },
        },
    },
)


class Records:
    """A look-up of referenced records: which exist, and every question asked."""

    def __init__(self, known: dict[tuple[str, str, str], bool | None]) -> None:
        self.known = known
        self.asked: list[tuple[str, str, str]] = []

    def __call__(self, path: str, by: str, value: str) -> bool | None:
        self.asked.append((path, by, value))
        return self.known.get((path, by, value), False)


@pytest.mark.parametrize(
    "given", ["10004", 10004, " 10004 ", {"key": "10004"}, {"id": "10004"}, {"key": 10004, "id": "10004"}]
)
def test_a_relationship_to_a_custom_object_is_sent_by_its_key(given):
    """A custom object's key and id are always the same (Sage), so every form is written as the key."""
    assert check({"nsp::CONTRACT": given}, model=RELATED) == {"nsp::CONTRACT": {"key": "10004"}}


def test_none_unsets_a_relationship_as_sage_writes_it():
    assert check({"nsp::CONTRACT": None}, model=RELATED) == {"nsp::CONTRACT": {"key": None}}
    assert check({"nsp::CONTRACT": {"key": None}}, model=RELATED) == {"nsp::CONTRACT": {"key": None}}


def test_a_relationship_to_a_standard_object_takes_a_key_or_an_id_never_a_guess():
    assert check({"nsp::OWNER": {"id": "E-7"}}, model=RELATED) == {"nsp::OWNER": {"id": "E-7"}}
    assert check({"nsp::OWNER": {"key": 33}}, model=RELATED) == {"nsp::OWNER": {"key": "33"}}  # as text
    with pytest.raises(IntacctValidationError) as caught:
        check({"nsp::OWNER": "E-7"}, model=RELATED)
    assert str(caught.value) == (
        "body.nsp::OWNER: expected a reference to a record of company-config/employee such as {'key': '10004'} or "
        "{'id': 'X-1'} (a plain value could be its key or its id)"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"key": "1", "id": "2"}, "body.nsp::CONTRACT: expected the same key and id: a custom object's key and id"),
        ({"name": "x"}, "body.nsp::CONTRACT.name: expected a field of the reference nsp::CONTRACT (known: key, id)"),
        ({}, "body.nsp::CONTRACT: expected a reference to a record of platform-apps/nsp::contract such as"),
        ({"key": ""}, "body.nsp::CONTRACT: expected a reference"),
        ({"key": ["1"]}, "body.nsp::CONTRACT: expected a reference"),
        (1.5, "body.nsp::CONTRACT: expected a reference"),
    ],
)
def test_a_wrong_relationship_is_named(given, expected):
    with pytest.raises(IntacctValidationError) as caught:
        check({"nsp::CONTRACT": given}, model=RELATED)
    assert str(caught.value).startswith(expected)


def test_related_records_that_do_not_exist_are_refused_each_looked_up_once():
    records = Records({("platform-apps/nsp::contract", "key", "10004"): True})
    model = RELATED.with_lookup(records)
    assert check({"nsp::CONTRACT": "10004"}, model=model) == {"nsp::CONTRACT": {"key": "10004"}}
    with pytest.raises(IntacctInputError) as caught:
        check({"nsp::CONTRACT": "10099", "nsp::OWNER": {"id": "E-7"}}, model=model)
    assert caught.value.problems == [
        "body.nsp::CONTRACT: expected the key of an existing record of platform-apps/nsp::contract: "
        "key '10099' does not exist",
        "body.nsp::OWNER: expected the id of an existing record of company-config/employee: id 'E-7' does not exist",
    ]
    lines = {"lines": [{"nsp::COST_CODE": "1"}], "nsp::CONTRACT": "10004"}
    check(lines, model=model)
    assert records.asked.count(("platform-apps/nsp::contract", "key", "10004")) == 2  # once per body
    assert check({"nsp::CONTRACT": None}, model=model) == {"nsp::CONTRACT": {"key": None}}  # nothing to look up


def test_a_record_the_lookup_cannot_tell_about_is_left_to_intacct():
    model = RELATED.with_lookup(Records({("company-config/employee", "id", "E-7"): None}))
    assert check({"nsp::OWNER": {"id": "E-7"}}, model=model) == {"nsp::OWNER": {"id": "E-7"}}


def test_other_problems_are_reported_before_anything_is_looked_up():
    records = Records({})
    with pytest.raises(IntacctInputError):
        check(
            {"nsp::CONTRACT": "10099", "nsp::APPROVR": "x", "nsp::CAPEX": "maybe"}, model=RELATED.with_lookup(records)
        )
    assert records.asked == []  # a body with mistakes costs no request


# ---------------------------------------------------------------- an AP payment's details
PAYMENT = parse_model(
    "accounts-payable/payment",
    {
        "fields": {"key": field(readOnly=True), "paymentMethod": field()},
        "lists": {
            "details": {
                "fields": {"nsp::REMIT_REF": field(), "nsp::WITHHELD": field("number", format="decimal-precision-2")},
                "refs": {"bill": {"apiObject": "accounts-payable/bill", "fields": {"key": field(), "id": field()}}},
            }
        },
    },
)


def test_a_payments_details_are_its_lines():
    body = {
        "paymentMethod": "Printed Check",
        "details": [
            {"bill": {"key": "2001"}, "txnCurrency": {"paymentAmount": "10.00"}, "nsp::WITHHELD": "59.10"},
            {"bill": {"key": "2002"}, "nsp::REMIT_REF": 7},
        ],
    }
    assert needs_model("accounts-payable/payment", body)
    assert not needs_model("accounts-payable/payment", {"details": [{"bill": {"key": "2001"}}]})
    details = check(body, model=PAYMENT)["details"]
    assert details[0]["nsp::WITHHELD"] == Decimal("59.10") and str(details[0]["nsp::WITHHELD"]) == "59.10"
    assert details[1]["nsp::REMIT_REF"] == "7"
    assert strip_custom(body, "details")["details"][0] == {
        "bill": {"key": "2001"},
        "txnCurrency": {"paymentAmount": "10.00"},
    }
    with pytest.raises(IntacctInputError) as caught:
        check({"details": [{"nsp::REMITREF": "x", "nsp::WITHHELD": "1.005"}]}, model=PAYMENT, label="AP payment")
    assert caught.value.problems == [
        "body.details[0].nsp::REMITREF: expected a custom field of AP payment details — did you mean 'nsp::REMIT_REF'?",
        "body.details[0].nsp::WITHHELD: expected a number with at most 2 decimal places (no rounding is done), "
        "got '1.005'",
    ]
