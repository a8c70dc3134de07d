"""GET /metrics, in Prometheus' text format, and what the web layer counts for it (docs/operators/metrics.md).

Not public: the caller shows a bearer access token of the alliance, or the scrape secret `DPV_METRICS_TOKEN`.
Anonymous: 401; a token of anyone else: 403.

- `Metrics` (pure ASGI, around every route) times each request and counts it by **operation** and **outcome**.
  A GraphQL request's operation is its first root field (`requirementPublish`, `node`...), checked against the
  schema's root fields ("other" when it is not one): a client's own operation names would make the label set
  unbounded. Its outcome: `ok`, `error` (errors with data) or `refused` (no data: invalid, too costly, over
  budget, forbidden...). Any other request's operation is its route (`/oauth/token`) and its outcome its status
  class (`2xx`...). It also counts the request's statements and the open WebSockets.
- The scrape adds what is read at that moment: the event stream's head and each worker's lag behind it, and the
  timers due, overdue and failed.

With several workers (PROMETHEUS_MULTIPROC_DIR, see api/core/metrics.py) a scrape of any worker answers for all.
"""

from __future__ import annotations

import hmac
import os
import re
import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import text
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core import events, metrics
from api.core.errors import Unauthenticated
from api.core.principal import OrganisationKind
from auth.tokens import principal_from_token

# A timer due longer than this and still pending is overdue: every worker looks for due timers every second.
OVERDUE_SECONDS = 60

_ROUTES = frozenset(
    {
        "/graphql",
        "/oauth/authorize",
        "/oauth/signout",
        "/oauth/token",
        "/oauth/revoke",
        "/oauth/introspect",
        "/oauth/jwks",
        "/.well-known/oauth-authorization-server",
        "/healthz",
        "/readyz",
        "/metrics",
    }
)


def route_of(path: str) -> str:
    if path in _ROUTES:
        return path
    if path.startswith("/ipas/"):
        return "/ipas/{id}.pdf"
    if path.startswith("/static/"):
        return "/static"
    return "other"


_OPERATION = re.compile(r"\b(?:query|mutation|subscription)\s+(\w+)")
_FIRST_FIELD = re.compile(r"\{\s*(?:\w+\s*:\s*)?(\w+)")


def operation_of(query: str | None, operation_name: str | None, root_fields: frozenset[str]) -> str:
    """The first root field of the operation run: a name of the schema, or "other"."""
    if not query:
        return "other"
    start = 0
    if operation_name:
        start = next((m.end() for m in _OPERATION.finditer(query) if m.group(1) == operation_name), 0)
    found = _FIRST_FIELD.search(query, start)
    return found.group(1) if found and found.group(1) in root_fields else "other"


def outcome_of(result: Any) -> str:
    if not getattr(result, "errors", None):
        return "ok"
    return "refused" if result.data is None else "error"


def record_graphql(request_data: Any, result: Any, root_fields: frozenset[str]) -> None:
    """Label the current request with its GraphQL operation and outcome, and count its cost."""
    current = metrics.CURRENT.get()
    if current is None:
        return
    if isinstance(request_data, list):
        current.operation, current.outcome = "batch", "ok"
        return
    current.operation = operation_of(request_data.query, request_data.operation_name, root_fields)
    current.outcome = outcome_of(result)
    cost = ((getattr(result, "extensions", None) or {}).get("cost") or {}).get("requested")
    if isinstance(cost, int) and current.outcome != "refused":
        metrics.QUERY_COST.labels(current.operation).observe(cost)


class Metrics:
    """Pure ASGI, around the routes: each HTTP request timed and counted; open WebSockets counted."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            metrics.WEBSOCKETS.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                metrics.WEBSOCKETS.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        with metrics.request() as current:
            try:
                await self.app(scope, receive, sending)
            finally:
                elapsed = time.perf_counter() - started
                operation = current.operation or route_of(scope["path"])
                outcome = current.outcome or f"{status // 100}xx"
                metrics.REQUESTS.labels(operation, outcome).inc()
                metrics.LATENCY.labels(operation, outcome).observe(elapsed)
                metrics.STATEMENTS.labels(operation).observe(current.statements)


# --- the scrape -----------------------------------------------------------------------------------------------


async def _allowed(request: Request) -> Response | None:
    """None when the caller may read the metrics; else the refusal."""
    state = request.state
    scheme, _, token = (Headers(scope=request.scope).get("authorization") or "").strip().partition(" ")
    token = token.strip()
    challenge = {"WWW-Authenticate": 'Bearer realm="dpv-metrics"', "Cache-Control": "no-store"}
    if scheme.lower() != "bearer" or not token:
        return JSONResponse({"error": "a bearer token is required"}, status_code=401, headers=challenge)
    secret = state.settings.metrics_token
    if secret and hmac.compare_digest(token.encode(), secret.encode()):
        return None
    try:
        principal = await principal_from_token(token, db=state.db, keys=state.keys, settings=state.settings)
    except Unauthenticated:
        return JSONResponse({"error": "the token is not accepted"}, status_code=401, headers=challenge)
    if principal.organisation_kind is not OrganisationKind.ALLIANCE:
        return JSONResponse({"error": "only the alliance reads the metrics"}, status_code=403)
    return None


class _Families:
    """What `generate_latest` reads: collected metric families."""

    def __init__(self, families: Iterable[Metric]):
        self.families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self.families


def _collected() -> list[Metric]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return list(registry.collect())
    return list(REGISTRY.collect())


_TIMERS = text(
    """SELECT count(*) FILTER (WHERE state = 'PENDING' AND due_at <= now()) AS due,
              count(*) FILTER (WHERE state = 'PENDING' AND due_at <= now() - make_interval(secs => :overdue))
                AS overdue,
              count(*) FILTER (WHERE state = 'FAILED') AS failed
       FROM timer"""
)


async def metrics_endpoint(request: Request) -> Response:
    refused = await _allowed(request)
    if refused is not None:
        return refused
    async with request.state.db.reading() as conn:
        head = await events.head(conn)
        timers = (await conn.execute(_TIMERS, {"overdue": OVERDUE_SECONDS})).one()
    families = _collected()
    read = next((f for f in families if f.name == "dpv_event_stream_read_id"), None)
    head_family = GaugeMetricFamily("dpv_event_stream_head_id", "The audit id of the event stream's last final event")
    head_family.add_metric([], head.id)
    lag = GaugeMetricFamily(
        "dpv_event_stream_lag",
        "Events each worker's hub has still to read (the head's id minus the id it has read up to; 0 without "
        "subscribers)",
        labels=["pid"],
    )
    for sample in read.samples if read else []:
        pid = sample.labels.get("pid", str(os.getpid()))
        lag.add_metric([pid], 0 if sample.value < 0 else max(0, head.id - int(sample.value)))
    due = GaugeMetricFamily(
        "dpv_timers",
        f"Timers: due (pending, their time passed), overdue (due over {OVERDUE_SECONDS} s ago), failed",
        labels=["state"],
    )
    due.add_metric(["due"], timers.due)
    due.add_metric(["overdue"], timers.overdue)
    due.add_metric(["failed"], timers.failed)
    body = generate_latest(_Families([*families, head_family, lag, due]))
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
