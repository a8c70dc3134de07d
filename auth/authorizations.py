"""What a signed-in person authorised a client to do: authorization codes, token families and refresh tokens.

The domain side of the authorization-code grant and the refresh-token grant (Authlib's grant classes in
auth/server.py call these through the adapter). Every secret of the flow is stored as its SHA-256 only.

- **A code** lives `AUTHORIZATION_CODE_TTL` and is bound to the client, the person, the redirect URI of the
  request, the scopes granted and the PKCE challenge (S256 only; the table refuses anything else). Redeeming it
  marks it used and starts a token family. Redeeming it again (RFC 6749 §4.1.2: the code has leaked) is refused
  and revokes the family the first redemption started.
- **A token family** holds the refresh tokens of one redemption, each replaced by the next (rotation), and the
  `jti` of every access token issued with them. It lives at most `FAMILY_TTL`; each refresh token at most
  `REFRESH_TOKEN_TTL` and never beyond its family.
- **Replay**: a refresh token that was already used means two parties hold the family (RFC 9700 §4.14.2): the
  whole family is revoked, its refresh tokens and its unexpired access tokens (their `jti` go to
  `revoked_token`, which auth/tokens.py refuses), and the request fails with `invalid_grant`. Revoking a refresh
  token at the revocation endpoint (RFC 7009) revokes its family the same way.

Every step writes its audit event in the request's transaction: `authorization_code.issue`,
`authorization_code.redeem`, `authorization_code.reuse`, `refresh_token.rotate`, `token_family.revoke`.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope
from joserfc import jws
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from api.core import audit, clock
from api.core.principal import Principal, system_principal
from auth.models import (
    AppUser,
    FamilyAccessToken,
    OAuthAuthorizationCode,
    OAuthClient,
    RefreshToken,
    RevokedToken,
    TokenFamily,
)
from auth.signin import token_hash
from auth.users import user_principal

AUTHORIZATION_CODE_TTL = timedelta(seconds=120)
REFRESH_TOKEN_TTL = timedelta(hours=8)
FAMILY_TTL = timedelta(hours=24)
FAMILY_MEMORY = timedelta(days=1)  # an expired family is kept this long (replays are still recognised)
OAUTH_ACTOR_ID = "dpv-oauth"


class RevokedReason:
    REFRESH_REPLAY = "refresh_replay"
    CODE_REUSE = "code_reuse"
    REVOKED = "revoked"  # RFC 7009, by the client


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def granted_scopes(requested: list[str], *ceilings: list[str]) -> list[str]:
    """The scopes of a person's token: what was asked for, within every ceiling (the person's, the client's...)."""
    scopes = set(requested)
    for ceiling in ceilings:
        scopes &= set(ceiling)
    return sorted(scopes)


def _access_token_claims(access_token: str) -> dict[str, Any]:
    """The claims of an access token this server has just signed (read, not verified: it is our own)."""
    return json.loads(jws.extract_compact(access_token.encode("ascii")).payload)


async def _record_access_token(session: AsyncSession, family_id: int, token: dict[str, Any]) -> None:
    claims = _access_token_claims(token["access_token"])
    session.add(
        FamilyAccessToken(
            family_id=family_id, jti=claims["jti"], expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
        )
    )


async def _add_refresh_token(session: AsyncSession, family: TokenFamily, token: dict[str, Any]) -> RefreshToken | None:
    value = token.get("refresh_token")
    if not value:
        return None
    row = RefreshToken(
        family_id=family.id,
        token_hash=token_hash(value),
        expires_at=min(clock.now() + REFRESH_TOKEN_TTL, family.expires_at),
    )
    session.add(row)
    return row


def _oauth_actor(user: AppUser) -> Principal:
    """The service itself acting on a person's family (a replay: whoever sent it is not known)."""
    org = user.organisation
    return system_principal(org.id, org.kind, org.slug, OAUTH_ACTOR_ID)


# --- codes --------------------------------------------------------------------------------------------------------


async def issue_code(
    session: AsyncSession,
    *,
    code: str,
    client: OAuthClient,
    user: AppUser,
    redirect_uri: str | None,
    scopes: list[str],
    code_challenge: str,
    code_challenge_method: str,
) -> OAuthAuthorizationCode:
    """Store a code (its hash) for the client and the person; expired codes are purged on the way."""
    now = clock.now()
    await session.execute(delete(OAuthAuthorizationCode).where(OAuthAuthorizationCode.expires_at < now))
    row = OAuthAuthorizationCode(
        code_hash=token_hash(code),
        oauth_client_id=client.id,
        user_id=user.id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        expires_at=now + AUTHORIZATION_CODE_TTL,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session,
        user_principal(user),
        "authorization_code.issue",
        "OAuthAuthorizationCode",
        row.id,
        {"client_id": client.client_id, "scopes": scopes, "redirect_uri": redirect_uri, "expires_at": row.expires_at},
    )
    return row


async def code_to_redeem(session: AsyncSession, code: str, client: OAuthClient) -> OAuthAuthorizationCode | None:
    """The code if the client may redeem it now (locked for this transaction); None otherwise. A code redeemed
    before is refused and the family its first redemption started is revoked."""
    row = (
        await session.execute(
            select(OAuthAuthorizationCode)
            .options(joinedload(OAuthAuthorizationCode.user).joinedload(AppUser.organisation))
            .where(OAuthAuthorizationCode.code_hash == token_hash(code))
            .with_for_update(of=OAuthAuthorizationCode)
        )
    ).scalar_one_or_none()
    if row is None or row.oauth_client_id != client.id:
        return None
    if row.used_at is not None:
        audit.record(
            session,
            _oauth_actor(row.user),
            "authorization_code.reuse",
            "OAuthAuthorizationCode",
            row.id,
            {"client_id": client.client_id, "family_id": row.family_id},
        )
        if row.family_id is not None:
            family = await _family(session, row.family_id)
            if family is not None:
                await revoke_family(session, family, _oauth_actor(row.user), RevokedReason.CODE_REUSE)
        return None
    if row.expires_at <= clock.now():
        return None
    return row


