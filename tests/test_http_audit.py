"""The GraphQL-over-HTTP conformance audit (the `graphql-http` npm package's `serverAudits`, pinned in
tests/http_audit/package-lock.json) against the running server: every audit passes, with no warning.

The audit runs under Node (20 or later, whose global `fetch` it uses); `npm ci` installs the pinned packages into
tests/http_audit/node_modules when they are absent (.ci/run installs them before the suite)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

AUDIT = Path(__file__).parent / "http_audit"


def _installed() -> Path:
    node_modules = AUDIT / "node_modules"
    if not (node_modules / "graphql-http").is_dir():
        subprocess.run([shutil.which("npm") or "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                       cwd=AUDIT, check=True, capture_output=True, timeout=300)
    return node_modules


def run_audit(url: str) -> list[dict]:
    _installed()
    done = subprocess.run([shutil.which("node") or "node", "audit.mjs", url], cwd=AUDIT, check=True,
                          capture_output=True, text=True, timeout=120)
    return json.loads(done.stdout)


def test_the_graphql_over_http_audit_passes_without_warnings(live_server, db):
    results = run_audit(f"{live_server}/graphql")
    assert len(results) > 50  # the audit ran: graphql-http 1.23.1 has 61 server audits
    failed = [f"{r['status']} {r['id']} {r['name']}: {r['reason']} (HTTP {r['responseStatus']}: "
              f"{r['responseBody']})" for r in results if r["status"] != "ok"]
    assert failed == [], "\n".join(failed)
