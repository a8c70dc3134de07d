"""What the core counts for the operator's metrics (served by api/web/metrics.py at GET /metrics).

Metrics are prometheus-client's. With several workers, `PROMETHEUS_MULTIPROC_DIR` names a directory every worker
writes its values to (`dpv serve` makes one when it is unset) and a scrape of any worker adds them all up; so the
variable must be set before prometheus-client is first imported, which `dpv serve` does. A gauge says how it is
added up across workers (`multiprocess_mode`).

- **Per request** (`Request`, in a context variable set by the web layer): how many statements it sent, counted
  by SQLAlchemy's `before_cursor_execute` and `DriverStatement`, which run in the request's task or in tasks it
  started (DataLoader batches), so they see its context.
- **The pool**: how long a checkout waited for a connection (`TimedPool`), and how many connections are in use.
- **The event stream**: each worker's hub says which audit id it has read up to; the scrape subtracts it from the
  head (api/web/metrics.py).
- **WebSockets** and the hub's **subscriptions**: live gauges, summed over workers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "dpv_requests",
    "Requests answered, by operation (a GraphQL root field, or an HTTP route) and outcome",
    ["operation", "outcome"],
)
LATENCY = Histogram(
    "dpv_request_duration_seconds",
    "Time to answer a request, by operation and outcome",
    ["operation", "outcome"],
    buckets=LATENCY_BUCKETS,
)
QUERY_COST = Histogram(
    "dpv_query_cost",
    "The cost of each GraphQL operation run, in points (DPV_MAX_QUERY_COST)",
    ["operation"],
    buckets=(1, 10, 50, 100, 500, 1000, 5000, 10000, 50000),
)
STATEMENTS = Histogram(
    "dpv_statements_per_request",
    "SQL statements one request sent to PostgreSQL",
    ["operation"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100),
)
POOL_WAIT = Histogram(
    "dpv_db_pool_wait_seconds",
    "Time a task waited for a pooled database connection (a new connection's set-up included)",
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0),
)
POOL_IN_USE = Gauge("dpv_db_pool_connections_in_use", "Pooled connections checked out now", multiprocess_mode="livesum")
POOL_SIZE = Gauge("dpv_db_pool_size", "Connections each worker's pool keeps", multiprocess_mode="livesum")
# Labelled, so that only a process running a hub has a value (an unlabelled gauge has one, 0, in every process
# that imports this module, the `dpv serve` that starts the workers included).
STREAM_READ = Gauge(
    "dpv_event_stream_read_id",
    "The audit id up to which this worker's event hub has read for its subscribers (-1: none subscribe)",
    ["stream"],
    multiprocess_mode="liveall",
)


def stream_read(audit_id: int) -> None:
    """The hub has read the stream up to this audit id (-1: it has no subscribers, so nothing to read)."""
    STREAM_READ.labels("audit").set(audit_id)


WEBSOCKETS = Gauge("dpv_websocket_connections", "Open WebSocket connections", multiprocess_mode="livesum")
SUBSCRIPTIONS = Gauge("dpv_subscriptions", "Live subscriptions on the event hubs", multiprocess_mode="livesum")


@dataclass
class Request:
    """What one request has done so far, and what it was (set by the layer that knows: api/web/metrics.py)."""

    statements: int = 0
    operation: str | None = None
    outcome: str | None = None


CURRENT: ContextVar[Request | None] = ContextVar("dpv_request_metrics", default=None)


def count_statement() -> None:
    current = CURRENT.get()
    if current is not None:
        current.statements += 1


@contextmanager
def request() -> Iterator[Request]:
    """The metrics of the request run inside."""
    current = Request()
    token = CURRENT.set(current)
    try:
        yield current
    finally:
        CURRENT.reset(token)


class TimedPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio queue pool, timing each checkout (the wait for a free connection, or a new one's
    set-up) into `dpv_db_pool_wait_seconds`."""

    def _do_get(self) -> Any:
        started = time.perf_counter()
        try:
            return super()._do_get()
        finally:
            POOL_WAIT.observe(time.perf_counter() - started)


def instrument(engine: AsyncEngine, pool_size: int) -> None:
    """Count the engine's statements per request and its connections in use."""
    POOL_SIZE.inc(pool_size)

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _statement(*_: Any) -> None:
        count_statement()

    @event.listens_for(engine.sync_engine, "checkout")
    def _out(*_: Any) -> None:
        POOL_IN_USE.inc()

    @event.listens_for(engine.sync_engine, "checkin")
    def _in(*_: Any) -> None:
        POOL_IN_USE.dec()
