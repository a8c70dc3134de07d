"""Configuration from the environment (pydantic-settings). One object, read once per process."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.core.principal import SCOPES_BY_KIND, OrganisationKind

# --- trusted external issuers: a borough's own identity provider (auth/external.py) -------------------------

# Asymmetric signatures only: `none` and the HMAC algorithms (whose "key" an attacker could take from a JWKS)
# can never be configured.
TRUSTED_ISSUER_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _origin(value: str) -> str:
    """A browser origin as the Origin header spells it: scheme://host[:port], lower case, nothing after."""
    url = urlsplit(value.strip().rstrip("/"))
    if (
        url.scheme not in ("https", "http")
        or not url.hostname
        or url.path
        or url.query
        or url.fragment
        or url.username
        or url.password
        or "*" in value
    ):
        raise ValueError(f"DPV_CORS_ORIGINS: {value!r} is not an origin (scheme://host[:port])")
    host = f"[{url.hostname}]" if ":" in url.hostname else url.hostname
    default_port = {"https": 443, "http": 80}[url.scheme]
    return f"{url.scheme}://{host}" + (f":{url.port}" if url.port not in (None, default_port) else "")


class OrganisationFromClaim(BaseModel):
    """The organisation named by one claim of the token, through a fixed table: claim value -> slug. Values not
    in the table are refused, so the configuration alone says which organisations an issuer may speak for."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    claim: str = Field(min_length=1)
    values: dict[str, str] = Field(min_length=1)


class TrustedIssuer(BaseModel):
    """An identity provider whose access tokens this API accepts for one or more local authorities.

    `scopes` maps a claim (`roles`, `groups`: a list; `scp`, `scope`: space-separated) and its values to this
    API's scopes, e.g. `{"roles": {"AuthorisedOfficer": ["borough", "borough:award"]}}`. Only local-authority
    scopes may be mapped; the organisations must be local authorities (checked against the database at start).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    issuer: str = Field(min_length=1)  # the exact `iss`
    jwks_uri: str | None = None  # its key set, fetched and cached (HTTPS; plain HTTP only on loopback) ...
    jwks: dict[str, Any] | None = None  # ... or given inline (tests, offline): public keys only
    audience: str | list[str]  # `aud` must hold one of these (this API's identifier at that provider)
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"], min_length=1)
    organisation: str | OrganisationFromClaim  # a fixed slug, or a claim mapped to slugs
    scopes: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    actor_claim: str = Field(default="sub", min_length=1)  # e.g. `preferred_username`, `oid`, `sub`
    leeway: int = Field(default=60, ge=0, le=300)  # seconds of clock skew for `exp`, `nbf`, `iat`
    jwks_cache_ttl: int = Field(default=3600, gt=0)  # seconds before a fetched key set is fetched again
    jwks_min_refresh_interval: int = Field(default=60, ge=0)  # at most one fetch per this many seconds

    @property
    def audiences(self) -> list[str]:
        return [self.audience] if isinstance(self.audience, str) else list(self.audience)

    @property
    def organisation_slugs(self) -> frozenset[str]:
        o = self.organisation
        return frozenset([o] if isinstance(o, str) else o.values.values())

    @model_validator(mode="after")
    def _check(self) -> TrustedIssuer:
        if (self.jwks_uri is None) == (self.jwks is None):
            raise ValueError(f"{self.issuer}: give exactly one of jwks_uri and jwks")
        if self.jwks_uri is not None:
            url = urlsplit(self.jwks_uri)
            if not (url.scheme == "https" or (url.scheme == "http" and url.hostname in _LOOPBACK)) or not url.hostname:
                raise ValueError(f"{self.issuer}: jwks_uri must be an https:// URL")
        if self.jwks is not None:
            keys = self.jwks.get("keys")
            if not isinstance(keys, list) or not keys or not all(isinstance(k, dict) for k in keys):
                raise ValueError(f'{self.issuer}: jwks must be a JWK set {{"keys": [...]}}')
            if any(k.get("kty") not in ("RSA", "EC") or "d" in k or not k.get("kid") for k in keys):
                raise ValueError(f"{self.issuer}: jwks must hold public RSA or EC keys, each with a kid")
        if not self.audiences or not all(self.audiences):
            raise ValueError(f"{self.issuer}: audience must name this API")
        if bad := sorted(set(self.algorithms) - TRUSTED_ISSUER_ALGORITHMS):
            raise ValueError(
                f"{self.issuer}: algorithms {bad} are not allowed (only {sorted(TRUSTED_ISSUER_ALGORITHMS)})"
            )
        if bad := sorted(s for s in self.organisation_slugs if not _SLUG.match(s)):
            raise ValueError(f"{self.issuer}: {bad} are not organisation slugs")
        allowed = {s.value for s in SCOPES_BY_KIND[OrganisationKind.LOCAL_AUTHORITY]}
        mapped = {s for values in self.scopes.values() for granted in values.values() for s in granted}
        if bad := sorted(mapped - allowed):
            raise ValueError(
                f"{self.issuer}: scopes {bad} cannot be mapped (only {sorted(allowed)}: an external "
                "issuer speaks for local authorities only)"
            )
        return self


