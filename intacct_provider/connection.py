"""Read an Airflow ``sage_intacct`` connection into checked settings.

Shared by the synchronous hook and the async trigger so both enforce the same
rules: required fields are named when missing, numbers are checked, and
credentials are only ever sent over HTTPS (plain HTTP is allowed to loopback,
for the sandbox, or when the connection says ``allow_insecure_http``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from intacct_provider.exceptions import IntacctConfigError
from intacct_provider.get_provider_info import DEFAULT_BASE_URL

DEFAULT_TIMEOUT = 60.0
CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_MAX_CONCURRENCY = 2


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything the hook needs from a connection; secrets are excluded from ``repr``."""

    conn_id: str
    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    company_id: str
    user_id: str
    entity_id: str | None = None
    refresh_token: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY

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
        client_secret = _required(conn_id, "password (Client secret)", getattr(conn, "password", None))
        return cls(
            conn_id=conn_id,
            base_url=base_url,
            client_id=client_id,
            client_secret=client_secret,
            company_id=_required(conn_id, "extra company_id", extra.get("company_id")),
            user_id=_required(conn_id, "extra user_id", extra.get("user_id")),
            entity_id=_optional_str(extra.get("entity_id")),
            refresh_token=_optional_str(extra.get("refresh_token")),
            timeout=_number(conn_id, "timeout", extra.get("timeout"), DEFAULT_TIMEOUT, float, 1),
            max_retries=int(_number(conn_id, "max_retries", extra.get("max_retries"), DEFAULT_MAX_RETRIES, int, 0)),
            max_concurrency=int(
                _number(conn_id, "max_concurrency", extra.get("max_concurrency"), DEFAULT_MAX_CONCURRENCY, int, 1)
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
    if number is None or number < minimum or isinstance(value, bool):
        raise IntacctConfigError(
            f"Connection {conn_id!r}: extra {name} must be a {kind.__name__} >= {minimum}, got {value!r}"
        )
    return float(number)
