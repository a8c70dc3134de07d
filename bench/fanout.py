"""Fan-out benchmark: N providers subscribed to `requirementPublished` on a running `dpv serve`, requirements
published, delivery measured.

    uv run python bench/fanout.py [--subscribers 1000] [--events 5] [--workers 1] [--prepared FILE]

With `--prepared FILE` (and DATABASE_URL) the set-up is kept for the next run: the first run sets the database up
as below and writes the clients' credentials to FILE; a later run with the same FILE and DATABASE_URL skips the
set-up (2-4 minutes of argon2 hashing) and measures the same thing. Each run publishes new requirements, so the
database grows by a few requirements and their invitations a run; the subscribers see only live events.

Set-up (not measured): the demo market in an embedded PostgreSQL under a temporary directory (or DATABASE_URL,
which must name an empty database), plus N providers admitted to Barnet's fostering lot with their stage-1
documents in force, one OAuth client each; every provider gets its token from the real token endpoint. Then
each opens a graphql-transport-ws connection and subscribes.

It prints:
- server memory per idle connection: the growth of the server processes' resident memory (all workers) from
  before the N connections to after they are open, subscribed and idle, divided by N;
- for each published requirement, delivery latency from its commit to each subscriber's receipt of the
  message: the first (what an event costs before any subscriber's own share: reading the outbox and what all
  subscribers need), p50, p95, p99 and the last. The commit instant is when the benchmark's own LISTEN
  connection receives the commit's notification (PostgreSQL sends it at commit), on the same machine and clock;
  and the CPU the server's processes (user and kernel) and this client used from the publish's response (just
  after the commit) to the last delivery: when the server's CPU is about the latency of the last delivery, the
  fan-out is bound by the server's CPU, not by waiting;
- events delivered per second while fanning out, and a check that every subscriber received every
  requirement exactly once.

Targets (issue 5, measured here and never asserted in tests): p99 under 100 ms from commit to the last of 1,000
subscribers; under 100 KB of server memory per idle connection.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response as WsResponse
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUBSCRIPTION = """subscription { requirementPublished {
  cursor invitation { id status match { level } requirement { id reference urgency responseDeadline } } } }"""
CREATE = """mutation($input: RequirementCreateInput!) { requirementCreate(input: $input) {
  requirement { id reference } userErrors { code message } } }"""
PUBLISH = """mutation($id: ID!) { requirementPublish(input: {requirementId: $id}) {
  requirement { id status } userErrors { code message } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(root_pid: int) -> int:
    """Resident memory of a process and all its descendants (the uvicorn workers), in KiB."""
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        stack += [int(c) for c in children]
    return total


def cpu_ms(root_pid: int) -> tuple[float, float]:
    """CPU time used so far by a process and all its descendants, in ms: (user, system)."""
    user, system, stack = 0, 0, [root_pid]
    while stack:
        pid = stack.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            user, system = user + int(fields[11]), system + int(fields[12])  # clock ticks
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        stack += [int(c) for c in children]
    tick = 1000 / os.sysconf("SC_CLK_TCK")
    return user * tick, system * tick


async def set_up_market(url: str, n: int) -> tuple[dict[str, tuple[str, str]], str]:
    """The demo, N more providers on Barnet's fostering lot, a client each (and Barnet's). Returns the clients'
    credentials by slug and the lot's global id."""
    from sqlalchemy import select
    from strawberry.relay import to_base64

    from api.core.config import get_settings
    from api.core.db import Database
    from api.core.principal import OrganisationKind, system_principal
    from api.demo import load_demo
    from api.market import documents, memberships
    from api.market.enums import CreditCheckOutcome, DocumentKind, MembershipDecision, OfstedGrade
    from api.market.models import Dpv, Lot, Organisation
    from auth.clients import register_client_as_system

    db = Database.from_settings(get_settings(), url)
    try:
        async with db.transaction() as s:
            await load_demo(s)
        today = date.today()
        ago, ahead = today - timedelta(days=365), today + timedelta(days=365)
        docs = {
            DocumentKind.OFSTED_REGISTRATION: dict(reference="SC1", valid_from=ago),
            DocumentKind.OFSTED_JUDGEMENT: dict(reference="I1", valid_from=ago, ofsted_grade=OfstedGrade.GOOD),
            DocumentKind.CREDIT_CHECK: dict(
                reference="C1", valid_from=ago, valid_until=ahead, credit_check_outcome=CreditCheckOutcome.PASSED
            ),
            DocumentKind.EMPLOYERS_LIABILITY_INSURANCE: dict(
                reference="E1", valid_from=ago, valid_until=ahead, cover_amount=Decimal(10_000_000)
            ),
            DocumentKind.PUBLIC_LIABILITY_INSURANCE: dict(
                reference="P1", valid_from=ago, valid_until=ahead, cover_amount=Decimal(5_000_000)
            ),
            DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE: dict(
                reference="I2", valid_from=ago, valid_until=ahead, cover_amount=Decimal(2_000_000)
            ),
        }
        credentials: dict[str, tuple[str, str]] = {}
        async with db.transaction() as s:
            wla = (await s.execute(select(Organisation).where(Organisation.slug == "wla"))).scalar_one()
            admin = system_principal(wla.id, wla.kind, wla.slug, "bench:fanout")
            barnet = (await s.execute(select(Organisation).where(Organisation.slug == "barnet"))).scalar_one()
            lot = (
                await s.execute(
                    select(Lot)
                    .join(Dpv, Dpv.id == Lot.dpv_id)
                    .where(Dpv.lead_authority_id == barnet.id)
                    .order_by(Lot.id)
                    .limit(1)
                )
            ).scalar_one()
            for i in range(n):
                org = Organisation(
                    kind=OrganisationKind.PROVIDER, slug=f"bench-provider-{i:04d}", name=f"Bench Provider {i:04d}"
                )
                s.add(org)
                await s.flush()
                for kind, spec in docs.items():
                    await documents.record_document(s, admin, provider_id=org.id, kind=kind, **spec)
                m = await memberships.apply(s, admin, provider_id=org.id, lot_id=lot.id)
                await memberships.decide(s, admin, m.id, decision=MembershipDecision.ADMIT)
                reg = await register_client_as_system(s, "bench", organisation_slug=org.slug, scopes="provider")
                credentials[org.slug] = (reg.client.client_id, reg.client_secret)
                if (i + 1) % 100 == 0:
                    print(f"  set-up: {i + 1} providers", flush=True)
            reg = await register_client_as_system(s, "bench", organisation_slug="barnet", scopes="borough")
            credentials["barnet"] = (reg.client.client_id, reg.client_secret)
        return credentials, to_base64("Lot", lot.id)
    finally:
        await db.dispose()


async def fetch_tokens(base: str, credentials: dict[str, tuple[str, str]]) -> dict[str, str]:
    limit = asyncio.Semaphore(16)

    async def one(http: httpx.AsyncClient, slug: str) -> tuple[str, str]:
        async with limit:
            r = await http.post(
                f"{base}/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials[slug]
            )
            r.raise_for_status()
            return slug, r.json()["access_token"]

    async with httpx.AsyncClient(timeout=120) as http:
        return dict(await asyncio.gather(*(one(http, slug) for slug in credentials)))


class Subscriber(asyncio.Protocol):
    """One provider's graphql-transport-ws connection, on websockets' sans-I/O protocol under a plain asyncio
    protocol: the receipt time is taken as the bytes arrive, before any parsing, and a message costs the client
    little CPU. (The client shares the machine's cores with the server: websockets' asyncio client cost enough per
    message to delay the recording of the last receipts by the client's own backlog.) A `next`
    message is kept as it came and read once the fan-out is over, and the end of a fan-out is a count, not a
    scan of every subscriber: with these and uvloop the client spends much less CPU per event (docs/benchmarks.md)."""

    def __init__(self, url: str, token: str, tally: Tally):
        self.url, self.token, self.tally = url, token, tally
        self.received: list[tuple[float, str]] = []  # (monotonic receipt time, requirement id)
        self.unread: list[tuple[float, bytes]] = []  # `next` messages as they came, read after the fan-out
        self.protocol = ClientProtocol(
            parse_uri(url), subprotocols=[Subprotocol("graphql-transport-ws")], max_size=2**20
        )
        self.transport: asyncio.Transport | None = None
        self._messages: asyncio.Queue[str] | None = None  # until subscribed
        self._handshake: asyncio.Future[None] | None = None

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self._messages, self._handshake = asyncio.Queue(), loop.create_future()
        uri = parse_uri(self.url)
        await loop.create_connection(lambda: self, uri.host, uri.port)
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        await asyncio.wait_for(self._handshake, 60)
        self._send({"type": "connection_init", "payload": {"authorization": f"Bearer {self.token}"}})
        ack = json.loads(await asyncio.wait_for(self._messages.get(), 60))
        assert ack["type"] == "connection_ack", ack
        self._messages = None
        self._send({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})

    def _send(self, message: dict) -> None:
        self.protocol.send_text(json.dumps(message).encode())
        self._flush()

    def _flush(self) -> None:
        for chunk in self.protocol.data_to_send():
            if chunk and self.transport is not None:
                self.transport.write(chunk)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        at = time.monotonic()
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, WsResponse):
                if self._handshake is not None and not self._handshake.done():
                    if self.protocol.handshake_exc is not None:
                        self._handshake.set_exception(self.protocol.handshake_exc)
                    else:
                        self._handshake.set_result(None)
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                if self._messages is not None:
                    self._messages.put_nowait(event.data.decode())
                    continue
                if b'"type":"next"' in event.data:  # the server's compact JSON: read once the fan-out is over
                    self.unread.append((at, event.data))
                    self.tally.arrived()
                    continue
                message = json.loads(event.data)
                if message["type"] == "ping":
                    self._send({"type": "pong"})
                else:
                    print("unexpected:", message, flush=True)
        self._flush()  # pongs to the server's pings, the closing handshake

    def read(self) -> None:
        """The `next` messages received, now that the fan-out is over."""
        for at, data in self.unread:
            payload = json.loads(data)["payload"]
            if payload.get("errors"):
                print("unexpected:", payload, flush=True)
                continue
            event_data = payload["data"]["requirementPublished"]
            self.received.append((at, event_data["invitation"]["requirement"]["id"]))
        self.unread.clear()

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    async def close(self) -> None:
        if self.transport is not None:
            self.protocol.send_close(1000)
            self._flush()
            self.transport.close()


async def open_all(subscribers: list[Subscriber], at_once: int = 50) -> None:
    """Open and subscribe every connection, `at_once` handshakes at a time."""
    limit = asyncio.Semaphore(at_once)

    async def open_one(sub: Subscriber) -> None:
        async with limit:
            await sub.open()

    await asyncio.gather(*(open_one(s) for s in subscribers))


class Tally:
    """How many `next` messages all subscribers have received: the fan-out is over when it reaches `target`."""

    def __init__(self) -> None:
        self.count, self.target = 0, 0
        self.reached = asyncio.Event()

    def expect(self, more: int) -> None:
        self.target = self.count + more
        self.reached.clear()

    def arrived(self) -> None:
        self.count += 1
        if self.count >= self.target:
            self.reached.set()


def run_fast(main: Any) -> None:
    try:
        import uvloop
    except ImportError:  # not on every platform (uvicorn's "standard" extra has it where it builds)
        asyncio.run(main)
    else:
        uvloop.run(main)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def run(base: str, url: str, server_pid: int, credentials: dict, lot_id: str, n_events: int) -> None:
    tokens = await fetch_tokens(base, credentials)
    providers = [slug for slug in tokens if slug != "barnet"]
    ws_url = base.replace("http://", "ws://") + "/graphql"

    await asyncio.sleep(1.0)
    rss_before = rss_kib(server_pid)
    tally = Tally()
    subscribers = [Subscriber(ws_url, tokens[slug], tally) for slug in providers]
    started = time.monotonic()
    await open_all(subscribers)
    print(f"{len(subscribers)} connections open and subscribed in {time.monotonic() - started:.1f} s", flush=True)
    await asyncio.sleep(3.0)  # idle
    rss_after = rss_kib(server_pid)
    per_connection = (rss_after - rss_before) / len(subscribers)

    # Commit instants, as PostgreSQL announces them to a listener of our own.
    notified: list[float] = []
    listener = await asyncpg.connect(url)
    await listener.add_listener("dpv_events", lambda *_: notified.append(time.monotonic()))

    latencies: dict[str, list[float]] = {}
    # The client's own garbage collector must not stall the receipt times it records: off while measuring.
    gc.collect()
    gc.freeze()
    gc.disable()
    async with httpx.AsyncClient(timeout=120, headers={"Authorization": f"Bearer {tokens['barnet']}"}) as http:
        for i in range(n_events):
            r = await http.post(
                f"{base}/graphql",
                json={
                    "query": CREATE,
                    "variables": {
                        "input": {
                            "lotId": lot_id,
                            "urgency": "EMERGENCY",
                            "plannedStart": (date.today() + timedelta(days=1)).isoformat(),
                            "expectedDurationWeeks": 12,
                            "idempotencyKey": f"fanout-{time.time_ns()}",
                            "child": {
                                "caseReference": f"BENCH-{i}",
                                "ageYears": 10,
                                "sex": "FEMALE",
                                "languages": ["English"],
                                "needs": [],
                                "siblingGroupSize": 1,
                                "homePostcodeDistrict": "NW10",
                                "homeLocation": {"latitude": 51.54, "longitude": -0.24},
                                "maxDistanceKm": 30,
                                "avoidAreas": [],
                            },
                        }
                    },
                },
            )
            requirement = r.json()["data"]["requirementCreate"]["requirement"]
            await asyncio.sleep(0.3)
            notified.clear()
            tally.expect(len(subscribers))
            r = await http.post(f"{base}/graphql", json={"query": PUBLISH, "variables": {"id": requirement["id"]}})
            cpu_published, own_published = cpu_ms(server_pid), time.process_time()
            assert r.json()["data"]["requirementPublish"]["requirement"]["status"] == "OPEN", r.text
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tally.reached.wait(), 60)
            user, system = (now - then for now, then in zip(cpu_ms(server_pid), cpu_published, strict=True))
            cpu_own = (time.process_time() - own_published) * 1000
            for s in subscribers:
                s.read()
            committed = notified[0]
            arrivals = [at for s in subscribers for at, rid in s.received if rid == requirement["id"]]
            latencies[requirement["id"]] = [(at - committed) * 1000 for at in arrivals]
            got = latencies[requirement["id"]]
            print(
                f"requirement {i + 1}: {len(got)} deliveries; from commit first {min(got):.0f} ms, "
                f"p50 {percentile(got, 50):.0f} ms, p95 {percentile(got, 95):.0f} ms, "
                f"p99 {percentile(got, 99):.0f} ms, "
                f"last {max(got):.0f} ms; "
                f"{len(got) / (max(got) / 1000):.0f} events/s; CPU from the publish's response to the last "
                f"delivery: server {user + system:.0f} ms ({system:.0f} ms of it in the kernel), "
                f"this client {cpu_own:.0f} ms",
                flush=True,
            )
            await asyncio.sleep(0.5)
    await listener.close()
    gc.enable()
    await asyncio.sleep(1.0)

    for s in subscribers:  # any late ones
        s.read()
    all_latencies = [v for vs in latencies.values() for v in vs]
    exactly_once = all(sorted(rid for _, rid in s.received) == sorted(latencies) for s in subscribers)
    print()
    print(f"subscribers: {len(subscribers)}; requirements published: {n_events}")
    print(
        f"server memory: {rss_before / 1024:.1f} MiB before, {rss_after / 1024:.1f} MiB with the connections "
        f"idle: {per_connection:.1f} KiB per idle connection (target < 100 KB)"
    )
    print(
        f"delivery from commit, all events: p50 {percentile(all_latencies, 50):.0f} ms, "
        f"p95 {percentile(all_latencies, 95):.0f} ms, "
        f"p99 {percentile(all_latencies, 99):.0f} ms, last {max(all_latencies):.0f} ms (target p99 < 100 ms)"
    )
    rates = [len(v) / (max(v) / 1000) for v in latencies.values()]
    print(f"events delivered per second while fanning out: {statistics.median(rates):.0f} (median over events)")
    print(f"every subscriber received every requirement exactly once: {exactly_once}")
    await asyncio.gather(*(s.close() for s in subscribers), return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--prepared",
        type=Path,
        default=None,
        help="credentials of a database set up by an earlier run (written if missing); needs DATABASE_URL",
    )
    args = parser.parse_args()
    if args.prepared is not None and not os.environ.get("DATABASE_URL"):
        parser.error("--prepared needs DATABASE_URL: the embedded database is temporary")

    from api.core import migrate
    from api.core.embedded import database_url

    with tempfile.TemporaryDirectory() as tmp, database_url(os.environ.get("DATABASE_URL"), Path(tmp)) as url:
        if args.prepared is not None and args.prepared.exists():
            prepared = json.loads(args.prepared.read_text())
            if prepared["subscribers"] != args.subscribers:
                raise SystemExit(f"{args.prepared} was set up for {prepared['subscribers']} subscribers")
            credentials = {slug: tuple(c) for slug, c in prepared["credentials"].items()}
            lot_id = prepared["lot_id"]
            print(f"set-up: reused from {args.prepared}", flush=True)
        else:
            migrate.upgrade(url)
            print(
                f"set-up: the demo and {args.subscribers} providers with clients (argon2 hashes: a while)", flush=True
            )
            credentials, lot_id = asyncio.run(set_up_market(url, args.subscribers))
            if args.prepared is not None:
                args.prepared.write_text(
                    json.dumps({"subscribers": args.subscribers, "lot_id": lot_id, "credentials": credentials})
                )
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "DPV_DATA_DIR": tmp, "DPV_TIMER_POLL_SECONDS": "0"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "api.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                time.sleep(0.3)
            # uvloop, as the server has it: the client shares the cores with the server, so its own cost per
            # message is the server's loss.
            run_fast(run(base, url, server.pid, credentials, lot_id, args.events))
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
