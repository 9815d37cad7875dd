"""The OAuth 2.0 token exchange with Intacct, as pure functions.

The synchronous hook (``requests``) and the triggerer's async client (``httpx``)
send the same form and read the same answer; only the transport differs, so the
rules live here once: which grant, what a refusal means, what a usable answer is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from intacct_provider.connection import ConnectionSettings, Secret
from intacct_provider.exceptions import IntacctAuthError, error_from_response

TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a URL path, not a secret
#: Lifetime assumed when Intacct's answer omits ``expires_in``.
DEFAULT_EXPIRES_IN = 3600.0


@dataclass(frozen=True)
class TokenAnswer:
    """A successful token response (secrets are excluded from ``repr``)."""

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
        payload = json.loads(text)
        access_token = str(payload["access_token"])
        expires_in = float(payload.get("expires_in") or DEFAULT_EXPIRES_IN)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise IntacctAuthError(
            "Intacct's token endpoint answered without an access_token", status=200, path=TOKEN_PATH
        ) from None
    refresh = payload.get("refresh_token")
    # Held as Secret: masked in any repr and scrubbed from any later exception text.
    return TokenAnswer(Secret(access_token), expires_in, Secret(str(refresh)) if refresh else None)
