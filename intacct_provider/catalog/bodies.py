"""One object's arguments to its checked Intacct body: the single create's and every bulk record's.

A record is shaped like the create operator's arguments (a bill is ``{"vendor_id", "date_created",
"date_due", "line_items", "bill_number", ...}``); :class:`BodyBuilder` refuses an unknown argument
(with the closest real one) or a missing required one, maps the rest with the object's payload
function, merges ``extra_fields`` and checks the whole body against Sage's contract
(:func:`~intacct_provider.catalog.body_check.check_body`, the one place every body passes
through before it is sent). An object without a payload function takes the record as its body,
still checked against the contract when it describes the object; a raw path is sent as given.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from intacct_provider.catalog.body_check import check_body, merge_extra_fields
from intacct_provider.catalog.registry import IntacctObject
from intacct_provider.catalog.suggest import suggestion
from intacct_provider.catalog.validation import parse_json
from intacct_provider.exceptions import IntacctValidationError


class BodyBuilder:
    """Builds checked create bodies of one object (``None``: a raw path, whose records are bodies).

    The payload function's signature is read once, so building a body per record stays cheap.
    """

    def __init__(self, obj: IntacctObject | None) -> None:
        self.obj = obj
        self.mapping = obj.payload_function() if obj is not None else None
        self.label = obj.label if obj is not None else "record"
        #: The arguments a record may have (``extra_fields`` included) and those it must have.
        self.accepted: list[str] = []
        self.required: list[str] = []
        if self.mapping is not None:
            parameters = inspect.signature(self.mapping).parameters.values()
            self.accepted = [p.name for p in parameters] + ["extra_fields"]
            self.required = [p.name for p in parameters if p.default is inspect.Parameter.empty]
        self._accepted = frozenset(self.accepted)
        self._required = frozenset(self.required)

    def build(
        self,
        record: Any,
        *,
        extra: Any = None,
        prefix: str = "",
        custom: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The checked body of ``record``; :class:`IntacctValidationError` names the first bad argument.

        ``extra`` is the operator's ``extra_fields`` (a bulk record carries its own under that
        name instead); ``prefix`` goes before an unknown or missing argument's name (``record.``
        for the single-create operator's ``record`` mapping). ``custom(body, extra)`` is the
        company's own check, after Sage's contract (custom fields against the company's model),
        returning the body to send; the single create runs it in ``execute()`` instead, as it reads.
        """
        if not isinstance(record, Mapping):
            raise IntacctValidationError(prefix.rstrip(".") or "record", "a JSON object", record)
        arguments = dict(record)
        if self.mapping is not None and "extra_fields" in arguments:
            extra = arguments.pop("extra_fields")
        if extra is not None:
            extra = parse_json("extra_fields", extra)
        if self.mapping is None:
            body = arguments
        else:
            if not record.keys() <= self._accepted:
                unknown = sorted(set(record) - self._accepted)
                raise IntacctValidationError(
                    f"{prefix}{unknown[0]}",
                    f"an argument of the {self.label} create{suggestion(unknown[0], self.accepted)} "
                    f"(accepted: {', '.join(self.accepted)})",
                    show_value=False,
                )
            if not self._required <= arguments.keys():
                missing = [name for name in self.required if name not in arguments]
                raise IntacctValidationError(
                    f"{prefix}{missing[0]}", "a value (it is required)", None, show_value=False
                )
            body = self.mapping(**arguments)
        if extra is not None:
            body = merge_extra_fields(body, extra)
        if self.obj is not None:
            check_body(self.obj, body, extra=extra)
            if custom is not None:
                body = custom(body, extra)
        return body
