"""Issue 15's revocation finding, with real parts: a second server process (`dpv serve`) on the same database as
`live_server`, real tokens from the token endpoint, real WebSockets. Revoking a token through one worker, or the
end of what the token stands on, closes its sockets on every worker within a few seconds (4403, with the
reason); the other sockets stay open. The second server writes JSON log lines, which are read here too.

Nothing waits a fixed time: each wait is for a condition, with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from websockets.exceptions import ConnectionClosed

from api.core import clock
from auth.models import SigningKey
from tests.conftest import free_port
from tests.placement_factories import published, scene
from tests.test_oauth import register, token_for
from tests.test_oauth_code import REDIRECT, code_for, person, public_client, query
from tests.ws_client import WsClient

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = """subscription { requirementPublished { cursor invitation { requirement { reference
  child { view ageBand } } } } }"""
CLOSED_WITHIN = 10.0  # seconds: the check runs every 2 s on each worker; this is the deadline, not a wait


@dataclass
class Server:
    url: str
    log: Path
    process: subprocess.Popen

    def log_lines(self) -> list[str]:
        """The complete lines written so far (one being written as this reads is left for later)."""
        text = self.log.read_text()
        return [line for line in text[: text.rfind("\n") + 1].splitlines() if line.strip()]


def _ready(port: int, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"dpv serve exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("dpv serve did not become ready")


@pytest.fixture(scope="module")
def second_server(live_server: str, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Another worker: `dpv serve` in its own process, on the same database, trusting the same issuer (tokens come
    from `live_server`), with JSON log lines on standard error (kept in a file)."""
    port = free_port()
    tmp = tmp_path_factory.mktemp("second-server")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DPV_ISSUER": live_server,
        "DPV_TIMER_POLL_SECONDS": "0",
        "DPV_SECRET_KEY": "second-server-" + uuid.uuid4().hex,
        "DPV_DATA_DIR": str(tmp / "data"),
        "DPV_LOG_FORMAT": "json",
    }
    env.pop("TEST_DATABASE_URL", None)
    log = tmp / "stderr.log"
    with open(log, "w") as stderr, open(tmp / "stdout.log", "w") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--log-level", "info"],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
            text=True,
        )
    try:
        _ready(port, process, log)
        yield Server(f"http://127.0.0.1:{port}", log, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def closed(client: WsClient, within: float = CLOSED_WITHIN) -> tuple[int | None, str]:
    """The close code and reason the server sent, reading (and answering pings) until it closes; the deadline
    fails the test."""
    deadline = time.monotonic() + within
    try:
        while (left := deadline - time.monotonic()) > 0:
            await client.message(timeout=left)
    except ConnectionClosed as exc:
        return (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd else (None, "")
    except TimeoutError:
        pass
    raise AssertionError(f"the socket was still open after {within} s")


async def still_open(client: WsClient) -> None:
    """graphql-transport-ws: a ping is answered with a pong while the connection lives."""
    await client.ws.send(json.dumps({"type": "ping"}))
    while (message := json.loads(await client.ws.recv()))["type"] != "pong":
        assert message["type"] in ("ping", "next"), message


async def revoke(base: str, token: str, auth: tuple[str, str] | None = None, **form: str) -> None:
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{base}/oauth/revoke", data={"token": token, **form}, auth=auth)
    assert r.status_code == 200, r.text


async def test_revoking_an_access_token_closes_its_sockets_on_every_worker(live_server, second_server, db, market):
    sc = await scene(db, market, members=2)  # acorn and birch are invited to what barnet publishes
    acorn = await register(db, "acorn-fostering", "provider")
    revoked, kept = await token_for(live_server, acorn), await token_for(live_server, acorn)
    on_second = await WsClient.connect(second_server.url, revoked)
    on_first = await WsClient.connect(live_server, revoked)
    other = await WsClient.connect(second_server.url, kept)
    try:
        for client in (on_second, on_first, other):
            await client.subscribe(PUBLISHED)
        # The finding: the socket streams requirements, with the child's summary, to its token's holder...
        requirement = await published(db, market.barnet_officer, sc.lot.id)
        for client in (on_second, on_first, other):
            got = (await client.next())["requirementPublished"]["invitation"]["requirement"]
            assert got["reference"] == requirement.reference and got["child"]["view"] == "SUMMARY"

        # ... until the token is revoked, through the first worker: both its sockets close, on both workers.
        await revoke(live_server, revoked, (acorn.client.client_id, acorn.client_secret))
        for client in (on_second, on_first):
            assert await closed(client) == (4403, "The access token has been revoked")
        await still_open(other)  # another token of the same client: checked in the same passes, still open
    finally:
        for client in (on_second, on_first, other):
            await client.close()

    # The second worker logged the close as JSON, in the connection's own request id.
    lines = [json.loads(line) for line in second_server.log_lines()]
    closes = [e for e in lines if e["logger"] == "dpv.ws_tokens"]
    assert closes and all(
        e["message"] == "Closing a WebSocket (4403): The access token has been revoked" and e["request_id"]
        for e in closes
    )
    handshake = on_second.ws.response.headers["x-request-id"]
    assert handshake in {e["request_id"] for e in closes}


async def test_revoking_a_refresh_token_closes_the_sockets_of_its_family(live_server, second_server, db, market):
    reg = await public_client(db, "acorn-fostering", "provider")
    await person(db, "acorn-fostering", "family@acorn.example", "provider")
    _, location, verifier, _ = await code_for(live_server, reg, "family@acorn.example")
    async with httpx.AsyncClient() as http:
        issued = (
            await http.post(
                f"{live_server}/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": query(location)["code"],
                    "redirect_uri": REDIRECT,
                    "client_id": reg.client.client_id,
                    "code_verifier": verifier,
                },
            )
        ).json()
    client = await WsClient.connect(second_server.url, issued["access_token"])
    try:
        await client.subscribe(PUBLISHED)
        await still_open(client)
        # RFC 7009 by the public client (no secret): the refresh token's family goes, its access tokens with it.
        await revoke(
            live_server, issued["refresh_token"], token_type_hint="refresh_token", client_id=reg.client.client_id
        )
        assert await closed(client) == (4403, "The access token has been revoked")
    finally:
        await client.close()


async def test_a_signing_key_retired_a_token_lifetime_ago_closes_its_tokens_sockets(
    live_server, second_server, db, market, settings
):
    token = await token_for(live_server, await register(db, "barnet", "borough"))
    client = await WsClient.connect(second_server.url, token)
    try:
        await still_open(client)
        async with db.transaction() as s:  # the key that signed it, retired longer ago than a token lives
            await s.execute(
                update(SigningKey).values(retired_at=clock.now() - timedelta(seconds=settings.access_token_ttl + 60))
            )
        assert await closed(client) == (4403, "The access token's signing key has been retired")
    finally:
        await client.close()


async def test_the_json_log_lines_parse_and_carry_the_request_id(live_server, second_server, db, market):
    token = await token_for(live_server, await register(db, "barnet", "borough"))
    async with httpx.AsyncClient() as http:
        r = await http.post(
            f"{second_server.url}/graphql",
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "json-lines-1"},
            json={
                "query": 'mutation Bar { providerBar(input: {providerId: "UHJvdmlkZXI6MQ==", '
                "reason: SAFEGUARDING}) { userErrors { code } } }"
            },
        )
    assert r.headers["x-request-id"] == "json-lines-1"
    assert r.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    entries = [json.loads(line) for line in second_server.log_lines()]  # every line is one JSON object
    assert all({"time", "level", "logger", "request_id", "message"} <= set(e) for e in entries)
    mine = [e for e in entries if e["request_id"] == "json-lines-1"]
    assert {e["logger"] for e in mine} == {"dpv.graphql", "uvicorn.access"}, mine
    (refusal,) = [e for e in mine if e["logger"] == "dpv.graphql"]
    assert refusal["level"] == "INFO" and "exception" not in refusal
    assert (refusal["code"], refusal["operation_type"], refusal["operation"], refusal["path"]) == (
        "FORBIDDEN",
        "mutation",
        "Bar",
        "providerBar",
    )
    assert any(e["logger"] == "uvicorn.error" and e["request_id"] is None for e in entries)  # start-up: no request
