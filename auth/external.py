"""Trusted external issuers: access tokens from a borough's own identity provider (Entra ID, Okta, Keycloak, ...).

A borough whose staff sign in with its own identity provider sends that provider's access tokens. The one
validation function, `auth.tokens.principal_from_token`, peeks at the token's unverified `iss`: this server's
tokens take this server's path; a token whose `iss` is a configured trusted issuer (`Settings.trusted_issuers`,
api/core/config.py) is verified here with that issuer's own rules and keys; any other issuer is refused. The unverified
`iss` only chooses which keys and rules verify the token: nothing is believed until the signature verifies.

In order (every refusal is `InvalidToken`: HTTP 401, `extensions.code` UNAUTHENTICATED):

1. the JOSE header: `alg` is in the issuer's allow-list (asymmetric only: the configuration refuses `none` and
   HS*, so neither algorithm confusion nor an unsigned token reaches a key); `kid` names a key; `typ`, when
   present, is `JWT`, `at+jwt` or `application/at+jwt`. Unlike this server's own tokens, `at+jwt` is NOT
   required: many identity providers (Entra ID among them) send access tokens with `typ: JWT` or none. Any
   other `typ` (`logout+jwt`, `secevent+jwt`, `dpop+jwt`, ...) is not an access token and is refused. An ID
   token (also `typ: JWT`) is kept out by `aud`: its audience is the signing-in application, not this API;
2. the key: by `kid` from the issuer's key set, given inline or fetched from its `jwks_uri` (cached for
   `jwks_cache_ttl`; an unknown `kid` fetches again, at most once per `jwks_min_refresh_interval`, so tokens
   with made-up kids cannot make us hammer the provider; a failed fetch keeps the keys already known). A key
   marked `use: enc`, or with an `alg` other than the header's, is not used;
3. the signature, by joserfc, with the header's (allow-listed) algorithm only: joserfc also checks that the key
   type fits the algorithm;
4. the claims, by joserfc's `JWTClaimsRegistry`: `iss` exactly the configured issuer, `aud` one of the configured
   audiences, `exp` present and not passed, `nbf` and `iat` (when present) not in the future, all with the
   issuer's `leeway` for clock skew;
5. the mapping (plain functions below): the organisation (a fixed slug, or a claim through a fixed table), the
   actor (`actor_claim`), the scopes (claim values through the configured table);
6. the organisation in the database: it exists and is a local authority; the scopes are intersected with those
   a local authority may hold.

The Principal: that organisation, those scopes (possibly none: a signed-in person whose roles map to nothing
is authenticated but may call no scoped operation, which answers FORBIDDEN), `actor_kind` USER, and `actor_id`
`<issuer host>:<actor claim>`.

Revocation: this server cannot revoke an external issuer's tokens (RFC 7009 revocation and the revoked-`jti`
list cover its own tokens only). They are short-lived (Entra ID: about an hour). To stop a person, disable them
at the borough's provider: their current token lasts until it expires. To stop a whole provider at once,
remove its entry from the configuration and restart.

Configuration errors that need the database (a mapped organisation that is a provider or the alliance) are
found at start by `check_organisations` (the app's lifespan), and again on every token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.request
import weakref
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from joserfc import jws, jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import JWKRegistry, Key
from sqlalchemy import select

from api.core import clock
from api.core.config import Settings, TrustedIssuer
from api.core.db import Database
from api.core.principal import SCOPES_BY_KIND, ActorKind, OrganisationKind, Principal, Scope
from api.market.models import Organisation
from auth.token_errors import ExpiredToken, InvalidToken

log = logging.getLogger(__name__)

EXTERNAL_TOKEN_TYPES = frozenset({"jwt", "at+jwt", "application/at+jwt"})
KEY_TYPES = frozenset({"RSA", "EC"})
JWKS_TIMEOUT = 5.0  # seconds
MAX_JWKS_BYTES = 256 * 1024
MAX_ACTOR_ID = 200  # audit_event.actor_id


class TrustedIssuerError(ValueError):
    """The trusted-issuer configuration cannot be used (found at start)."""


# --- which issuer: the unverified `iss` ---------------------------------------------------------------------


def unverified_issuer(token: str) -> str | None:
    """The `iss` of a compact JWS, read WITHOUT verifying anything: it only chooses whose rules and keys verify
    the token. None when the token is not a JWS with a string `iss` (this server's own path then refuses it)."""
    try:
        claims = json.loads(jws.extract_compact(token.encode("ascii")).payload)
    except (JoseError, ValueError, UnicodeError, TypeError):
        return None
    iss = claims.get("iss") if isinstance(claims, dict) else None
    return iss if isinstance(iss, str) else None


# --- an issuer's keys ----------------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is answered as an HTTP error: the key set is fetched from the configured URL only


def _get(uri: str) -> dict[str, Any]:
    opener = urllib.request.build_opener(_NoRedirects)
    request = urllib.request.Request(uri, headers={"Accept": "application/json", "User-Agent": "dpv-exchange"})
    with opener.open(request, timeout=JWKS_TIMEOUT) as response:
        body = response.read(MAX_JWKS_BYTES + 1)
    if len(body) > MAX_JWKS_BYTES:
        raise ValueError(f"the key set is larger than {MAX_JWKS_BYTES} bytes")
    return json.loads(body)


async def fetch_jwks(uri: str) -> dict[str, Any]:
    """GET a JWK set (standard library HTTP in a worker thread: a fetch is rare, and needs no client library)."""
    return await asyncio.to_thread(_get, uri)


def signing_keys(jwks: Any) -> dict[str, Key]:
    """The public signature keys of a JWK set, by kid. Keys without a kid, private or symmetric keys, keys for
    encryption and keys of other types are left out (RFC 7517 §5: ignore what is not understood)."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ValueError('not a JWK set {"keys": [...]}')
    found: dict[str, Key] = {}
    for data in jwks["keys"]:
        if not isinstance(data, dict) or data.get("kty") not in KEY_TYPES or "d" in data:
            continue
        if data.get("use", "sig") != "sig" or not isinstance(data.get("kid"), str) or not data["kid"]:
            continue
        try:
            found[data["kid"]] = JWKRegistry.import_key(data)
        except (JoseError, ValueError, TypeError):
            continue
    return found


Fetch = Callable[[str], Awaitable[Any]]


class IssuerKeys:
    """One issuer's public keys by kid: inline from the configuration, or fetched from its `jwks_uri` and cached.

    A fetched set is used for `jwks_cache_ttl` seconds; a kid it does not hold fetches it again at once, but at
    most one fetch is attempted per `jwks_min_refresh_interval` seconds (concurrent requests for a new kid wait
    for the one fetch). A failed fetch (network, HTTP status, not a key set, no usable key) keeps the keys it had.
    """

    def __init__(
        self, config: TrustedIssuer, *, fetch: Fetch = fetch_jwks, monotonic: Callable[[], float] = time.monotonic
    ):
        self.config = config
        self._fetch = fetch
        self._monotonic = monotonic
        self._keys: dict[str, Key] = signing_keys(config.jwks) if config.jwks is not None else {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()

    async def key(self, kid: str) -> Key | None:
        if self.config.jwks_uri is None:
            return self._keys.get(kid)
        if kid in self._keys and self._fresh():
            return self._keys[kid]
        async with self._lock():  # a fetch in flight (for this very kid, perhaps) ends before we look again
            if self._fetch_due(kid):
                await self._refresh(self.config.jwks_uri)
        return self._keys.get(kid)

    def _fresh(self) -> bool:
        return self._fetched_at is not None and self._monotonic() - self._fetched_at < self.config.jwks_cache_ttl

    def _fetch_due(self, kid: str) -> bool:
        if kid in self._keys and self._fresh():
            return False
        return (
            self._attempted_at is None
            or self._monotonic() - self._attempted_at >= self.config.jwks_min_refresh_interval
        )

    def _lock(self) -> asyncio.Lock:
        """One lock per event loop (a process normally has one; tests run a server in a second)."""
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def _refresh(self, uri: str) -> None:
        self._attempted_at = self._monotonic()
        try:
            keys = signing_keys(await self._fetch(uri))
            if not keys:
                raise ValueError("no usable signature key")
        except (OSError, ValueError, JoseError) as exc:  # URLError, HTTPError and timeouts are OSErrors
            log.warning(
                "Trusted issuer %s: fetching its keys from %s failed (%s); keeping the %d keys known",
                self.config.issuer,
                uri,
                exc,
                len(self._keys),
            )
            return
        self._keys = keys
        self._fetched_at = self._attempted_at


# --- the mapping: plain rules on verified claims ---------------------------------------------------------------


def claim_values(claims: dict[str, Any], name: str) -> set[str]:
    """A claim as a set of strings: a list (`roles`, `groups`) or a space-separated string (`scp`, `scope`)."""
    value = claims.get(name)
    if isinstance(value, str):
        return set(value.split())
    if isinstance(value, list):
        return {v for v in value if isinstance(v, str)}
    return set()


def mapped_scopes(config: TrustedIssuer, claims: dict[str, Any]) -> frozenset[Scope]:
    """Every scope the issuer's claims map to (before intersecting with the organisation's kind)."""
    return frozenset(
        Scope(scope)
        for claim, table in config.scopes.items()
        for value in claim_values(claims, claim)
        for scope in table.get(value, ())
    )


def mapped_organisation(config: TrustedIssuer, claims: dict[str, Any]) -> str:
    """The slug of the organisation the token acts for: fixed, or its claim's value through the fixed table."""
    if isinstance(config.organisation, str):
        return config.organisation
    value = claims.get(config.organisation.claim)
    slug = config.organisation.values.get(value) if isinstance(value, str) else None
    if slug is None:
        raise InvalidToken(f"The access token's {config.organisation.claim} claim names no organisation here")
    return slug


