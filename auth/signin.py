"""Signing a person in at the authorization endpoint: the rules, without HTTP (api/web/signin_pages.py renders them).

- **Passwords** are verified with argon2 in a worker thread. An unknown email is verified against a dummy hash
  made with the same hasher, so that it costs what a wrong password costs; both get the same answer
  (`SignInFailure.INVALID`): the page never says which of the two was wrong (no account enumeration).
- **Backoff** (auth/throttle.py): failed sign-ins are counted per email address (whether or not
  anyone has it) and per client IP, in PostgreSQL (`login_throttle`) since several workers serve. After
  `max_failures` failures within `window`, the key is locked for `first_delay`; once a key has been locked, every
  further failure locks it again for twice as long (up to `max_delay`). While locked, sign-in is refused without
  looking at the password, correct or not. A successful sign-in clears its email's record; a record left quiet for
  a day is forgotten. The rows of one attempt are locked (`FOR UPDATE`) for its duration, so parallel guesses
  cannot overtake the count. Each lockout is audited.
- **The browser session**: a random token in an HttpOnly, SameSite=Lax cookie (Secure when the issuer is https),
  path /oauth; the server keeps its SHA-256 (`signin_session`), so signing out ends it for good. Sign-in and
  sign-out are audited.
- **CSRF** (signed double-submit): the browser holds a `dpv_csrf` cookie (a random nonce, its issue time and an
  HMAC of both under the service's secret key); every form carries `HMAC(key, purpose, nonce)`. A forged form has
  no valid token: the other site can neither read the cookie nor compute the HMAC. The key is `DPV_SECRET_KEY`, or
  for development one generated once and kept in `$DPV_DATA_DIR/secret-key` (mode 0600; every worker reads it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from api.core import audit, clock
from api.core.config import Settings
from api.core.keyfile import configured_or_generated
from api.core.principal import system_principal
from auth import throttle
from auth.models import AppUser, SigninSession
from auth.throttle import ThrottlePolicy
from auth.users import MAX_PASSWORD_LENGTH, PASSWORD_HASHER, normalise_email, user_by_email, user_principal

SIGNIN_ACTOR_ID = "dpv-signin"
SESSION_COOKIE = "dpv_session"
CSRF_COOKIE = "dpv_csrf"
COOKIE_PATH = "/oauth"
SESSION_TTL = timedelta(hours=8)
CSRF_TTL = timedelta(hours=2)
SECRET_FILE = "secret-key"


# --- the secret key ---------------------------------------------------------------------------------------------


def secret_key(settings: Settings) -> bytes:
    """`DPV_SECRET_KEY`, or (development) a key generated once under DPV_DATA_DIR and shared by every worker."""
    return configured_or_generated(settings.secret_key, settings.data_dir, SECRET_FILE, "DPV_SECRET_KEY")


def _mac(key: bytes, *parts: str) -> str:
    digest = hmac.new(key, "|".join(parts).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """How a bearer secret of the flow (session token, code, refresh token) is stored: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


# --- CSRF ---------------------------------------------------------------------------------------------------------


def new_csrf_cookie(key: bytes, now: datetime) -> str:
    nonce, issued = secrets.token_urlsafe(24), str(int(now.timestamp()))
    return f"{nonce}.{issued}.{_mac(key, 'csrf-cookie', nonce, issued)}"


def csrf_nonce(key: bytes, cookie: str | None, now: datetime) -> str | None:
    """The nonce of a CSRF cookie this service set less than CSRF_TTL ago; None for anything else."""
    if not cookie or cookie.count(".") != 2:
        return None
    nonce, issued, mac = cookie.split(".")
    if not hmac.compare_digest(mac, _mac(key, "csrf-cookie", nonce, issued)) or not issued.isdigit():
        return None
    if now.timestamp() - int(issued) > CSRF_TTL.total_seconds():
        return None
    return nonce


def form_token(key: bytes, nonce: str, purpose: str) -> str:
    """The token a form of `purpose` ("signin", "signout") carries, for the browser holding `nonce`."""
    return _mac(key, "csrf-form", purpose, nonce)


def form_token_valid(key: bytes, cookie: str | None, token: str | None, purpose: str, now: datetime) -> bool:
    nonce = csrf_nonce(key, cookie, now)
    if not nonce or not token:
        return False
    return hmac.compare_digest(token, form_token(key, nonce, purpose))


# --- backoff (auth/throttle.py) -----------------------------------------------------------------------------------


