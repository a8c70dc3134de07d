"""The `dpv` command as a newcomer runs it: a real process, a real embedded PostgreSQL, real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from schema import schema
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
DONE_WHEN = "{ dpvs(first: 10) { nodes { name lots(first: 20) { nodes { code weeklyRateCap } } } } }"


def _dpv(*args: str, env: dict[str, str], **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kw,
    )


def wait_ready(port: int, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"dpv serve exited early:\n{proc.stdout.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("dpv serve did not become ready")


def _post(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())


def _viewer_with_demo_client(demo: dict, slug: str) -> dict:
    """What a newcomer does with demo-clients.json: a client_credentials token, then `viewer`."""
    import httpx

    client = demo["clients"][slug]
    token = httpx.post(
        demo["token_endpoint"],
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    ).json()["access_token"]
    r = httpx.post(
        demo["token_endpoint"].replace("/oauth/token", "/graphql"),
        json={"query": "{ viewer { organisation { slug } scopes } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return r.json()["data"]["viewer"]


def stop_server(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    return out


def test_serve_demo_with_embedded_postgres_then_restart(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    env["DPV_DATA_DIR"] = str(tmp_path / "data")
    port = free_port()

    proc = _dpv("serve", "--demo", "--port", str(port), env=env)
    try:
        wait_ready(port, proc)
        body = _post(port, DONE_WHEN)
        clients_file = tmp_path / "data" / "demo-clients.json"
        demo = json.loads(clients_file.read_text())
        viewer = _viewer_with_demo_client(demo, "barnet")
    finally:
        out = stop_server(proc)
    assert f"Demo OAuth clients (client_credentials, one per demo organisation) in {clients_file.resolve()}" in out
    assert viewer == {"organisation": {"slug": "barnet"}, "scopes": ["borough", "borough:award"]}
    assert demo["token_endpoint"] == f"http://127.0.0.1:{port}/oauth/token"
    assert {"wla", "barnet", "kensington-chelsea"} <= set(demo["clients"]) and len(demo["clients"]) >= 40
    assert clients_file.stat().st_mode & 0o077 == 0, "the file holds secrets: owner only"
    assert "errors" not in body, body
    vehicles = body["data"]["dpvs"]["nodes"]
    assert len(vehicles) == 3
    assert all(lot["weeklyRateCap"] for v in vehicles for lot in v["lots"]["nodes"])
    assert "Demo data loaded." in out and f"http://127.0.0.1:{port}/graphql" in out
    pgdata = tmp_path / "data" / "pg"
    assert not (pgdata / "postmaster.pid").exists(), "Ctrl-C must stop the embedded database"

    proc = _dpv("serve", "--demo", "--port", str(port), env=env)  # the next start reuses it
    try:
        wait_ready(port, proc)
        again = _post(port, "{ dpvs(first: 10) { totalCount } }")
    finally:
        out = stop_server(proc)
    assert again["data"]["dpvs"]["totalCount"] == 3
    assert "Database not empty" in out
    assert json.loads(clients_file.read_text())["clients"] == demo["clients"], "a restart keeps the demo clients"
    assert not (pgdata / "postmaster.pid").exists()


def test_export_schema_prints_the_sdl():
    out = subprocess.run(
        [sys.executable, "-m", "api.cli", "export-schema"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out == schema.as_str() + "\n"


def test_migrate_uses_database_url(databases):
    url = databases.create("dpv_cli")
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "latest migration" in result.stdout or "migration" in result.stdout
