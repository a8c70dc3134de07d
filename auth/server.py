"""The OAuth 2.0 authorization server: Authlib's grant and endpoint classes, and the one adapter between
Authlib's synchronous core and the async application.

What runs here: the `client_credentials` grant (RFC 6749 §4.4) for integrations; the `authorization_code` grant
(§4.1) with PKCE (RFC 7636), S256 only and required of every client, for people signing in through the portal and
GraphiQL; the `refresh_token` grant (§6) with rotation and replay detection; revocation (RFC 7009, of access and
refresh tokens, by confidential and public clients) and introspection (RFC 7662, confidential clients). Every
grant issues RFC 9068 JWT access tokens. No implicit or password grant is registered.

Gaps in Authlib closed here (REFERENCES.md): `CodeChallenge` accepts an authorization request without a
`code_challenge`, and treats a missing `code_challenge_method` as `plain`: `S256CodeChallenge` refuses both (and
`plain`). Refresh rotation is off by default and reuse is not detected: `RefreshTokenRotation` issues a new
refresh token with every refresh and auth/authorizations.py revokes the family on a replay. Authlib's client
authentication tells an unknown client id from a wrong secret and has no backoff: `OAuthServer.authenticate_client`
uses auth/client_auth.py's instead, for every grant and endpoint.

The adapter (`OAuthServer.unit_of_work` and `Work.run`; `OAuthServer.respond` for the token endpoints)
-------------------------------------------------------------------------------------------------------
Authlib's `AuthorizationServer` is synchronous: it calls `query_client`, `save_token`, the token generator, the
endpoints' `query_token`/`revoke_token` as plain functions, and verifying a client secret is argon2, tens of
milliseconds of CPU. The application is async (SQLAlchemy over asyncpg). So, per request:

1. the async handler reads the form body and opens ONE database transaction (`Database.transaction()`);
2. it runs Authlib (`create_token_response` / `create_endpoint_response`) in a worker thread
   (`anyio.to_thread.run_sync`), so argon2 and JWT signing never block the event loop;
3. every database access Authlib needs goes back to the event loop through `_Unit.call`, which submits the
   coroutine with `asyncio.run_coroutine_threadsafe` and waits for it, on that one session: the async domain
   functions are reused as they are, there is no second (synchronous) driver or connection pool, and the
   session is only ever used on the loop's thread, one call at a time;
4. when the thread returns (status, body, headers), the transaction commits (with its audit events) and the
   handler answers. Anything raised rolls everything back. An OAuth error response is an answer, not an
   exception: what the request changed on the way commits (a replayed refresh token's family stays revoked).

`unit_of_work` and `Work.run` are that mechanism; `respond` (token, revocation, introspection) is one request's
use of it. The authorization endpoint (api/web/signin_pages.py) uses it too, in steps within one transaction: Authlib
validates the authorization request (worker thread), the handler signs the person in on the loop (argon2 goes to
a thread of its own there), and Authlib issues the code (worker thread).

Why not a synchronous psycopg session in the thread: a second driver and pool per worker, and the domain
functions (registration, revocation, audit, key management) would need sync twins. Why not call Authlib on the
loop: argon2 verification would stall every other request for its duration.

The per-request `_Unit` reaches the hooks through a context variable set inside the worker thread itself (so it
does not depend on context propagation into threads); the server object is shared and holds no request state.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import anyio.to_thread
from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request, TokenMixin
from authlib.oauth2.rfc6749.errors import AccessDeniedError, InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant
from authlib.oauth2.rfc6749.requests import OAuth2Payload
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc.jwk import KeySet
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.core import clock
from api.core.config import Settings
from api.core.db import Database
from api.core.principal import Scope
from auth import authorizations, client_auth, clients, keys, tokens
from auth.authorizations import RefreshCredential, RevokedReason, granted_scopes
from auth.models import AppUser, OAuthAuthorizationCode, OAuthClient
from auth.token_errors import InvalidToken

T = TypeVar("T")

GRANT_TYPES_SUPPORTED = ["authorization_code", "client_credentials", "refresh_token"]
SECRET_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
TOKEN_AUTH_METHODS = [*SECRET_AUTH_METHODS, "none"]  # `none`: public clients (PKCE), which have no secret
DB_CALL_TIMEOUT = 30.0  # seconds a worker thread waits for one database call on the loop


# --- the adapter ----------------------------------------------------------------------------------------------


@dataclass
class _Unit:
    """One request's unit of work as the worker thread sees it: the event loop and the open transaction."""

    loop: asyncio.AbstractEventLoop
    session: AsyncSession

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Run `fn(session, *args, **kwargs)` on the event loop and wait for its result (from the worker thread).

        `fn` must not itself wait for a worker thread: the waiting OAuth threads hold theirs."""
        future = asyncio.run_coroutine_threadsafe(fn(self.session, *args, **kwargs), self.loop)
        try:
            return future.result(timeout=DB_CALL_TIMEOUT)
        except TimeoutError:
            future.cancel()  # never leave a coroutine using the session behind the rollback
            raise


_unit: contextvars.ContextVar[_Unit] = contextvars.ContextVar("dpv_oauth_unit")


def _current() -> _Unit:
    return _unit.get()  # LookupError outside Work.run: a programming error


def _bound(unit: _Unit, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
    """In the worker thread: make the unit visible to Authlib's hooks, then run `fn`."""
    reset = _unit.set(unit)
    try:
        return fn(*args)
    finally:
        _unit.reset(reset)


