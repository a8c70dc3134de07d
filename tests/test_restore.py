"""A backup restored (issue 21 item 2, docs/operators/backups.md): the database is dumped with pg_dump, restored with
pg_restore into an empty database, and a service started on the restored one, without migrating, answers a
borough's requirement, its bids and its history over HTTP, to a token issued by the restored service itself for an
OAuth client registered before the dump.

Skipped only when pg_dump or pg_restore cannot be found (Debian: postgresql-client).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid

import httpx
import pytest
from sqlalchemy.engine import make_url

from api.placements.child import hash_reference, pseudonym
from auth.clients import register_client_as_system
from tests.conftest import gid
from tests.placement_factories import published, scene, submit
from tests.test_cli import ROOT, _free_port, _stop, _wait_ready

READ = """query($id: ID!) { node(id: $id) { ... on Requirement { reference status child { pseudonymousReference }
  bids(first: 10) { totalCount nodes { status provider { slug } netWeeklyPrice } }
  history(first: 50) { nodes { action subjectType } } } } }"""


def _libpq(url: str) -> list[str]:
    """pg_dump's and pg_restore's connection options for a postgresql:// URL (the password in PGPASSWORD)."""
    u = make_url(url)
    host = u.query.get("host") or u.host or "127.0.0.1"
    return ["-h", str(host), "-p", str(u.port or 5432), "-U", u.username or "postgres"]


def _env(url: str) -> dict[str, str]:
    password = make_url(url).password
    return {**os.environ, **({"PGPASSWORD": password} if password else {})}


@pytest.mark.skipif(not (shutil.which("pg_dump") and shutil.which("pg_restore")), reason="no pg_dump/pg_restore")
async def test_a_dump_restored_into_an_empty_database_serves_the_borough(database_url, databases, db, market, tmp_path):
    sc = await scene(db, market, members=2)
    requirement = await published(db, market.barnet_officer, sc.lot.id)
    await submit(db, market.acorn_staff, requirement.id, sc.settings["Oak House"].id)
    async with db.transaction() as s:
        reg = await register_client_as_system(s, "restore", organisation_slug="barnet", scopes="borough")
    credentials = (reg.client.client_id, reg.client_secret)

    # The backup, as docs/operators/backups.md takes it: pg_dump's custom format
    dump = tmp_path / "dpv.dump"
    source = make_url(database_url)
    await asyncio.to_thread(
        subprocess.run,
        ["pg_dump", "--format=custom", "--file", str(dump), *_libpq(database_url), source.database],
        env=_env(database_url),
        check=True,
    )

    # ... restored into an empty database
    restored = await databases.acreate("dpv_restored")
    await asyncio.to_thread(
        subprocess.run,
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            *_libpq(restored),
            "-d",
            make_url(restored).database,
            str(dump),
        ],
        env=_env(restored),
        check=True,
    )

    # ... and served, without migrating: /readyz answers 200 only at the latest migration
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": restored,
        "DPV_ISSUER": base,
        "DPV_TIMER_POLL_SECONDS": "0",
        "DPV_SECRET_KEY": "restore-" + uuid.uuid4().hex,
    }
    env.pop("TEST_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--no-migrate", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        await asyncio.to_thread(_wait_ready, port, server)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            r = await http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials)
            assert r.status_code == 200, r.text
            token = r.json()["access_token"]
            r = await http.post(
                "/graphql",
                headers={"Authorization": f"Bearer {token}"},
                json={"query": READ, "variables": {"id": gid("Requirement", requirement.id)}},
            )
            assert r.status_code == 200, r.text
            body = r.json()
            assert "errors" not in body, body
            node = body["data"]["node"]
    finally:
        print(_stop(server))  # the server's log, shown when the test fails
    assert node["reference"] == requirement.reference and node["status"] == "OPEN"
    # the child's pseudonymous reference is the same: DPV_CHILD_REFERENCE_KEY, kept apart from the backup, is too
    assert node["child"]["pseudonymousReference"] == pseudonym(hash_reference("MOS-000123", market.barnet.id))
    assert node["bids"]["totalCount"] == 1
    assert node["bids"]["nodes"][0]["provider"] == {"slug": "acorn-fostering"}
    actions = [n["action"] for n in node["history"]["nodes"]]
    assert actions[:2] == ["requirement.create", "requirement.publish"] and "bid.submit" in actions, actions
