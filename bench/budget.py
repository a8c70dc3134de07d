"""What the budget (api/core/budget.py) adds to a request: the same authenticated requests through the application in
this process, with the budget on and off, in alternating rounds so that the machine's load moves both alike.
Prints the CPU this process spends per request (the server's side; PostgreSQL's own is not in it), the wall time
per request sent one at a time (so it holds the round trips), and the statements per request. Asserts nothing.

    uv run python bench/budget.py [--requests 300] [--rounds 8]

Uses DATABASE_URL when set (migrated here; an organisation and a client are added to it), else an embedded
PostgreSQL under a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.core import migrate  # noqa: E402
from api.core.config import get_settings  # noqa: E402
from api.core.db import Database, DriverStatement  # noqa: E402
from api.core.embedded import database_url  # noqa: E402
from api.core.principal import OrganisationKind  # noqa: E402
from api.market.models import Organisation  # noqa: E402
from api.web.app import create_app  # noqa: E402
from auth.clients import register_client_as_system  # noqa: E402
from auth.keys import ensure_active_key  # noqa: E402

QUERIES = {
    "floor": "{ viewer { scopes } }",
    "a page": "{ dpvs(first: 10) { nodes { name lots(first: 20) { nodes { code weeklyRateCap } } } } }",
}


class InProcess:
    """Requests through one application's ASGI interface, with its lifespan state."""

    def __init__(self, app, state: dict):
        self.app, self.state = app, state

    async def post(self, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        await self.app(
            {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "POST",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "root_path": "",
                "client": ("127.0.0.1", 1),
                "server": ("127.0.0.1", 80),
                "headers": [(b"content-length", str(len(body)).encode()), *headers],
                "state": dict(self.state),
            },
            receive,
            send,
        )
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def run(url: str, requests: int, rounds: int) -> None:
    get_settings.cache_clear()
    base = get_settings().model_copy(update={"database_url": url, "timer_poll_seconds": 0, "event_poll_seconds": 0})
    db = Database.from_settings(base)
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    async with db.transaction() as s:
        s.add(Organisation(kind=OrganisationKind.LOCAL_AUTHORITY, slug=slug, name="Bench Borough"))
        await s.flush()
        await ensure_active_key(s)
        reg = await register_client_as_system(s, "bench", organisation_slug=slug, scopes="borough")
    apps = {}
    for name, on in (("on", True), ("off", False)):
        # A budget that never refuses: what is measured is the charge itself, which costs the same either way.
        app = create_app(
            base.model_copy(
                update={"rate_limit": on, "rate_limit_burst": 10**9, "rate_limit_points_per_second": 10.0**9}
            ),
            db,
        )
        apps[name] = (app, app.router.lifespan_context(app))
    try:
        clients = {name: InProcess(app, await lifespan.__aenter__()) for name, (app, lifespan) in apps.items()}
        form = f"grant_type=client_credentials&client_id={reg.client.client_id}&client_secret={reg.client_secret}"
        status, body = await clients["on"].post(
            "/oauth/token", form.encode(), [(b"content-type", b"application/x-www-form-urlencoded")]
        )
        assert status == 200, body
        token = json.loads(body)["access_token"]
        headers = [(b"content-type", b"application/json"), (b"authorization", f"Bearer {token}".encode())]
        for label, query in QUERIES.items():
            body = json.dumps({"query": query}).encode()
            cpu: dict[str, list[float]] = {"on": [], "off": []}
            wall: dict[str, list[float]] = {"on": [], "off": []}
            statements: dict[str, float] = {}
            for client in clients.values():  # warm both
                for _ in range(50):
                    await client.post("/graphql", body, headers)
            for _ in range(rounds):
                for name, client in clients.items():
                    driver = DriverStatement.runs
                    started_cpu, started = time.process_time(), time.perf_counter()
                    for _ in range(requests):
                        status, answer = await client.post("/graphql", body, headers)
                        assert status == 200 and b'"errors"' not in answer, answer[:300]
                    cpu[name].append((time.process_time() - started_cpu) / requests)
                    wall[name].append((time.perf_counter() - started) / requests)
                    statements[name] = (DriverStatement.runs - driver) / requests
            on_cpu, off_cpu = statistics.median(cpu["on"]), statistics.median(cpu["off"])
            on_wall, off_wall = statistics.median(wall["on"]), statistics.median(wall["off"])
            print(f"{label} ({QUERIES[label]}): {rounds} rounds of {requests} requests each way; medians per request:")
            print(
                f"  CPU in this process: budget off {off_cpu * 1000:.3f} ms, on {on_cpu * 1000:.3f} ms: "
                f"+{(on_cpu - off_cpu) * 1000:.3f} ms ({on_cpu / off_cpu:.2f}x)"
            )
            print(
                f"  wall, one at a time: off {off_wall * 1000:.3f} ms, on {on_wall * 1000:.3f} ms: "
                f"+{(on_wall - off_wall) * 1000:.3f} ms ({on_wall / off_wall:.2f}x)"
            )
            print(f"  statements on the driver per request: off {statements['off']:.2f}, on {statements['on']:.2f}")
    finally:
        for _, lifespan in apps.values():
            await lifespan.__aexit__(None, None, None)
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database_url(os.environ.get("DATABASE_URL"), Path(tmp)) as url:
        migrate.upgrade(url)
        asyncio.run(run(url, args.requests, args.rounds))


if __name__ == "__main__":
    main()
