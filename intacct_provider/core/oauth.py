"""The OAuth 2.0 token exchange with Intacct, as pure functions.

The synchronous hook (``requests``) and the triggerer's async client (``httpx``)
send the same form and read the same answer; only the transport differs, so the
rules live here once: which grant, what a refusal means, what a usable answer is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from intacct_provider.core.connection import ConnectionSettings, Secret
from intacct_provider.core.exact_json import loads
from intacct_provider.exceptions import IntacctAuthError, error_from_response

TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a URL path, not a secret


@dataclass(frozen=True)
class TokenAnswer:
    """A successful token response (secrets are excluded from ``repr``).

    ``expires_in`` is 0 when Intacct did not say (missing, zero, negative or not a number):
    the token serves the call that fetched it and is renewed on its next use, rather than
    trusted for a guessed hour.
    """

    access_token: Secret
    expires_in: float
    refresh_token: Secret | None

    def __repr__(self) -> str:
        return f"TokenAnswer(expires_in={self.expires_in})"


def token_form(settings: ConnectionSettings, refresh_token: str | None) -> dict[str, str]:
    """The form of the refresh-token grant when a refresh token is held, else client credentials."""
    form = {"client_id": settings.client_id, "client_secret": settings.client_secret}
    if refresh_token:
        form.update(grant_type="refresh_token", refresh_token=refresh_token)
    else:
        form.update(grant_type="client_credentials", username=settings.username)
    return form


def read_token_answer(settings: ConnectionSettings, status: int, text: str) -> TokenAnswer:
    """Decode the token endpoint's answer, or raise the error a user can act on."""
    if status != 200:
        error = error_from_response(status, text, method="POST", path=TOKEN_PATH)
        if status not in (400, 401, 403):
            raise error
        raise IntacctAuthError(
            error.message,
            status=error.status,
            code=error.code,
            error_id=error.error_id,
            support_id=error.support_id,
            details=[
                *error.details,
                f"check the connection's client ID, client secret and user {settings.username!r}",
            ],
            method="POST",
            path=TOKEN_PATH,
        )
    try:
        payload = loads(text)
    except ValueError:
        payload = None
    access_token = payload.get("access_token") if isinstance(payload, dict) else None
    if not isinstance(access_token, str) or not access_token.strip():
        raise IntacctAuthError(
            "Intacct's token endpoint answered without an access_token", status=status, method="POST", path=TOKEN_PATH
        )
    refresh = payload.get("refresh_token")
    lifetime = _lifetime(payload.get("expires_in"))
    # Held as Secret: masked in any repr and scrubbed from any later exception text.
    return TokenAnswer(
        Secret(access_token), lifetime, Secret(refresh) if isinstance(refresh, str) and refresh else None
    )


def _lifetime(value: object) -> float:
    """Seconds the token lives; 0 (renew on next use) when the answer gives no usable number."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        return 0.0
    return seconds if 0 < seconds < float("inf") else 0.0
