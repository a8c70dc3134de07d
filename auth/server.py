"""The OAuth 2.0 authorization server: Authlib's grant and endpoint classes, and the one adapter between
Authlib's synchronous core and the async application.

What runs here: the `client_credentials` grant (RFC 6749 §4.4) issuing RFC 9068 JWT access tokens,
revocation (RFC 7009) and introspection (RFC 7662). No implicit or password grant is registered. The
authorization-code grant with PKCE (S256 only) and refresh-token rotation register here next.

The adapter (`OAuthServer.respond`)
-----------------------------------
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
   handler answers. Anything raised rolls everything back.

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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import anyio.to_thread
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request, TokenMixin
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import OAuth2Payload
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc.jwk import KeySet
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api import clock
from api.config import Settings
from api.db import Database
from auth import clients, keys, tokens
from auth.models import OAuthClient
from auth.principal import Scope

T = TypeVar("T")

GRANT_TYPES_SUPPORTED = ["client_credentials"]  # authorization_code and refresh_token join with the code grant
SECRET_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
DB_CALL_TIMEOUT = 30.0  # seconds a worker thread waits for one database call on the loop


# --- the adapter ----------------------------------------------------------------------------------------------


@dataclass
class _Unit:
    """One request's unit of work as the worker thread sees it: the event loop and the open transaction."""

    loop: asyncio.AbstractEventLoop
    session: AsyncSession

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run `fn(session, *args)` on the event loop and wait for its result (from the worker thread).

        `fn` must not itself wait for a worker thread: the waiting OAuth threads hold theirs."""
        future = asyncio.run_coroutine_threadsafe(fn(self.session, *args), self.loop)
        try:
            return future.result(timeout=DB_CALL_TIMEOUT)
        except TimeoutError:
            future.cancel()  # never leave a coroutine using the session behind the rollback
            raise


_unit: contextvars.ContextVar[_Unit] = contextvars.ContextVar("dpv_oauth_unit")


def _current() -> _Unit:
    return _unit.get()  # LookupError outside OAuthServer.respond: a programming error


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

    def __init__(self, method: str, uri: str, headers: Any, form: list[tuple[str, str]],
                 query: list[tuple[str, str]]):
        super().__init__(method, uri, headers=headers)
        self.payload = _FormPayload(form)
        self._args = dict(query)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


async def _oauth2_request(request: Request) -> FormRequest:
    form: list[tuple[str, str]] = []
    if request.headers.get("content-type", "").split(";")[0].strip() == "application/x-www-form-urlencoded":
        form = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    query = list(request.query_params.multi_items())
    return FormRequest(request.method, str(request.url), request.headers, form, query)


# --- Authlib's pieces, bound to this service ----------------------------------------------------------------


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 JWT access tokens: `typ` at+jwt and `kid` in the header; iss, aud, sub, client_id, scope, exp,
    iat, jti, and the organisation (`org` slug, `org_kind`) in the claims."""

    def __init__(self, settings: Settings):
        super().__init__(issuer=settings.issuer_url, alg=keys.ALG, expires_generator=settings.access_token_ttl)
        self.audience = settings.audience

    def get_jwks(self) -> KeySet:
        # The active key only (a one-key set, so joserfc writes its kid into the header); made on first use.
        row = _current().call(keys.ensure_active_key)
        return keys.key_set([row], private=True)

    def get_audiences(self, client: ClientMixin, user: Any, scope: str) -> str:
        return self.audience

    def get_extra_claims(self, client: OAuthClient, grant_type: str, user: Any, scope: str) -> dict[str, str]:
        return {"org": client.organisation.slug, "org_kind": client.organisation.kind.value}


