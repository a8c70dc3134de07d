"""Through a transaction-mode pooler (issue 21 item 3), with Debian's PgBouncer started by the test itself.

`DATABASE_URL` names PgBouncer (`pool_mode = transaction`, a few server connections shared by both workers' pools)
and `DPV_LISTEN_DATABASE_URL` the database directly, for each worker's LISTEN and the migrations. A borough posts
and publishes a requirement, a provider's subscription receives it, the provider bids, and many requests at once
take turns on PgBouncer's server connections: the way the pool prepares its statements (api/core/db.py
`Database.pooled`) is what keeps two clients from meeting each other's prepared statements there.

Skipped only when no `pgbouncer` can be found (.ci/run installs Debian's).
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.core import clock
from auth.clients import register_client_as_system
from tests.conftest import gid
from tests.placement_factories import scene
from tests.test_cli import ROOT, _free_port, _stop, _wait_ready
from tests.test_placement_api import CREATE, PUBLISH, create_input

PGBOUNCER = shutil.which("pgbouncer") or next(
    (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(p, os.X_OK)), None
)
SERVER_CONNECTIONS = 3  # fewer than the requests sent at once below: clients must take turns on them

PUBLISHED = gql("""subscription($after: String) { requirementPublished(after: $after) {
  cursor invitation { status requirement { id reference } } } }""")
SUBMIT = """mutation($input: BidSubmitInput!) { bidSubmit(input: $input) {
  bid { id status netWeeklyPrice provider { slug } } userErrors { code message } } }"""
BIDS = """query($id: ID!) { node(id: $id) { ... on Requirement { reference status
  bids(first: 10) { totalCount nodes { status provider { slug } } } } } }"""
HISTORY = """query($id: ID!) { node(id: $id) { ... on Requirement { history(first: 50) { nodes { action } } } } }"""
READ = """query($id: ID!) { node(id: $id) { ... on Requirement { reference status } } }"""


def pgbouncer_for(server_url: str, directory: Path, port: int) -> subprocess.Popen:
    """PgBouncer on 127.0.0.1:`port` in transaction mode, in front of the test server, its files in `directory`.
    Every database name is passed through to the same name on the server."""
    url = make_url(server_url)
    host = url.query.get("host") or url.host or "127.0.0.1"
    user = url.username or "postgres"
    password = url.password or ""
    (directory / "userlist.txt").write_text(f'"{user}" "{password}"\n')
    server = f"host={host} port={url.port or 5432} user={user}" + (f" password={password}" if password else "")
    (directory / "pgbouncer.ini").write_text(
        f"""[databases]
* = {server}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory / "userlist.txt"}
admin_users = {user}
pool_mode = transaction
default_pool_size = {SERVER_CONNECTIONS}
max_client_conn = 500
server_reset_query =
idle_transaction_timeout = 60
"""
    )
    command = [PGBOUNCER, str(directory / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root: as the cluster's own user, or nobody
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            owner = pwd.getpwnam("nobody")
        for path in (directory, *directory.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        command[1:1] = ["-u", owner.pw_name]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def pgbouncer(server_url: str) -> Iterator[int]:
    """A running PgBouncer's port."""
    if PGBOUNCER is None:
        pytest.skip("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    directory = Path(tempfile.mkdtemp(prefix="dpv-pgbouncer-"))
    port = _free_port()
    proc = pgbouncer_for(server_url, directory, port)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"pgbouncer exited:\n{proc.stdout.read()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("pgbouncer did not start") from None
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(directory, ignore_errors=True)


def pgbouncer_stats(port: int, database: str) -> dict[str, int]:
    """SHOW STATS of PgBouncer's admin console for one database (simple query protocol: psql)."""
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            "pgbouncer",
            "-AF",
            "\t",
            "-c",
            "SHOW STATS",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    header = out[0].split("\t")
    for line in out[1:]:
        values = line.split("\t")
        if values and values[0] == database:
            return {k: int(v) for k, v in zip(header[1:], values[1:], strict=False) if v.isdigit()}
    return {}


async def _wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.05)