PERSISTED_DOCUMENTS = Path(__file__).resolve().parents[2] / "frontend-contract" / "persisted-documents.json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    # PostgreSQL. Unset: `dpv serve` runs an embedded server under DPV_DATA_DIR.
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: Path = Field(default=Path(".dpv"), alias="DPV_DATA_DIR")
    # A direct connection to the same database, for what a transaction-mode pooler cannot carry: each worker's LISTEN
    # (api/core/realtime.py) and the migrations. Set, it also says that DATABASE_URL goes through such a pooler
    # (PgBouncer with pool_mode=transaction), and the pool is set up for one (api/core/db.py `Database.pooled`).
    listen_database_url: str | None = Field(default=None, alias="DPV_LISTEN_DATABASE_URL")
    # The pool keeps all its connections: an overflow connection is closed as soon as it is returned to a full
    # pool, so under a steady load above the pool size SQLAlchemy opens and closes connections all the time
    # (bench/bids.py counted 68-126 new connections per 1,380 requests with 10 + 10), each a new PostgreSQL
    # process and a connection set-up on both sides. The ceiling per worker is 20 either way.
    db_pool_size: int = Field(default=20, alias="DPV_DB_POOL_SIZE")
    db_max_overflow: int = Field(default=0, alias="DPV_DB_MAX_OVERFLOW")

    # GraphQL
    graphiql: bool = Field(default=True, alias="DPV_GRAPHIQL")
    max_query_depth: int = Field(default=12, alias="DPV_MAX_QUERY_DEPTH")
    # Introspection (`__schema`, `__type`) and "Did you mean ...?" suggestions in error messages are for callers
    # with a valid token; true shows them to anonymous callers too (schema/core/introspection.py).
    public_introspection: bool = Field(default=False, alias="DPV_PUBLIC_INTROSPECTION")
    # Browser origins (`https://portal.example`, no path) that may call the API from their pages (api/web/cors.py),
    # as JSON: DPV_CORS_ORIGINS='["https://portal.example"]'. Empty: no cross-origin access at all.
    cors_origins: list[str] = Field(default_factory=list, alias="DPV_CORS_ORIGINS")
    # The persisted documents a request names by `documentId` (schema/core/persisted.py): the contract's own file
    # by default, generated with the portal's operations (frontend-contract/).
    persisted_documents: Path = Field(default=PERSISTED_DOCUMENTS, alias="DPV_PERSISTED_DOCUMENTS")

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        return [_origin(o) for o in origins]

    # Limits (README "Limits"). The largest request body, refused with 413 before it is read (api/web/limits.py): the
    # largest legitimate body, a requirementCreate with its three 4,000-character texts sent JSON-escaped, is
    # under 80 KB; 256 KiB leaves room for that three times over.
    max_body_bytes: int = Field(default=262_144, alias="DPV_MAX_BODY_BYTES", ge=1024)
    # The largest computed cost of one operation (schema/core/cost.py), refused before it runs: the largest the
    # tests and benches ask for is about 28,500 (a page of 100 requirements with 20 invitations each); two
    # nested lists of 100 under 29 aliases cost about 296,000.
    max_query_cost: int = Field(default=50_000, alias="DPV_MAX_QUERY_COST", ge=1)
    # The budget of each client over time (api/core/budget.py): a bucket of `burst` cost points, refilled at
    # `points_per_second`; an operation runs only if the bucket holds its cost. Off: no budget at all.
    rate_limit: bool = Field(default=True, alias="DPV_RATE_LIMIT")
    rate_limit_points_per_second: float = Field(default=1000.0, alias="DPV_RATE_LIMIT_POINTS_PER_SECOND", gt=0)
    rate_limit_burst: int = Field(default=50_000, alias="DPV_RATE_LIMIT_BURST", ge=1)

    # OAuth 2.0: this server is the authorization server and the resource server. The issuer is the public base
    # URL (`dpv serve` derives it from --host/--port when unset); tokens name it in `iss` and this API in `aud`.
    issuer: str = Field(default="http://127.0.0.1:8000", alias="DPV_ISSUER")
    audience: str = Field(default="dpv-exchange", alias="DPV_AUDIENCE")
    access_token_ttl: int = Field(default=600, alias="DPV_ACCESS_TOKEN_TTL", gt=0)  # seconds
    # Signs the sign-in page's CSRF tokens (auth/signin.py); at least 32 characters. Unset: one is generated once
    # and kept in $DPV_DATA_DIR/secret-key (development; every worker reads the same file).
    secret_key: str | None = Field(default=None, alias="DPV_SECRET_KEY", repr=False, min_length=32)

    @property
    def through_pooler(self) -> bool:
        """DATABASE_URL goes through a transaction-mode pooler: a direct connection is named for LISTEN."""
        return self.listen_database_url is not None

    @property
    def issuer_url(self) -> str:
        """The issuer without a trailing slash: endpoint URLs are built on it."""
        return self.issuer.rstrip("/")

    # Trusted external issuers (auth/external.py): a JSON list of TrustedIssuer in DPV_TRUSTED_ISSUERS and/or in
    # the file DPV_TRUSTED_ISSUERS_FILE (both: joined). An `iss` may be configured once, and never this server's.
    trusted_issuers: list[TrustedIssuer] = Field(default_factory=list, alias="DPV_TRUSTED_ISSUERS")
    trusted_issuers_file: Path | None = Field(default=None, alias="DPV_TRUSTED_ISSUERS_FILE")

    @model_validator(mode="after")
    def _load_trusted_issuers(self) -> Settings:
        if self.trusted_issuers_file is not None:
            listed = TypeAdapter(list[TrustedIssuer]).validate_json(self.trusted_issuers_file.read_bytes())
            self.trusted_issuers = [*self.trusted_issuers, *listed]
        names = [t.issuer for t in self.trusted_issuers]
        if len(set(names)) != len(names):
            raise ValueError("DPV_TRUSTED_ISSUERS: an issuer is configured more than once")
        if self.issuer_url in {n.rstrip("/") for n in names}:
            raise ValueError("DPV_TRUSTED_ISSUERS: this server's own issuer cannot be a trusted external issuer")
        return self

    # Keys the hash under which a child's case reference is stored (api/placements/child.py); at least 32
    # characters. Unset: one is generated once and kept in $DPV_DATA_DIR/child-reference-key (development).
    # Changing it changes every pseudonymous reference: set it once in production, the same for every worker.
    child_reference_key: str | None = Field(default=None, alias="DPV_CHILD_REFERENCE_KEY", repr=False, min_length=32)

    # Timers (api/core/timers.py): how often each worker looks for due timers, in seconds; 0 turns the runner off.
    timer_poll_seconds: float = Field(default=1.0, alias="DPV_TIMER_POLL_SECONDS", ge=0)

    # The event stream (api/core/realtime.py): each worker reads the outbox when notified and at least this often
    # (a safety net; notifications carry the latency); 0 turns the hub off (no subscriptions).
    event_poll_seconds: float = Field(default=1.0, alias="DPV_EVENT_POLL_SECONDS", ge=0)
    # WebSocket limits: the largest message a client may send (uvicorn closes with 1009 beyond it) and how
    # many subscriptions one connection may hold.
    ws_max_message_bytes: int = Field(default=65536, alias="DPV_WS_MAX_MESSAGE_BYTES", ge=1024)
    ws_max_subscriptions: int = Field(default=10, alias="DPV_WS_MAX_SUBSCRIPTIONS", ge=1)
    # How often each worker re-checks the tokens of its open WebSockets (api/web/ws_tokens.py), in seconds: a revoked
    # token's sockets close within about this long, on every worker.
    ws_token_check_seconds: float = Field(default=2.0, alias="DPV_WS_TOKEN_CHECK_SECONDS", gt=0)

    # GET /metrics (api/web/metrics.py) answers the alliance's access tokens and this scrape secret (a bearer token,
    # 32 characters or more); unset: only the alliance's tokens.
    metrics_token: str | None = Field(default=None, alias="DPV_METRICS_TOKEN", repr=False, min_length=32)

    # Log lines (api/core/logs.py): "text", or "json" for one JSON object per line.
    log_format: Literal["text", "json"] = Field(default="text", alias="DPV_LOG_FORMAT")

    # The worker's cyclic garbage collector (api/web/app.py `quieter_collector`): `freeze` (what exists at start-up
    # moved out of the collector's sight, Python's thresholds), `tuned` (the same with thresholds 20,000/50/100:
    # memory kept growing under a steady load) or `default` (Python's own). bench/soak.py compares them.
    gc_mode: Literal["freeze", "tuned", "default"] = Field(default="freeze", alias="DPV_GC")

    # Stage-1 thresholds: minimum insurance cover in pounds (DOMAIN.md defaults).
    min_employers_liability: Decimal = Field(default=Decimal("5000000"), alias="DPV_MIN_EMPLOYERS_LIABILITY")
    min_public_liability: Decimal = Field(default=Decimal("5000000"), alias="DPV_MIN_PUBLIC_LIABILITY")
    min_professional_indemnity: Decimal = Field(default=Decimal("2000000"), alias="DPV_MIN_PROFESSIONAL_INDEMNITY")

    # Warnings before a stage-1 document expires (api/safeguarding/expiry.py): days before its last valid day,
    # as JSON (DPV_DOCUMENT_EXPIRY_WARNING_DAYS='[30, 7]').
    document_expiry_warning_days: list[int] = Field(
        default_factory=lambda: [30, 7], alias="DPV_DOCUMENT_EXPIRY_WARNING_DAYS"
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()


def async_url(url: str) -> str:
    """Accept the usual `postgresql://` spelling and select the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {url.split(':', 1)[0]}://…")
