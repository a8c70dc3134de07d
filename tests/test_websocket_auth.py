"""WebSocket connections authenticate at connection_init with the same token validation as HTTP."""

from __future__ import annotations

import json

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from api.core.db import Database
from auth.clients import register_client_as_system

PROTOCOL = "graphql-transport-ws"


async def _token(live_server: str, db: Database, slug: str, scope: str) -> tuple[str, tuple[str, str]]:
    async with db.transaction() as s:
        reg = await register_client_as_system(s, "test", organisation_slug=slug, scopes=scope)
    credentials = (reg.client.client_id, reg.client_secret)
    async with httpx.AsyncClient(base_url=live_server) as client:
        r = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials)
    r.raise_for_status()
    return r.json()["access_token"], credentials


def _ws_url(live_server: str) -> str:
    return live_server.replace("http://", "ws://") + "/graphql"


async def _init(live_server: str, payload: dict) -> tuple[str | None, int | None]:
    """Send connection_init; return the first message type, or the close code."""
    async with websockets.connect(_ws_url(live_server), subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        try:
            message = json.loads(await ws.recv())
            return message["type"], None
        except ConnectionClosed as closed:
            return None, closed.rcvd.code if closed.rcvd else None


async def test_a_valid_token_is_acknowledged(live_server, db, market):
    token, _ = await _token(live_server, db, "barnet", "borough")
    assert await _init(live_server, {"authorization": f"Bearer {token}"}) == ("connection_ack", None)


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic abc", "Bearer "])
async def test_a_bad_token_closes_with_4403(live_server, db, market, header):
    assert await _init(live_server, {"authorization": header}) == (None, 4403)


async def test_a_revoked_token_closes_with_4403(live_server, db, market):
    token, credentials = await _token(live_server, db, "barnet", "borough")
    async with httpx.AsyncClient(base_url=live_server) as http:
        r = await http.post("/oauth/revoke", data={"token": token}, auth=credentials)
    assert r.status_code == 200
    assert await _init(live_server, {"authorization": f"Bearer {token}"}) == (None, 4403)


async def test_only_graphql_transport_ws_is_spoken(live_server, db):
    with pytest.raises(websockets.exceptions.WebSocketException):  # refused at the handshake, or closed at once
        async with websockets.connect(_ws_url(live_server), subprotocols=["graphql-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            await ws.recv()