async def redeem_code(
    session: AsyncSession, row: OAuthAuthorizationCode, client: OAuthClient, token: dict[str, Any]
) -> TokenFamily:
    """The code is used: a token family starts with the tokens just issued for it."""
    now = clock.now()
    await session.execute(delete(TokenFamily).where(TokenFamily.expires_at < now - FAMILY_MEMORY))
    family = TokenFamily(
        oauth_client_id=client.id, user_id=row.user_id, scopes=list(row.scopes), expires_at=now + FAMILY_TTL
    )
    session.add(family)
    await session.flush()
    row.used_at, row.family_id = now, family.id
    await _record_access_token(session, family.id, token)
    await _add_refresh_token(session, family, token)
    await session.flush()
    audit.record(
        session,
        user_principal(row.user),
        "authorization_code.redeem",
        "OAuthAuthorizationCode",
        row.id,
        {
            "client_id": client.client_id,
            "family_id": family.id,
            "scopes": family.scopes,
            "refresh_token": "refresh_token" in token,
        },
    )
    return family


# --- refresh tokens -----------------------------------------------------------------------------------------------


@dataclass
class RefreshCredential(TokenMixin):
    """A refresh token presented to the token or revocation endpoint, with its family (and the family's person)."""

    row: RefreshToken
    family: TokenFamily

    @property
    def user(self) -> AppUser:
        return self.family.user

    def check_client(self, client: OAuthClient) -> bool:
        return self.family.oauth_client_id == client.id

    def get_scope(self) -> str:
        return list_to_scope(sorted(self.family.scopes))

    def get_expires_in(self) -> int:
        return int((self.row.expires_at - self.row.created_at).total_seconds())

    def is_expired(self) -> bool:
        return self.row.expires_at <= clock.now()

    def is_revoked(self) -> bool:
        return self.family.revoked_at is not None or self.row.used_at is not None


async def _family(session: AsyncSession, family_id: int) -> TokenFamily | None:
    return (
        await session.execute(
            select(TokenFamily)
            .options(joinedload(TokenFamily.user).joinedload(AppUser.organisation))
            .where(TokenFamily.id == family_id)
            .with_for_update(of=TokenFamily)
        )
    ).scalar_one_or_none()


async def refresh_credential(session: AsyncSession, value: str) -> RefreshCredential | None:
    """The refresh token with this value and its family, both locked for this transaction (None: unknown)."""
    row = (
        await session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash(value)).with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    family = await _family(session, row.family_id)
    return None if family is None else RefreshCredential(row, family)


async def refresh_to_use(session: AsyncSession, value: str) -> RefreshCredential | None:
    """The refresh token if it may be exchanged now. A used one is a replay: its family is revoked, and None."""
    credential = await refresh_credential(session, value)
    if credential is None:
        return None
    if credential.row.used_at is not None:
        if credential.family.revoked_at is None:
            await revoke_family(session, credential.family, _oauth_actor(credential.user), RevokedReason.REFRESH_REPLAY)
        return None
    if credential.family.revoked_at is not None or credential.is_expired():
        return None
    return credential


async def extend_family(
    session: AsyncSession, credential: RefreshCredential, token: dict[str, Any]
) -> RefreshToken | None:
    """The tokens just issued for a refresh join the family of the refresh token presented."""
    await _record_access_token(session, credential.family.id, token)
    new = await _add_refresh_token(session, credential.family, token)
    await session.flush()
    return new


async def use_up(
    session: AsyncSession, credential: RefreshCredential, client: OAuthClient, issued: RefreshToken | None
) -> None:
    """Rotation: the refresh token presented is used; presenting it again will be a replay."""
    credential.row.used_at = clock.now()
    await session.flush()
    audit.record(
        session,
        user_principal(credential.user),
        "refresh_token.rotate",
        "TokenFamily",
        credential.family.id,
        {"client_id": client.client_id, "used": credential.row.id, "issued": issued.id if issued else None},
    )


async def revoke_family(session: AsyncSession, family: TokenFamily, actor: Principal, reason: str) -> int:
    """Revoke a family: its refresh tokens (the family is marked) and its unexpired access tokens (by jti).
    Returns how many access tokens were revoked. A family revoked already is left as it is."""
    if family.revoked_at is not None:
        return 0
    now = clock.now()
    family.revoked_at, family.revoked_reason = now, reason
    live = (
        await session.execute(
            select(FamilyAccessToken.jti, FamilyAccessToken.expires_at).where(
                FamilyAccessToken.family_id == family.id, FamilyAccessToken.expires_at > now
            )
        )
    ).all()
    if live:
        await session.execute(
            insert(RevokedToken)
            .values([{"jti": j, "oauth_client_id": family.oauth_client_id, "expires_at": e} for j, e in live])
            .on_conflict_do_nothing(index_elements=[RevokedToken.jti])
        )
    await session.flush()
    audit.record(
        session,
        actor,
        "token_family.revoke",
        "TokenFamily",
        family.id,
        {"reason": reason, "user_id": family.user_id, "access_tokens_revoked": [j for j, _ in live]},
    )
    return len(live)
