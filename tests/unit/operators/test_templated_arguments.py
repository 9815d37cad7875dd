"""Every argument of every operator is templated, or listed (with why) as not, and a template there is refused."""

from __future__ import annotations

import inspect

import pytest

from intacct_provider import operators
from intacct_provider.catalog.registry import REGISTRY
from intacct_provider.exceptions import IntacctArgumentError
from intacct_provider.operators.base import not_templated
from intacct_provider.operators.list import IntacctListOperator
from intacct_provider.sensors.record import IntacctRecordSensor

CLASSES = [getattr(operators, name) for name in operators.__all__] + [IntacctRecordSensor]
#: The README's list of what is not templated; this test keeps both honest.
DOCUMENTED = {
    "object": "create and list operators",
    "emit_asset": "every operator with assets",
    "asset_company_id": "every operator with assets",
    "asset_entity": "every operator with assets",
    "poke_interval": "the sensor",
}


def own_arguments(cls: type) -> set[str]:
    """The keyword arguments the provider's classes in ``cls``'s MRO declare (not Airflow's)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass.__module__.startswith("intacct_provider.") and "__init__" in vars(klass):
            parameters = inspect.signature(vars(klass)["__init__"]).parameters.values()
            names |= {p.name for p in parameters if p.kind is p.KEYWORD_ONLY}
    if getattr(cls, "intacct_object", None) is not None:
        names -= {"object", "record"}  # a named operator fills these in itself (and refuses them)
    return names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_every_argument_is_templated_or_says_why_not(cls):
    untemplated = not_templated(cls)
    missing = sorted(own_arguments(cls) - set(cls.template_fields) - set(untemplated))
    assert not missing, f"{cls.__name__}: arguments neither templated nor listed in not_templated: {missing}"
    assert set(untemplated) <= set(DOCUMENTED), "a new untemplated argument must be added to the README's list"
    assert not set(untemplated) & set(cls.template_fields)


@pytest.mark.parametrize(
    "cls", [c for c in CLASSES if issubclass(c, IntacctListOperator) and c.intacct_object], ids=lambda c: c.__name__
)
def test_list_filter_arguments_are_rendered_through_filter_values(cls):
    assert "filter_values" in cls.template_fields
    op = cls(task_id="l", **dict.fromkeys(cls.intacct_object.filters, "{{ params.x }}"))
    assert op.filter_values == dict.fromkeys(cls.intacct_object.filters, "{{ params.x }}")


CASES = [(cls, name) for cls in CLASSES for name in not_templated(cls)]
REQUIRED = {
    "IntacctCreateRecordOperator": {"object": "vendor"},
    "IntacctListOperator": {"object": "vendor"},
    "IntacctQueryOperator": {"object": "bill"},
    "IntacctUpdateRecordOperator": {"object": "bill", "key": "1", "changes": {"a": 1}},
    "IntacctWorkflowOperator": {"object": "bill", "action": "submit", "key": "1"},
    "IntacctBulkCreateOperator": {"object": "vendor"},
    "IntacctBulkUpsertOperator": {"object": "vendor"},
    "IntacctRecordSensor": {"object": "bill", "filters": {"state": "paid"}},
}


@pytest.mark.parametrize(("cls", "name"), CASES, ids=[f"{c.__name__}.{n}" for c, n in CASES])
def test_a_template_where_none_renders_is_refused_naming_why(cls, name):
    arguments = {**REQUIRED.get(cls.__name__, {}), name: "{{ params.value }}"}
    with pytest.raises(IntacctArgumentError) as info:
        cls(task_id="t", **arguments)
    assert info.value.problems == [f"{name}: not templated ({not_templated(cls)[name]}), got '{{{{ params.value }}}}'"]


def test_named_operators_refuse_object_and_record():
    with pytest.raises(IntacctArgumentError, match="unknown argument 'record': this operator creates AP vendors"):
        operators.IntacctCreateVendorOperator(task_id="v", vendor_id="V", name="N", record={"vendor_id": "W"})
    assert REGISTRY["vendor"].label == "AP vendor"
    with pytest.raises(IntacctArgumentError, match="unknown argument 'object': this operator lists bills"):
        operators.IntacctListBillsOperator(task_id="l", object="invoice")