class Work:
    """One request's unit of work as the async handler sees it: its transaction (`session`, for domain calls on
    the loop) and `run`, which calls synchronous Authlib code in a worker thread bound to that transaction."""

    def __init__(self, unit: _Unit):
        self._unit = unit

    @property
    def session(self) -> AsyncSession:
        return self._unit.session

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(_bound, self._unit, fn, args)


class _FormPayload(OAuth2Payload):
    def __init__(self, items: list[tuple[str, str]]):
        self._datalist: defaultdict[str, list] = defaultdict(list)
        for k, v in items:
            self._datalist[k].append(v)
        self._data = {k: v[0] for k, v in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list]:
        return self._datalist


class FormRequest(OAuth2Request):
    """An OAuth2Request over a form body already read by the async handler."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Any,
        form: list[tuple[str, str]],
        query: list[tuple[str, str]],
        client_ip: str = "unknown",
    ):
        super().__init__(method, uri, headers=headers)
        self.payload = _FormPayload(form)
        self._args = dict(query)
        self.client_ip = client_ip  # whose failed client secrets count together (auth/client_auth.py)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


async def read_form(request: Request) -> list[tuple[str, str]]:
    """An application/x-www-form-urlencoded body (anything else: no fields)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return []
    return parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)


async def _oauth2_request(request: Request) -> FormRequest:
    query = list(request.query_params.multi_items())
    return FormRequest(
        request.method,
        str(request.url),
        request.headers,
        await read_form(request),
        query,
        client_ip=request.client.host if request.client else "unknown",
    )


def authorization_request(request: Request) -> FormRequest:
    """The authorization request: its parameters are the query string's, whatever the method. (A POST to the
    authorization endpoint is the sign-in form; its body holds the credentials, which Authlib never sees.)"""
    query = list(request.query_params.multi_items())
    return FormRequest(request.method, str(request.url), request.headers, query, query)


# --- Authlib's pieces, bound to this service ----------------------------------------------------------------


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 JWT access tokens: `typ` at+jwt and `kid` in the header; iss, aud, sub, client_id, scope, exp,
    iat, jti, and the organisation (`org` slug, `org_kind`) in the claims. A client's token acts for the client's
    organisation (`sub` its client_id); a person's for the person's organisation (`sub` user:<id>). With the
    authorization-code and refresh-token grants it also makes the refresh token (a random string)."""

    def __init__(self, settings: Settings):
        super().__init__(
            issuer=settings.issuer_url,
            alg=keys.ALG,
            expires_generator=settings.access_token_ttl,
            refresh_token_generator=lambda **_: authorizations.new_refresh_token(),
        )
        self.audience = settings.audience

    def get_jwks(self) -> KeySet:
        # The active key only (a one-key set, so joserfc writes its kid into the header); made on first use.
        row = _current().call(keys.ensure_active_key)
        return keys.key_set([row], private=True)

    def get_audiences(self, client: ClientMixin, user: Any, scope: str) -> str:
        return self.audience

    def get_extra_claims(
        self, client: OAuthClient, grant_type: str, user: AppUser | None, scope: str
    ) -> dict[str, Any]:
        org = user.organisation if user is not None else client.organisation
        claims: dict[str, Any] = {"org": org.slug, "org_kind": org.kind.value}
        if client.persisted_only:  # its tokens run persisted documents only (schema/core/persisted.py)
            claims["persisted_only"] = True
        return claims


class ClientCredentials(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_AUTH_METHODS

    def validate_requested_scope(self) -> None:
        """Known scopes (Authlib), and none beyond what the client was registered with: `invalid_scope` rather
        than Authlib's silent narrowing."""
        super().validate_requested_scope()
        beyond = set(scope_to_list(self.request.payload.scope) or []) - set(self.client.scopes)
        if beyond:
            raise InvalidScopeError(f"The client may not request the scope {' '.join(sorted(beyond))}")


