"""Pre-flight: operator-shaped records to checked Intacct bodies, with their natural keys.

A bulk record has the same shape as the single-create operator's arguments and goes through the
same :class:`~intacct_provider.catalog.bodies.BodyBuilder` (payload function, ``extra_fields``,
contract check), so both paths refuse exactly the same input; its natural key is the registry's
:class:`~intacct_provider.catalog.registry.NaturalKey`. All problems of all records are collected,
by input index and field, with the offending value, before anything is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intacct_provider.catalog.bodies import BodyBuilder
from intacct_provider.catalog.body_check import argument_name
from intacct_provider.catalog.custom_fields import check_custom, needs_model
from intacct_provider.catalog.identity import Natural, NaturalKey
from intacct_provider.catalog.registry import IntacctObject
from intacct_provider.exceptions import IntacctInputError, IntacctValidationError

if TYPE_CHECKING:
    from intacct_provider.catalog.model import TenantModel

#: Longest list of problems quoted in an error message (all are in the results file).
MAX_LISTED = 20


@dataclass(frozen=True)
class Item:
    """One record ready to send: its input index, Intacct body and natural key (or None)."""

    index: int
    body: dict[str, Any]
    natural: Natural | None

    def natural_key(self) -> dict[str, str] | None:
        """The natural key as ``{field: value}`` (what the results file shows)."""
        return dict(self.natural) if self.natural is not None else None


@dataclass(frozen=True)
class Problem:
    """Why one input record cannot be sent: the argument, what was expected, and the value it had."""

    index: int
    field: str
    expected: str
    #: ``expected`` is already the whole reason (every problem of one line, each with its fix).
    plain: bool = False
    #: The offending value (``None`` when the problem is the argument itself, e.g. an unknown one).
    value: Any = None
    #: The record's natural key as far as its arguments allow, so the results file can name it.
    natural: Natural | None = None

    def reason(self) -> str:
        return self.expected if self.plain else f"expected {self.expected}"

    def describe(self) -> str:
        return f"record {self.index}: {self.field}: {self.reason()}"


class BulkRecordsError(IntacctValidationError):
    """Some input records are invalid; raised before any request with every problem listed."""

    def __init__(self, parameter: str, problems: Sequence[Problem], total: int) -> None:
        self.problems = list(problems)
        listed = "; ".join(p.describe() for p in self.problems[:MAX_LISTED])
        more = f"; and {len(self.problems) - MAX_LISTED} more" if len(self.problems) > MAX_LISTED else ""
        super().__init__(
            parameter,
            f"valid records ({len(self.problems)} of {total} are not, nothing was sent; use on_error='continue' "
            f"to skip them): {listed}{more}",
            show_value=False,
        )


class Preparer:
    """Turns input records into :class:`Item` s for one object and one natural key (``key_fields``)."""

    def __init__(
        self,
        obj: IntacctObject | None,
        key_fields: Sequence[str],
        tenant: Callable[[], TenantModel | None] | None = None,
    ) -> None:
        """``tenant`` reads the company's model (None: it cannot be read), called once, at the first
        record with a custom field (or the first of a custom object): the model is a read, so the
        operator provides it when the task runs, and no request is made for records without any."""
        self.obj = obj
        self.bodies = BodyBuilder(obj)
        self.key = NaturalKey(key_fields)
        self.key_fields = self.key.fields
        self.label = self.bodies.label
        self._tenant = tenant
        self._model: TenantModel | None = None
        self._model_read = False
        #: The company's own check of each body (custom fields, a custom object), when the model can be read.
        self._check = self._custom if tenant is not None and obj is not None else None

    def prepare(self, index: int, record: Any) -> Item:
        """The checked item; :class:`IntacctValidationError` names the first bad field."""
        body = self.bodies.build(record, custom=self._check)
        return Item(index, body, self.key.of(body))

    def _custom(self, body: dict[str, Any], extra: Any) -> dict[str, Any]:
        """The body checked against the company's model, read once for the whole input, when it needs it."""
        obj = self.obj
        assert obj is not None and self._tenant is not None
        if not needs_model(obj.path, body):
            return body
        if not self._model_read:
            self._model = self._tenant()
            self._model_read = True
        if self._model is None:  # unreadable: sent as given (the hook logged why, once)
            return body
        return check_custom(self._model, body, name=lambda path: argument_name(obj, path, extra), label=obj.label)

    def natural_of(self, record: Any) -> Natural | None:
        """The natural key of a record that could not be prepared, read from its arguments where they allow.

        Each natural-key field is found under the argument that fills it (``vendor.id`` under
        ``vendor_id``, ``billNumber`` under ``bill_number``); ``None`` if any is missing.
        """
        if not isinstance(record, Mapping):
            return None
        if self.bodies.mapping is None or self.obj is None:
            return self.key.of(record)
        partial: dict[str, Any] = {}
        for name in self.key_fields:
            top, _, rest = name.partition(".")
            argument = self.obj.arguments.get(top)
            if argument is None or rest not in ("", "id"):
                return None
            partial[top] = {"id": record.get(argument)} if rest else record.get(argument)
        return self.key.of(partial)


class DuplicateKeys:
    """Spots records whose natural key repeats an earlier one (they would collide in Intacct).

    Keeps an 8-byte digest per key, not the key, so 100,000 records cost a few megabytes.
    """

    def __init__(self) -> None:
        self._seen: dict[bytes, int] = {}

    def check(self, item: Item) -> Problem | None:
        if item.natural is None:
            return None
        digest = hashlib.blake2b(repr(item.natural).encode(), digest_size=8).digest()
        first = self._seen.setdefault(digest, item.index)
        if first == item.index:
            return None
        fields = ", ".join(name for name, _ in item.natural)
        return Problem(
            item.index,
            fields,
            f"a natural key not used by an earlier record (record {first} has it)",
            value=item.natural_key(),
            natural=item.natural,
        )


def problem_of(index: int, error: IntacctValidationError, record: Any, preparer: Preparer) -> Problem:
    """The :class:`Problem` of a record the preparer refused, with its offending value and natural key."""
    return Problem(
        index,
        error.parameter,
        error.expectation,
        plain=isinstance(error, IntacctInputError),
        value=error.value,
        natural=preparer.natural_of(record),
    )