class ClientCredentials(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_AUTH_METHODS

    def validate_requested_scope(self) -> None:
        """Known scopes (Authlib), and none beyond what the client was registered with: `invalid_scope` rather
        than Authlib's silent narrowing."""
        super().validate_requested_scope()
        beyond = set(scope_to_list(self.request.payload.scope) or []) - set(self.client.scopes)
        if beyond:
            raise InvalidScopeError(f"The client may not request the scope {' '.join(sorted(beyond))}")


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
    except tokens.InvalidToken:
        return None
    state = unit.call(tokens.token_state, claims, header["kid"])
    return AccessToken(dict(claims), refused=tokens.refusal(state, claims, server.settings) is not None)


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = SECRET_AUTH_METHODS  # public clients (`none`) join with the code grant

    def query_token(self, token_string: str, token_type_hint: str | None) -> AccessToken | None:
        return _query_access_token(self.server, token_string)  # access tokens are the only kind so far

    def revoke_token(self, token: AccessToken, request: OAuth2Request) -> None:
        if token.is_revoked():
            return
        client: OAuthClient = request.client
        _current().call(tokens.revoke_access_token, clients.client_principal(client), token.claims, client.id)


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = SECRET_AUTH_METHODS  # confidential clients only

    def query_token(self, token_string: str, token_type_hint: str | None) -> AccessToken | None:
        return _query_access_token(self.server, token_string)

    def check_permission(self, token: AccessToken, client: OAuthClient, request: OAuth2Request) -> bool:
        # A client learns about its own tokens and its organisation's, never another organisation's.
        return client.is_confidential and (
            token.check_client(client) or token.claims.get("org") == client.organisation.slug)

    def introspect_token(self, token: AccessToken) -> dict[str, Any]:
        c = token.claims
        return {"active": True, "token_type": "Bearer", "client_id": c["client_id"], "scope": c.get("scope", ""),
                "sub": c["sub"], "aud": c["aud"], "iss": c["iss"], "exp": c["exp"], "iat": c["iat"], "jti": c["jti"],
                "org": c["org"], "org_kind": c["org_kind"]}


class OAuthServer(AuthorizationServer):
    def __init__(self, settings: Settings, key_ring: keys.KeyRing):
        super().__init__(scopes_supported=sorted(s.value for s in Scope))
        self.settings = settings
        self.keys = key_ring
        self.register_token_generator("default", AccessTokenGenerator(settings))
        self.register_grant(ClientCredentials)
        self.register_endpoint(Revocation(server=self))
        self.register_endpoint(Introspection(server=self))

    # Authlib's hooks (called in the worker thread)

    def query_client(self, client_id: str) -> OAuthClient | None:
        return _current().call(clients.client_by_client_id, client_id)

    def save_token(self, token: dict, request: OAuth2Request) -> None:
        """Nothing to store: the access token is a self-contained JWT, and its jti is recorded if revoked."""

    def create_oauth2_request(self, request: FormRequest) -> FormRequest:
        return request  # built by `respond` from the body it already read

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, list]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signal subscribers: state changes are audited by the domain functions."""

    # The adapter

    async def respond(self, request: Request, endpoint: str) -> Response:
        """Answer one token, revocation or introspection request (see the module's docstring)."""
        oauth_request = await _oauth2_request(request)
        db: Database = request.state.db
        async with db.transaction() as session:
            unit = _Unit(asyncio.get_running_loop(), session)
            status, body, headers = await anyio.to_thread.run_sync(self._process, unit, endpoint, oauth_request)
        return JSONResponse(body if isinstance(body, dict) else {}, status_code=status, headers=dict(headers))

    def _process(self, unit: _Unit, endpoint: str, request: FormRequest) -> tuple[int, Any, list]:
        reset = _unit.set(unit)
        try:
            if endpoint == "token":
                return self.create_token_response(request)
            return self.create_endpoint_response(endpoint, request)
        finally:
            _unit.reset(reset)


def metadata(settings: Settings) -> dict[str, Any]:
    """RFC 8414 metadata. `authorization_endpoint` is where the code grant answers once it is registered; until
    then `grant_types_supported` says only client_credentials is served."""
    base = settings.issuer_url
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "jwks_uri": f"{base}/oauth/jwks",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "scopes_supported": sorted(s.value for s in Scope),
        "grant_types_supported": GRANT_TYPES_SUPPORTED,
        "code_challenge_methods_supported": ["S256"],
    }
