"""The README's tour, run as a reader runs it: its ```sh blocks, in order, in one bash, against a real
`dpv serve --demo` on a fresh database.

The blocks are those under the README's "## A tour" heading (up to the next "## " heading) whose fence says `sh`;
other fences there (```console, ```json) are not run. Each block carries its own checks (`jq -e ...`, which fails
on false or null), and bash runs them with `set -Eeuo pipefail`, so the first step that no longer works fails the
test, naming the block and the command. The server is started as the README says (`dpv serve --demo`), with its
data directory in a temporary directory; bash runs in that directory without DPV_DATA_DIR, so the tour finds
`.dpv/demo-clients.json` where a reader's shell would.

The tour needs `curl` and `jq`: CI installs them (.ci/run); on a developer machine without them the test is
skipped, and in CI a missing one is a failure, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Databases, free_port

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TOUR_HEADING = "## A tour"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)

MISSING = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
if MISSING:
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must install {', '.join(MISSING)} for the README's tour (see .ci/run)")
    pytest.skip(f"the README's tour needs {', '.join(MISSING)}", allow_module_level=True)


def tour_blocks(markdown: str) -> list[str]:
    """The ```sh blocks of the tour section, in order."""
    start = markdown.index(f"\n{TOUR_HEADING}\n")
    end = markdown.find("\n## ", start + 1)
    section = markdown[start:] if end == -1 else markdown[start:end]
    return SH_BLOCK.findall(section)


def tour_script(blocks: list[str]) -> str:
    """One bash script of the blocks: stop at the first failing command and say which block it was in."""
    lines = ["set -Eeuo pipefail", "trap 'echo \"README tour: block $TOUR_BLOCK failed at: $BASH_COMMAND\" >&2' ERR"]
    for n, block in enumerate(blocks, 1):
        lines += [f"TOUR_BLOCK={n}", f"echo '--- README tour, block {n}'", block]
    return "\n".join(lines) + "\n"


def _ready(port: int, process: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"dpv serve --demo exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"dpv serve --demo was not ready within {seconds} s:\n{log.read_text()}")


@pytest.fixture
def demo_directory(databases: Databases, tmp_path: Path) -> Iterator[Path]:
    """A directory whose `.dpv` is the data directory of a `dpv serve --demo` running on a fresh database."""
    env = {k: v for k, v in os.environ.items() if k not in ("DPV_ISSUER", "DATABASE_URL")}
    env["DATABASE_URL"] = databases.create("dpv_tour")
    env["DPV_DATA_DIR"] = str(tmp_path / ".dpv")
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _ready(port, process, log)
        yield tmp_path
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C, as a reader stops it
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_tour_is_there():
    """The extraction finds the tour: a renamed heading or fence fails here rather than running nothing."""
    blocks = tour_blocks(README.read_text())
    assert len(blocks) >= 10, blocks
    assert "dpv serve" not in "".join(blocks), "the test starts the server itself; the tour's blocks must not"


def test_the_readme_tour_runs_as_written(demo_directory: Path):
    script = tour_script(tour_blocks(README.read_text()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DPV_") and k != "DATABASE_URL"}
    done = subprocess.run(
        ["bash", "-c", script], cwd=demo_directory, env=env, capture_output=True, text=True, timeout=180
    )
    output = f"--- stdout\n{done.stdout[-8000:]}\n--- stderr\n{done.stderr[-8000:]}"
    assert done.returncode == 0, output
    assert '"placement.start"' in done.stdout, output
