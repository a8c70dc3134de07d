"""bench/soak.py keeps working: tiny (a few seconds at a low rate, lines of 2 seconds instead of a minute), it sets up
its data, drives the open-loop mix against a freshly started worker, prints a line per period and its summary, and
exits zero only if every dashboard read answered what is stored and every acknowledged bid change is stored (what
it measures would otherwise be nothing). No figure is judged."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_soak_bench_checks_its_answers_and_prints_a_line_per_minute(databases) -> None:
    url = databases.create("dpv_soak")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "soak.py"),
            "--minutes",
            "0.1",
            "--period",
            "2",
            "--rate",
            "6",
            "--requirements",
            "6",
            "--bidders",
            "2",
            "--gc",
            "default",
            "--gc-stats",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    minutes = re.findall(
        r"^\[gc=default\] period of 2 s +\d+: +[\d.]+ answers/s \(offered 6\.0: .*\), p50 +[\d.]+ ms, "
        r"p99 +[\d.]+ ms, errors 0, late \d+, server CPU +[\d.]+ ms/answer, RSS +[\d.]+ MiB; "
        r"gc: collections [\d/]+, objects [\d/]+, frozen \d+, CPU collecting \d+ ms, longest \d+ ms "
        r"\(generation -?\d\)$",
        done.stdout,
        re.MULTILINE,
    )
    assert len(minutes) == 3, done.stdout
    assert re.search(
        r"^\[gc=default\] summary: offered 6\.0/s for 3 periods of 2 s; throughput last/first ",
        done.stdout,
        re.MULTILINE,
    ), done.stdout
    assert re.search(r"^check: \d+ acknowledged bids stored as acknowledged .*: passed$", done.stdout, re.MULTILINE), (
        done.stdout
    )
