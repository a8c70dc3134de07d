"""The keys that sign access tokens: ES256 (P-256) JWKs named by `kid` (their RFC 7638 thumbprint).

One key per algorithm is active and signs every new token. `rotate_signing_key` retires it and makes a new one
in one transaction. A retired key keeps verifying, and stays in the JWKS, until every token it signed has
expired: `retired_at` + the access-token lifetime. The first key is made on first use (`dpv serve` start, or
the first token issued), under an advisory lock so that concurrent workers make only one.

The private JWK is stored as JSON in the database, like the rest of the service's secrets-at-rest; moving it to
a KMS or an encrypted column changes only `private_key` and `_create`.
"""

from __future__ import annotations

from datetime import timedelta

from joserfc.jwk import ECKey, Key, KeySet
from sqlalchemy import or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.core import audit, clock
from api.core.principal import OrganisationKind, Principal, system_principal
from api.market.models import Organisation
from auth.models import SigningKey

ALG = "ES256"
CURVE = "P-256"
KEYS_ACTOR_ID = "dpv-keys"
_ADVISORY_LOCK = 0x6470765F6B657973  # "dpv_keys": serialises key creation and rotation across processes


def _generate() -> ECKey:
    key = ECKey.generate_key(CURVE, parameters={"alg": ALG, "use": "sig"}, private=True)
    key.ensure_kid()  # RFC 7638 thumbprint
    return key


def private_key(row: SigningKey) -> ECKey:
    return ECKey.import_key(row.private_jwk)


def public_jwk(row: SigningKey) -> dict:
    return private_key(row).as_dict(private=False)


async def _system_actor(session: AsyncSession) -> Principal | None:
    alliance = (
        await session.execute(select(Organisation).where(Organisation.kind == OrganisationKind.ALLIANCE).limit(1))
    ).scalar_one_or_none()
    if alliance is None:
        return None
    return system_principal(alliance.id, alliance.kind, alliance.slug, KEYS_ACTOR_ID)


def _record(session: AsyncSession, actor: Principal | None, action: str, row: SigningKey, data: dict) -> None:
    if actor is None:  # an empty database: no alliance yet to act for
        audit.record_system(session, KEYS_ACTOR_ID, action, "SigningKey", row.id, data)
    else:
        audit.record(session, actor, action, "SigningKey", row.id, data)


async def _lock(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})


async def active_key(session: AsyncSession) -> SigningKey | None:
    return (
        await session.execute(select(SigningKey).where(SigningKey.alg == ALG, SigningKey.retired_at.is_(None)))
    ).scalar_one_or_none()


async def _create(session: AsyncSession, actor: Principal | None, data: dict | None = None) -> SigningKey:
    key = _generate()
    row = SigningKey(kid=key.kid, alg=ALG, private_jwk=key.as_dict(private=True))
    session.add(row)
    await session.flush()
    _record(session, actor, "signing_key.create", row, {"kid": row.kid, "alg": ALG, **(data or {})})
    return row


async def ensure_active_key(session: AsyncSession) -> SigningKey:
    """The key that signs new tokens, made (and audited) in the caller's transaction if there is none."""
    row = await active_key(session)
    if row is not None:
        return row
    await _lock(session)
    row = await active_key(session)  # made by another transaction while this one waited for the lock
    if row is not None:
        return row
    return await _create(session, await _system_actor(session))


async def rotate_signing_key(session: AsyncSession, actor: Principal | None = None) -> SigningKey:
    """Retire the active key (it still verifies the tokens it signed until they expire) and make a new one.
    `actor` defaults to the service acting for the alliance."""
    await _lock(session)
    actor = actor or await _system_actor(session)
    current = await active_key(session)
    data = {}
    if current is not None:
        current.retired_at = clock.now()
        await session.flush()  # before the new key: one active key per algorithm
        _record(session, actor, "signing_key.retire", current, {"kid": current.kid})
        data = {"replaces": current.kid}
    return await _create(session, actor, data)


async def verification_keys(session: AsyncSession, access_token_ttl: int) -> list[SigningKey]:
    """The keys a token may be signed by now: the active ones and those retired less than a token lifetime ago."""
    since = clock.now() - timedelta(seconds=access_token_ttl)
    rows = await session.execute(
        select(SigningKey)
        .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > since))
        .order_by(SigningKey.created_at, SigningKey.id)
    )
    return list(rows.scalars())


def key_set(rows: list[SigningKey], *, private: bool = False) -> KeySet:
    return KeySet([private_key(r) if private else ECKey.import_key(public_jwk(r)) for r in rows])


class KeyRing:
    """The public keys of one process, by kid. Key material never changes for a kid, so a key is read once;
    whether it still verifies (retirement) is read with the token's other state on every request."""

    def __init__(self) -> None:
        self._keys: dict[str, Key] = {}

    def cached(self, kid: str) -> Key | None:
        """The parsed public key of `kid` if this process has read it already (no I/O)."""
        return self._keys.get(kid)

    async def public_key(self, session: AsyncSession | AsyncConnection, kid: str) -> Key | None:
        key = self._keys.get(kid)
        if key is None:
            jwk = (
                await session.execute(select(SigningKey.private_jwk).where(SigningKey.kid == kid))
            ).scalar_one_or_none()
            if jwk is None:
                return None  # not cached: an unknown kid costs one indexed read, like any other token
            key = self._keys[kid] = ECKey.import_key(ECKey.import_key(jwk).as_dict(private=False))
        return key
