"""HTTP for identity: the OAuth endpoints (thin handlers over auth.server) and the bearer-token middleware.

Endpoints: POST /oauth/token, POST /oauth/revoke, POST /oauth/introspect, GET /oauth/jwks and
GET /.well-known/oauth-authorization-server (RFC 8414). The authorization endpoint and its sign-in page (GET/POST
/oauth/authorize, /oauth/signout) are in api/web/signin_pages.py.

`BearerAuthentication` is pure ASGI middleware around the GraphQL HTTP endpoint. No Authorization header: the
caller is anonymous (public reads only). A bearer token: it is validated by `auth.tokens.principal_from_token`
and the Principal is put in the request state, where `GraphQLApp.get_context` reads it. Anything else (a token
that is invalid, expired, revoked, for another audience; a header that is not `Bearer <token>`) is refused
before GraphQL runs: HTTP 401, `WWW-Authenticate: Bearer error="invalid_token"`, and a GraphQL error body with
`extensions.code` UNAUTHENTICATED. A bad token is never downgraded to anonymous.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from auth import keys
from auth.server import metadata
from auth.token_errors import InvalidToken
from auth.tokens import principal_from_token

REALM = "dpv-exchange"


async def token_endpoint(request: Request) -> Response:
    return await request.state.oauth.respond(request, "token")


async def revocation_endpoint(request: Request) -> Response:
    return await request.state.oauth.respond(request, "revocation")


async def introspection_endpoint(request: Request) -> Response:
    return await request.state.oauth.respond(request, "introspection")


async def server_metadata(request: Request) -> Response:
    return JSONResponse(metadata(request.state.settings), headers={"Cache-Control": "public, max-age=300"})


async def jwks(request: Request) -> Response:
    """The public keys that verify tokens now: the active key and those retired less than a token lifetime ago."""
    async with request.state.db.session() as session:
        rows = await keys.verification_keys(session, request.state.settings.access_token_ttl)
    return JSONResponse({"keys": [keys.public_jwk(r) for r in rows]}, headers={"Cache-Control": "public, max-age=60"})


def _quoted(text: str) -> str:
    return text.replace("\\", "").replace('"', "'")


def unauthenticated(message: str, error: str = "invalid_token") -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    challenge = f'Bearer realm="{REALM}", error="{error}", error_description="{_quoted(message)}"'
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": challenge, "Cache-Control": "no-store"})


class BearerAuthentication:
    """Pure ASGI: HTTP requests only (a WebSocket sends its token in `connection_init`)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authorization = Headers(scope=scope).get("authorization")
        state = scope.setdefault("state", {})
        state["principal"] = None
        if authorization is not None:
            scheme, _, token = authorization.strip().partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token:
                response = unauthenticated(
                    "The Authorization header must be 'Bearer <access token>'", error="invalid_request"
                )
                await response(scope, receive, send)
                return
            try:
                state["principal"] = await principal_from_token(
                    token, db=state["db"], keys=state["keys"], settings=state["settings"]
                )
            except InvalidToken as exc:
                await unauthenticated(str(exc))(scope, receive, send)
                return
        await self.app(scope, receive, send)
