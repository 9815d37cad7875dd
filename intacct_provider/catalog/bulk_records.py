"""Pre-flight: operator-shaped records to checked Intacct bodies, with their natural keys.

A bulk record has the same shape as the single-create operator's arguments (a bill is
``{"vendor_id", "date_created", "date_due", "line_items", "bill_number", ...}``) and goes
and goes through the same payload function and contract check (``extra_fields`` included), so
both paths refuse exactly the same input. Objects without a payload function take records as
Intacct bodies, still checked against the contract when it describes them.
All problems of all records are collected, by input index and field, before anything is sent.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intacct_provider.catalog.body_check import argument_name, check_body, merge_extra_fields
from intacct_provider.catalog.custom_fields import check_custom, needs_model
from intacct_provider.catalog.registry import IntacctObject
from intacct_provider.catalog.suggest import suggestion
from intacct_provider.catalog.validation import parse_json
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
    natural: tuple[tuple[str, str], ...] | None

    def natural_key(self) -> dict[str, str] | None:
        """The natural key as ``{field: value}`` (what the results file shows)."""
        return dict(self.natural) if self.natural is not None else None


@dataclass(frozen=True)
class Problem:
    """Why one input record cannot be sent."""

    index: int
    field: str
    expected: str
    #: ``expected`` is already the whole reason (every problem of one line, each with its fix).
    plain: bool = False

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
    """Turns input records into :class:`Item` s for one object and one natural key.

    A registered object maps records with its payload function (the single-create operator's),
    merges ``extra_fields`` and validates the whole body against the contract, exactly as the
    single-create operator does; a raw path's records are sent as they are.
    """

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
        self._tenant = tenant
        self._model: TenantModel | None = None
        self._model_read = False
        self.builder = obj.payload_function() if obj is not None else None
        self.key_fields = tuple(key_fields)
        self.label = obj.label if obj is not None else "record"
        self.accepted: list[str] = []
        self.required: list[str] = []
        if self.builder is not None:
            parameters = inspect.signature(self.builder).parameters.values()
            self.accepted = [p.name for p in parameters] + ["extra_fields"]
            self.required = [p.name for p in parameters if p.default is inspect.Parameter.empty]
        self._accepted = frozenset(self.accepted)
        self._required = frozenset(self.required)
        self._key_paths = _key_paths(self.key_fields)

    def prepare(self, index: int, record: Any) -> Item:
        """The checked item; :class:`IntacctValidationError` names the first bad field."""
        if not isinstance(record, Mapping):
            raise IntacctValidationError("record", "a JSON object", record)
        extra = None
        if self.builder is None:
            body = dict(record)
        else:
            arguments = dict(record)
            extra = arguments.pop("extra_fields", None)
            if extra is not None:
                extra = parse_json("extra_fields", extra)
            if not record.keys() <= self._accepted:
                unknown = sorted(set(record) - self._accepted)
                raise IntacctValidationError(
                    unknown[0],
                    f"an argument of the {self.label} create{suggestion(unknown[0], self.accepted)} "
                    f"(accepted: {', '.join(self.accepted)})",
                    show_value=False,
                )
            if not self._required <= arguments.keys():
                missing = [name for name in self.required if name not in arguments]
                raise IntacctValidationError(missing[0], "a value (required)", None, show_value=False)
            body = self.builder(**arguments)
            if extra is not None:
                body = merge_extra_fields(body, extra)
        if self.obj is not None:
            check_body(self.obj, body, extra=extra)
            if self._tenant is not None and needs_model(self.obj.path, body):
                body = self._custom(self.obj, body, extra)
        return Item(index, body, _natural(body, self._key_paths))

    def _custom(self, obj: IntacctObject, body: dict[str, Any], extra: Any) -> dict[str, Any]:
        """The body checked against the company's model, read once for the whole input."""
        if not self._model_read:
            assert self._tenant is not None
            self._model = self._tenant()
            self._model_read = True
        if self._model is None:  # unreadable: sent as given (the hook logged why, once)
            return body
        return check_custom(self._model, body, name=lambda path: argument_name(obj, path, extra), label=obj.label)


def natural_key(body: Mapping[str, Any], fields: Sequence[str]) -> tuple[tuple[str, str], ...] | None:
    """``((field, value), ...)`` of the dotted ``fields`` in ``body``; None if any is empty."""
    return _natural(body, _key_paths(fields))


def _key_paths(fields: Sequence[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each dotted field with its parts, split once per task rather than once per record."""
    return tuple((name, tuple(name.split("."))) for name in fields)


def _natural(
    body: Mapping[str, Any], paths: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[tuple[str, str], ...] | None:
    if not paths:
        return None
    values = []
    for name, parts in paths:
        value: Any = body
        for part in parts:
            value = value.get(part) if type(value) is dict or isinstance(value, Mapping) else None
        if value is None or value == "":
            return None
        values.append((name, value if type(value) is str else str(value)))
    return tuple(values)


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
        return Problem(item.index, fields, f"a natural key not used by an earlier record (record {first} has it)")


def problem_of(index: int, error: IntacctValidationError) -> Problem:
    return Problem(index, error.parameter, error.expectation, plain=isinstance(error, IntacctInputError))
