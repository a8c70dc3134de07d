"""bench/subscriber.py keeps working: it drives real subscriptions through the real hub and exits non-zero unless
every subscriber received every event (what it measures would otherwise be nothing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_subscriber_bench_delivers_every_event_to_every_subscriber_and_prints_its_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "subscriber.py"), "--subscribers", "5", "--rounds", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("5 subscribers, 2 events: CPU per subscriber and event best ")
