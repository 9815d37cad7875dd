"""OAuth 2.0 tokens: issue, refresh (with rotation), check, expire.

Lifetimes run on the monotonic clock, not on the freezable audit clock, so a test that moves
business time never logs its client out by accident; expiry is tested with ``expire_all`` or a
short ``token_ttl`` instead.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

ROTATION_GRACE_SECONDS = 60.0
#: How OAuth 2.0 token requests are posted (the request log masks such forms too).
FORM_TYPE = "application/x-www-form-urlencoded"


class TokenAuthority:
    """Access tokens (expire after the TTL) and refresh tokens (valid until rotated, then 60 s)."""

    def __init__(self) -> None:
        self._access: dict[str, float] = {}
        self._refresh: dict[str, float | None] = {}

    def issue(self, ttl: int) -> dict[str, Any]:
        """A token response with a new access token and a new refresh token."""
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        self._access[access] = time.monotonic() + ttl
        self._refresh[refresh] = None
        return {"access_token": access, "token_type": "Bearer", "expires_in": ttl, "refresh_token": refresh}

    def refresh(self, refresh_token: str, ttl: int) -> dict[str, Any] | None:
        """Exchange a refresh token; the old one keeps working for a short grace period."""
        if not self._refresh_valid(refresh_token):
            return None
        if self._refresh[refresh_token] is None:
            self._refresh[refresh_token] = time.monotonic() + ROTATION_GRACE_SECONDS
        return self.issue(ttl)

    def _refresh_valid(self, token: str) -> bool:
        if token not in self._refresh:
            return False
        deadline = self._refresh[token]
        return deadline is None or time.monotonic() < deadline

    def is_valid(self, access_token: str) -> bool:
        deadline = self._access.get(access_token)
        return deadline is not None and time.monotonic() < deadline

    def revoke(self, access_token: str) -> None:
        self._access.pop(access_token, None)

    def expire_all(self) -> None:
        """Every access token issued so far stops working; refresh tokens are untouched."""
        self._access.clear()
