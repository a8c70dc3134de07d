"""CORS for a portal served from another origin: the origins of `DPV_CORS_ORIGINS`, and only those, may call the
API's machine endpoints from their pages. Empty (the default): no cross-origin access at all.

Pure ASGI around the whole application (`Cors`), for the paths in `CORS_PATHS` only: GraphQL over HTTP, the token,
revocation, metadata and key-set endpoints, and the IPAs' PDFs. Not the authorization endpoint and the sign-in and
sign-out pages (a browser navigates to them; it never calls them from a script), nor introspection (for
confidential clients, which have no business in a browser).

- A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) from an allowed origin is answered
  here: 204, `Access-Control-Allow-Origin` that origin, the methods GET and POST, the request headers in
  `ALLOWED_HEADERS`, and `Access-Control-Max-Age`. From any other origin it goes on to the application like any
  request (405 for these paths) and carries no CORS header at all.
- A request from an allowed origin gets `Access-Control-Allow-Origin: <that origin>` and may read the headers in
  `EXPOSED_HEADERS`; from any other origin, nothing.
- Never `Access-Control-Allow-Credentials`: the API takes its tokens from the Authorization header, never from
  cookies, so a cross-origin page has nothing to gain from the browser's credentials.
- `Vary: Origin` on every response of these paths while any origin is configured, since whether it carries the
  CORS headers depends on the Origin: a cache never serves one origin's answer to another.

Starlette's CORSMiddleware does not do this: it answers a preflight with 200, refuses one from another origin with
400 that still carries `Access-Control-Allow-Methods` and `-Headers`, and applies to every path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORS_PATHS = re.compile(
    r"^(/graphql|/oauth/token|/oauth/revoke|/oauth/jwks|/\.well-known/oauth-authorization-server"
    r"|/ipas/[^/]+\.pdf)$"
)
ALLOWED_METHODS = "GET, POST"
# What GraphQL clients send beyond the safelisted headers: the token, JSON bodies, If-None-Match for a PDF
# already held, and Apollo Client's client awareness and CSRF-prevention headers.
ALLOWED_HEADERS = (
    "Authorization, Content-Type, Accept, If-None-Match, apollographql-client-name, "
    "apollographql-client-version, apollo-require-preflight"
)
EXPOSED_HEADERS = "Retry-After, WWW-Authenticate, ETag, Content-Disposition, X-Request-ID"
MAX_AGE = "600"  # seconds a browser may keep a preflight's answer (Chromium keeps it at most 7,200)


class Cors:
    def __init__(self, app: ASGIApp, origins: Iterable[str]):
        self.app = app
        self.origins = frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.origins or not CORS_PATHS.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        allowed = origin if origin in self.origins else None  # the origin, when it is one of ours
        if allowed is not None and scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(allowed)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers.add_vary_header("Origin")
                if allowed is not None:
                    response_headers["Access-Control-Allow-Origin"] = allowed
                    response_headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    def _preflight(origin: str) -> Response:
        return Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": MAX_AGE,
                "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            },
        )
