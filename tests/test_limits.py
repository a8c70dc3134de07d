"""No one can tire the service out (issue 15, "Size" and "Cost"), shown over real HTTP and WebSocket with real
tokens: bodies and messages over their limits are refused before anything reads them; `nodes(ids:)` and every
other list sent is held to 100 items; long documents are not kept in memory; an operation's cost is reported on
every answer and a too costly one refused before any statement runs; each client's budget holds across two
servers on one database, answers 429 with Retry-After when spent, and refills.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
import websockets
from graphql.language import Source
from sqlalchemy import event
from sqlalchemy.engine import Engine
from websockets.exceptions import ConnectionClosed

from api.core.config import Settings
from api.core.db import DriverStatement
from api.placements.models import Requirement
from api.web.app import create_app
from tests.conftest import count, free_port, gid
from tests.placement_factories import published, scene
from tests.test_cli import ROOT, stop_server, wait_ready
from tests.test_oauth import register
from tests.test_placement_api import CREATE, create_input

LIMIT = 262_144  # DPV_MAX_BODY_BYTES's default
WS_LIMIT = 65_536  # DPV_WS_MAX_MESSAGE_BYTES's default
DASHBOARD = """{ invitations(first: 20) { totalCount nodes { status match { level } requirement { reference status
  urgency responseDeadline lot { name } child { view ageYears ageBand sex needs siblingGroupSize homePostcodeDistrict }
  bids(first: 1) { nodes { status netWeeklyPrice } } } } } }"""
PUBLIC_ATTACK = (
    "{ "
    + " ".join(
        f"a{i}: dpvs(first: 100) {{ nodes {{ lots(first: 100) {{ nodes {{ id code }} }} }} }}" for i in range(29)
    )
    + " }"
)
BOROUGH_ATTACK = (
    "{ "
    + " ".join(
        f"a{i}: requirements(first: 100) {{ nodes {{ invitations(first: 100) {{ nodes {{ "
        "provider { settings(first: 100) { nodes { id } } } } } } }"
        for i in range(29)
    )
    + " }"
)


# --- servers of this module's own --------------------------------------------------------------------------------


@contextmanager
def serving(settings: Settings, **config: object) -> Iterator[tuple[str, threading.Thread]]:
    """The application under uvicorn in a thread, configured by `config` (the live server's way, without its
    `ws_max_size` unless given)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on", **config)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", thread
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def quiet(settings: Settings) -> Iterator[tuple[str, threading.Thread]]:
    """A server whose only statements are its requests' (no timer runner, no event hub)."""
    with serving(settings.model_copy(update={"timer_poll_seconds": 0, "event_poll_seconds": 0})) as served:
        yield served


class Statements:
    """The SQL statements a server thread runs, and the statements run on the driver (the token's state, the
    budget's charge) meanwhile."""

    def __init__(self, thread: threading.Thread):
        self.thread = thread
        self.sql = 0
        self.on_driver = 0

    def _on(self, *_args: object) -> None:
        if threading.get_ident() == self.thread.ident:
            self.sql += 1

    def __enter__(self) -> Statements:
        self._driver_before = DriverStatement.runs
        event.listen(Engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(Engine, "before_cursor_execute", self._on)
        self.on_driver = DriverStatement.runs - self._driver_before


async def _token(base: str, reg) -> str:
    """A client-credentials token from this server's token endpoint."""
    async with httpx.AsyncClient(timeout=30) as http:
        r = await http.post(
            f"{base}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(reg.client.client_id, reg.client_secret),
        )
    r.raise_for_status()
    return r.json()["access_token"]


async def _post(
    base: str, query: str, variables: dict | None = None, token: str | None = None, **headers: str
) -> httpx.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(f"{base}/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


async def _raw(base: str, head: str, body: bytes = b"", seconds: float = 10) -> tuple[int, dict, bytes]:
    """Send `head` and `body` as they are on one connection; the status, headers and body of the answer."""
    url = urlsplit(base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        writer.write(head.encode() + body)
        await writer.drain()
        lines = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), seconds)).decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        payload = await asyncio.wait_for(reader.readexactly(int(fields.get("content-length", 0))), seconds)
        return int(lines[0].split(" ", 2)[1]), fields, payload
    finally:
        writer.close()


