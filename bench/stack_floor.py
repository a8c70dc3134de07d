"""The floor the stack sets: the libraries DPV Exchange is built on, serving the same shapes with none of its rules.

    uv run python bench/stack_floor.py fanout [--subscribers 1000] [--events 5] [--workers 1] [--tuned]
    uv run python bench/stack_floor.py bids [--requests 3000] [--concurrency 50] [--tuned]

Issue 4 asks for 500 bids a second per worker and issue 5 for a fan-out to 1,000 subscribers with p99 under 100 ms,
on the project's 2-core machine, whose speed differs from session to session. bench/bids.py and bench/fanout.py
measure DPV Exchange. This measures a throwaway app served by the same stack, configured as `dpv serve` configures
it (Strawberry on Starlette; uvicorn with uvloop, httptools and websockets' sans-I/O implementation, no
compression; the worker's collector tuned as api/web/app.py tunes it; SQLAlchemy's async engine on asyncpg with the
same pool), and driven by the same clients. Whatever it costs, DPV Exchange cannot cost less: the difference
between the two is ours (tokens, authorisation, masking, DataLoaders, the rules, the audit log); this is not.

- `fanout`: one subscription selecting the same shape as bench/fanout.py's (a cursor and an invitation with its
  match and its requirement, plain attributes of plain objects). Each worker LISTENs on one connection; a NOTIFY
  carries the event and each worker hands the same object to each of its subscribers. Latency from the NOTIFY's
  arrival at the bench's own listener to each receipt, as bench/fanout.py measures it, and the server's CPU.
- `bids`: a `bidSubmit` taking bench/bids.py's input, whose resolver inserts one row in one transaction (BEGIN,
  INSERT ... RETURNING, COMMIT: a real bid takes 3 statements in its transaction and the token's read). Requests
  a second and the server's CPU per request, sent as bench/bids.py sends them; then the same for `{ ok }`, a
  query that reads nothing.

Both have Strawberry's parser and validation caches, as DPV Exchange has them. `--tuned` builds the throwaway
schema with what this project does to the libraries (schema/__init__.py's Schema, schema/core/execution.py's
ExecutionContext), as DPV Exchange runs them; without it they run as they come.

Uses DATABASE_URL (any database: `fanout` only LISTENs and NOTIFYs on the channel `dpv_stack_floor`; `bids` makes
and drops the table `stack_floor_bid`), else an embedded PostgreSQL under a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncGenerator
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path

import asyncpg
import httpx
import strawberry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bids import SUBMIT, CpuMeter, LeanHttp  # noqa: E402
from fanout import Subscriber, Tally, cpu_ms, free_port, open_all, percentile, run_fast  # noqa: E402

from api.web.app import quieter_collector  # noqa: E402

CHANNEL = "dpv_stack_floor"
TABLE = "stack_floor_bid"


# The throwaway schema: the shapes bench/fanout.py and bench/bids.py select and send.
@strawberry.enum
class Level(Enum):
    FULL = "FULL"


@strawberry.type
class Match:
    level: Level


@strawberry.type
class Requirement:
    id: strawberry.ID
    reference: str
    urgency: str
    response_deadline: str


@strawberry.type
class Invitation:
    id: strawberry.ID
    status: str
    match: Match
    requirement: Requirement


@strawberry.type
class Published:
    cursor: str
    invitation: Invitation


@strawberry.input
class BidExtraInput:
    description: str
    weekly_price: Decimal


@strawberry.input
class BidSubmitInput:
    requirement_id: strawberry.relay.GlobalID
    setting_id: strawberry.relay.GlobalID
    core_price: Decimal
    available_from: date
    needs_statement: str
    extras: list[BidExtraInput] = strawberry.field(default_factory=list)
    idempotency_key: str | None = None


@strawberry.type
class Bid:
    id: strawberry.ID


@strawberry.type
class UserError:
    code: str
    message: str


@strawberry.type
class BidSubmitPayload:
    bid: Bid | None
    user_errors: list[UserError]


def create_app():  # noqa: ANN201  # the server's side, in each uvicorn worker
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from starlette.applications import Starlette
    from starlette.routing import Route, WebSocketRoute
    from strawberry.asgi import GraphQL
    from strawberry.extensions import ParserCache, ValidationCache
    from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

    from api.core.config import async_url, get_settings

    settings = get_settings()
    engine = create_async_engine(
        async_url(os.environ["DATABASE_URL"]), pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    insert = text(f"INSERT INTO {TABLE} (requirement, setting, price, key) VALUES (:r, :s, :p, :k) RETURNING id")
    queues: set[asyncio.Queue] = set()

    @strawberry.type
    class Query:
        @strawberry.field
        def ok(self) -> bool:
            return True

    @strawberry.type
    class Mutation:
        @strawberry.mutation
        async def bid_submit(self, input: BidSubmitInput) -> BidSubmitPayload:
            async with sessions() as session, session.begin():
                bid_id = (
                    await session.execute(
                        insert,
                        {
                            "r": input.requirement_id.node_id,
                            "k": input.idempotency_key,
                            "s": input.setting_id.node_id,
                            "p": input.core_price,
                        },
                    )
                ).scalar_one()
            return BidSubmitPayload(bid=Bid(id=strawberry.ID(str(bid_id))), user_errors=[])

    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def requirement_published(self) -> AsyncGenerator[Published, None]:
            queue: asyncio.Queue = asyncio.Queue()
            queues.add(queue)
            try:
                while True:
                    yield await queue.get()
            finally:
                queues.discard(queue)

    # Strawberry's own caches, as schema/__init__.py configures them: without them every request is parsed and
    # validated afresh.
    caches = [lambda: ParserCache(maxsize=1000), lambda: ValidationCache(maxsize=1000)]
    if os.environ.get("STACK_FLOOR_TUNED"):
        from schema import Schema
        from schema.core.execution import ExecutionContext

        schema = Schema(
            query=Query,
            mutation=Mutation,
            subscription=Subscription,
            extensions=caches,
            execution_context_class=ExecutionContext,
        )
    else:
        schema = strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=caches)
    graphql = GraphQL(schema, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL], graphql_ide=None)

    def on_notify(_connection: object, _pid: int, _channel: str, payload: str) -> None:
        event = Published(
            cursor=f"c{payload}",
            invitation=Invitation(
                id=strawberry.ID(f"inv-{payload}"),
                status="INVITED",
                match=Match(level=Level.FULL),
                requirement=Requirement(
                    id=strawberry.ID(payload),
                    reference=f"REQ-{payload}",
                    urgency="EMERGENCY",
                    response_deadline="2026-12-04T12:00:00+00:00",
                ),
            ),
        )
        for queue in queues:
            queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncGenerator[None, None]:
        quieter_collector()  # as `dpv serve` does: the stack's own cost, not the collector's
        listener = await asyncpg.connect(os.environ["DATABASE_URL"])
        await listener.add_listener(CHANNEL, on_notify)
        yield
        await listener.close()
        await engine.dispose()

    return Starlette(routes=[Route("/graphql", graphql), WebSocketRoute("/graphql", graphql)], lifespan=lifespan)


async def fanout(base: str, url: str, server_pid: int, args: argparse.Namespace) -> None:
    tally = Tally()
    subscribers = [
        Subscriber(base.replace("http://", "ws://") + "/graphql", "none", tally) for _ in range(args.subscribers)
    ]
    await open_all(subscribers)
    await asyncio.sleep(2.0)
    notified: list[float] = []
    listener = await asyncpg.connect(url)
    await listener.add_listener(CHANNEL, lambda *_: notified.append(time.monotonic()))
    sender = await asyncpg.connect(url)
    gc.collect()
    gc.freeze()
    gc.disable()  # the client's collector must not stall the receipt times it records
    everything: list[float] = []
    lasts: list[float] = []
    for i in range(args.events):
        notified.clear()
        for s in subscribers:
            s.unread.clear()
        tally.expect(len(subscribers))
        cpu_before = cpu_ms(server_pid)
        await sender.execute("SELECT pg_notify($1, $2)", CHANNEL, str(i + 1))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tally.reached.wait(), 60)
        cpu = sum(now - then for now, then in zip(cpu_ms(server_pid), cpu_before, strict=True))
        if any(len(s.unread) != 1 for s in subscribers):
            raise SystemExit(f"event {i + 1}: not every subscriber received it exactly once")
        arrivals = [(at - notified[0]) * 1000 for s in subscribers for at, _ in s.unread]
        everything += arrivals
        lasts.append(max(arrivals))
        print(
            f"event {i + 1}: {len(arrivals)} deliveries; from NOTIFY first {min(arrivals):.0f} ms, "
            f"p50 {percentile(arrivals, 50):.0f} ms, p99 {percentile(arrivals, 99):.0f} ms, "
            f"last {max(arrivals):.0f} ms; "
            f"server CPU {cpu:.0f} ms ({1000 * cpu / len(arrivals):.0f} us a delivery)",
            flush=True,
        )
        await asyncio.sleep(0.5)
    gc.enable()
    await listener.close()
    await sender.close()
    print(
        f"\nthe stack alone, {len(subscribers)} subscribers, {args.workers} worker(s): p50 "
        f"{percentile(everything, 50):.0f} ms, p99 {percentile(everything, 99):.0f} ms over {args.events} events; "
        "an event's "
        f"last delivery: median {statistics.median(lasts):.0f} ms, best {min(lasts):.0f} ms "
        f"(issue 5's target for DPV Exchange: p99 < 100 ms)"
    )
    await asyncio.gather(*(s.close() for s in subscribers), return_exceptions=True)


async def bids(base: str, url: str, server_pid: int, args: argparse.Namespace) -> None:
    host, port = base.rsplit("//", 1)[1].rsplit(":", 1)
    meter = CpuMeter(server_pid)
    soon = (date.today() + timedelta(days=7)).isoformat()
    inputs = [
        {
            "requirementId": strawberry.relay.to_base64("Requirement", 1 + i % 100),
            "settingId": strawberry.relay.to_base64("Setting", 1 + i % 14),
            "corePrice": "850.00",
            "extras": [],
            "availableFrom": soon,
            "needsStatement": "Experienced carers; school place arranged.",
            "idempotencyKey": f"floor-{i}",
        }
        for i in range(args.requests)
    ]

    async def send_all(query: str, items: list[dict], concurrency: int) -> None:
        todo = iter(items)

        async def sender() -> None:
            lean = LeanHttp(host, int(port))
            try:
                for input in todo:
                    body = json.dumps({"query": query, "variables": {"input": input} if "$input" in query else {}})
                    status, raw = await lean.post("/graphql", body.encode(), {})
                    if status != 200 or b'"errors"' in raw:
                        raise RuntimeError(f"HTTP {status}: {raw[:300]!r}")
            finally:
                await lean.close()

        await asyncio.gather(*(sender() for _ in range(concurrency)))

    async def load(query: str, what: str) -> None:
        warm = [{**input, "idempotencyKey": f"warm-{what}-{i}"} for i, input in enumerate(inputs[:200])]
        await send_all(query, warm, args.concurrency)  # the caches, the pool's connections
        before = meter.sample()["server"]
        started = time.perf_counter()
        await send_all(query, inputs, args.concurrency)
        elapsed = time.perf_counter() - started
        cpu = meter.sample()["server"] - before
        print(
            f"{what}: {len(inputs)} requests in {elapsed:.2f} s, {len(inputs) / elapsed:.0f}/s; server CPU "
            f"{1000 * cpu / len(inputs):.2f} ms a request, "
            + (f"{len(inputs) / cpu:.0f} a server CPU-second" if cpu else "too little CPU for the clock's ticks"),
            flush=True,
        )

    await load(SUBMIT, "the stack alone, a bidSubmit inserting one row in one transaction")
    conn = await asyncpg.connect(url)
    try:
        rows, keys = await conn.fetchrow(f"SELECT count(*), count(DISTINCT key) FROM {TABLE}")
    finally:
        await conn.close()
    sent = len(inputs) + min(len(inputs), 200)
    if rows != sent or keys != sent:
        raise SystemExit(f"{sent} bids acknowledged, {rows} stored under {keys} keys")
    await load("{ ok }", "the stack alone, { ok }")
    print("(issue 4's target for DPV Exchange: 500 bids/s per worker, so at most 2.0 ms of a core per bid)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("fanout", "bids"))
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--tuned",
        action="store_true",
        help="with this project's tuning of Strawberry and graphql-core (see the docstring)",
    )
    args = parser.parse_args()
    from api.core.embedded import database_url

    with tempfile.TemporaryDirectory() as tmp, database_url(os.environ.get("DATABASE_URL"), Path(tmp)) as url:
        if args.mode == "bids":

            async def table(sql: str) -> None:
                conn = await asyncpg.connect(url)
                try:
                    await conn.execute(sql)
                finally:
                    await conn.close()

            asyncio.run(
                table(
                    f"DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, "
                    "requirement text NOT NULL, setting text NOT NULL, price numeric(10, 2) NOT NULL, "
                    "key text UNIQUE, received_at timestamptz NOT NULL DEFAULT now())"
                )
            )
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "DPV_DATA_DIR": tmp}
        if args.tuned:
            env["STACK_FLOOR_TUNED"] = "1"
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import uvicorn; uvicorn.run('stack_floor:create_app', factory=True, "
                f"app_dir={str(Path(__file__).resolve().parent)!r}, host='127.0.0.1', port={port}, "
                f"workers={args.workers}, log_level='warning', ws_per_message_deflate=False, ws='websockets-sansio')",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.post(f"{base}/graphql", json={"query": "{ ok }"}).status_code == 200:
                        break
                time.sleep(0.3)
            print(
                f"the stack alone ({'tuned as DPV Exchange tunes it' if args.tuned else 'as it comes'}), "
                f"{args.workers} worker(s)",
                flush=True,
            )
            run_fast((fanout if args.mode == "fanout" else bids)(base, url, server.pid, args))
        finally:
            server.terminate()
            server.wait(timeout=60)
            if args.mode == "bids":
                asyncio.run(table(f"DROP TABLE IF EXISTS {TABLE}"))


if __name__ == "__main__":
    main()
