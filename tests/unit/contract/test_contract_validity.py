"""The compiled yes/no check agrees with ``jsonschema`` on every body it is shown.

``body_check`` and ``check_lines`` skip ``iter_errors`` when the compiled check says "valid", so
a "valid" where ``iter_errors`` reports an error would let a bad body through. Thousands of
bodies are generated from each contract schema (right and wrong types, bad dates, unknown and
read-only fields, missing required ones) and altered valid bodies; both must agree on each.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from intacct_provider.catalog.body_check import _quick_check, _tenant_default
from intacct_provider.catalog.payloads import bill_payload, invoice_payload, journal_entry_payload
from intacct_provider.catalog.registry import BILL, INVOICE, JOURNAL_ENTRY, REGISTRY, IntacctObject
from intacct_provider.catalog.validation import JOURNAL_LINE_SCHEMA, LINE_ITEM_SCHEMA
from intacct_provider.contract import load_schema, object_paths, validator
from intacct_provider.contract.validity import compile_validity

SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    2.5,
    -3,
    "",
    "x",
    "2026-11-02",
    "2026-02-30",
    "2026-11-02T10:00:00Z",
    "12.25",
    "12.255",
    "abc!",
    "USD",
    "debit",
    "draft",
    [],
    {},
    ["x"],
    {"id": "1"},
]


def _registered(path: str) -> IntacctObject:
    known = next((obj for obj in REGISTRY.values() if obj.path == path), None)
    return known or IntacctObject(name=path, path=path, list_key="", label=path)


def _reported(obj: IntacctObject, body: Any, operation: str) -> bool:
    """Whether ``check_body`` would raise: an error of ``iter_errors`` that is not a tenant default."""
    return any(not _tenant_default(obj, e) for e in validator(obj.path, operation).iter_errors(body))


def _generate(schema: Any, rng: random.Random, noise: float, depth: int = 0) -> Any:
    """A value shaped by ``schema``, and with probability ``noise`` at each step anything at all."""
    if not isinstance(schema, dict) or rng.random() < noise or depth > 6:
        return copy.deepcopy(rng.choice(SCALARS))
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kinds = schema.get("type", "object" if "properties" in schema else "string")
    kinds = [kind for kind in kinds if kind != "null"] or kinds if isinstance(kinds, list) else [kinds]
    kind = rng.choice(kinds)
    if kind == "object":
        properties = schema.get("properties", {})
        required = schema.get("required", ())
        if "anyOf" in schema:  # the reference objects: a key or an id
            required = [*required, rng.choice(["key", "id"])]
        chosen = [
            name
            for name, sub in properties.items()
            if (not sub.get("readOnly") or rng.random() < noise) and (name in required or rng.random() < 0.4)
        ]
        value = {name: _generate(properties[name], rng, noise, depth + 1) for name in chosen}
        if rng.random() < noise:
            value[rng.choice(["termz", "zz", "Key"])] = "x"
        return value
    if kind == "array":
        size = rng.choice([1, 2, 3]) if rng.random() > noise else 0
        return [_generate(schema.get("items", {}), rng, noise, depth + 1) for _ in range(size)]
    if kind == "string":
        if "date" in (schema.get("format"),) or "[0-9]{4}-" in schema.get("pattern", ""):
            return "2026-11-02" if rng.random() > noise else rng.choice(["2026-02-30", "11/02/2026"])
        if "pattern" in schema:
            return "12.50" if rng.random() > noise else "12.505"
        return rng.choice(["A-1", "x" * 5, "text"])
    if kind in ("number", "integer"):
        return rng.choice([1, 20])
    if kind == "boolean":
        return rng.choice([True, False])
    return copy.deepcopy(rng.choice(SCALARS))


def _alter(body: Any, rng: random.Random) -> Any:
    """``body`` with one value somewhere deleted or replaced."""
    body = copy.deepcopy(body)
    node = body
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if not keys:
            return body
        key = rng.choice(keys)
        child = node[key]
        if isinstance(child, (dict, list)) and child and rng.random() < 0.6:
            node = child
            continue
        if isinstance(node, dict) and rng.random() < 0.3:
            del node[key]
        else:
            node[key] = copy.deepcopy(rng.choice(SCALARS))
        return body


@pytest.mark.parametrize("operation", ["create", "update"])
@pytest.mark.parametrize("path", object_paths())
def test_compiled_check_agrees_with_jsonschema_on_generated_bodies(path: str, operation: str) -> None:
    obj = _registered(path)
    quick = _quick_check(path, operation, obj.tenant_defaults)
    assert quick is not None, "every contract schema compiles, so every valid body skips iter_errors"
    rng = random.Random(f"{path}/{operation}")
    schema = load_schema(path, operation)
    verdicts = set()
    for round_index in range(600):
        body = _generate(schema, rng, noise=(0.0, 0.01, 0.05, 0.2)[round_index % 4])
        reported = _reported(obj, body, operation)
        assert quick(body) is not reported, body
        verdicts.add(reported)
    assert verdicts == {True, False}, "the generated bodies include valid and invalid ones"


@pytest.mark.parametrize(
    ("obj", "body"),
    [
        (BILL, bill_payload("V1", "2026-11-02", "2026-12-02", [{"glaccountno": "6700", "amount": "1.25"}], "B-1")),
        (
            INVOICE,
            invoice_payload(
                "C1",
                "2026-11-02",
                "2026-12-02",
                [{"glaccountno": "4000", "amount": "9", "locationid": "US"}],
                "I-1",
                currency="USD",
            ),
        ),
        (
            JOURNAL_ENTRY,
            journal_entry_payload(
                "GJ",
                "2026-11-02",
                [
                    {"glaccountno": "1000", "amount": "5", "tr_type": "debit"},
                    {"glaccountno": "2000", "amount": "5", "tr_type": "credit", "memo": "m"},
                ],
                description="d",
            ),
        ),
    ],
    ids=["bill", "invoice", "journal_entry"],
)
def test_compiled_check_agrees_on_altered_valid_bodies(obj: IntacctObject, body: dict[str, Any]) -> None:
    quick = _quick_check(obj.path, "create", obj.tenant_defaults)
    assert quick is not None and quick(body) and not _reported(obj, body, "create")
    rng = random.Random(obj.name)
    for _ in range(1500):
        altered = _alter(body, rng)
        assert quick(altered) is not _reported(obj, altered, "create"), altered


def test_tenant_defaults_are_lenient_only_where_check_body_filters_them() -> None:
    """A bill may leave out its currency (a tenant default) but not its vendor."""
    body = bill_payload("V1", "2026-11-02", "2026-12-02", [{"glaccountno": "6700", "amount": "1.25"}], "B-1")
    quick = _quick_check(BILL.path, "create", BILL.tenant_defaults)
    assert quick is not None and "currency" not in body and quick(body)
    del body["vendor"]
    assert not quick(body) and _reported(BILL, body, "create")


@pytest.mark.parametrize("schema", [LINE_ITEM_SCHEMA, JOURNAL_LINE_SCHEMA], ids=["line", "journal_line"])
def test_compiled_check_agrees_on_line_schemas(schema: dict[str, Any]) -> None:
    checker = Draft202012Validator(schema)
    quick = compile_validity(schema, checker)
    assert quick is not None
    rng = random.Random(str(sorted(schema["properties"])))
    for _ in range(2000):
        line = _generate(schema, rng, noise=(0.0, 0.05, 0.3)[_ % 3])
        assert quick(line) is checker.is_valid(line), line


def test_a_schema_with_an_unknown_keyword_is_not_compiled() -> None:
    """Then the caller always runs iter_errors: nothing is skipped on a guess."""
    schema = {"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}}
    assert compile_validity(schema, Draft202012Validator(schema)) is None


#: Every keyword the compiler writes out or calls, in the shapes it treats differently: closed
#: objects with few and many properties, open ones with pattern and additional properties, type
#: lists with integer and number, string and mixed enums, nesting deeper than it writes inline.
KEYWORDS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["a"],
    "additionalProperties": False,
    "properties": {
        "a": {"type": ["integer", "null"], "minimum": 0, "exclusiveMaximum": 10},
        "b": {"type": "number", "multipleOf": 0.5},
        "c": {"enum": ["x", "y", None]},
        "d": {"enum": [1, "1", True, [1]]},
        "e": {"const": {"k": [1, 2]}},
        "f": {"type": "string", "pattern": "^[A-Z]", "minLength": 2, "maxLength": 4, "format": "date"},
        "g": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2, "uniqueItems": True},
        "h": {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 5}]},
        "i": {"oneOf": [{"type": "number"}, {"type": "integer"}]},
        "j": {"not": {"type": "string"}},
        "k": {"allOf": [{"minLength": 1}, {"maxLength": 2}]},
        "l": {
            "type": "object",
            "patternProperties": {"^p": {"type": "integer"}, "q$": {"type": "string"}},
            "additionalProperties": {"type": "boolean"},
            "properties": {"fixed": {"type": "null"}},
            "minProperties": 1,
            "maxProperties": 3,
        },
        "m": {
            "properties": {
                "n": {
                    "items": {
                        "properties": {
                            "o": {
                                "items": {
                                    "properties": {
                                        "p": {
                                            "items": {
                                                "properties": {"q": {"type": "string", "format": "date"}},
                                                "required": ["q"],
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
        "r": {"readOnly": True, "not": {}},
        "u": {"anyOf": [{"required": ["x"]}, {"required": ["y"], "description": "or y"}]},
        "w": {"type": "object", "oneOf": [{"required": ["x"]}, {"required": ["y"]}]},
        "z": {"not": {"required": ["x", "y"]}},
        "s": False,
        "t": True,
        **{f"many{index}": {"type": "string", "enum": ["x", "y"]} for index in range(10)},
    },
}
KEYWORD_VALUES: list[Any] = [
    *SCALARS,
    5,
    10,
    1.5,
    2.25,
    "Ab",
    "ABCDE",
    "2026-11-02",
    ["a", "a"],
    ["a", "b", "c"],
    [1],
    {"k": [1, 2]},
    {"p1": 1, "zq": "s", "other": True},
    {"p1": "x"},
    {"fixed": None, "pq": 1},
    {"n": [{"o": [{"p": [{"q": "2026-11-02"}]}]}]},
    {"n": [{"o": [{"p": [{"q": "2026-02-30"}]}]}]},
    {"n": [{"o": [{"p": [{}]}]}]},
    {"x": 1},
    {"y": 2},
    {"x": 1, "y": 2},
]


def test_compiled_check_agrees_on_every_keyword() -> None:
    """The contract schemas use few keywords; the compiler must be right on all it accepts, in every form it writes."""
    checker = Draft202012Validator(KEYWORDS_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
    quick = compile_validity(KEYWORDS_SCHEMA, checker)
    assert quick is not None
    rng = random.Random("keywords")
    names = [*KEYWORDS_SCHEMA["properties"], "zz"]
    verdicts = set()
    for _ in range(6000):
        instance: Any = {"a": rng.choice([0, 3, None])} if rng.random() < 0.9 else {}
        for name in rng.sample(names, rng.choice([1, 2, 3])):
            instance[name] = copy.deepcopy(rng.choice(KEYWORD_VALUES))
        valid = checker.is_valid(instance)
        assert quick(instance) is valid, instance
        verdicts.add(valid)
    assert verdicts == {True, False}