def _too_large(status: int, fields: dict, payload: bytes) -> None:
    assert status == 413, payload[:300]
    assert fields["content-type"].startswith("application/json") and fields.get("connection") == "close"
    (error,) = json.loads(payload)["errors"]
    assert error["extensions"] == {"code": "PAYLOAD_TOO_LARGE", "limit": LIMIT}


# --- 1. size ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/graphql", "/oauth/token", "/oauth/revoke", "/oauth/introspect", "/oauth/authorize"])
async def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(live_server, path):
    # Only the head is sent: the answer cannot wait for a body that never comes.
    head = (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {10 * 1024 * 1024}\r\n\r\n"
    )
    _too_large(*await _raw(live_server, head))


async def test_a_chunked_body_is_refused_once_it_passes_the_limit(live_server):
    # One byte more than the limit, in chunks, and no final chunk: the answer comes without the end of the body.
    data = b" " * (LIMIT + 1)
    chunks = b"".join(
        f"{len(part):x}\r\n".encode() + part + b"\r\n"
        for part in (data[i : i + 65536] for i in range(0, len(data), 65536))
    )
    head = (
        "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    _too_large(*await _raw(live_server, head, chunks))


async def test_bodies_within_the_limit_are_answered_chunked_or_not(live_server, db, market):
    padded = json.dumps({"query": "{ viewer { scopes } }" + " " * (LIMIT - 200)}).encode()
    assert len(padded) <= LIMIT

    async def chunks():
        for i in range(0, len(padded), 10_000):
            yield padded[i : i + 10_000]

    async with httpx.AsyncClient(timeout=30) as http:
        for content in (padded, chunks()):  # a Content-Length, then chunked
            r = await http.post(f"{live_server}/graphql", content=content, headers={"Content-Type": "application/json"})
            assert r.status_code == 200 and r.json()["data"] == {"viewer": {"scopes": []}}, r.text


async def _oversized_message(base: str) -> int | None:
    """connection_init, then a message one byte over the limit: the close code the server answers with."""
    async with websockets.connect(
        base.replace("http://", "ws://") + "/graphql", subprotocols=["graphql-transport-ws"]
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        message = json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { scopes } }"}})
        await ws.send(message + " " * (WS_LIMIT + 1 - len(message)))
        try:
            await asyncio.wait_for(ws.recv(), 10)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        return None


async def test_an_oversized_websocket_message_is_refused_however_the_app_is_served(live_server, settings):
    # The tests' server gives uvicorn the limit (`ws_max_size`), as `dpv serve` does (checked in the two-server
    # test below); served without it (uvicorn's own default is 16 MiB), the application refuses the message.
    assert await _oversized_message(live_server) == 1009
    with serving(settings.model_copy(update={"timer_poll_seconds": 0})) as (base, _):
        assert await _oversized_message(base) == 1009
        async with websockets.connect(
            base.replace("http://", "ws://") + "/graphql", subprotocols=["graphql-transport-ws"]
        ) as ws:  # it still serves
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"


async def test_nodes_takes_at_most_100_ids_and_lists_sent_are_held_to_100_items(quiet, db, market):
    base, thread = quiet
    await _post(base, "{ viewer { scopes } }")  # warm: the pool's first connection
    ids = [gid("Dpv", i) for i in range(1, 102)]
    hundred = await _post(base, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids[:100]})
    assert hundred.json()["data"]["nodes"] == [None] * 100

    literal = "{ nodes(ids: [" + ", ".join(json.dumps(i) for i in ids) + "]) { id } }"
    statuses = "{ requirements(filter: {status: [" + ", ".join(["OPEN"] * 101) + "]}) { totalCount } }"
    for query, variables in [
        ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}),
        (literal, None),
        (statuses, None),
        ("query($f: RequirementFilter) { requirements(filter: $f) { totalCount } }", {"f": {"status": ["OPEN"] * 101}}),
    ]:
        with Statements(thread) as statements:
            r = await _post(base, query, variables)
        body = r.json()
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and "101 items" in error["message"], body
        assert body.get("data") is None
        assert (statements.sql, statements.on_driver) == (0, 0)


