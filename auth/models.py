"""Tables of the identity layer: OAuth clients, the keys that sign access tokens, and revoked tokens.

- `oauth_client`: one registered client, acting for exactly one organisation. Confidential clients
  (client_credentials) keep only an argon2 hash of their secret; public clients (authorization_code with PKCE,
  for the portal and GraphiQL) have no secret and authenticate with `none`. Scopes, grant types and redirect
  URIs are what the client may ever ask for; a token never holds more.
- `signing_key`: a private JWK per `kid`. Exactly one key per algorithm is active (`retired_at` null); a retired
  key still verifies until the last token it signed has expired (`retired_at` + access-token lifetime).
- `revoked_token`: the `jti` of each access token revoked before its expiry (RFC 7009). A row is useless after
  `expires_at` (the token is refused as expired anyway).

People and the authorization-code grant (auth/users.py, auth/signin.py, auth/authorizations.py):

- `app_user`: a person of one organisation, who signs in through the authorization-code flow. The email is stored
  normalised (lower case), so it is unique case-insensitively; the password only as an argon2 hash; the scopes are
  what the person may ever hold, all of their organisation's kind.
- `login_throttle`: failed sign-ins per key (`email:<address>`, `ip:<address>`), whether or not the address
  belongs to anyone, and the lockout they caused. In PostgreSQL, since several workers share it.
- `signin_session`: a signed-in browser (the cookie holds a random token; only its SHA-256 is stored).
- `oauth_authorization_code`: a short-lived, single-use code (only its SHA-256 is stored), bound to the client,
  the person, the redirect URI of the request, the granted scopes and the PKCE S256 challenge. A redeemed code
  is kept (`used_at`) until it expires, so that a second redemption can revoke what the first one issued.
- `token_family`: what one redeemed code led to: its refresh tokens, each replaced by the next (rotation), and the
  access tokens issued with them (`family_access_token`, by `jti`), so that replaying a used refresh token
  revokes all of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, utcnow_column
from api.core.principal import Scope
from api.market.models import Organisation

GRANT_TYPES = ("client_credentials", "authorization_code", "refresh_token")
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
SECRET_AUTH_METHODS = frozenset({"client_secret_basic", "client_secret_post"})

# Client secrets are 256 random bits, so the hash need not slow down guessing; it is there so that a copy of the
# database holds no usable credential. OWASP's minimum argon2id profile keeps a token request cheap.
SECRET_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def _in(column: str, values: tuple[str, ...] | list[str], *, array: bool) -> str:
    allowed = ", ".join(f"'{v}'" for v in values)
    return f"{column} <@ ARRAY[{allowed}]::varchar[]" if array else f"{column} IN ({allowed})"


class OAuthClient(Base, ClientMixin):
    __tablename__ = "oauth_client"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_hash: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    grant_types: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    redirect_uris: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(40))
    # Its tokens may run persisted documents only (schema/core/persisted.py): they carry `persisted_only`.
    persisted_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at: Mapped[datetime] = utcnow_column()

    # Loaded with the client (query_client runs in a worker thread, where a lazy load could not happen).
    organisation: Mapped[Organisation] = relationship(lazy="raise", innerjoin=True)

    __table_args__ = (
        CheckConstraint(_in("scopes", [s.value for s in Scope], array=True), name="scopes_known"),
        CheckConstraint("cardinality(scopes) > 0", name="scopes_present"),
        CheckConstraint(_in("grant_types", GRANT_TYPES, array=True), name="grant_types_known"),
        CheckConstraint("cardinality(grant_types) > 0", name="grant_types_present"),
        CheckConstraint(_in("token_endpoint_auth_method", AUTH_METHODS, array=False), name="auth_method_known"),
        CheckConstraint(
            "(token_endpoint_auth_method = 'none') = (client_secret_hash IS NULL)", name="secret_iff_confidential"
        ),
    )

    # --- authlib's ClientMixin ------------------------------------------------------------------------------

    @property
    def is_confidential(self) -> bool:
        return self.client_secret_hash is not None

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Only a client with one registered URI has a default; otherwise the request must name one exactly.
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        """The scope of a token: what was asked for (already checked to be within the client's scopes by the
        grant), or every scope of the client when the request names none (RFC 6749 §3.3 default)."""
        if not scope:
            return list_to_scope(sorted(self.scopes))
        return list_to_scope(sorted(set(scope_to_list(scope)) & set(self.scopes)))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris  # exact match, no prefixes or patterns

    def check_client_secret(self, client_secret: str) -> bool:
        if self.client_secret_hash is None:
            return False
        try:
            return SECRET_HASHER.verify(self.client_secret_hash, client_secret)
        except (VerificationError, InvalidHashError):
            return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # A confidential client may send its secret either way; a public client never has one.
        if self.is_confidential:
            return method in SECRET_AUTH_METHODS
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


class SigningKey(Base):
    __tablename__ = "signing_key"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    alg: Mapped[str] = mapped_column(String(10))
    private_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = utcnow_column()
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # One active key per algorithm: token issue and rotation never disagree on which key signs.
        Index("uq_signing_key_active_alg", "alg", unique=True, postgresql_where=text("retired_at IS NULL")),
    )


class RevokedToken(Base):
    __tablename__ = "revoked_token"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    oauth_client_id: Mapped[int | None] = mapped_column(ForeignKey("oauth_client.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[datetime] = utcnow_column()


SCOPES_KNOWN = [s.value for s in Scope]
USER_SUBJECT_PREFIX = "user:"  # `sub` of a person's access token; client ids never contain a colon


class AppUser(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = utcnow_column()

    # Loaded with the user (the token generator runs in a worker thread, where a lazy load could not happen).
    organisation: Mapped[Organisation] = relationship(lazy="raise", innerjoin=True)

    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_normalised"),
        CheckConstraint(_in("scopes", SCOPES_KNOWN, array=True), name="scopes_known"),
        CheckConstraint("cardinality(scopes) > 0", name="scopes_present"),
    )

    @property
    def subject(self) -> str:
        return f"{USER_SUBJECT_PREFIX}{self.id}"

    def get_user_id(self) -> str:  # Authlib: the `sub` of the person's access tokens
        return self.subject


class LoginThrottle(Base):
    __tablename__ = "login_throttle"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (Index(None, "updated_at"),)


class SigninSession(Base):
    __tablename__ = "signin_session"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = utcnow_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class TokenFamily(Base):
    __tablename__ = "token_family"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    oauth_client_id: Mapped[int] = mapped_column(ForeignKey("oauth_client.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    created_at: Mapped[datetime] = utcnow_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[AppUser] = relationship(lazy="raise", innerjoin=True)

    __table_args__ = (
        CheckConstraint(_in("scopes", SCOPES_KNOWN, array=True), name="scopes_known"),
        CheckConstraint("cardinality(scopes) > 0", name="scopes_present"),
    )


class OAuthAuthorizationCode(Base):
    __tablename__ = "oauth_authorization_code"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    oauth_client_id: Mapped[int] = mapped_column(ForeignKey("oauth_client.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str | None] = mapped_column(Text)  # as the request named it (None: the client's only one)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = utcnow_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("token_family.id", ondelete="SET NULL"), index=True)

    __table_args__ = (
        CheckConstraint("code_challenge_method = 'S256'", name="pkce_s256"),
        CheckConstraint(_in("scopes", SCOPES_KNOWN, array=True), name="scopes_known"),
        CheckConstraint("cardinality(scopes) > 0", name="scopes_present"),
    )

    user: Mapped[AppUser] = relationship(lazy="raise", innerjoin=True)

    # --- authlib's AuthorizationCodeMixin (and what its CodeChallenge extension reads) -------------------------

    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_scope(self) -> str:
        return list_to_scope(sorted(self.scopes))


class RefreshToken(Base):
    __tablename__ = "refresh_token"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("token_family.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = utcnow_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # rotated: using it again is a replay


class FamilyAccessToken(Base):
    __tablename__ = "family_access_token"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("token_family.id", ondelete="CASCADE"), index=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