async def test_the_service_through_pgbouncer_in_transaction_mode(database_url, db, market, pgbouncer):
    sc = await scene(db, market, members=2)
    credentials = {}
    async with db.transaction() as s:
        for slug, scopes in (("barnet", "borough"), ("acorn-fostering", "provider")):
            reg = await register_client_as_system(s, "pooler", organisation_slug=slug, scopes=scopes)
            credentials[slug] = (reg.client.client_id, reg.client_secret)

    name = make_url(database_url).database
    pooled = make_url(database_url).set(host="127.0.0.1", port=pgbouncer).render_as_string(hide_password=False)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": pooled,
        "DPV_LISTEN_DATABASE_URL": database_url,
        "DPV_ISSUER": base,
        "DPV_TIMER_POLL_SECONDS": "0",
        "DPV_SECRET_KEY": "pooler-" + uuid.uuid4().hex,
    }
    env.pop("TEST_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    received: list[dict] = []
    listening = None
    try:
        await asyncio.to_thread(_wait_ready, port, server)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:

            async def token(slug: str) -> str:
                r = await http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials[slug])
                r.raise_for_status()
                return r.json()["access_token"]

            borough = {"Authorization": f"Bearer {await token('barnet')}"}
            provider_token = await token("acorn-fostering")
            provider = {"Authorization": f"Bearer {provider_token}"}

            async def ask(headers: dict, query: str, variables: dict | None = None) -> dict:
                r = await http.post("/graphql", headers=headers, json={"query": query, "variables": variables})
                assert r.status_code == 200, r.text
                body = r.json()
                assert "errors" not in body, body
                return body["data"]

            # The provider subscribes from the stream's current end (the feed's last cursor): one that registers
            # late still replays what it missed, so no sleep decides the outcome.
            feed = await ask(provider, "{ changes(first: 100) { pageInfo { endCursor } } }")
            start = feed["changes"]["pageInfo"]["endCursor"]

            async def subscribe() -> None:
                transport = WebsocketsTransport(
                    url=base.replace("http", "ws") + "/graphql",
                    init_payload={"authorization": f"Bearer {provider_token}"},
                    subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
                )
                async with Client(transport=transport) as session:
                    request = GraphQLRequest(PUBLISHED, variable_values={"after": start})
                    async for result in session.subscribe(request):
                        received.append(result["requirementPublished"])

            listening = asyncio.create_task(subscribe())

            # The borough posts and publishes a requirement
            created = (await ask(borough, CREATE, create_input(sc.lot.id)))["requirementCreate"]
            assert created["userErrors"] == [], created
            requirement = created["requirement"]
            published = (await ask(borough, PUBLISH, {"id": requirement["id"]}))["requirementPublish"]
            assert published["requirement"]["status"] == "OPEN", published
            assert {i["provider"]["slug"] for i in published["invitations"]} >= {"acorn-fostering"}

            # ... the provider's subscription receives it
            await _wait_for(lambda: bool(received) or listening.done())
            assert not listening.done() or listening.exception() is None, listening.exception()
            assert [e["invitation"]["requirement"]["reference"] for e in received] == [requirement["reference"]]
            assert received[0]["invitation"]["status"] == "INVITED"

            # ... the provider bids; the same key again is answered with the same bid
            offer = {
                "requirementId": requirement["id"],
                "settingId": gid("Setting", sc.settings["Oak House"].id),
                "corePrice": "900.00",
                "availableFrom": (clock.today() + timedelta(days=3)).isoformat(),
                "needsStatement": "Autism-trained staff",
                "idempotencyKey": "pooler-1",
            }
            bid = (await ask(provider, SUBMIT, {"input": offer}))["bidSubmit"]
            assert bid["userErrors"] == [] and bid["bid"]["status"] == "SUBMITTED", bid
            again = (await ask(provider, SUBMIT, {"input": offer}))["bidSubmit"]
            assert again["bid"]["id"] == bid["bid"]["id"]

            # Many requests at once, from both organisations, on both workers: more clients than PgBouncer has
            # server connections, so they take turns on them, transaction by transaction.
            reads = await asyncio.gather(
                *(
                    ask(borough if i % 2 else provider, BIDS if i % 2 else READ, {"id": requirement["id"]})
                    for i in range(60)
                )
            )
            for i, data in enumerate(reads):
                assert data["node"]["reference"] == requirement["reference"]
                if i % 2:
                    assert data["node"]["bids"]["totalCount"] == 1
                    assert data["node"]["bids"]["nodes"][0]["provider"]["slug"] == "acorn-fostering"
            history = await ask(borough, HISTORY, {"id": requirement["id"]})
            actions = [n["action"] for n in history["node"]["history"]["nodes"]]
            assert "requirement.publish" in actions and "bid.submit" in actions, actions

        # Every request went through PgBouncer; the LISTEN connections came directly
        if shutil.which("psql"):
            stats = pgbouncer_stats(pgbouncer, name)
            assert stats.get("total_xact_count", 0) > 60, stats
        async with db.engine.connect() as conn:
            listeners = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                    )
                )
            ).scalar_one()
        assert listeners >= 1  # the worker with the subscriber listens; the other only once it has one
    finally:
        if listening is not None:
            listening.cancel()
            await asyncio.gather(listening, return_exceptions=True)
        out = _stop(server)
        print(out)  # the server's log, shown when the test fails
    assert "prepared statement" not in out, out
