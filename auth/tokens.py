"""Access tokens: the one validation path from a bearer token to a Principal, and revocation.

`principal_from_token` is shared by HTTP (the bearer middleware) and WebSocket (`connection_init`). First, the
token's unverified `iss` chooses the path: a configured trusted external issuer's token (a borough's own identity
provider) is verified by auth/external.py; any other issuer but this server is refused. This server's, in order:

1. the JOSE header: `typ` MUST be `at+jwt` (RFC 9068 §4; Authlib checks it only when present), `alg` MUST be
   the one this server signs with (so `none` and algorithm confusion are refused before any key is touched), and
   `kid` MUST name a key;
2. the signature and the claims, with Authlib's RFC 9068 validator (`JWTBearerTokenValidator`): `iss` is this
   server, `aud` is this API, `exp` has not passed, and `sub`, `client_id`, `iat`, `jti` are present;
3. the token's state, in one read: its `jti` is not revoked, its signing key is active or retired less than a
   token lifetime ago, and its organisation still exists with the kind the token names (a revoked token family
   puts the `jti` of each of its access tokens here too, auth/authorizations.py);
4. the Principal: the organisation from the token (never from input) and the token's scopes, which must all be
   scopes its kind of organisation may hold (Principal refuses any other). A person's token (`sub` user:<id>)
   gives a USER actor, a client's (`sub` its client_id) a CLIENT actor.

Every refusal raises `InvalidToken` (an `Unauthenticated`: `extensions.code` UNAUTHENTICATED).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authlib.oauth2.rfc6750.errors import InvalidTokenError
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from authlib.oauth2.rfc9068.claims import JWTAccessTokenClaims
from joserfc import jws
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import Key, KeySet
from sqlalchemy import String, bindparam, exists, func, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.core import audit, clock
from api.core.config import Settings
from api.core.db import Database, DriverStatement
from api.core.principal import ActorKind, OrganisationKind, Principal, Scope
from api.market.models import Organisation
from auth import external
from auth.keys import ALG, KeyRing
from auth.models import USER_SUBJECT_PREFIX, RevokedToken, SigningKey
from auth.token_errors import ExpiredToken, InvalidToken

ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
ORGANISATION_CLAIMS = ("org", "org_kind")


# --- the token itself: header, signature, claims (no I/O) ---------------------------------------------------


def token_header(token: str) -> dict[str, Any]:
    """The JOSE header, checked before any key is looked up."""
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError):
        raise InvalidToken("The access token is not a signed JWT") from None
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
        raise InvalidToken("The token is not an access token (typ must be at+jwt)")
    if header.get("alg") != ALG:
        raise InvalidToken(f"The access token must be signed with {ALG}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("The access token names no signing key (kid)")
    return header


class _SignaturesChecked:
    """The tokens whose signature has verified lately, each with the key that verified it and what Authlib read
    from it: a client sends the same token with every request until it expires, and checking an ES256
    signature again is most of the CPU a request spends on its token. Only the signature is remembered: the
    claims (expiry first) are validated on every request, and the token's state is read on every request.
    Bounded (least recently used goes first); thread-safe, as the token endpoint verifies in worker threads."""

    def __init__(self, size: int = 4096):
        self._size = size
        self._entries: OrderedDict[str, tuple[Key, tuple[str, str], JWTAccessTokenClaims]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str, key: Key, rules: tuple[str, str]) -> JWTAccessTokenClaims | None:
        """What the same key found in the same token for the same issuer and audience (the claims carry the
        rules they are validated by)."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is None or entry[0] is not key or entry[1] != rules:
                return None
            self._entries.move_to_end(token)
            return entry[2]

    def put(self, token: str, key: Key, rules: tuple[str, str], claims: JWTAccessTokenClaims) -> None:
        with self._lock:
            self._entries[token] = (key, rules, claims)
            self._entries.move_to_end(token)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


_SIGNATURES_CHECKED = _SignaturesChecked()


class _Validator(JWTBearerTokenValidator):
    """Authlib's RFC 9068 validator, given the one public key the header names."""

    def __init__(self, key: Key, settings: Settings):
        super().__init__(issuer=settings.issuer_url, resource_server=settings.audience)
        self._key = key

    def get_jwks(self) -> KeySet:
        return KeySet([self._key])

    def authenticate_token(self, token_string: str) -> JWTAccessTokenClaims:
        """Authlib's signature check and decoding, once per token and key (see _SignaturesChecked)."""
        rules = (self.issuer, self.resource_server)
        claims = _SIGNATURES_CHECKED.get(token_string, self._key, rules)
        if claims is None:
            claims = super().authenticate_token(token_string)
            _SIGNATURES_CHECKED.put(token_string, self._key, rules, claims)
        return claims


