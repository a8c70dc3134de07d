"""bench/internals.py keeps working: with each speed-up on library internals switched off (the library's own code
put back) the subscriber shape answers exactly as with it, or the bench exits non-zero; and it prints a verdict for
each. The requests shape needs a database of its own with the demo in it: it is run by hand (docs/benchmarks.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_internals_bench_answers_the_same_with_and_without_each_speed_up() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "internals.py"), "--shapes", "subscriber", "--subscribers", "20"]
        + ["--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "- subfield memo across executions [graphql-core]" in done.stdout, done.stdout
