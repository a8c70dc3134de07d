"""A minimal graphql-transport-ws client for tests: connect with a token, subscribe, read `next` payloads."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import websockets
from websockets.exceptions import ConnectionClosed

PROTOCOL = "graphql-transport-ws"


def ws_url(live_server: str) -> str:
    return live_server.replace("http://", "ws://") + "/graphql"


class WsClient:
    def __init__(self, ws: Any):
        self.ws = ws
        self._ids = itertools.count(1)

    @classmethod
    async def connect(cls, live_server: str, token: str | None) -> WsClient:
        ws = await websockets.connect(ws_url(live_server), subprotocols=[PROTOCOL], max_size=2**22)
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        return cls(ws)

    async def subscribe(self, query: str, variables: dict | None = None) -> str:
        op = str(next(self._ids))
        await self.ws.send(
            json.dumps({"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
        )
        return op

    async def message(self, timeout: float = 10) -> dict:
        """The next message that is not a ping (answered)."""
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            return message

    async def next(self, timeout: float = 10) -> dict:
        message = await self.message(timeout)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]

    async def errors(self, timeout: float = 10) -> list[dict]:
        """The errors of the next message: an `error` message's payload, or a `next` message's `errors`."""
        message = await self.message(timeout)
        assert message["type"] in ("error", "next"), message
        return message["payload"] if message["type"] == "error" else message["payload"]["errors"]

    async def nothing_for(self, seconds: float) -> None:
        try:
            message = await self.message(seconds)
        except TimeoutError:
            return
        raise AssertionError(f"expected nothing, got {message}")

    async def closed_with(self, timeout: float = 10) -> int | None:
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    async def close(self) -> None:
        await self.ws.close()
