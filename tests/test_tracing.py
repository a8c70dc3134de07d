"""OpenTelemetry traces (issue 21 item 1): loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set; then each request
and each statement is a span sent over OTLP, here to a collector of the test's own, without a query string."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import httpx
import pytest

from tests.test_cli import ROOT, _free_port, _stop, _wait_ready


def test_opentelemetry_is_not_loaded_without_an_endpoint():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    check = "import sys, api.web.app; sys.exit(any(m.split('.')[0] == 'opentelemetry' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env).returncode == 0


@pytest.mark.skipif(
    importlib.util.find_spec("opentelemetry.sdk") is None,
    reason="the otel extra is not installed (uv sync --extra otel)",
)
async def test_spans_reach_the_collector_without_the_query_string(database_url):
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    received: list[bytes] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    collector = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DPV_ISSUER": f"http://127.0.0.1:{port}",
        "DPV_SECRET_KEY": "tracing-" + uuid.uuid4().hex,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.server_port}",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    env.pop("TEST_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    marker = "MOS-" + uuid.uuid4().hex[:8]
    try:
        await asyncio.to_thread(_wait_ready, port, server)
        query = quote("query($r: String) { dpvs(first: 1) { nodes { name } } }")
        variables = quote(json.dumps({"r": marker}))
        async with httpx.AsyncClient() as http:
            r = await http.get(f"http://127.0.0.1:{port}/graphql?query={query}&variables={variables}")
            assert r.status_code == 200, r.text
        spans = []
        deadline = time.monotonic() + 30
        while not any(s.name.startswith("GET /graphql") for s in spans):
            assert time.monotonic() < deadline, [s.name for s in spans]
            await asyncio.sleep(0.05)
            spans = []
            for body in list(received):
                request = ExportTraceServiceRequest.FromString(body)
                spans += [s for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans]
    finally:
        print(_stop(server))
        collector.shutdown()
    attributes = {a.key: a.value for s in spans for a in s.attributes}
    assert any(a.key == "db.system" for s in spans for a in s.attributes), [s.name for s in spans]
    assert marker not in str(spans) and "variables" not in str(attributes)
