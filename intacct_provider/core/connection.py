"""Read an Airflow ``sage_intacct`` connection into checked settings.

Shared by the synchronous hook and the async trigger so both enforce the same
rules: required fields are named when missing, numbers are checked, and
credentials are only ever sent over HTTPS (plain HTTP is allowed to loopback,
for the sandbox, or when the connection says ``allow_insecure_http``).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from intacct_provider.exceptions import IntacctConfigError, remember_secret
from intacct_provider.get_provider_info import DEFAULT_BASE_URL

DEFAULT_TIMEOUT = 60.0
CONNECT_TIMEOUT = 10.0
#: Without a ``request_deadline`` extra, one request may take this many read timeouts in all.
DEADLINE_FACTOR = 3
DEFAULT_MAX_RETRIES = 5
DEFAULT_MAX_CONCURRENCY = 2
#: Seconds a worker process keeps a company's model of an object (its custom fields) before reading it again.
DEFAULT_MODEL_CACHE_SECONDS = 900.0


class Secret(str):
    """A credential: its text everywhere it is used, ``'***'`` in every ``repr``.

    ``repr(vars(hook))``, a debugger or a log of an object's attributes shows the
    ``repr`` of each value, so a secret held as a plain ``str`` anywhere in an
    object graph leaks there. Held as a ``Secret``, it is sent unchanged (it *is*
    a ``str``) and masked in every such view. Creating one also registers it for
    scrubbing from exception text (see ``exceptions.scrub``).
    """

    __slots__ = ()

    def __new__(cls, value: str) -> Secret:
        secret = super().__new__(cls, value)
        remember_secret(value)
        return secret

    def __repr__(self) -> str:
        return "'***'"


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything the hook needs from a connection; secrets are :class:`Secret` and excluded from ``repr``."""

    conn_id: str
    base_url: str
    client_id: str
    client_secret: Secret = field(repr=False)
    company_id: str
    user_id: str
    entity_id: str | None = None
    refresh_token: Secret | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    #: Seconds one request may take in all (connect, headers, whole body); ``None``: ``DEADLINE_FACTOR`` x timeout.
    request_deadline: float | None = None
    #: Seconds a worker process reuses a model read from the model service (0: only within one hook).
    model_cache_seconds: float = DEFAULT_MODEL_CACHE_SECONDS

    @property
    def deadline(self) -> float:
        """The overall deadline of one request: a server answering a byte per read timeout cannot hold a worker.

        ``timeout`` bounds each wait for bytes; this bounds their sum, connecting included.
        """
        return self.request_deadline if self.request_deadline is not None else DEADLINE_FACTOR * self.timeout

    @property
    def username(self) -> str:
        """The ``username`` form field of the client-credentials grant."""
        return f"{self.user_id}@{self.company_id}"

    @classmethod
    def from_connection(cls, conn: Any) -> ConnectionSettings:
        """Build settings from an Airflow ``Connection`` (sync or async fetched)."""
        conn_id = str(getattr(conn, "conn_id", None) or "?")
        extra = _extra_dict(conn)
        base_url = _base_url(conn_id, getattr(conn, "host", None), extra)
        client_id = _required(conn_id, "login (Client ID)", getattr(conn, "login", None))
        client_secret = _secret(conn_id, "password (Client secret)", getattr(conn, "password", None))
        return cls(
            conn_id=conn_id,
            base_url=base_url,
            client_id=client_id,
            client_secret=client_secret,
            company_id=_required(conn_id, "extra company_id", extra.get("company_id")),
            user_id=_required(conn_id, "extra user_id", extra.get("user_id")),
            entity_id=_entity(conn_id, extra.get("entity_id")),
            refresh_token=_optional_secret(extra.get("refresh_token")),
            timeout=_number(conn_id, "timeout", extra.get("timeout"), DEFAULT_TIMEOUT, float, 1),
            max_retries=int(_number(conn_id, "max_retries", extra.get("max_retries"), DEFAULT_MAX_RETRIES, int, 0)),
            max_concurrency=int(
                _number(conn_id, "max_concurrency", extra.get("max_concurrency"), DEFAULT_MAX_CONCURRENCY, int, 1)
            ),
            request_deadline=_deadline(conn_id, extra),
            model_cache_seconds=_number(
                conn_id, "model_cache_seconds", extra.get("model_cache_seconds"), DEFAULT_MODEL_CACHE_SECONDS, float, 0
            ),
        )


def _extra_dict(conn: Any) -> dict[str, Any]:
    extra = getattr(conn, "extra_dejson", None)
    if isinstance(extra, dict):
        return extra
    return {}


def _base_url(conn_id: str, host: Any, extra: dict[str, Any]) -> str:
    url = (str(host).strip() if host else "") or DEFAULT_BASE_URL
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise IntacctConfigError(
            f"Connection {conn_id!r}: host must be the API base URL such as {DEFAULT_BASE_URL}, got {url!r}"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname) and not _truthy(extra.get("allow_insecure_http")):
        raise IntacctConfigError(
            f"Connection {conn_id!r}: refusing to send credentials over plain http:// to {parts.hostname}; "
            "use https://, or set extra allow_insecure_http=true if this host is a trusted proxy"
        )
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


def _required(conn_id: str, name: str, value: Any) -> str:
    text = _optional_str(value)
    if text is None:
        raise IntacctConfigError(f"Connection {conn_id!r} is missing {name}")
    return text


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number(conn_id: str, name: str, value: Any, default: float, kind: type, minimum: float) -> float:
    if value is None or value == "":
        return default
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not math.isfinite(number) or number < minimum or isinstance(value, bool):
        raise IntacctConfigError(
            f"Connection {conn_id!r}: extra {name} must be a {kind.__name__} >= {minimum}, got {value!r}"
        )
    return float(number)


def _deadline(conn_id: str, extra: dict[str, Any]) -> float | None:
    """The ``request_deadline`` extra: at least the read timeout (a shorter one would cut every slow first byte)."""
    value = extra.get("request_deadline")
    if value is None or value == "":
        return None
    timeout = _number(conn_id, "timeout", extra.get("timeout"), DEFAULT_TIMEOUT, float, 1)
    return _number(conn_id, "request_deadline", value, timeout, float, timeout)


# ------------------------------------------------- secrets and header values (issue 12)
def _secret(conn_id: str, name: str, value: Any) -> Secret:
    """A required secret, exactly as stored: spaces around it are part of it, not typing noise."""
    if value is None or not str(value).strip():
        raise IntacctConfigError(f"Connection {conn_id!r} is missing {name}")
    return Secret(str(value))


def _optional_secret(value: Any) -> Secret | None:
    if value is None or not str(value).strip():
        return None
    return Secret(str(value))


def _entity(conn_id: str, value: Any) -> str | None:
    """The entity id, sent as the ``X-IA-API-Param-Entity`` header: printable ASCII only.

    A CR/LF or a non-ASCII letter here would otherwise surface as a raw error from the
    HTTP library after a token was already fetched, or split the header.
    """
    from intacct_provider.catalog.validation import MAX_HEADER_LENGTH, is_header_safe

    if value is None or not str(value).strip():
        return None
    text = str(value).strip(" ")  # a pasted space is noise; a CR/LF or a tab is refused below
    if not is_header_safe(text):
        raise IntacctConfigError(
            f"Connection {conn_id!r}: extra entity_id must be printable ASCII of at most {MAX_HEADER_LENGTH} "
            f"characters (it is sent as an HTTP header), got {value!r}"
        )
    return text
