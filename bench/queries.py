"""Read-path benchmark: the public vehicles query over HTTP against a running `dpv serve`, and the
providers-with-settings query in-process, on the demo market. Prints figures; asserts nothing.

    uv run python bench/queries.py [--requests 2000] [--concurrency 20]

Uses DATABASE_URL when set, else an embedded PostgreSQL under a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VEHICLES = "{ dpvs(first: 10) { nodes { name lots(first: 20) { nodes { code weeklyRateCap } } } } }"
PROVIDERS = """{ providers(first: 50) { totalCount nodes { slug settings(first: 20) { nodes { name vacancies
  location { postcodeDistrict } latestOfstedJudgement { grade } } } } } }"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms"


async def _http(base: str, requests: int, concurrency: int) -> None:
    latencies: list[float] = []
    queue = iter(range(requests))

    async def worker(client: httpx.AsyncClient) -> None:
        for _ in queue:
            started = time.perf_counter()
            r = await client.post("/graphql", json={"query": VEHICLES})
            latencies.append(time.perf_counter() - started)
            assert r.status_code == 200 and "errors" not in r.json()

    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        await client.post("/graphql", json={"query": VEHICLES})  # warm-up
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    print(
        f"HTTP vehicles query: {requests} requests, concurrency {concurrency}: "
        f"{requests / elapsed:.0f} req/s, {_percentiles(latencies)}"
    )


async def _in_process(url: str, runs: int) -> None:
    from sqlalchemy import select

    from api.core.config import get_settings
    from api.core.db import Database
    from api.core.principal import OrganisationKind, Principal, Scope
    from api.market.models import Organisation
    from schema import schema
    from schema.core.context import Context

    db = Database.from_settings(get_settings(), url)
    async with db.session() as s:
        barnet = (await s.execute(select(Organisation).where(Organisation.slug == "barnet"))).scalar_one()
    officer = Principal(barnet.id, OrganisationKind.LOCAL_AUTHORITY, "barnet", frozenset({Scope.BOROUGH}))
    latencies = []
    for _ in range(runs):
        started = time.perf_counter()
        result = await schema.execute(
            PROVIDERS, context_value=Context(db=db, settings=get_settings(), principal=officer)
        )
        latencies.append(time.perf_counter() - started)
        assert result.errors is None, result.errors
    await db.dispose()
    print(f"In-process providers(50) with settings(20): {runs} runs, {_percentiles(latencies)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()

    from api.core import migrate
    from api.core.embedded import database_url

    with tempfile.TemporaryDirectory() as tmp, database_url(os.environ.get("DATABASE_URL"), Path(tmp)) as url:
        migrate.upgrade(url)
        env = {**os.environ, "DATABASE_URL": url}
        port = _port()
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            while True:
                try:
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            print(f"Migrate + demo data + server start: {time.perf_counter() - started:.1f} s")
            asyncio.run(_http(base, args.requests, args.concurrency))
            asyncio.run(_in_process(url, 50))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
