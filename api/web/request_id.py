"""The request id of every request and WebSocket connection, set by the outermost middleware.

`RequestId` (pure ASGI, outermost: a response from Starlette's error middleware carries it too) takes the
`X-Request-ID` of an incoming request or WebSocket handshake when it is a sane token (1 to 128 characters out of
letters, digits and `._:-`), else makes one, keeps it in a context variable for everything done while serving it
(tasks started from it inherit it; so do the worker threads anyio runs, such as the OAuth server's), and sends it
back in the `X-Request-ID` header of the response (of the handshake's 101 for a WebSocket, so one id per
connection). Every log record carries it as `request_id` (api/core/logs.py; None outside a request: the timer
runner, the event hub).
"""

from __future__ import annotations

import re
import secrets

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core import logs

REQUEST_ID_HEADER = "x-request-id"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def new_request_id() -> str:
    return secrets.token_hex(16)


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's `X-Request-ID` when it is a sane token, else a new one."""
    for name, value in headers:
        if name.lower() == b"x-request-id":
            try:
                text = value.decode("ascii")
            except UnicodeDecodeError:
                break
            if _SANE_REQUEST_ID.fullmatch(text):
                return text
            break
    return new_request_id()


class RequestId:
    """Pure ASGI (a BaseHTTPMiddleware would run the endpoint in another task and lose the context variable):
    sets the request id for the request or connection and returns it on the response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = request_id_from(scope.get("headers") or [])
        # Not reset afterwards: the server runs each request in a task of its own, and what it logs about the
        # request after the application returned (an unhandled exception, say) is still the request's.
        logs.set_request_id(rid)
        header = (REQUEST_ID_HEADER.encode(), rid.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept", "websocket.http.response.start"):
                headers = [(k, v) for k, v in message.get("headers") or [] if k.lower() != header[0]]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        await self.app(scope, receive, send_with_id)


class RequestIdStarlette(Starlette):
    """Starlette with `RequestId` around everything, Starlette's own error middleware included."""

    def build_middleware_stack(self) -> ASGIApp:
        return RequestId(super().build_middleware_stack())
