"""Bid benchmark: many providers submitting bids at once over HTTP against a running `dpv serve`.

    uv run python bench/bids.py [--requirements 60] [--concurrency 50] [--workers 1] [--client lean|httpx]

On the demo market: Barnet (lead of the fostering vehicle) posts and publishes requirements on the standard
fostering lot; every invited provider gets a token from the real token endpoint and bids on each of its
invitations, all at once. Then 10% of the bids are sent again with the same idempotency key. It prints bids
per second and p50/p99 latency, and checks that every acknowledged bid is stored exactly once and that the
retries created nothing. Target (measured here, never asserted in tests): 500 bids/s per worker.

It also prints the CPU the server's processes used per bid, and the rate one worker would reach with a whole
core to itself: on this shared 2-core machine other processes (PostgreSQL, other test runs) take CPU from the
server, so bids/s by the wall clock moves a lot from run to run while CPU per bid does not. The bids are sent
by a minimal keep-alive HTTP/1.1 client (`--client httpx` for the old one, which costs as much CPU as the server).

After the bids it sends as many requests for `{ viewer { scopes } }` the same way and prints their CPU: the
floor every authenticated GraphQL request pays (token, context, Strawberry), against which the bid's own cost
shows.

Before the run, 20 of the bids go through the app in this process with counters on its engine: it prints SQL
statements, pool checkouts and transactions per bid, and the round trips to PostgreSQL they make.

Uses DATABASE_URL when set (the database must be empty: the demo is loaded into it), else an embedded
PostgreSQL under a temporary directory, started by this script and handed to the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

CREATE = """mutation($input: RequirementCreateInput!) { requirementCreate(input: $input) {
  requirement { id } userErrors { code message } } }"""
PUBLISH = """mutation($id: ID!) { requirementPublish(input: {requirementId: $id}) {
  requirement { id status } userErrors { code message } } }"""
SUBMIT = """mutation($input: BidSubmitInput!) { bidSubmit(input: $input) { bid { id } userErrors { code message } } }"""
FLOOR = "{ viewer { scopes } }"
MY_WORK = """{ viewer { organisation { ... on Provider { slug settings(first: 50) { nodes { id kind active } } } } }
  invitations(first: 100) { nodes { requirement { id } } } }"""


def child_processes() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _tree(root: int, children: dict[int, list[int]]) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += children.get(pid, [])
    return pids


def _cpu(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (Linux /proc; 0 elsewhere)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds used by the server's processes (every worker) and by this client: what a bid costs the
    server, which the wall clock on a shared 2-core machine hides."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid

    def sample(self) -> dict[str, float]:
        return {"server": _cpu(_tree(self.server_pid, child_processes())), "bench": _cpu([os.getpid()])}


async def _sessions_opened() -> int:
    """Connections PostgreSQL has accepted into the server's database so far (a new one costs both sides a
    connection set-up and PostgreSQL a process): a pool that keeps its connections opens none under load."""
    import asyncpg

    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        return await conn.fetchval("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
    finally:
        await conn.close()


class LeanHttp:
    """One keep-alive HTTP/1.1 connection for the bids themselves. httpx spends about as much CPU per request as
    the server: on a 2-core machine the load generator then takes the server's core. This costs a small part of
    that (docs/benchmarks.md). (Setup and checks still use httpx.)"""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json"
            f"\r\nContent-Length: {len(body)}\r\n{head}\r\n".encode()
            + body
        )
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if "content-length" in fields:
            payload = await self.reader.readexactly(int(fields["content-length"]))
        else:  # chunked
            payload = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                payload += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def count_statements(jobs: list[dict], acknowledged: dict[str, str]) -> None:
    """Send `jobs` through the app in this process, on an engine of its own with counters on it: SQL statements,
    pool checkouts, pings (only of a connection idle for a while: BEGIN, ';', ROLLBACK with asyncpg) and
    transactions, per bid. The server runs
    the same code; only the counting is here. Uses DATABASE_URL and DPV_ISSUER as the server does."""
    from sqlalchemy import event

    from api.core.config import get_settings
    from api.core.db import Database, DriverStatement
    from api.web.app import create_app

    get_settings.cache_clear()
    settings = get_settings().model_copy(update={"timer_poll_seconds": 0})
    db = Database.from_settings(settings)
    counts = {"statements": 0, "checkouts": 0, "pings": 0, "transactions": 0}

    def counter(name: str):
        def on(*_: object) -> None:
            counts[name] += 1

        return on

    event.listen(db.engine.sync_engine, "before_cursor_execute", counter("statements"))
    event.listen(db.engine.sync_engine.pool, "checkout", counter("checkouts"))
    ping, count_ping = db.engine.dialect.do_ping, counter("pings")

    def counted_ping(dbapi_connection: object) -> bool:
        count_ping()
        return ping(dbapi_connection)

    db.engine.dialect.do_ping = counted_ping  # type: ignore[method-assign]

    def on_begin(conn) -> None:  # an autocommit connection sends no BEGIN and no COMMIT/ROLLBACK
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            counts["transactions"] += 1

    event.listen(db.engine.sync_engine, "begin", on_begin)
    app = create_app(settings, db)
    try:
        async with app.router.lifespan_context(app) as state:
            counts.update(dict.fromkeys(counts, 0))
            on_driver = DriverStatement.runs  # the token's state: run on the driver, unseen by the events above
            for job in jobs:
                body = json.dumps({"query": SUBMIT, "variables": {"input": job["input"]}}).encode()
                sent: list[dict] = []

                async def receive(body: bytes = body) -> dict:
                    return {"type": "http.request", "body": body, "more_body": False}

                async def send(message: dict, sent: list[dict] = sent) -> None:
                    sent.append(message)

                await app(
                    {
                        "type": "http",
                        "asgi": {"version": "3.0"},
                        "http_version": "1.1",
                        "method": "POST",
                        "scheme": "http",
                        "path": "/graphql",
                        "raw_path": b"/graphql",
                        "query_string": b"",
                        "root_path": "",
                        "client": ("127.0.0.1", 1),
                        "server": ("127.0.0.1", 80),
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"authorization", f"Bearer {job['token']}".encode()),
                        ],
                        "state": dict(state),
                    },
                    receive,
                    send,
                )
                payload = json.loads(b"".join(m.get("body", b"") for m in sent))["data"]["bidSubmit"]
                assert not payload["userErrors"], payload
                acknowledged[job["input"]["idempotencyKey"]] = payload["bid"]["id"]
            counts["statements"] += DriverStatement.runs - on_driver
    finally:
        await db.dispose()
    n = len(jobs)
    per = {k: v / n for k, v in counts.items()}
    trips = per["statements"] + 3 * per["pings"] + 2 * per["transactions"]
    print(
        f"Per bid (in-process, {n} bids): {per['statements']:.1f} SQL statements, {per['checkouts']:.1f} pool "
        f"checkouts, {per['pings']:.1f} pings (3 round trips each), {per['transactions']:.1f} transactions (BEGIN, "
        f"then COMMIT or ROLLBACK): {trips:.0f} round trips to PostgreSQL"
    )


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def fetch_token(http: httpx.AsyncClient, credentials: dict) -> str:
    r = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials["client_id"], credentials["client_secret"]),
    )
    r.raise_for_status()
    return r.json()["access_token"]


async def post_graphql(http: httpx.AsyncClient, token: str, query: str, variables: dict | None = None) -> dict:
    r = await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers={"Authorization": f"Bearer {token}"}
    )
    body = r.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


async def post_requirements(http: httpx.AsyncClient, token: str, lot_id: str, n: int) -> list[str]:
    ids = []
    for i in range(n):
        child = {
            "caseReference": f"BENCH-{i}",
            "ageYears": 9,
            "sex": "FEMALE",
            "languages": ["English"],
            "needs": [],
            "siblingGroupSize": 1,
            "homePostcodeDistrict": "NW10",
            "homeLocation": {"latitude": 51.543, "longitude": -0.245},
            "maxDistanceKm": 200,
            "avoidAreas": [],
        }
        data = await post_graphql(
            http,
            token,
            CREATE,
            {
                "input": {
                    "lotId": lot_id,
                    "urgency": "PLANNED",
                    "plannedStart": (date.today() + timedelta(days=14)).isoformat(),
                    "expectedDurationWeeks": 26,
                    "child": child,
                }
            },
        )
        assert not data["requirementCreate"]["userErrors"], data
        rid = data["requirementCreate"]["requirement"]["id"]
        published = await post_graphql(http, token, PUBLISH, {"id": rid})
        assert not published["requirementPublish"]["userErrors"], published
        ids.append(rid)
    return ids


async def run(base: str, clients: dict, requirements: int, concurrency: int, meter: CpuMeter, client: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=concurrency)) as http:
        barnet = await fetch_token(http, clients["barnet"])
        dpvs = await post_graphql(
            http,
            barnet,
            "{ dpvs(first: 10) { nodes { category lots(first: 20) { nodes { id code weeklyRateCap } } } } }",
        )
        lot = next(
            lot_
            for d in dpvs["dpvs"]["nodes"]
            if d["category"] == "INDEPENDENT_FOSTERING"
            for lot_ in d["lots"]["nodes"]
            if lot_["code"] == "IFA-STD"
        )
        started = time.perf_counter()
        await post_requirements(http, barnet, lot["id"], requirements)
        print(f"Setup: {requirements} requirements created and published in {time.perf_counter() - started:.1f} s")

        jobs = []
        price = f"{float(lot['weeklyRateCap']) * 0.85:.2f}"
        for slug, credentials in clients.items():
            if "provider" not in credentials.get("scope", "").split():
                continue
            try:
                token = await fetch_token(http, credentials)
                work = await post_graphql(http, token, MY_WORK)
            except (RuntimeError, httpx.HTTPError):
                continue
            org = work["viewer"]["organisation"]
            if not org:
                continue
            homes = [s["id"] for s in org["settings"]["nodes"] if s["kind"] == "FOSTER_HOUSEHOLD" and s["active"]]
            if not homes:
                continue
            for invitation in work["invitations"]["nodes"]:
                jobs.append(
                    {
                        "token": token,
                        "input": {
                            "requirementId": invitation["requirement"]["id"],
                            "settingId": random.choice(homes),
                            "corePrice": price,
                            "extras": [],
                            "availableFrom": (date.today() + timedelta(days=7)).isoformat(),
                            "needsStatement": "Experienced carers; school place arranged.",
                            "idempotencyKey": f"bench-{slug}-{invitation['requirement']['id']}",
                        },
                    }
                )
        latencies: list[float] = []
        acknowledged: dict[str, str] = {}
        counted, jobs = jobs[-20:], jobs[:-20]
        await count_statements(counted, acknowledged)
        print(f"{len(jobs)} bids to send from {len({j['token'] for j in jobs})} providers")
        refused: list[dict] = []

        host, port = base.rsplit("//", 1)[1].rsplit(":", 1)

        async def post(query: str, job: dict, lean: LeanHttp | None) -> dict:
            headers = {"Authorization": f"Bearer {job['token']}"}
            body = {"query": query, "variables": {"input": job["input"]} if "$input" in query else {}}
            t = time.perf_counter()
            if lean is None:
                r = await http.post("/graphql", json=body, headers=headers)
                status, raw = r.status_code, r.content
            else:
                status, raw = await lean.post("/graphql", json.dumps(body).encode(), headers)
            latencies.append(time.perf_counter() - t)
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {raw[:300]!r}")
            return json.loads(raw)["data"]

        async def send(job: dict, lean: LeanHttp | None = None) -> str | None:
            payload = (await post(SUBMIT, job, lean))["bidSubmit"]
            if payload["userErrors"]:
                refused.append(payload["userErrors"][0])
                return None
            return payload["bid"]["id"]

        async def load(each: Callable[[dict, LeanHttp | None], Awaitable[None]]) -> tuple[float, dict[str, float]]:
            """Every job through `each`, `concurrency` at a time, each sender on its own connection: the wall
            time and the CPU used meanwhile."""
            queue = iter(jobs)

            async def sender() -> None:
                lean = LeanHttp(host, int(port)) if client == "lean" else None
                try:
                    for job in queue:
                        await each(job, lean)
                finally:
                    if lean is not None:
                        await lean.close()

            sessions_before = await _sessions_opened()
            cpu_before = meter.sample()
            started = time.perf_counter()
            await asyncio.gather(*(sender() for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
            used = {k: v - cpu_before[k] for k, v in meter.sample().items()}
            return elapsed, {**used, "sessions": await _sessions_opened() - sessions_before - 1}

        async def submit(job: dict, lean: LeanHttp | None) -> None:
            bid = await send(job, lean)
            if bid:
                acknowledged[job["input"]["idempotencyKey"]] = bid

        elapsed, cpu = await load(submit)
        q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
        print(
            f"Submitted: {len(jobs)} bids in {elapsed:.2f} s: {len(jobs) / elapsed:.0f} bids/s, "
            f"p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, refused {len(refused)} "
            f"{refused[:1] if refused else ''}"
        )
        if jobs:
            per_bid = {k: 1000 * v / len(jobs) for k, v in cpu.items()}
            print(
                f"CPU per bid: server {per_bid['server']:.2f} ms "
                f"({cpu['server'] / elapsed:.0%} of a core over the run), "
                f"this client {per_bid['bench']:.2f} ms; "
                f"{len(jobs) / cpu['server']:.0f} bids per server CPU-second (a worker's ceiling on a core of its own)"
                if cpu["server"]
                else "CPU per bid: not measurable here"
            )
            print(f"Connections opened to PostgreSQL while bidding: {cpu['sessions']}")

            async def touch(job: dict, lean: LeanHttp | None) -> None:
                await post(FLOOR, job, lean)

            latencies.clear()
            elapsed, cpu = await load(touch)
            if cpu["server"]:
                print(
                    f"Floor, for comparison: the same requests with `{FLOOR}` (token checked, nothing read): "
                    f"{len(jobs) / elapsed:.0f} requests/s, server CPU {1000 * cpu['server'] / len(jobs):.2f} ms "
                    f"per request, {cpu['sessions']} connections opened to PostgreSQL"
                )

        retries = random.Random(1).sample(jobs, k=max(1, len(jobs) // 10)) if jobs else []
        same = 0
        for job in retries:
            if await send(job) == acknowledged.get(job["input"]["idempotencyKey"]):
                same += 1
        print(f"Retried {len(retries)} with the same idempotency key: {same} returned the first bid")

        stored: list[str] = []
        requirements_seen = await post_graphql(
            http, barnet, "{ requirements(first: 100) { nodes { id bids(first: 100) { totalCount nodes { id } } } } }"
        )
        for req in requirements_seen["requirements"]["nodes"]:
            stored += [b["id"] for b in req["bids"]["nodes"]]
        duplicates = len(stored) - len(set(stored))
        lost = set(acknowledged.values()) - set(stored)
        extra = set(stored) - set(acknowledged.values())
        print(
            f"Check: acknowledged {len(acknowledged)}, stored {len(stored)}, duplicates {duplicates}, "
            f"lost {len(lost)}, unacknowledged extras {len(extra)}"
        )


@contextlib.contextmanager
def _database(tmp: Path):
    """DATABASE_URL if set, else an embedded PostgreSQL under `tmp`, started here so that this process knows it."""
    sys.path.insert(0, str(ROOT))
    from api.core.embedded import database_url

    with database_url(os.environ.get("DATABASE_URL"), tmp) as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requirements", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--client",
        choices=("lean", "httpx"),
        default="lean",
        help="what sends the bids: a minimal keep-alive HTTP/1.1 client (default) or httpx "
        "(which costs the machine as much CPU per bid as the server does)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, _database(Path(tmp)) as url:
        port = _port()
        # The server and the in-process count (count_statements) read the same environment.
        os.environ.update({"DPV_DATA_DIR": tmp, "DATABASE_URL": url, "DPV_ISSUER": f"http://127.0.0.1:{port}"})
        env = dict(os.environ)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "api.cli",
                "serve",
                "--demo",
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
                try:
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
            clients = json.loads((Path(tmp) / "demo-clients.json").read_text())["clients"]
            asyncio.run(run(base, clients, args.requirements, args.concurrency, CpuMeter(server.pid), args.client))
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
