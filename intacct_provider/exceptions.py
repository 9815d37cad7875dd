"""Typed errors raised by the provider.

Intacct buries the useful sentence in ``details[]`` behind a generic "Invalid
request", and answers in three different envelopes (plus HTML pages from its
gateways). Every error here is parsed from any of those shapes so the message a
user reads in the task log leads with what Intacct actually said, followed by the
``supportId`` that Sage support asks for.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import Any

# AirflowFailException: Airflow 3.1's SDK lacks it; the compat provider maps it for every supported version.
from airflow.providers.common.compat.sdk import AirflowFailException
from airflow.sdk.exceptions import AirflowException

#: Longest slice of a non-JSON body kept in an error (gateway pages can be large).
BODY_EXCERPT_CHARS = 300
#: Longest detail text kept in a message; a server may send megabytes of it.
MESSAGE_CAP = 2048


class IntacctError(AirflowException):
    """Base class: an Intacct call or a provider check failed.

    Attributes mirror Intacct's ``ia::error``: ``status`` (HTTP status, ``None`` for
    client-side errors), ``code``, ``error_id`` (e.g. ``REST-1028``), ``support_id``
    and ``details`` (the messages of ``details[]``). ``record`` names the record the
    failed call was about, once an operator has said which (:meth:`name_record`).
    """

    record: str | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        error_id: str | None = None,
        support_id: str | None = None,
        details: list[str] | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        # Server text enters here: scrub echoed credentials first, then cap (a secret cut in two by the cap
        # would otherwise leave half of it readable).
        self.message = cap(scrub(message))
        self.status = status
        self.code = scrub_optional(code)
        self.error_id = scrub_optional(error_id)
        self.support_id = scrub_optional(support_id)
        self.details = [cap(scrub(str(d))) for d in details or []]
        self.method = method
        self.path = path
        super().__init__(self._render())

    def name_record(self, record: str) -> None:
        """Lead the message with the record it concerns (``AP bill 'CSV-2' of vendor VEND-200 ...: ...``).

        The hook's errors know the call, not which row of a user's input it came from; the operator
        knows that, and a mapped task's log otherwise leaves the user working back from a map index
        to their CSV row. Only the first name sticks (a nested operator call may name it again).
        """
        if self.record is not None:
            return
        self.record = record
        self.args = (f"{record}: {self.args[0] if self.args else self.message}", *self.args[1:])

    def _render(self) -> str:
        lead = "; ".join(self.details) if self.details else self.message
        parts = [lead]
        if self.details and self.message and self.message not in lead:
            parts.append(f"({self.message})")
        context = []
        if self.status is not None:
            context.append(f"HTTP {self.status}")
        if self.method and self.path:
            context.append(f"{self.method} {self.path}")
        if self.error_id:
            context.append(f"errorId {self.error_id}")
        if self.code:
            context.append(f"code {self.code}")
        if self.support_id:
            context.append(f"supportId {self.support_id}")
        if context:
            parts.append("[" + ", ".join(context) + "]")
        return cap(" ".join(parts), MESSAGE_CAP * 2)


class IntacctPermanentError(IntacctError, AirflowFailException):
    """Retrying cannot help (wrong input, configuration, a refused contract): fail the task at once.

    Subclassing ``AirflowFailException`` makes Airflow fail the task without spending its
    ``retries``, which are kept for what can succeed later (throttling, outages, lost answers).
    """


class IntacctConfigError(IntacctPermanentError):
    """The Airflow connection is missing or malformed (fix the connection, not the DAG)."""


class IntacctValidationError(IntacctPermanentError, ValueError):
    """An operator argument is invalid; raised before any request is sent."""

    def __init__(self, parameter: str, expectation: str, value: Any = None, *, show_value: bool = True) -> None:
        self.parameter = parameter
        self.expectation = expectation
        #: The offending value, when the message shows it (a bulk task's results file names it too).
        self.value = value if show_value else None
        got = f", got {value!r}" if show_value else ""
        super().__init__(f"{parameter}: expected {expectation}{got}")


class IntacctInputError(IntacctValidationError):
    """Every problem of one input at once (``line_items[0]: unknown key 'amout' — did you mean 'amount'?``).

    Reporting only the first problem makes a user fix, re-run and fail again once
    per mistake; ``problems`` holds each message, ``parameter`` names the input
    (a line, an operator's arguments).
    """

    def __init__(self, parameter: str, problems: list[str]) -> None:
        self.parameter = parameter
        self.problems = list(problems)
        self.expectation = "; ".join(self.problems)
        self.value = None
        IntacctError.__init__(self, f"{parameter}: {self.expectation}")


class IntacctArgumentError(IntacctInputError, TypeError):
    """Unknown or missing operator arguments at DAG parse, each with the closest real one.

    Also a ``TypeError``, which is what Python (and Airflow) raise for a bad keyword argument,
    so code that catches that keeps working.
    """


class IntacctWarehouseError(IntacctPermanentError):
    """A warehouse table cannot take a load as asked: its shape, a field with no safe column name, or a
    value that is not of its column's kind. Fix the table or the arguments; retrying cannot help."""


class IntacctTieOutError(IntacctPermanentError):
    """A warehouse table does not match Intacct (keys missing or extra, values different).

    Retrying the check cannot make the copy right: reload the table, then check again.
    ``result`` holds the comparison as the task's XCom would have it.
    """

    def __init__(self, message: str, result: dict[str, Any]) -> None:
        self.result = result
        super().__init__(message)


class IntacctAuthError(IntacctPermanentError):
    """401/403: wrong client secret, user or company, or a permission Intacct refuses."""


class IntacctNotFoundError(IntacctPermanentError):
    """404: the object path or record key does not exist (or is outside the entity)."""


class IntacctConflictError(IntacctPermanentError):
    """409: an idempotency key or a unique key (bill/invoice number) was already used."""


class IntacctRequestError(IntacctPermanentError):
    """Any other 4xx: Intacct refused the request as written (a bad field, a broken rule)."""


class IntacctAuditTrailError(IntacctPermanentError):
    """``track_deletes=True`` could not read the audit trail: the task fails before writing anything.

    The message names ``track_deletes``, what Intacct answered, what to grant, and the two ways
    out that need no audit trail (``track_deletes="keys"`` or ``False``).
    """


class IntacctProtocolError(IntacctError):
    """A 2xx answer that is not the documented envelope of its call (never read as an empty result).

    Not permanent: a proxy that cut or rewrote one answer may not do it again.
    """


class IntacctRateLimitError(IntacctError):
    """429 after every retry: the company's concurrent-request limit is saturated."""


class IntacctServerError(IntacctError):
    """5xx after every retry (gateway error, weekly maintenance window)."""


class IntacctTransportError(IntacctError):
    """The connection failed or timed out after every retry; nothing was answered."""


class IntacctAmbiguousWriteError(IntacctError):
    """A create was sent but its answer was lost, and no look-up could settle whether it exists.

    The provider never re-posts blindly; check Intacct before creating the record again.
    """


#: Failures that say "not now" rather than "wrong": a waiting sensor keeps polling through them.
TRANSIENT_ERRORS: tuple[type[IntacctError], ...] = (IntacctRateLimitError, IntacctServerError, IntacctTransportError)

_STATUS_CLASSES: dict[int, type[IntacctError]] = {
    401: IntacctAuthError,
    403: IntacctAuthError,
    404: IntacctNotFoundError,
    409: IntacctConflictError,
    429: IntacctRateLimitError,
}


def _find_error_dict(body: Any) -> dict[str, Any] | None:
    """Return the error object from any of Intacct's three envelopes."""
    if not isinstance(body, dict):
        return None
    result = body.get("ia::result")
    if isinstance(result, dict) and isinstance(result.get("ia::error"), dict):
        return result["ia::error"]
    if isinstance(result, list):
        for item in result:
            if isinstance(item, dict) and isinstance(item.get("ia::error"), dict):
                return item["ia::error"]
    for key in ("ia::error", "error"):
        if isinstance(body.get(key), dict):
            return body[key]
    return None


def _detail_messages(error: dict[str, Any]) -> list[str]:
    messages = []
    for detail in error.get("details") or []:
        if isinstance(detail, dict):
            text = detail.get("message") or detail.get("code")
            if text:
                messages.append(str(text))
        elif detail:
            messages.append(str(detail))
    return messages


def _excerpt(text: str) -> str:
    """Flatten and truncate a non-JSON body (an HTML gateway page, say) for a log line."""
    flat = " ".join(text.split())
    if len(flat) > BODY_EXCERPT_CHARS:
        flat = flat[:BODY_EXCERPT_CHARS] + "…"
    return flat


def error_from_response(status: int, text: str, *, method: str | None = None, path: str | None = None) -> IntacctError:
    """Build the right :class:`IntacctError` subclass from an HTTP answer.

    Shared by the synchronous hook (``requests``) and the async trigger (``httpx``),
    which is why it takes the status and the decoded body text rather than a response.
    """
    if status in _STATUS_CLASSES:
        cls = _STATUS_CLASSES[status]
    elif status >= 500:
        cls = IntacctServerError
    elif 400 <= status < 500:
        cls = IntacctRequestError
    else:
        cls = IntacctError
    try:
        # Exact numbers, as every Intacct answer is read: an amount in an error detail reaches the
        # log as Intacct wrote it ("1250.50"), never through a float ("1250.5").
        body = json.loads(text, parse_float=Decimal) if text else None
    except ValueError:
        body = None
    error = _find_error_dict(body)
    if error is None:
        what = _excerpt(text) if text else "empty body"
        message = f"Intacct answered HTTP {status} without a JSON error body: {what}"
        return cls(message, status=status, method=method, path=path)
    return cls(
        str(error.get("message") or error.get("code") or f"HTTP {status}"),
        status=status,
        code=_str_or_none(error.get("code")),
        error_id=_str_or_none(error.get("errorId")),
        support_id=_str_or_none(error.get("supportId")),
        details=_detail_messages(error),
        method=method,
        path=path,
    )


def cap(text: str, limit: int = MESSAGE_CAP) -> str:
    """The first ``limit`` characters of ``text``, the rest summarised by its length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters not shown]"


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# ------------------------------------------------------------ scrubbing secrets (issue 12)
#: Shortest value treated as a secret: a shorter one would blank out ordinary words of a message.
MIN_SCRUBBED_LENGTH = 8
#: How many secrets are remembered (each token renewal adds one; the oldest are long expired).
MAX_REMEMBERED_SECRETS = 256
SCRUBBED = "***"
_SECRETS: dict[str, None] = {}  # an insertion-ordered set
_SECRETS_LOCK = threading.Lock()  # the hook's page threads may renew a token while another fails


def remember_secret(value: str | None) -> None:
    """Register a credential so that no exception text built afterwards can contain it.

    Called for the client secret and refresh token when a connection is read, and for every
    token Intacct issues. The URL-encoded form is remembered too: a server that echoes the
    request body echoes ``client_secret=a%2Bb``, not ``a+b``.
    """
    if not value or len(value) < MIN_SCRUBBED_LENGTH:
        return
    from urllib.parse import quote, quote_plus

    with _SECRETS_LOCK:
        for form in dict.fromkeys((str(value), quote_plus(value), quote(value, safe=""))):
            _SECRETS.pop(form, None)
            _SECRETS[form] = None
        while len(_SECRETS) > MAX_REMEMBERED_SECRETS:
            del _SECRETS[next(iter(_SECRETS))]


def scrub(text: str) -> str:
    """``text`` with every remembered secret replaced by ``***`` (longest first, so none is left half-masked)."""
    if not text or not _SECRETS:
        return text
    with _SECRETS_LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, SCRUBBED)
    return text


def scrub_optional(text: str | None) -> str | None:
    """:func:`scrub` for optional fields of an error (``code``, ``supportId``)."""
    return None if text is None else scrub(text)