def verify_access_token(token: str, key: Key, settings: Settings) -> JWTAccessTokenClaims:
    """Signature, issuer, audience, expiry and the RFC 9068 claims, by Authlib; then this API's own claims."""
    validator = _Validator(key, settings)
    try:
        claims = validator.authenticate_token(token)
    except InvalidTokenError:
        raise InvalidToken("The access token's signature does not verify") from None
    try:
        validator.validate_token(claims, scopes=None, request=None)
    except InvalidTokenError as exc:
        if isinstance(exc.__cause__, ExpiredTokenError):
            raise ExpiredToken() from None
        claim = getattr(exc.__cause__, "claim", None)
        raise InvalidToken(
            f"The access token's {claim} claim is not valid here" if claim else "The access token is invalid"
        ) from None
    for name in ORGANISATION_CLAIMS:
        if not isinstance(claims.get(name), str):
            raise InvalidToken(f"The access token has no {name} claim")
    if not isinstance(claims.get("scope", ""), str) or not isinstance(claims.get("jti"), str):
        raise InvalidToken()
    return claims


# --- the token's state in the database ----------------------------------------------------------------------


@dataclass(frozen=True)
class TokenState:
    organisation_id: int
    organisation_kind: OrganisationKind
    revoked: bool
    key_known: bool
    key_retired_at: datetime | None


def _token_state_statement() -> Any:
    kid = bindparam("kid")
    revoked = exists().where(RevokedToken.jti == bindparam("jti"))
    key_known = exists().where(SigningKey.kid == kid)
    retired_at = select(SigningKey.retired_at).where(SigningKey.kid == kid).scalar_subquery()
    return select(
        Organisation.id,
        Organisation.kind,
        revoked.label("revoked"),
        key_known.label("key_known"),
        retired_at.label("retired_at"),
    ).where(Organisation.slug == bindparam("org"))


_TOKEN_STATE = _token_state_statement()  # built once: only its parameters change from one request to the next
_TOKEN_STATE_ON_DRIVER = DriverStatement(_TOKEN_STATE)


async def token_state(source: AsyncSession | AsyncConnection, claims: dict[str, Any], kid: str) -> TokenState | None:
    """Revocation, key retirement and the organisation, in one statement (None: no such organisation). Read on
    every request, never cached: a revocation counts from the next request on. Run on the driver (api/core/db.py
    DriverStatement): it is the one statement every authenticated request runs."""
    conn = await source.connection() if isinstance(source, AsyncSession) else source
    row = await _TOKEN_STATE_ON_DRIVER.fetch_row(conn, jti=claims["jti"], kid=kid, org=claims["org"])
    if row is None:
        return None
    return TokenState(row["id"], OrganisationKind(row["kind"]), row["revoked"], row["key_known"], row["retired_at"])


# (jti, kid, org): what the token's state is read by.
TokenRef = tuple[str, str, str]


def _token_states_statement() -> Any:
    """`_TOKEN_STATE` for many tokens at once: the same three questions, for each (jti, kid, org) given."""
    refs = (
        func.unnest(
            bindparam("jtis", type_=ARRAY(String)),
            bindparam("kids", type_=ARRAY(String)),
            bindparam("orgs", type_=ARRAY(String)),
        )
        .table_valued("jti", "kid", "org")
        .render_derived(name="ref")
    )
    revoked = exists().where(RevokedToken.jti == refs.c.jti)
    key_known = exists().where(SigningKey.kid == refs.c.kid)
    retired_at = select(SigningKey.retired_at).where(SigningKey.kid == refs.c.kid).scalar_subquery()
    return select(
        refs.c.jti,
        refs.c.kid,
        refs.c.org,
        Organisation.id,
        Organisation.kind,
        revoked.label("revoked"),
        key_known.label("key_known"),
        retired_at.label("retired_at"),
    ).select_from(refs.outerjoin(Organisation, Organisation.slug == refs.c.org))


_TOKEN_STATES = _token_states_statement()


async def token_states(conn: AsyncConnection, refs: list[TokenRef]) -> dict[TokenRef, TokenState | None]:
    """The state of each token, as `token_state` reads it, in one statement (for the open WebSockets of a
    worker, api/web/ws_tokens.py). None: no such organisation."""
    if not refs:
        return {}
    jtis, kids, orgs = (list(column) for column in zip(*refs, strict=True))
    rows = await conn.execute(_TOKEN_STATES, {"jtis": jtis, "kids": kids, "orgs": orgs})
    return {
        (r.jti, r.kid, r.org): None
        if r.id is None
        else TokenState(r.id, OrganisationKind(r.kind), r.revoked, r.key_known, r.retired_at)
        for r in rows
    }


