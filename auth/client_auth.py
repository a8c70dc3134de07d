"""Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3), in place of
Authlib's: `OAuthServer.authenticate_client` (auth/server.py) calls `authenticate` for every grant and endpoint.

- **One answer for every failure**: `invalid_client`, "Client authentication failed", HTTP 401 with
  `WWW-Authenticate: Basic`, whether the client id is unknown, the secret wrong, the client public where a secret
  is required, or the method one the endpoint does not take. (Authlib said "The client does not exist on this
  server." for an unknown id and something else, with another status for a form secret, for a wrong secret: a list
  of guessed client ids could be sorted into real and not.)
- **The same cost**: a presented secret is always verified with argon2, against the client's hash or, for an
  unknown or public client, against a dummy hash made with the same hasher (as the sign-in does for an unknown
  email), so the time taken does not tell them apart either.
- **Backoff** (auth/throttle.py, the sign-in's rules and records): failed secrets are counted per client id
  (`client:<id>`, whether or not a client has it) and per IP (`client-ip:<address>`), in PostgreSQL, so the count
  holds across workers. While either is locked the attempt is refused without looking at the secret, right or
  wrong: HTTP 429 with `Retry-After`, and the error `invalid_client` (RFC 6749 has no error for it; a client that
  reads only the error still sees that its authentication failed, one that reads the status learns when to try
  again). The refusal says the same for every client id, known or not. A success clears the client id's record.
  Each lockout is audited: for a known client, in its organisation's log.
- **Parallel attempts**: the client id's record is locked (`FOR UPDATE`) for the attempt, so parallel guesses at
  one client cannot overtake its count. The IP's record is read at the start and locked only to count a failure,
  so that an office's or a bench's token requests are not made to wait for one another's argon2; guesses spread
  over many client ids from one IP may then exceed the IP's count by the attempts in flight at once.
- A public client (`none`) presents no secret: there is nothing to guess, and nothing is counted.

Secrets are verified in the calling (worker) thread; every database step goes back to the event loop through
`call` (auth/server.py `_Unit.call`), in the request's one transaction, which commits the counts with the answer.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidClientError
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock
from api.core.principal import system_principal
from auth import clients, throttle
from auth.models import SECRET_HASHER, LoginThrottle, OAuthClient
from auth.throttle import ThrottlePolicy

Call = Callable[..., Any]  # `_Unit.call`: runs `fn(session, *args)` on the event loop, returns its result

CLIENT_AUTH_ACTOR_ID = "dpv-client-auth"
FAILED = "Client authentication failed"
MAX_CLIENT_ID = 200  # characters of a presented client id kept in its throttle key

# One client id: 5 failures in 15 minutes, as for a person's address. One IP: more (several integrations may
# share an address).
CLIENT_POLICY = ThrottlePolicy(5, timedelta(minutes=15), timedelta(minutes=1), timedelta(hours=1))
CLIENT_IP_POLICY = ThrottlePolicy(20, timedelta(minutes=15), timedelta(minutes=1), timedelta(hours=1))


class ClientThrottled(OAuth2Error):
    """Too many failed secrets for this client id or from this IP: refused without looking at the secret."""

    error = "invalid_client"
    status_code = 429

    def __init__(self, retry_after: int):
        super().__init__(description="Too many failed client authentications; try again later")
        self.retry_after = retry_after

    def get_headers(self) -> list[tuple[str, str]]:
        return [*super().get_headers(), ("Retry-After", str(self.retry_after))]


def refused() -> InvalidClientError:
    """The one answer for a failed client authentication."""
    return InvalidClientError(status_code=401, description=FAILED)


# --- what the request presents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Presented:
    method: str  # client_secret_basic, client_secret_post or none
    client_id: str
    secret: str | None


def _basic(header: str | None) -> tuple[str, str] | None:
    """`Authorization: Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1); None if absent or
    unreadable."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None
    return unquote(client_id), unquote(secret)


def presented(request: OAuth2Request) -> Presented | None:
    """The credentials the request presents, by exactly one method; None for none, or for two at once (a Basic
    header and a form secret: RFC 6749 §2.3 allows only one)."""
    form = request.payload.data
    basic = _basic(request.headers.get("Authorization"))
    if basic is not None and basic[1]:
        if form.get("client_secret"):
            return None
        return Presented("client_secret_basic", basic[0], basic[1])
    if form.get("client_secret"):
        return Presented("client_secret_post", form.get("client_id") or "", form["client_secret"])
    if form.get("client_id"):
        return Presented("none", form["client_id"], None)
    return None


# --- the steps on the event loop ----------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One presented secret, between its steps. Its rows are touched on the event loop only."""

    client: OAuthClient | None
    record: LoginThrottle  # the client id's, locked for the attempt
    ip_key: str
    now: datetime
    retry_after: int | None


async def begin(session: AsyncSession, client_id: str, ip: str) -> Attempt:
    """Lock the client id's record for this attempt, read the IP's, and find the client."""
    now = clock.now()
    await throttle.forget_quiet_records(session, now)
    client_key, ip_key = f"client:{client_id[:MAX_CLIENT_ID]}", f"client-ip:{ip}"
    record = (await throttle.lock_records(session, [client_key]))[client_key]
    seen = await throttle.read_records(session, [ip_key])
    wait = throttle.retry_after([record, *seen.values()], now)
    client = await clients.client_by_client_id(session, client_id)
    return Attempt(client, record, ip_key, now, wait)


async def count_failure(session: AsyncSession, attempt: Attempt) -> None:
    """Count one failed secret on the client id and on the IP; audit each lockout it starts."""
    ip_record = (await throttle.lock_records(session, [attempt.ip_key]))[attempt.ip_key]
    for row, policy, client in ((attempt.record, CLIENT_POLICY, attempt.client), (ip_record, CLIENT_IP_POLICY, None)):
        if throttle.count_failure(row, policy, attempt.now):
            await session.flush()
            _audit_lockout(session, row, client)


async def succeeded(session: AsyncSession, attempt: Attempt) -> None:
    """The right secret: the client id's record is cleared (the IP's is left to its window)."""
    await session.delete(attempt.record)


def _audit_lockout(session: AsyncSession, row: LoginThrottle, client: OAuthClient | None) -> None:
    data = {"key": row.key, "lockouts": row.lockouts, "locked_until": row.locked_until}
    if client is not None:  # the client's organisation sees it in its own log
        org = client.organisation
        audit.record(
            session,
            system_principal(org.id, org.kind, org.slug, CLIENT_AUTH_ACTOR_ID),
            "oauth_client.lockout",
            "LoginThrottle",
            row.id,
            data,
        )
    else:
        audit.record_system(session, CLIENT_AUTH_ACTOR_ID, "oauth_client.lockout", "LoginThrottle", row.id, data)


# --- the secret ---------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(32))


def secret_matches(client: OAuthClient | None, secret: str, hasher: PasswordHasher = SECRET_HASHER) -> bool:
    """Whether `secret` is this confidential client's. Always one argon2 verification: against a dummy hash when
    there is no client or it has no secret, so that the time taken never tells those cases apart."""
    stored = client.client_secret_hash if client is not None else None
    dummy = _dummy_hash(hasher)  # made by the first attempt of either kind, so that it never tells them apart
    try:
        return hasher.verify(stored or dummy, secret) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


# --- the whole ----------------------------------------------------------------------------------------------------


def authenticate(
    call: Call, request: OAuth2Request, methods: list[str], endpoint: str, ip: str
) -> tuple[OAuthClient, str]:
    """The client and the method it authenticated with, for an endpoint that takes `methods`; raises `refused()`
    or `ClientThrottled`. Runs in the worker thread (module docstring)."""
    shown = presented(request)
    if shown is None or not shown.client_id:
        raise refused()
    if shown.secret is None:  # a public client: nothing to verify, nothing to count
        client = call(clients.client_by_client_id, shown.client_id)
        if (
            client is None
            or client.is_confidential
            or "none" not in methods
            or not client.check_endpoint_auth_method("none", endpoint)
        ):
            raise refused()
        return client, "none"

    attempt: Attempt = call(begin, shown.client_id, ip)
    if attempt.retry_after is not None:
        raise ClientThrottled(attempt.retry_after)
    if not secret_matches(attempt.client, shown.secret):
        call(count_failure, attempt)
        raise refused()
    call(succeeded, attempt)
    client = attempt.client
    assert client is not None
    if shown.method not in methods or not client.check_endpoint_auth_method(shown.method, endpoint):
        raise refused()
    return client, shown.method
