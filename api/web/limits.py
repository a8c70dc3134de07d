"""Size limits on what a client sends, as pure ASGI middleware around the whole application.

- **Request bodies** (every route: /graphql, /oauth/*): a body larger than `DPV_MAX_BODY_BYTES` is answered 413
  with a GraphQL-style error (`extensions.code` PAYLOAD_TOO_LARGE) before anything parses it. A declared
  `Content-Length` over the limit is refused at once, without reading a byte of the body. A body without one
  (chunked, or HTTP/2) is read here, up to the limit and no further: one byte past it and the answer is 413, the
  rest is never read and the connection is closed (`Connection: close`). A body within the limit is handed to the
  application as it arrived; the server's HTTP parser holds a declared `Content-Length` to its word.
- **WebSocket messages**: a message larger than `DPV_WS_MAX_MESSAGE_BYTES` closes the connection with 1009
  (Message Too Big, the WebSocket's 413), and the application sees the client leave. `dpv serve` and the tests'
  servers also give uvicorn that size (`ws_max_size`), which then refuses the message before it is even
  assembled; this keeps the limit when the application is served some other way (uvicorn's own default is
  16 MiB).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
MESSAGE_TOO_BIG = 1009


def _too_large(limit: int) -> tuple[dict[str, Any], bytes]:
    body = json.dumps(
        {
            "errors": [
                {
                    "message": f"The request body is larger than {limit} bytes.",
                    "extensions": {"code": PAYLOAD_TOO_LARGE, "limit": limit},
                }
            ]
        }
    ).encode()
    start = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, body


class RequestLimits:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_message_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_message_bytes = max_message_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = True
        if declared is not None and not chunked:
            try:
                length = int(declared)
            except ValueError:
                length = -1  # the server's parser refuses a malformed length before the application is called
            if length > self.max_body_bytes:
                await self._refuse(send)
                return
            await self.app(scope, receive, send)
            return
        # No declared length (chunked; or HTTP/2, which needs no header for a body; or no body at all): read it
        # here, never past the limit, then hand the application what was read.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client left: the application learns it as it would have
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(messages, receive), send)

    async def _refuse(self, send: Send) -> None:
        start, body = _too_large(self.max_body_bytes)
        await send(start)
        await send({"type": "http.response.body", "body": body})

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.max_message_bytes
        closed = False

        async def limited_receive() -> Message:
            nonlocal closed
            message = await receive()
            if message["type"] == "websocket.receive" and _message_size(message, limit) > limit:
                if not closed:
                    closed = True
                    await send({"type": "websocket.close", "code": MESSAGE_TOO_BIG, "reason": "Message too big"})
                return {"type": "websocket.disconnect", "code": MESSAGE_TOO_BIG}
            return message

        async def guarded_send(message: Message) -> None:
            if closed:
                return  # the connection is closed: whatever the application still says goes nowhere
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


def _message_size(message: Message, limit: int) -> int:
    data = message.get("bytes")
    if data is not None:
        return len(data)
    text = message.get("text") or ""
    # A character is 1 to 4 bytes in UTF-8: encode only when the count of characters cannot decide.
    if len(text) > limit or len(text) * 4 <= limit:
        return len(text)
    return len(text.encode())


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()  # after the body: the disconnect, when it comes

    return replayed
