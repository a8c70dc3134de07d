"""GraphQL over HTTP media types (graphql-over-http spec), as pure ASGI middleware around the GraphQL app.

A client that accepts `application/graphql-response+json` gets that media type, and a request error (a
response without `data`: unparsable or invalid) gets a 4xx status: 400 for a syntax error, 422 otherwise.
Clients that accept only `application/json` get the classic answer (200).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GRAPHQL_RESPONSE = "application/graphql-response+json"


class GraphQLResponseMediaType:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or GRAPHQL_RESPONSE not in Headers(scope=scope).get("accept", ""):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body = bytearray()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = MutableHeaders(raw=list(start["headers"]))
            status = start["status"]
            if headers.get("content-type", "").startswith("application/json"):
                headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
                status = _status(status, bytes(body))
            await send({"type": "http.response.start", "status": status, "headers": headers.raw})
            await send({"type": "http.response.body", "body": bytes(body)})

        await self.app(scope, receive, capture)


def _status(status: int, body: bytes) -> int:
    if status != 200:
        return status
    try:
        payload = json.loads(body)
    except ValueError:
        return status
    # A request error never started execution: no data, and no error has a `path`.
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if errors and payload.get("data") is None and not any(e.get("path") for e in errors):
        syntax = any(str(e.get("message", "")).startswith("Syntax Error") for e in errors)
        return 400 if syntax else 422
    return status
