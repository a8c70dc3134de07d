"""The worker's collector (api/web/app.py `quieter_collector`, as the app's start-up sets it): garbage that reaches the
oldest generation is collected while the worker goes on working, not left to pile up.

Under a steady load every request leaves some reference cycles (tasks, sessions, exceptions with their frames)
and some of them live long enough to be promoted to the oldest generation before they become garbage. Only a
full collection frees them. With the thresholds the app used to set (20,000/50/100), a full collection waited
for about a hundred million allocations: bench/soak.py's worker grew for as long as it ran. Here the worker's
start-up runs in a process of its own (the collector's state is per process), a cycle is put in the oldest
generation and dropped, and the process allocates as work would, keeping what it allocates: the cycle must be
gone well before a million allocations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORKER = """
import asyncio, gc, sys, weakref
from api.web.app import create_app
from api.core.config import get_settings

class Node:
    pass

async def main() -> None:
    settings = get_settings().model_copy(update={"timer_poll_seconds": 0, "event_poll_seconds": 0})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        node = Node()
        node.itself = node  # a cycle: only the collector frees it
        gone = weakref.ref(node)
        gc.collect(1)  # it survives the younger generations' collection: it is in the oldest now
        del node
        kept = []
        for allocated in range(50_000, 1_000_001, 50_000):
            kept.extend([] for _ in range(50_000))
            if gone() is None:
                print(f"collected after {allocated} allocations")
                return
        print(f"still there after {allocated} allocations; thresholds {gc.get_threshold()}")

asyncio.run(main())
"""


def test_a_garbage_cycle_in_the_oldest_generation_is_collected_as_the_worker_goes_on(database_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WORKER],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("collected after "), done.stdout