async def test_long_documents_are_not_kept_and_unique_ones_cannot_pile_up(gql, db, market):
    def kept(query: str) -> int:
        return sum(1 for o in gc.get_objects() if isinstance(o, Source) and o.body == query)

    long_ones = [f"# {uuid.uuid4()} {'x' * 100_000}\n{{ viewer {{ scopes }} }}" for _ in range(5)]
    for query in long_ones:
        assert (await gql(query)).errors is None
    gc.collect()
    assert [kept(q) for q in long_ones] == [0] * 5

    # Unique documents of 8,000 characters, 320,000 in all: what stays held is at most 256 KiB of query text.
    unique = [f"{{ viewer {{ scopes }} }} # {uuid.uuid4()} {'x' * 7950}" for _ in range(40)]
    for query in unique:
        assert (await gql(query)).errors is None
    gc.collect()
    assert sum(len(q) for q in unique if kept(q)) <= 256 * 1024

    short = "{ viewer { scopes } } # " + uuid.uuid4().hex
    for _ in range(2):
        assert (await gql(short)).errors is None
    gc.collect()
    assert kept(short) == 1  # parsed once, and kept for the next request


# --- 2. cost -----------------------------------------------------------------------------------------------------


async def test_the_29_alias_attack_is_refused_before_any_statement(quiet, db, market):
    base, thread = quiet
    token = await _token(base, await register(db, "barnet", "borough"))
    for query, who in ((PUBLIC_ATTACK, None), (BOROUGH_ATTACK, token)):
        await _post(base, "{ viewer { scopes } }", token=who)  # warm: the pool's connection, the signing key
        with Statements(thread) as statements:
            r = await _post(base, query, token=who)
        body = r.json()
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY", body
        cost = error["extensions"]["cost"]
        assert cost["limit"] == 50_000 and cost["requested"] > 29 * 100 * 100
        assert body["extensions"]["cost"] == cost and body.get("data") is None
        # nothing but the token's own state (on the driver), for the borough
        assert (statements.sql, statements.on_driver) == (0, 0 if who is None else 1)


async def test_a_document_too_large_to_validate_is_refused_before_validation(live_server):
    # 400 fragments spread in one selection: a worker's second to validate, and only 1 point to run.
    fragments = (
        "{ viewer { ...A } } fragment A on Viewer { scopes "
        + " ".join(f"...A{i}" for i in range(400))
        + " } "
        + " ".join(f"fragment A{i} on Viewer {{ scopes }}" for i in range(400))
    )
    many_fields = "{ viewer { " + "scopes " * 501 + "} }"
    for query, words in ((fragments, "401 fragment spreads"), (many_fields, "502 fields")):
        body = (await _post(live_server, query)).json()
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY" and words in error["message"], body