def refusal(state: TokenState | None, claims: dict[str, Any], settings: Settings) -> InvalidToken | None:
    """Why a well-signed, unexpired token is nevertheless not usable; None when it is."""
    if state is None or state.organisation_kind.value != claims["org_kind"]:
        return InvalidToken("The access token's organisation does not exist")
    if state.revoked:
        return InvalidToken("The access token has been revoked")
    if not state.key_known:  # a key removed from the database since this process cached it
        return InvalidToken("The access token is signed by an unknown key")
    if state.key_retired_at is not None and clock.now() >= state.key_retired_at + timedelta(
        seconds=settings.access_token_ttl
    ):
        return InvalidToken("The access token's signing key has been retired")
    return None


def principal_from_claims(claims: dict[str, Any], state: TokenState) -> Principal:
    try:
        scopes = frozenset(Scope(s) for s in claims.get("scope", "").split())
        # A person's token (authorization code) names them in `sub` as user:<id>; a client's, its client_id
        # (never with a colon). Either way the organisation and scopes come from the token, as checked above.
        subject = str(claims["sub"])
        actor_kind = ActorKind.USER if subject.startswith(USER_SUBJECT_PREFIX) else ActorKind.CLIENT
        return Principal(
            organisation_id=state.organisation_id,
            organisation_kind=state.organisation_kind,
            organisation_slug=claims["org"],
            scopes=scopes,
            actor_kind=actor_kind,
            actor_id=subject,
            persisted_only=claims.get("persisted_only") is True,
        )
    except ValueError:  # an unknown scope, or one its kind of organisation may not hold
        raise InvalidToken("The access token holds scopes its organisation may not have") from None


# --- the one validation function ------------------------------------------------------------------------------


async def principal_from_token(token: str, *, db: Database, keys: KeyRing, settings: Settings) -> Principal:
    """Who a bearer access token acts for. Raises InvalidToken (UNAUTHENTICATED) for any token that is not a
    valid, unexpired, unrevoked access token of this server for this API, or of a trusted external issuer."""
    iss = external.unverified_issuer(token)  # unverified: it only chooses whose keys and rules verify the token
    if iss is not None and iss != settings.issuer_url:
        trusted = external.trusted_issuer(settings, iss)
        if trusted is None:
            raise InvalidToken("The access token's issuer (iss) is not trusted here")
        return await trusted.principal(token, db=db)
    header = token_header(token)
    key = keys.cached(header["kid"])
    claims = verify_access_token(token, key, settings) if key is not None else None
    # One read, outside any transaction (an unknown kid costs one more, to learn whether a key was made since).
    async with db.reading() as conn:
        if key is None:
            key = await keys.public_key(conn, header["kid"])
            if key is None:
                raise InvalidToken("The access token is signed by an unknown key")
            claims = verify_access_token(token, key, settings)
        assert claims is not None
        state = await token_state(conn, claims, header["kid"])
    if (why := refusal(state, claims, settings)) is not None:
        raise why
    assert state is not None
    return principal_from_claims(claims, state)


def token_expiry(token: str) -> float | None:
    """The `exp` of a token already verified by `principal_from_token` (as a POSIX time), for closing a
    WebSocket when it lapses. None when the token carries none."""
    try:
        exp = json.loads(jws.extract_compact(token.encode("ascii")).payload).get("exp")
    except (JoseError, ValueError, UnicodeError):
        return None
    return float(exp) if isinstance(exp, (int, float)) else None


# --- revocation -------------------------------------------------------------------------------------------------


async def revoke_access_token(
    session: AsyncSession, actor: Principal, claims: dict[str, Any], oauth_client_id: int | None
) -> bool:
    """Record the token's `jti` as revoked until it expires (and audit it). False when it already was."""
    expires_at = datetime.fromtimestamp(int(claims["exp"]), tz=clock.now().tzinfo)
    revoked_id = (
        await session.execute(
            insert(RevokedToken)
            .values(jti=claims["jti"], oauth_client_id=oauth_client_id, expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=[RevokedToken.jti])
            .returning(RevokedToken.id)
        )
    ).scalar_one_or_none()
    if revoked_id is None:
        return False
    audit.record(
        session,
        actor,
        "token.revoke",
        "RevokedToken",
        revoked_id,
        {"jti": claims["jti"], "client_id": claims.get("client_id"), "expires_at": expires_at},
    )
    return True
