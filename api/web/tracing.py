"""OpenTelemetry traces, sent over OTLP (HTTP) to `OTEL_EXPORTER_OTLP_ENDPOINT`.

api/web/app.py imports this module only when that variable is set: without it OpenTelemetry is not loaded at all
(it is an optional dependency: `uv sync --extra otel`; the image of docs/operators/deploy/ has it). The standard
`OTEL_*` variables configure the rest (`OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_HEADERS`, the batch's delay...).

- One span per HTTP request or WebSocket (Starlette's instrumentation), without its query string: a GraphQL
  query sent by GET carries its variables there, and a child's details are never sent out of the service.
- One span per statement sent to PostgreSQL (asyncpg's instrumentation: every statement, those run on the driver
  directly and the event hub's included), with its SQL text and never its parameters.
"""

from __future__ import annotations

import os
from typing import Any

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.starlette import StarletteInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from starlette.applications import Starlette

_URL_ATTRIBUTES = ("http.url", "url.full", "http.target")


def _without_query(span: Any, scope: dict[str, Any]) -> None:
    """The request's span names its path, never its query string."""
    if not span or not span.is_recording():
        return
    path = scope.get("path", "")
    for name in _URL_ATTRIBUTES:
        span.set_attribute(name, path)
    span.set_attribute("url.query", "")


def install(app: Starlette) -> None:
    provider = TracerProvider(
        resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "dpv-exchange")})
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    StarletteInstrumentor.instrument_app(app, server_request_hook=_without_query, tracer_provider=provider)
    AsyncPGInstrumentor(capture_parameters=False).instrument(tracer_provider=provider)
