"""bench/stack_floor.py keeps working: both of its measurements run against a real server of the stack, and it exits
non-zero unless every subscriber received every event once and every acknowledged insert was stored once (what it
measures would otherwise be nothing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "mode, options, expected",
    [
        (
            "fanout",
            ["--subscribers", "5", "--events", "2", "--tuned"],
            "the stack alone, 5 subscribers, 1 worker(s): p50 ",
        ),
        ("bids", ["--requests", "20", "--concurrency", "5"], "the stack alone, { ok }: 20 requests in "),
    ],
)
def test_the_stack_floor_bench_measures_what_it_says(databases, mode: str, options: list[str], expected: str) -> None:
    url = databases.create("dpv_floor")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "stack_floor.py"), mode, *options],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert expected in done.stdout, done.stdout
