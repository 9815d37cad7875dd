"""The OAuth token a client holds, and the rules for renewing it (no I/O, no locks).

The sync hook and the async client each keep one :class:`TokenState`; they send
:meth:`form` to the token endpoint and hand the answer to :meth:`accept`. Rules:

* a token is used until :data:`RENEW_MARGIN` seconds before Intacct says it expires;
  an answer without a usable ``expires_in`` serves the call that fetched it and is
  renewed on its next use (never assumed to last an hour);
* the refresh-token grant is used while a refresh token is held; the newest refresh
  token Intacct returns replaces it (the old one may be revoked by the exchange);
* a refused refresh token falls back, once, to the client-credentials grant: a rotated
  refresh token cannot be written back to the Airflow connection, so the stored one goes
  stale as soon as another task has exchanged it.
"""

from __future__ import annotations

import logging

from intacct_provider.core.connection import ConnectionSettings
from intacct_provider.core.decisions import Request
from intacct_provider.core.oauth import TOKEN_PATH, read_token_answer, token_form
from intacct_provider.exceptions import IntacctAuthError

log = logging.getLogger(__name__)

#: Renew a token this many seconds before Intacct says it expires.
RENEW_MARGIN = 60.0


class TokenState:
    """The current access token, its deadline on the monotonic clock, and the refresh token."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        self._access_token: str | None = None
        self._renew_at = 0.0
        self.refresh_token = settings.refresh_token

    def __repr__(self) -> str:
        held = "a token" if self._access_token else "no token"
        return f"TokenState({held}, refresh grant: {bool(self.refresh_token)})"

    def current(self, now: float) -> str | None:
        """The token to send, or ``None`` when one must be fetched first."""
        if self._access_token is None or now >= self._renew_at:
            return None
        return self._access_token

    def form(self) -> dict[str, str]:
        """The token request's form: refresh-token grant while one is held, else client credentials."""
        return token_form(self.settings, self.refresh_token)

    def request(self) -> Request:
        """The token endpoint call (no bearer token, final answers handed back for :meth:`receive`)."""
        return Request("POST", TOKEN_PATH, form=self.form(), authorize=False)

    def receive(self, status: int, text: str, now: float) -> str | None:
        """:meth:`accept` the answer; ``None`` when a refused refresh token fell back (ask again)."""
        try:
            return self.accept(status, text, now)
        except IntacctAuthError:
            if not self.fall_back():
                raise
        log.warning("Intacct refused the refresh token; authenticating with the client credentials instead")
        return None

    def secrets(self) -> tuple[str | None, str | None]:
        """What to mask once a token arrives: the access token and the (possibly new) refresh token."""
        return self._access_token, self.refresh_token

    def accept(self, status: int, text: str, now: float) -> str:
        """Keep the token of a 2xx answer and return it; raise ``IntacctAuthError`` for a refusal.

        The returned token is good for the call that asked for it even when Intacct gave it
        no lifetime; :meth:`current` then asks for a new one on the next call.
        """
        answer = read_token_answer(self.settings, status, text)
        if answer.refresh_token and self.refresh_token:
            self.refresh_token = answer.refresh_token
        self._access_token = answer.access_token
        self._renew_at = now + answer.expires_in - RENEW_MARGIN if answer.expires_in else now
        return answer.access_token

    def fall_back(self) -> bool:
        """After a refusal: switch from the refresh token to client credentials (``False``: nothing left)."""
        if not self.refresh_token:
            return False
        self.refresh_token = None
        return True

    def invalidate(self, used: str) -> None:
        """Drop the token a request was refused with, unless it was already replaced."""
        if self._access_token == used:
            self._access_token = None
