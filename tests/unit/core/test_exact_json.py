"""core/exact_json: a Decimal is written as the exact JSON number it is, and reads back as one."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from intacct_provider.core.batching import body_digest, canonical_json
from intacct_provider.core.exact_json import canonical, dumps, loads


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
