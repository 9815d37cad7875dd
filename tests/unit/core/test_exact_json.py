"""core/exact_json: a Decimal is written as the exact JSON number it is, and reads back as one."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from intacct_provider.core.batching import body_digest, canonical_json
from intacct_provider.core.exact_json import canonical, compact, decimals_as_text, dumps, loads


def test_bodies_without_decimals_are_written_as_requests_wrote_them():
    body = {"b": [1, "x", None, True], "a": {"c": "d"}}
    assert dumps(body) == json.dumps(body)
    assert canonical(body) == json.dumps(body, sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize(
    ("number", "text"),
    [(Decimal("59.10"), "59.10"), (Decimal("-0.5"), "-0.5"), (Decimal("1E+2"), "100"),
     (Decimal("12345678901234567.89"), "12345678901234567.89"), (Decimal("0.1") + Decimal("0.2"), "0.3")],
)  # fmt: skip
def test_a_decimal_is_its_exact_number(number, text):
    written = dumps({"nsp::COST": number, "lines": [{"nsp::RATE": number}], "t": (number,)})
    assert written == f'{{"nsp::COST": {text}, "lines": [{{"nsp::RATE": {text}}}], "t": [{text}]}}'
    assert loads(written)["nsp::COST"] == number  # read back exact, never through a float
    assert canonical({"b": number, "a": 1}) == f'{{"a":1,"b":{text}}}'


def test_a_string_that_looks_like_the_marker_stays_a_string():
    tricky = "\x00" + "0" * 16 + "0\x00"
    written = dumps({"s": tricky, "n": Decimal("1.50")})
    assert loads(written) == {"s": tricky, "n": Decimal("1.50")}


def test_what_json_cannot_carry_is_refused():
    with pytest.raises(ValueError, match="not a number JSON can carry"):
        dumps({"n": Decimal("NaN")})
    with pytest.raises(TypeError):
        dumps({"n": object()})
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        dumps({"n": float("inf")})


def test_batch_digests_and_spool_lines_tell_decimals_apart():
    assert canonical_json is canonical
    assert body_digest([{"n": Decimal("1.10")}]) != body_digest([{"n": Decimal("1.1")}])
    assert body_digest([{"n": Decimal("1.10")}]) == body_digest([{"n": Decimal("1.10")}])


# ---------------------------------------------------------------- reading
def test_fractions_and_exponents_read_as_decimals_integers_as_ints():
    value = loads('{"a": 12345678901234567.89, "b": 59.10, "c": 1E+2, "d": 12345678901234567890, "e": -0}')
    assert value == {
        "a": Decimal("12345678901234567.89"), "b": Decimal("59.10"), "c": Decimal("1E+2"),
        "d": 12345678901234567890, "e": 0,
    }  # fmt: skip
    assert str(value["b"]) == "59.10"  # the token's own digits, trailing zero included
    assert [type(v) for v in value.values()] == [Decimal, Decimal, Decimal, int, int]
    assert loads("[0.1, 0.2]")[0] + loads("[0.1, 0.2]")[1] == Decimal("0.3")


@pytest.mark.parametrize("text", ['{"n": NaN}', '{"n": Infinity}', '{"n": -Infinity}', "[1, 2", "", "{'n': 1}"])
def test_what_is_not_json_is_a_value_error(text):
    with pytest.raises(ValueError):  # noqa: PT011 - json's own error, or the refused constant's
        loads(text)


def test_bytes_are_read_in_any_json_encoding():
    assert loads('{"n": 0.1, "s": "é"}'.encode()) == {"n": Decimal("0.1"), "s": "é"}
    assert loads('{"n": 0.1}'.encode("utf-16")) == {"n": Decimal("0.1")}
    assert loads(b'\xef\xbb\xbf{"n": 1.50}') == {"n": Decimal("1.50")}  # a UTF-8 byte-order mark


# ---------------------------------------------------------------- writing rows out
def test_compact_keeps_the_key_order_and_the_tokens():
    row = loads('{"z": 59.10, "a": [0.1, 12345678901234567.89], "i": 7, "s": "59.10"}')
    assert compact(row) == '{"z":59.10,"a":[0.1,12345678901234567.89],"i":7,"s":"59.10"}'
    assert compact({"k": "1"}) == json.dumps({"k": "1"}, separators=(",", ":"))


def test_a_string_shaped_like_a_marker_is_never_replaced():
    forged = "\x00" + "a" * 16 + ":0\x00"
    assert loads(compact({"s": forged, "n": Decimal("2.50")})) == {"s": forged, "n": Decimal("2.50")}
    assert loads(compact({"s": forged})) == {"s": forged}


def test_decimals_as_text_for_xcom():
    row = {"a": Decimal("59.10"), "l": [Decimal("1E+2"), ("x", Decimal("-0.5"))], "i": 3, "s": "t", "n": None}
    assert decimals_as_text(row) == {"a": "59.10", "l": ["100", ["x", "-0.5"]], "i": 3, "s": "t", "n": None}
    assert decimals_as_text(Decimal("12345678901234567.89")) == "12345678901234567.89"
    assert json.loads(json.dumps(decimals_as_text(row))) == decimals_as_text(row)  # plain JSON, no Decimal left