async def test_every_answer_reports_its_cost_and_the_dashboard_is_admitted(live_server, db, market):
    sc = await scene(db, market, members=2)
    requirement = await published(db, market.barnet_officer, sc.lot.id)
    acorn = await _token(live_server, await register(db, "acorn-fostering", "provider"))
    barnet = await _token(live_server, await register(db, "barnet", "borough"))

    dashboard = (await _post(live_server, DASHBOARD, token=acorn)).json()
    assert "errors" not in dashboard, dashboard
    assert dashboard["data"]["invitations"]["nodes"][0]["requirement"]["reference"] == requirement.reference
    cost = dashboard["extensions"]["cost"]
    assert cost["requested"] == 142 and cost["limit"] == 50_000 and cost["remaining"] > 0

    page = "query($n: Int) { dpvs(first: $n) { nodes { id } } }"
    small, large = [
        (await _post(live_server, page, {"n": n})).json()["extensions"]["cost"]["requested"] for n in (5, 50)
    ]
    assert (small, large) == (6, 51)  # the page size comes from the variable

    created = (await _post(live_server, CREATE, create_input(sc.lot.id), token=barnet)).json()
    assert created["data"]["requirementCreate"]["userErrors"] == []
    assert set(created["extensions"]["cost"]) == {"requested", "limit", "remaining"}
    refused = (await _post(live_server, CREATE, create_input(sc.lot.id))).json()  # anonymous: refused as it runs
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and "cost" in refused["extensions"]


# --- the budget: two servers (separate processes) on one database -------------------------------------------------


async def _spend(bases: list[str], query: str, token: str | None, limit: int = 60) -> tuple[int, httpx.Response]:
    """Send `query` to the servers in turn until one refuses: how many were admitted, and the refusal."""
    for sent in range(limit):
        r = await _post(bases[sent % len(bases)], query, token=token)
        if r.status_code != 200:
            return sent, r
    raise AssertionError(f"{limit} requests admitted")


async def test_a_budget_holds_across_two_servers_refuses_with_429_and_refills(database_url, db, market):
    sc = await scene(db, market, members=2)
    regs = {slug: await register(db, slug, scope) for slug, scope in [("barnet", "borough"), ("ealing", "borough")]}
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    # A bucket of 100 points refilled at 5 a second; the query below costs 10 (a page of 9 vehicles).
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DPV_ISSUER": bases[0],
        "DPV_TIMER_POLL_SECONDS": "0",
        "DPV_SECRET_KEY": "limits-" + uuid.uuid4().hex,
        "DPV_RATE_LIMIT_BURST": "100",
        "DPV_RATE_LIMIT_POINTS_PER_SECOND": "5",
    }
    env.pop("TEST_DATABASE_URL", None)
    query = "{ dpvs(first: 9) { nodes { id } } }"
    servers = []
    try:
        for port in ports:  # one after the other: the first makes the signing key the second uses
            servers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--log-level", "warning"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
            await asyncio.to_thread(wait_ready, port, servers[-1])
        barnet, ealing = [await _token(bases[0], reg) for reg in regs.values()]

        # Spent through both servers in turn: one bucket of 100, not one per server.
        admitted, refused = await _spend(bases, query, barnet)
        assert 10 <= admitted < 20, admitted
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        body = refused.json()
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED" and body.get("data") is None
        assert error["extensions"]["cost"]["requested"] == 10 and error["extensions"]["cost"]["remaining"] < 10
        assert body["extensions"]["cost"] == error["extensions"]["cost"]
        # the other server refuses it too; a refused mutation changes nothing
        other = bases[(admitted + 1) % 2]
        again = await _post(other, query, token=barnet, Accept="application/graphql-response+json")
        assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1
        assert again.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        mutation = await _post(other, CREATE, create_input(sc.lot.id), token=barnet)
        assert mutation.status_code == 429 and await count(db, Requirement) == 0

        # another client of the same borough has its own budget, and so does each anonymous address
        assert (await _post(bases[0], query, token=ealing)).status_code == 200
        assert (await _post(bases[1], query)).status_code == 200

        # it refills: admitted again within a deadline, not after a fixed sleep
        deadline = time.monotonic() + 30
        while (r := await _post(bases[0], query, token=barnet)).status_code == 429:
            assert time.monotonic() < deadline, "the budget did not refill"
            await asyncio.sleep(0.2)
        assert r.status_code == 200 and "errors" not in r.json() and r.json()["extensions"]["cost"]["requested"] == 10

        # `dpv serve` gives uvicorn the WebSocket limit
        assert await _oversized_message(bases[1]) == 1009
    finally:
        for server in servers:
            stop_server(server)
