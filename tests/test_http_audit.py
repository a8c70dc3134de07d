"""The GraphQL-over-HTTP conformance audit (the `graphql-http` npm package's `serverAudits`, pinned in
tests/http_audit/package-lock.json) against the running server, as a client signed in with a real token (the audits
query `__type`, which anonymous callers may not): no error and no warning.

The audit runs under Node (20 or later, whose global `fetch` it uses); `npm ci` installs the pinned packages into
tests/http_audit/node_modules when they are absent (.ci/run installs them before the suite)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.test_oauth import register, token_for

AUDIT = Path(__file__).parent / "http_audit"


def _installed() -> Path:
    node_modules = AUDIT / "node_modules"
    if not (node_modules / "graphql-http").is_dir():
        subprocess.run(
            [shutil.which("npm") or "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=AUDIT,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return node_modules


def run_audit(url: str, token: str) -> list[dict]:
    _installed()
    done = subprocess.run(
        [shutil.which("node") or "node", "audit.mjs", url],
        cwd=AUDIT,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DPV_AUDIT_TOKEN": token},
    )
    return json.loads(done.stdout)


async def test_the_graphql_over_http_audit_passes_without_errors_or_warnings(live_server, db, market):
    token = await token_for(live_server, await register(db, "barnet", "borough"))
    results = await asyncio.to_thread(run_audit, f"{live_server}/graphql", token)
    assert len(results) > 50  # the audit ran: graphql-http 1.23.1 has 61 server audits
    shown = [
        f"{r['status']} {r['id']} {r['name']}: {r['reason']} (HTTP {r['responseStatus']}: {r['responseBody']})"
        for r in results
        if r["status"] != "ok"
    ]
    failed = [line for line in shown if line.startswith(("error", "warn"))]
    assert failed == [], "\n".join(shown)
    print(f"graphql-http audit: {len(results)} audits, {len(results) - len(shown)} ok", *shown, sep="\n")