# One person's address: 5 failures in 15 minutes. One IP: more, since a council office signs in from behind one.
EMAIL_POLICY = ThrottlePolicy(5, timedelta(minutes=15), timedelta(minutes=1), timedelta(hours=1))
IP_POLICY = ThrottlePolicy(20, timedelta(minutes=15), timedelta(minutes=1), timedelta(hours=1))


# --- signing in ---------------------------------------------------------------------------------------------------


class SignInFailure(Enum):
    INVALID = "INVALID"  # unknown email or wrong password: never said which
    THROTTLED = "THROTTLED"


@dataclass(frozen=True)
class SignInResult:
    user: AppUser | None
    failure: SignInFailure | None = None
    retry_after: int = 0  # seconds, when throttled


@lru_cache(maxsize=8)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def _verify(hasher: PasswordHasher, password_hash: str | None, password: str) -> bool:
    dummy = _dummy_hash(hasher)  # made by the first attempt of either kind, so that it never tells them apart
    try:
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(
    session: AsyncSession, *, email: str, password: str, ip: str, hasher: PasswordHasher = PASSWORD_HASHER
) -> SignInResult:
    """Check an email and password, within the backoff rules; count a failure; clear the record on success."""
    now = clock.now()
    await throttle.forget_quiet_records(session, now)
    address = normalise_email(email)[:254]
    policies = {f"email:{address}": EMAIL_POLICY, f"ip:{ip}": IP_POLICY}
    rows = await throttle.lock_records(session, list(policies))
    if (wait := throttle.retry_after(list(rows.values()), now)) is not None:
        return SignInResult(None, SignInFailure.THROTTLED, retry_after=wait)

    user = await user_by_email(session, address) if address and len(password) <= MAX_PASSWORD_LENGTH else None
    ok = await anyio.to_thread.run_sync(
        _verify, hasher, user.password_hash if user else None, password[:MAX_PASSWORD_LENGTH]
    )
    if ok and user is not None:
        await session.delete(rows[f"email:{address}"])
        return SignInResult(user)

    for key, row in rows.items():
        if throttle.count_failure(row, policies[key], now):
            await session.flush()
            data = {"key": key, "lockouts": row.lockouts, "locked_until": row.locked_until}
            if user is not None and key.startswith("email:"):  # the person's organisation sees it in its log
                org = user.organisation
                audit.record(
                    session,
                    system_principal(org.id, org.kind, org.slug, SIGNIN_ACTOR_ID),
                    "signin.lockout",
                    "LoginThrottle",
                    row.id,
                    data,
                )
            else:
                audit.record_system(session, SIGNIN_ACTOR_ID, "signin.lockout", "LoginThrottle", row.id, data)
    return SignInResult(None, SignInFailure.INVALID)


# --- the browser session ------------------------------------------------------------------------------------------


async def start_session(session: AsyncSession, user: AppUser, ip: str) -> str:
    """A new browser session for `user` (never reusing one the browser brought: no fixation); its cookie value."""
    token = secrets.token_urlsafe(32)
    row = SigninSession(token_hash=token_hash(token), user_id=user.id, expires_at=clock.now() + SESSION_TTL)
    session.add(row)
    await session.execute(delete(SigninSession).where(SigninSession.expires_at < clock.now()))
    await session.flush()
    audit.record(
        session,
        user_principal(user),
        "user.sign_in",
        "SigninSession",
        row.id,
        {"user_id": user.id, "ip": ip, "expires_at": row.expires_at},
    )
    return token


async def session_user(session: AsyncSession, token: str | None) -> AppUser | None:
    """The person signed in with this cookie value, if its session is current."""
    if not token:
        return None
    return (
        await session.execute(
            select(AppUser)
            .options(joinedload(AppUser.organisation))
            .join(
                SigninSession,
                and_(
                    SigninSession.user_id == AppUser.id,
                    SigninSession.token_hash == token_hash(token),
                    SigninSession.expires_at > clock.now(),
                ),
            )
        )
    ).scalar_one_or_none()


async def end_session(session: AsyncSession, token: str | None) -> bool:
    """Sign the browser out: its session is deleted (and audited). False if it had none."""
    user = await session_user(session, token)
    if user is None or token is None:
        return False
    row_id = (
        await session.execute(
            delete(SigninSession).where(SigninSession.token_hash == token_hash(token)).returning(SigninSession.id)
        )
    ).scalar_one()
    audit.record(session, user_principal(user), "user.sign_out", "SigninSession", row_id, {"user_id": user.id})
    return True
