"""Issue 5's done-when, with real parts: two real server processes on one database, 200 providers subscribed
through the Python `gql` client's graphql-transport-ws transport (half on each worker), real tokens from the
token endpoint.

- a requirement published through one worker reaches all 200, each exactly once;
- a provider disconnects, five requirements are published, it reconnects with its cursor and receives exactly
  those five;
- both workers' LISTEN connections are killed with `pg_terminate_backend` mid-stream, and nothing is lost.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field

import httpx
from gql import Client, GraphQLRequest, gql
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy import text

from api.core.principal import OrganisationKind
from api.market import documents, memberships
from api.market.enums import MembershipDecision
from api.market.models import Organisation
from auth.clients import register_client_as_system
from tests.conftest import free_port
from tests.factories import dpv_with_lots, full_documents_specs
from tests.test_cli import ROOT, stop_server, wait_ready
from tests.test_placement_api import CREATE, PUBLISH, create_input

PROVIDERS = 200
SUBSCRIPTION = gql("""subscription($after: String) { requirementPublished(after: $after) {
  cursor invitation { status requirement { reference } } } }""")


@dataclass
class Subscriber:
    token: str
    url: str
    received: list[tuple[str, str]] = field(default_factory=list)  # (cursor, requirement reference)
    task: asyncio.Task | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def start(self, after: str | None) -> None:
        self.ready = asyncio.Event()
        self.task = asyncio.create_task(self._run(after))

    async def _run(self, after: str | None) -> None:
        transport = WebsocketsTransport(
            url=self.url,
            init_payload={"authorization": f"Bearer {self.token}"},
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        )
        async with Client(transport=transport) as session:
            self.ready.set()
            async for result in session.subscribe(GraphQLRequest(SUBSCRIPTION, variable_values={"after": after})):
                event = result["requirementPublished"]
                self.received.append((event["cursor"], event["invitation"]["requirement"]["reference"]))

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        if self.task.done() and not self.task.cancelled() and self.task.exception():
            raise self.task.exception()  # type: ignore[misc]


async def _market_of(db, market, n: int) -> tuple[int, list[str]]:
    """A lot with `n` admitted providers whose stage-1 documents are in force; one client each."""
    _, (lot,) = await dpv_with_lots(db, market, lots=1)
    slugs = [f"provider-{i:03d}" for i in range(n)]
    async with db.transaction() as s:
        for slug in slugs:
            org = Organisation(kind=OrganisationKind.PROVIDER, slug=slug, name=slug.title())
            s.add(org)
            await s.flush()
            for kind, spec in full_documents_specs().items():
                await documents.record_document(s, market.admin, provider_id=org.id, kind=kind, **spec)
            m = await memberships.apply(s, market.admin, provider_id=org.id, lot_id=lot.id)
            await memberships.decide(s, market.admin, m.id, decision=MembershipDecision.ADMIT)
    return lot.id, slugs


async def _token(http: httpx.AsyncClient, base: str, credentials: tuple[str, str]) -> str:
    r = await http.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials)
    r.raise_for_status()
    return r.json()["access_token"]


async def _wait_for(condition, seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    assert condition()


async def test_two_workers_fan_out_replay_and_a_killed_listener(database_url, db, market):
    lot_id, slugs = await _market_of(db, market, PROVIDERS)
    credentials = {}
    async with db.transaction() as s:
        for slug in [*slugs, "barnet"]:
            reg = await register_client_as_system(
                s, "two workers", organisation_slug=slug, scopes="borough" if slug == "barnet" else "provider"
            )
            credentials[slug] = (reg.client.client_id, reg.client_secret)

    ports = [free_port(), free_port()]
    base = [f"http://127.0.0.1:{p}" for p in ports]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DPV_ISSUER": base[0],
        "DPV_TIMER_POLL_SECONDS": "0",
        "DPV_SECRET_KEY": "two-workers-" + uuid.uuid4().hex,
    }
    env.pop("TEST_DATABASE_URL", None)
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

        async with httpx.AsyncClient(timeout=60) as http:
            tokens = {}
            for i, slug in enumerate([*slugs, "barnet"]):
                tokens[slug] = await _token(http, base[i % 2], credentials[slug])

            async def publish(through: str) -> str:
                headers = {"Authorization": f"Bearer {tokens['barnet']}"}
                r = await http.post(
                    f"{through}/graphql", headers=headers, json={"query": CREATE, "variables": create_input(lot_id)}
                )
                requirement = r.json()["data"]["requirementCreate"]["requirement"]
                r = await http.post(
                    f"{through}/graphql",
                    headers=headers,
                    json={"query": PUBLISH, "variables": {"id": requirement["id"]}},
                )
                assert r.json()["data"]["requirementPublish"]["requirement"]["status"] == "OPEN", r.text
                return requirement["reference"]

            # Everyone subscribes from the stream's current end (the feed's endCursor), so a subscription that
            # registers late still replays what it missed: no sleep decides the outcome.
            page = {"pageInfo": {"hasNextPage": True, "endCursor": None}}
            while page["pageInfo"]["hasNextPage"]:
                r = await http.post(
                    f"{base[0]}/graphql",
                    headers={"Authorization": f"Bearer {tokens[slugs[0]]}"},
                    json={
                        "query": "query($a: String) { changes(first: 100, after: $a) "
                        "{ pageInfo { hasNextPage endCursor } } }",
                        "variables": {"a": page["pageInfo"]["endCursor"]},
                    },
                )
                page = r.json()["data"]["changes"]
            start = page["pageInfo"]["endCursor"]

            subscribers = [
                Subscriber(tokens[slug], base[i % 2].replace("http", "ws") + "/graphql") for i, slug in enumerate(slugs)
            ]
            for sub in subscribers:
                sub.start(start)
            await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in subscribers)), 60)

            # 1. one requirement, published through worker 0, reaches all 200 on both workers exactly once
            first = await publish(base[0])
            await _wait_for(lambda: all(len(s.received) >= 1 for s in subscribers))
            await asyncio.sleep(0.5)
            assert all([ref for _, ref in s.received] == [first] for s in subscribers)

            # 2. one disconnects; five are published (through worker 1); it resumes from its cursor
            leaver = subscribers[7]
            await leaver.stop()
            cursor = leaver.received[-1][0]
            missed = [await publish(base[1]) for _ in range(5)]
            leaver.received.clear()
            leaver.start(cursor)
            await _wait_for(lambda: len(leaver.received) >= 5)
            await asyncio.sleep(0.5)
            assert [ref for _, ref in leaver.received] == missed

            # 3. the LISTEN connections of both workers are killed between two publications: nothing is lost
            before = await publish(base[0])
            async with db.engine.connect() as conn:
                killed = (
                    (
                        await conn.execute(
                            text(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
            assert len(killed) >= 2 and all(killed)  # both workers' (and any other test server's on this database)
            after = [await publish(base[i % 2]) for i in range(2)]
            expected_tail = [before, *after]
            await _wait_for(lambda: all([r for _, r in s.received][-3:] == expected_tail for s in subscribers), 30)
            await asyncio.sleep(0.5)
            for s in subscribers:
                refs = [ref for _, ref in s.received]
                assert refs[-3:] == expected_tail, (s.token[:10], refs)
                assert len(refs) == len(set(refs))  # never twice
                cursors = [c for c, _ in s.received]
                assert len(cursors) == len(set(cursors))
            for s in subscribers:
                await s.stop()
    finally:
        for server in servers:
            stop_server(server)
