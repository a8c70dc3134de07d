"""Fault drills: a `dpv serve` under a fault on purpose, with what was acknowledged, stored, lost and doubled printed.

    uv run python bench/drills.py foreign [--hold 60] [--every 5] [--subscribers 3] [--workers 2]

`foreign`: another database on the same PostgreSQL server holds a transaction open (with a transaction id, as a
long pg_dump, a migration or a forgotten session of another application does) for `--hold` seconds, while a
borough publishes a requirement every `--every` seconds and providers are subscribed to `requirementPublished`
on two workers. The stream reads only below the oldest transaction that can still commit into this database's
outbox (api/core/events.py, HORIZON); a transaction in another database cannot, so it must not hold delivery back.
It prints, for each requirement, the delay from its commit (PostgreSQL's notification to the drill's own listener)
to the last subscriber's receipt; then what was acknowledged (published), stored (OPEN in the database),
delivered, lost and doubled. It exits non-zero when an event was lost or doubled, or when a delivery took longer
than `--max-delay` seconds.

Set-up (not measured): the demo market in an embedded PostgreSQL under a temporary directory (or DATABASE_URL,
which must name an empty database on a server where the drill may create and drop a database of its own), plus
N providers admitted to Barnet's fostering lot, as `bench/fanout.py` sets them up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fanout  # noqa: E402  (the bench's own helpers: set-up, tokens, subscribers)

ROOT = Path(__file__).resolve().parent.parent


def _dsn(url: str, database: str | None = None) -> dict:
    u = make_url(url)
    return {
        "user": u.username,
        "password": u.password or None,
        "host": u.query.get("host") or u.host,
        "port": u.port,
        "database": database or u.database,
    }


def _child(i: int) -> dict:
    return {
        "caseReference": f"DRILL-{i}",
        "ageYears": 10,
        "sex": "FEMALE",
        "languages": ["English"],
        "needs": [],
        "siblingGroupSize": 1,
        "homePostcodeDistrict": "NW10",
        "homeLocation": {"latitude": 51.54, "longitude": -0.24},
        "maxDistanceKm": 30,
        "avoidAreas": [],
    }


async def _publish(http: httpx.AsyncClient, base: str, lot_id: str, i: int) -> str:
    r = await http.post(
        f"{base}/graphql",
        json={
            "query": fanout.CREATE,
            "variables": {
                "input": {
                    "lotId": lot_id,
                    "urgency": "EMERGENCY",
                    "plannedStart": (date.today() + timedelta(days=1)).isoformat(),
                    "expectedDurationWeeks": 12,
                    "idempotencyKey": f"drill-{uuid.uuid4()}",
                    "child": _child(i),
                }
            },
        },
    )
    requirement_id = r.json()["data"]["requirementCreate"]["requirement"]["id"]
    r = await http.post(f"{base}/graphql", json={"query": fanout.PUBLISH, "variables": {"id": requirement_id}})
    assert r.json()["data"]["requirementPublish"]["requirement"]["status"] == "OPEN", r.text
    return requirement_id


async def foreign(base: str, url: str, credentials: dict, lot_id: str, args: argparse.Namespace) -> int:
    tokens = await fanout.fetch_tokens(base, credentials)
    providers = [slug for slug in tokens if slug != "barnet"]
    tally = fanout.Tally()
    subscribers = [
        fanout.Subscriber(base.replace("http://", "ws://") + "/graphql", tokens[p], tally) for p in providers
    ]
    await fanout.open_all(subscribers)

    committed: list[float] = []
    listener = await asyncpg.connect(**_dsn(url))
    await listener.add_listener("dpv_events", lambda *_: committed.append(time.monotonic()))

    # The foreign transaction: its own database on the same server, a write so that it holds a transaction id.
    other = f"drill_foreign_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(**_dsn(url))
    await admin.execute(f'CREATE DATABASE "{other}"')
    holder = await asyncpg.connect(**_dsn(url, other))
    held = holder.transaction()
    await held.start()
    await holder.execute("CREATE TABLE held (id int); INSERT INTO held VALUES (1)")
    held_since = time.monotonic()
    print(f"foreign: a transaction with an id held open in database {other} for {args.hold:.0f} s", flush=True)

    published: list[str] = []
    delays: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=60, headers={"Authorization": f"Bearer {tokens['barnet']}"}) as http:
        i = 0
        while time.monotonic() - held_since < args.hold:
            i += 1
            committed.clear()
            tally.expect(len(subscribers))
            requirement_id = await _publish(http, base, lot_id, i)
            published.append(requirement_id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tally.reached.wait(), args.hold + 30)
            for s in subscribers:
                s.read()
            arrivals = [at for s in subscribers for at, rid in s.received if rid == requirement_id]
            commit_at = committed[-1] if committed else float("nan")
            delays[requirement_id] = max(arrivals) - commit_at if arrivals else float("inf")
            print(
                f"  requirement {i} at {time.monotonic() - held_since:5.1f} s into the hold: "
                f"{len(arrivals)}/{len(subscribers)} delivered, the last {delays[requirement_id]:.2f} s after commit",
                flush=True,
            )
            await asyncio.sleep(args.every)
        await held.rollback()
        print("foreign: the transaction rolled back", flush=True)

        # Late deliveries, if any were held back after all.
        await asyncio.sleep(2)
        for s in subscribers:
            s.read()

        # What the database stored, as the alliance's admin would count it: the published requirements, OPEN.
        conn = await asyncpg.connect(**_dsn(url))
        stored = await conn.fetchval(
            "SELECT count(*) FROM requirement WHERE status = 'OPEN' AND id = ANY($1::bigint[])",
            [_raw_id(g) for g in published],
        )
        await conn.close()

    await holder.close()
    await admin.execute(f'DROP DATABASE "{other}"')
    await admin.close()
    await listener.close()
    await asyncio.gather(*(s.close() for s in subscribers), return_exceptions=True)

    lost = sum(1 for s in subscribers for g in published if g not in {rid for _, rid in s.received})
    doubled = sum(
        sum(1 for _, rid in s.received if rid == g) - 1
        for s in subscribers
        for g in published
        if sum(1 for _, rid in s.received if rid == g) > 1
    )
    worst = max(delays.values()) if delays else float("nan")
    print()
    print(
        f"acknowledged {len(published)} publications; stored {stored} OPEN; "
        f"deliveries expected {len(published) * len(subscribers)}, "
        f"received {sum(len(s.received) for s in subscribers)}; lost {lost}; doubled {doubled}"
    )
    print(
        f"delay from commit to the last subscriber while the foreign transaction was open: "
        f"worst {worst:.2f} s (allowed {args.max_delay:.0f} s; the hold was {args.hold:.0f} s)"
    )
    ok = stored == len(published) and lost == 0 and doubled == 0 and worst <= args.max_delay
    print("drill passed" if ok else "drill FAILED")
    return 0 if ok else 1


def _raw_id(global_id: str) -> int:
    from strawberry.relay import from_base64

    return int(from_base64(global_id)[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("drill", choices=["foreign"])
    parser.add_argument("--hold", type=float, default=60.0, help="seconds the foreign transaction stays open")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between publications")
    parser.add_argument("--subscribers", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-delay", type=float, default=3.0, help="seconds a delivery may take (exit code)")
    args = parser.parse_args()

    from api.core import migrate
    from api.core.embedded import database_url

    with tempfile.TemporaryDirectory() as tmp, database_url(os.environ.get("DATABASE_URL"), Path(tmp)) as url:
        migrate.upgrade(url)
        print(f"set-up: the demo and {args.subscribers} subscribed providers", flush=True)
        credentials, lot_id = asyncio.run(fanout.set_up_market(url, args.subscribers))
        port = fanout.free_port()
        env = {**os.environ, "DATABASE_URL": url, "DPV_DATA_DIR": tmp}
        command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", str(args.workers)]
        server = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                time.sleep(0.3)
            return asyncio.run(foreign(base, url, credentials, lot_id, args))
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    raise SystemExit(main())
