"""Fault drills: a `dpv serve` under a fault on purpose, with what was acknowledged, stored, lost and doubled printed.

    uv run python bench/drills.py foreign [--hold 60] [--every 5] [--subscribers 3] [--workers 2]
    uv run python bench/drills.py kill [--requirements 30] [--concurrency 20]

`kill`: two workers take bids from every invited provider of the demo, all at once; when a third of them are
acknowledged, one worker is killed with SIGKILL (no shutdown: its requests in flight, its connections, its
transactions end where they are). A client whose request fails (connection reset, 502/503) sends it again with the
same idempotency key until it is answered, as the integration guide says to (docs/integrators/). Then a tenth of
the acknowledged bids are sent once more with their key. It prints how many requests failed and were retried,
whether the supervisor started a new worker, and what was acknowledged, stored, lost and doubled; it fails unless
every bid was acknowledged, each is stored exactly once (one bid per provider and requirement, the one the
client was answered with), and every retry of an acknowledged bid was answered with the first bid.

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
import json
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

import bids  # noqa: E402  (the bench's own helpers: requirements, tokens, the provider's work)
import fanout  # noqa: E402

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


async def kill(base: str, url: str, server_pid: int, clients: dict, args: argparse.Namespace) -> int:
    import random
    import signal

    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        barnet = await bids.fetch_token(http, clients["barnet"])
        dpvs = await bids.post_graphql(
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
        await bids.post_requirements(http, barnet, lot["id"], args.requirements)
        jobs: list[dict] = []
        price = f"{float(lot['weeklyRateCap']) * 0.85:.2f}"
        for slug, credentials in clients.items():
            if "provider" not in credentials.get("scope", "").split():
                continue
            token = await bids.fetch_token(http, credentials)
            work = await bids.post_graphql(http, token, bids.MY_WORK)
            org = work["viewer"]["organisation"]
            homes = [s["id"] for s in org["settings"]["nodes"] if s["kind"] == "FOSTER_HOUSEHOLD" and s["active"]]
            if not homes:
                continue
            for invitation in work["invitations"]["nodes"]:
                rid = invitation["requirement"]["id"]
                jobs.append(
                    {
                        "token": token,
                        "input": {
                            "requirementId": rid,
                            "settingId": random.choice(homes),
                            "corePrice": price,
                            "extras": [],
                            "availableFrom": (date.today() + timedelta(days=7)).isoformat(),
                            "needsStatement": "Experienced carers; school place arranged.",
                            "idempotencyKey": f"drill-{slug}-{rid}",
                        },
                    }
                )

    workers_before = [p for p in bids.child_processes().get(server_pid, []) if _is_worker(p)]
    print(f"kill: {len(jobs)} bids to send, {args.concurrency} at a time, to workers {workers_before}", flush=True)
    acknowledged: dict[str, str] = {}
    failures = {"count": 0}
    killed: list[int] = []
    kill_at = len(jobs) // 3

    async def send(http: httpx.AsyncClient, job: dict) -> str:
        """The bid's id, sending again with the same key while the request fails."""
        while True:
            try:
                r = await http.post(
                    "/graphql",
                    json={"query": bids.SUBMIT, "variables": {"input": job["input"]}},
                    headers={"Authorization": f"Bearer {job['token']}"},
                )
                if r.status_code == 200:
                    payload = r.json()["data"]["bidSubmit"]
                    assert not payload["userErrors"], payload
                    return payload["bid"]["id"]
            except httpx.TransportError:
                pass
            failures["count"] += 1
            await asyncio.sleep(0.2)

    queue = iter(jobs)

    async def sender() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            for job in queue:
                acknowledged[job["input"]["idempotencyKey"]] = await send(http, job)
                if len(acknowledged) >= kill_at and not killed:
                    victim = workers_before[0]
                    killed.append(victim)
                    os.kill(victim, signal.SIGKILL)
                    print(f"kill: worker {victim} killed with SIGKILL after {len(acknowledged)} bids", flush=True)

    await asyncio.gather(*(sender() for _ in range(args.concurrency)))
    retries = random.Random(1).sample(jobs, k=max(1, len(jobs) // 10))
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        same = sum([await send(http, job) == acknowledged[job["input"]["idempotencyKey"]] for job in retries])
    deadline = time.monotonic() + 60  # the supervisor notices a dead worker on its own schedule
    while True:
        workers_after = [p for p in bids.child_processes().get(server_pid, []) if _is_worker(p)]
        if set(workers_after) - set(workers_before) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)

    conn = await asyncpg.connect(**_dsn(url))
    rows = await conn.fetch("SELECT id, requirement_id, provider_id FROM bid")
    await conn.close()
    stored = [r["id"] for r in rows]
    per_pair: dict[tuple[int, int], int] = {}
    for r in rows:
        per_pair[(r["requirement_id"], r["provider_id"])] = per_pair.get((r["requirement_id"], r["provider_id"]), 0) + 1
    acked_ids = {_raw_id(g) for g in acknowledged.values()}
    lost = len(acked_ids - set(stored))
    doubled = sum(n - 1 for n in per_pair.values() if n > 1)
    extra = len(set(stored) - acked_ids)
    print()
    print(
        f"requests that failed and were sent again: {failures['count']}; workers before {workers_before}, "
        f"after {workers_after} (the supervisor started {len(set(workers_after) - set(workers_before))} new)"
    )
    print(
        f"acknowledged {len(acknowledged)} of {len(jobs)} bids; stored {len(stored)}; lost {lost}; doubled {doubled}; "
        f"stored but never acknowledged {extra}; retries with the same key answered with the first bid: "
        f"{same} of {len(retries)}"
    )
    ok = len(acknowledged) == len(jobs) and lost == 0 and doubled == 0 and extra == 0 and same == len(retries)
    ok = ok and bool(killed)
    print("drill passed" if ok else "drill FAILED")
    return 0 if ok else 1


def _is_worker(pid: int) -> bool:
    """A live uvicorn worker (a multiprocessing spawn child): not the resource tracker, and not a killed worker that
    its parent has yet to reap (a zombie still listed among its children, with no command line)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z" and bool(cmdline) and b"resource_tracker" not in cmdline


def _raw_id(global_id: str) -> int:
    from strawberry.relay import from_base64

    return int(from_base64(global_id)[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("drill", choices=["foreign", "kill"])
    parser.add_argument("--requirements", type=int, default=30, help="kill: requirements the providers bid on")
    parser.add_argument("--concurrency", type=int, default=20, help="kill: bids in flight at once")
    parser.add_argument("--hold", type=float, default=60.0, help="seconds the foreign transaction stays open")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between publications")
    parser.add_argument("--subscribers", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-delay", type=float, default=3.0, help="seconds a delivery may take (exit code)")
    args = parser.parse_args()

    from api.core import migrate
    from api.core.embedded import database_url

    with tempfile.TemporaryDirectory() as tmp, database_url(os.environ.get("DATABASE_URL"), Path(tmp)) as url:
        port = fanout.free_port()
        env = {**os.environ, "DATABASE_URL": url, "DPV_DATA_DIR": tmp, "DPV_ISSUER": f"http://127.0.0.1:{port}"}
        command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", str(args.workers)]
        if args.drill == "foreign":
            migrate.upgrade(url)
            print(f"set-up: the demo and {args.subscribers} subscribed providers", flush=True)
            credentials, lot_id = asyncio.run(fanout.set_up_market(url, args.subscribers))
        else:
            command.append("--demo")
        server = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 300
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not become ready")
                time.sleep(0.3)
            if args.drill == "foreign":
                return asyncio.run(foreign(base, url, credentials, lot_id, args))
            clients = json.loads((Path(tmp) / "demo-clients.json").read_text())["clients"]
            return asyncio.run(kill(base, url, server.pid, clients, args))
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    raise SystemExit(main())