def actor_id(config: TrustedIssuer, claims: dict[str, Any]) -> str:
    """`<issuer host>:<actor claim>`, e.g. `login.microsoftonline.com:jo.bloggs@ealing.gov.uk`."""
    actor = claims.get(config.actor_claim)
    if not isinstance(actor, str) or not actor.strip():
        raise InvalidToken(f"The access token has no {config.actor_claim} claim")
    name = f"{urlsplit(config.issuer).hostname or config.issuer}:{actor}"
    if len(name) > MAX_ACTOR_ID:
        raise InvalidToken(f"The access token's {config.actor_claim} claim is too long")
    return name


# --- one trusted issuer ----------------------------------------------------------------------------------------


class ExternalIssuer:
    def __init__(self, config: TrustedIssuer, keys: IssuerKeys | None = None):
        self.config = config
        self.keys = keys or IssuerKeys(config)

    def header(self, token: str) -> dict[str, Any]:
        try:
            header = jws.extract_compact(token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError):
            raise InvalidToken("The access token is not a signed JWT") from None
        if header.get("alg") not in self.config.algorithms:
            raise InvalidToken("The access token must be signed with one of " + ", ".join(self.config.algorithms))
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in EXTERNAL_TOKEN_TYPES):
            raise InvalidToken("The token is not an access token (typ)")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("The access token names no signing key (kid)")
        return header

    def verify(self, token: str, header: dict[str, Any], key: Key) -> dict[str, Any]:
        """Signature (the header's allow-listed algorithm only), then `iss`, `aud`, `exp`, `nbf`, `iat`."""
        if key.get("alg") not in (None, header["alg"]):
            raise InvalidToken("The access token's key is not for its algorithm")
        try:
            claims = jwt.decode(token, key, algorithms=[header["alg"]]).claims
        except (JoseError, ValueError, TypeError):
            raise InvalidToken("The access token's signature does not verify") from None
        registry = jwt.JWTClaimsRegistry(
            now=int(clock.now().timestamp()),
            leeway=self.config.leeway,
            iss={"essential": True, "value": self.config.issuer},
            aud={"essential": True, "values": self.config.audiences},
            exp={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise ExpiredToken() from None
        except JoseError as exc:
            claim = getattr(exc, "claim", None)
            raise InvalidToken(
                f"The access token's {claim} claim is not valid here" if claim else "The access token is invalid"
            ) from None
        return claims

    async def principal(self, token: str, *, db: Database) -> Principal:
        header = self.header(token)
        key = await self.keys.key(header["kid"])
        if key is None:
            raise InvalidToken("The access token is signed by an unknown key")
        claims = self.verify(token, header, key)
        slug = mapped_organisation(self.config, claims)
        actor = actor_id(self.config, claims)
        scopes = mapped_scopes(self.config, claims)
        async with db.session() as session:
            row = (
                await session.execute(select(Organisation.id, Organisation.kind).where(Organisation.slug == slug))
            ).one_or_none()
        if row is None:
            raise InvalidToken("The access token's organisation does not exist")
        if row.kind is not OrganisationKind.LOCAL_AUTHORITY:  # found at start too; an organisation made since
            log.error("Trusted issuer %s is mapped to %s, which is not a local authority", self.config.issuer, slug)
            raise InvalidToken("The access token's organisation is not a local authority")
        return Principal(
            organisation_id=row.id,
            organisation_kind=row.kind,
            organisation_slug=slug,
            scopes=scopes & SCOPES_BY_KIND[row.kind],
            actor_kind=ActorKind.USER,
            actor_id=actor,
        )


# --- the process's trusted issuers -------------------------------------------------------------------------------


class TrustedIssuers:
    def __init__(self, configs: list[TrustedIssuer]):
        self._by_issuer = {c.issuer: ExternalIssuer(c) for c in configs}

    def get(self, iss: str) -> ExternalIssuer | None:
        return self._by_issuer.get(iss)


# One per configured list (so a fetched key set is shared by every request of the process). The list itself is
# kept with its entry, so its id cannot be reused by another list while the entry exists.
_REGISTRIES: dict[int, tuple[list[TrustedIssuer], TrustedIssuers]] = {}


def trusted_issuers(settings: Settings) -> TrustedIssuers:
    configured = settings.trusted_issuers
    entry = _REGISTRIES.get(id(configured))
    if entry is None or entry[0] is not configured:
        entry = _REGISTRIES[id(configured)] = (configured, TrustedIssuers(configured))
    return entry[1]


def trusted_issuer(settings: Settings, iss: str) -> ExternalIssuer | None:
    """The trusted issuer whose `iss` is exactly this; None when there is none."""
    return trusted_issuers(settings).get(iss) if settings.trusted_issuers else None


# --- at start ------------------------------------------------------------------------------------------------------


async def check_organisations(db: Database, settings: Settings) -> None:
    """Refuse to start when a trusted issuer is mapped to an organisation that is not a local authority. One not
    yet in the database is only logged (its tokens are refused until it exists)."""
    wanted = {slug: c.issuer for c in settings.trusted_issuers for slug in c.organisation_slugs}
    if not wanted:
        return
    async with db.session() as session:
        kinds = {
            slug: kind
            for slug, kind in await session.execute(
                select(Organisation.slug, Organisation.kind).where(Organisation.slug.in_(wanted))
            )
        }
    wrong = sorted(
        f"{slug} ({kinds[slug].value}, for {wanted[slug]})"
        for slug in kinds
        if kinds[slug] is not OrganisationKind.LOCAL_AUTHORITY
    )
    if wrong:
        raise TrustedIssuerError("Trusted issuers may act only for local authorities, not: " + ", ".join(wrong))
    for slug in sorted(set(wanted) - set(kinds)):
        log.warning("Trusted issuer %s is mapped to %s, which does not exist (yet)", wanted[slug], slug)