class S256CodeChallenge(CodeChallenge):
    """PKCE as this server requires it of every client: a `code_challenge` with `code_challenge_method` S256.

    Authlib's CodeChallenge lets an authorization request without a challenge through, and takes a missing method
    for `plain`; both, and `plain` itself, are refused here with `invalid_request` (sent to the redirect URI, which
    has been checked by then). At the token endpoint the code's challenge is always S256, so a verifier is always
    required and compared as BASE64URL(SHA256(verifier))."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {"S256": compare_s256_code_challenge}
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"  # never used: every stored code names its method

    def validate_code_challenge(self, grant: AuthorizationCodeGrant, redirect_uri: str | None) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCode(AuthorizationCodeGrant):
    """The authorization-code grant (with `S256CodeChallenge`), for first-party clients: the provider portal and
    GraphiQL, registered by the alliance (`dpv client create --grant authorization_code`). There is no consent
    screen: the person signing in is the consent, since these clients are the service's own; a third-party client
    would need one before `OAuthServer.authorize`.

    The token acts for the person's organisation, with the scopes the request asked for (all of the client's when
    it named none) that both the client and the person hold; when there are none, `access_denied`. The redirect URI
    must be one the client registered, exactly. The code is stored hashed for AUTHORIZATION_CODE_TTL and can be
    redeemed once (auth/authorizations.py)."""

    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS

    def create_authorization_response(self, redirect_uri: str, grant_user: AppUser) -> tuple[int, Any, list]:
        scopes = granted_scopes(scope_to_list(self.request.scope) or [], grant_user.scopes)
        if not scopes:
            # The description travels in the redirect URL (browser history, the client's logs): nothing personal.
            raise AccessDeniedError(
                "The person signed in holds none of the scopes this client may ask for", redirect_uri=redirect_uri
            )
        self.request.scope = list_to_scope(scopes)
        return super().create_authorization_response(redirect_uri, grant_user)

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        _current().call(
            authorizations.issue_code,
            code=code,
            client=request.client,
            user=request.user,
            redirect_uri=request.payload.redirect_uri,
            scopes=scope_to_list(request.scope),
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
        )

    def query_authorization_code(self, code: str, client: OAuthClient) -> OAuthAuthorizationCode | None:
        return _current().call(authorizations.code_to_redeem, code, client)

    def authenticate_user(self, authorization_code: OAuthAuthorizationCode) -> AppUser:
        return authorization_code.user

    def save_token(self, token: dict) -> None:
        """The code is redeemed here, in the transaction that issues the tokens: it is marked used and a token
        family starts with them."""
        _current().call(authorizations.redeem_code, self.request.authorization_code, self.request.client, token)

    def delete_authorization_code(self, authorization_code: OAuthAuthorizationCode) -> None:
        """Nothing left to do: `save_token` marked the code used. It is kept until it expires, so that a second
        redemption is recognised (and revokes the family)."""


class RefreshTokenRotation(RefreshTokenGrant):
    """The refresh-token grant with rotation: every refresh issues a new refresh token in the same family and uses
    up the one presented. Presenting a used one again revokes the family (auth/authorizations.py) and is
    `invalid_grant`. The scopes may be narrowed, never widened, and are re-checked against what the person and
    the client hold now."""

    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshCredential | None:
        return _current().call(authorizations.refresh_to_use, refresh_token)

    def authenticate_user(self, refresh_token: RefreshCredential) -> AppUser:
        return refresh_token.user

    def issue_token(self, user: AppUser, refresh_token: RefreshCredential) -> dict:
        requested = scope_to_list(self.request.payload.scope) or list(refresh_token.family.scopes)
        scopes = granted_scopes(requested, refresh_token.family.scopes, user.scopes, self.request.client.scopes)
        if not scopes:
            raise InvalidScopeError("Neither the person nor the client still holds the scopes of this grant")
        return self.generate_token(
            user=user, scope=list_to_scope(scopes), include_refresh_token=self.INCLUDE_NEW_REFRESH_TOKEN
        )

    def save_token(self, token: dict) -> None:
        self._issued = _current().call(authorizations.extend_family, self.request.refresh_token, token)

    def revoke_old_credential(self, refresh_token: RefreshCredential) -> None:
        _current().call(authorizations.use_up, refresh_token, self.request.client, self._issued)


@dataclass
class AccessToken(TokenMixin):
    """A JWT access token presented to revocation or introspection, with its state from the database."""

    claims: dict[str, Any]
    refused: bool  # revoked, its key retired too long ago, or its organisation gone

    def check_client(self, client: ClientMixin) -> bool:
        return self.claims.get("client_id") == client.get_client_id()

    def get_scope(self) -> str:
        return self.claims.get("scope", "")

    def get_expires_in(self) -> int:
        return int(self.claims["exp"]) - int(self.claims["iat"])

    def is_expired(self) -> bool:
        return int(self.claims["exp"]) <= clock.now().timestamp()

    def is_revoked(self) -> bool:
        return self.refused


def _query_access_token(server: OAuthServer, token: str) -> AccessToken | None:
    """The token if this server issued it for this API and it has not expired; None otherwise (RFC 7009 and
    7662 both answer such a token as if unknown). Same checks as `principal_from_token`."""
    unit = _current()
    try:
        header = tokens.token_header(token)
        key = unit.call(server.keys.public_key, header["kid"])
        if key is None:
            return None
        claims = tokens.verify_access_token(token, key, server.settings)
    except InvalidToken:
        return None
    state = unit.call(tokens.token_state, claims, header["kid"])
    return AccessToken(dict(claims), refused=tokens.refusal(state, claims, server.settings) is not None)


class Revocation(RevocationEndpoint):
    """RFC 7009 for access tokens (the jti is recorded as revoked) and refresh tokens (the whole family is revoked,
    with its access tokens), by the client they were issued to; public clients authenticate with `none`."""

    CLIENT_AUTH_METHODS = TOKEN_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> AccessToken | RefreshCredential | None:
        lookups = [
            lambda: _query_access_token(self.server, token_string),
            lambda: _current().call(authorizations.refresh_credential, token_string),
        ]
        if token_type_hint == "refresh_token":
            lookups.reverse()
        for lookup in lookups:
            if (found := lookup()) is not None:
                return found
        return None

    def revoke_token(self, token: AccessToken | RefreshCredential, request: OAuth2Request) -> None:
        client: OAuthClient = request.client
        if isinstance(token, RefreshCredential):
            _current().call(
                authorizations.revoke_family, token.family, clients.client_principal(client), RevokedReason.REVOKED
            )
            return
        if token.is_revoked():
            return
        _current().call(tokens.revoke_access_token, clients.client_principal(client), token.claims, client.id)


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = SECRET_AUTH_METHODS  # confidential clients only

    def query_token(self, token_string: str, token_type_hint: str | None) -> AccessToken | None:
        return _query_access_token(self.server, token_string)

    def check_permission(self, token: AccessToken, client: OAuthClient, request: OAuth2Request) -> bool:
        # A client learns about its own tokens and its organisation's, never another organisation's.
        return client.is_confidential and (
            token.check_client(client) or token.claims.get("org") == client.organisation.slug
        )

    def introspect_token(self, token: AccessToken) -> dict[str, Any]:
        c = token.claims
        return {
            "active": True,
            "token_type": "Bearer",
            "client_id": c["client_id"],
            "scope": c.get("scope", ""),
            "sub": c["sub"],
            "aud": c["aud"],
            "iss": c["iss"],
            "exp": c["exp"],
            "iat": c["iat"],
            "jti": c["jti"],
            "org": c["org"],
            "org_kind": c["org_kind"],
            **({"persisted_only": True} if c.get("persisted_only") is True else {}),
        }


@dataclass(frozen=True)
class AuthorizationCheck:
    """An authorization request as Authlib found it: valid (`grant`), an error to send to the client's redirect
    URI (`redirect`: status, body, headers), or an error with no redirect URI to trust (`error`: say it on a page,
    never redirect)."""

    grant: AuthorizationCode | None = None
    redirect: tuple[int, Any, list] | None = None
    error: OAuth2Error | None = None


class OAuthServer(AuthorizationServer):
    def __init__(self, settings: Settings, key_ring: keys.KeyRing):
        super().__init__(scopes_supported=sorted(s.value for s in Scope))
        self.settings = settings
        self.keys = key_ring
        self.register_token_generator("default", AccessTokenGenerator(settings))
        self.register_grant(ClientCredentials)
        self.register_grant(AuthorizationCode, [S256CodeChallenge(required=True)])
        self.register_grant(RefreshTokenRotation)
        self.register_endpoint(Revocation(server=self))
        self.register_endpoint(Introspection(server=self))

    # Authlib's hooks (called in the worker thread)

    def query_client(self, client_id: str) -> OAuthClient | None:
        return _current().call(clients.client_by_client_id, client_id)

    def authenticate_client(self, request: FormRequest, methods: list[str], endpoint: str = "token") -> OAuthClient:
        """Every grant and endpoint authenticates its client here: one answer for an unknown client and a wrong
        secret, with the sign-in's backoff (auth/client_auth.py)."""
        client, request.auth_method = client_auth.authenticate(
            _current().call, request, methods, endpoint, getattr(request, "client_ip", "unknown")
        )
        return client

    def save_token(self, token: dict, request: OAuth2Request) -> None:
        """Client credentials: nothing to store (the access token is a self-contained JWT; its jti is recorded if
        revoked). The code and refresh grants store theirs in their own `save_token`."""

    def create_oauth2_request(self, request: FormRequest) -> FormRequest:
        return request  # built by `respond` (or `authorization_request`) from what the handler already read

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, list]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signal subscribers: state changes are audited by the domain functions."""

    # The authorization endpoint, in two steps (worker thread; see api/web/signin_pages.py)

    def check_authorization(self, request: FormRequest) -> AuthorizationCheck:
        """Validate an authorization request before anyone signs in: client, exact redirect URI, response type,
        scopes, PKCE."""
        try:
            return AuthorizationCheck(grant=self.get_consent_grant(request))
        except OAuth2Error as error:
            if error.redirect_uri:
                return AuthorizationCheck(redirect=self.handle_error_response(request, error))
            return AuthorizationCheck(error=error)

    def authorize(self, grant: AuthorizationCode, user: AppUser) -> tuple[int, Any, list]:
        """The person is signed in: issue the code and redirect to the client (or redirect with the error)."""
        return self.create_authorization_response(grant.request, grant_user=user, grant=grant)

    # The adapter

    @asynccontextmanager
    async def unit_of_work(self, request: Request) -> AsyncIterator[Work]:
        """One transaction for the request; commits when the block ends, rolls back if it raises."""
        db: Database = request.state.db
        async with db.transaction() as session:
            yield Work(_Unit(asyncio.get_running_loop(), session))

    async def respond(self, request: Request, endpoint: str) -> Response:
        """Answer one token, revocation or introspection request (see the module's docstring)."""
        oauth_request = await _oauth2_request(request)
        async with self.unit_of_work(request) as work:
            status, body, headers = await work.run(self._process, endpoint, oauth_request)
        return JSONResponse(body if isinstance(body, dict) else {}, status_code=status, headers=dict(headers))

    def _process(self, endpoint: str, request: FormRequest) -> tuple[int, Any, list]:
        if endpoint == "token":
            return self.create_token_response(request)
        return self.create_endpoint_response(endpoint, request)


def metadata(settings: Settings) -> dict[str, Any]:
    """RFC 8414 metadata: every field API.md lists, and what RFC 8414 requires besides (response types)."""
    base = settings.issuer_url
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "jwks_uri": f"{base}/oauth/jwks",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "scopes_supported": sorted(s.value for s in Scope),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GRANT_TYPES_SUPPORTED,
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": SECRET_AUTH_METHODS,
    }
