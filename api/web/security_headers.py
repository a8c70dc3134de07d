"""Security headers: the ones every response carries, and the Content-Security-Policy of each HTML page.

Every HTTP response (`SecurityHeaders`, pure ASGI around the whole application):

- `X-Content-Type-Options: nosniff`: a browser takes a response for what its Content-Type says, never a JSON
  answer or a PDF for a script or a page;
- `Referrer-Policy: no-referrer`: no address of ours (an authorization code, a global ID in a path) is sent to
  another site;
- unless the handler set its own, `Content-Security-Policy: default-src 'none'; frame-ancestors 'none';
  base-uri 'none'; form-action 'none'` (`NOTHING`): a JSON answer, a PDF or a plain-text error opened in a
  browser loads nothing, runs nothing and cannot be framed.

The HTML pages set their own policy, as tight as each page allows, with no inline script at all and an inline
style only by its hash or a nonce made for that one response: GraphiQL (`graphiql_policy`, api/web/graphiql.py) and
the sign-in, sign-out and sign-in error pages (api/web/signin_pages.py). Pages that hold tokens or forms are also
`Cache-Control: no-store`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOTHING = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

EVERY_RESPONSE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def new_nonce() -> str:
    """A CSP nonce for one response (128 bits, base64)."""
    return base64.b64encode(secrets.token_bytes(16)).decode()


def style_hash(css: str) -> str:
    """The CSP source that allows exactly this inline `<style>` element's text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of an http(s) URL, as a CSP source; None for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def graphiql_policy(nonce: str, issuer: str) -> str:
    """GraphiQL's page: its scripts and stylesheets are files of this service (no inline script); the one inline
    style allowed is the one its dialogs add at run time (react-style-singleton, given `nonce` by the page's
    script); its fonts and icons are data: URLs inside GraphiQL's stylesheet; it talks to this service and to the
    issuer's token endpoint only; it has no form, and nobody may frame it."""
    connect = " ".join(dict.fromkeys(s for s in ("'self'", origin_of(issuer)) if s))
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
        f"font-src data:; connect-src {connect}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """Pure ASGI: adds `EVERY_RESPONSE` and, where the handler set none, the `NOTHING` policy (HTTP only)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in EVERY_RESPONSE.items():
                    headers[name] = value
                if "content-security-policy" not in headers:
                    headers["content-security-policy"] = NOTHING
            await send(message)

        await self.app(scope, receive, send_with_headers)
