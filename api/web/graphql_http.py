"""GraphQL over HTTP media types (graphql-over-http spec), as pure ASGI middleware around the GraphQL app.

A client that accepts `application/graphql-response+json` gets that media type, and a request error (a
response that never started execution: unparsable, invalid, no operation to run, variables that cannot be
coerced) gets status 400 and no `data` entry, as the spec asks of that media type. Clients that accept only
`application/json` get the classic answer (200, `"data": null`).
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
            status, payload = start["status"], bytes(body)
            if headers.get("content-type", "").startswith("application/json"):
                headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
                status, payload = _as_graphql_response(status, payload)
                headers["content-length"] = str(len(payload))
            await send({"type": "http.response.start", "status": status, "headers": headers.raw})
            await send({"type": "http.response.body", "body": payload})

        await self.app(scope, receive, capture)


def _as_graphql_response(status: int, body: bytes) -> tuple[int, bytes]:
    """A request error's status (400) and body (without `data`); any other response as it is."""
    if status != 200:
        return status, body
    try:
        payload = json.loads(body)
    except ValueError:
        return status, body
    # A request error never started execution: no data, and no error has a `path`.
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if errors and payload.get("data") is None and not any(e.get("path") for e in errors):
        payload.pop("data", None)
        return 400, json.dumps(payload, separators=(",", ":")).encode()
    return status, body
