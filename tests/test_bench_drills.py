"""bench/drills.py's foreign-transaction drill, small: another database on the same server holds a transaction with
an id open while requirements are published to subscribers on two workers; every publication is stored once and
delivered to every subscriber once, without waiting for the foreign transaction (the drill exits non-zero
otherwise, or when a delivery takes longer than its allowance)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_foreign_long_transaction_does_not_hold_delivery_back(databases) -> None:
    url = databases.create("dpv_drill")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "drills.py"),
            "foreign",
            "--hold",
            "6",
            "--every",
            "2",
            "--subscribers",
            "2",
            "--max-delay",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "lost 0; doubled 0" in done.stdout, done.stdout
    assert "drill passed" in done.stdout, done.stdout


def test_a_worker_killed_mid_bid_loses_and_doubles_nothing(databases) -> None:
    url = databases.create("dpv_drill_kill")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "drills.py"), "kill", "--requirements", "4", "--concurrency", "8"],
        capture_output=True,
        text=True,
        timeout=400,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "lost 0; doubled 0; stored but never acknowledged 0" in done.stdout, done.stdout
    assert "the supervisor started 1 new" in done.stdout, done.stdout
