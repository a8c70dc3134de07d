"""The ASGI application: GraphQL over HTTP and WebSocket at /graphql, the IPAs' PDFs at /ipas/{id}.pdf, the OAuth
2.0 endpoints, health checks, and lifespan state.

The database engine, the OAuth server and the cache of token-verification keys are created once per worker
process in the lifespan and shared through its state. Each worker also runs the timer runner (api/core/timers.py) as a
background task for as long as it serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from prometheus_client import multiprocess
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import Mount, Route, WebSocketRoute, request_response
from starlette.staticfiles import StaticFiles
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from api import domains
from api.core import logs, realtime, timers
from api.core.config import Settings, get_settings
from api.core.db import Database
from api.core.errors import Unauthenticated
from api.web import graphiql
from api.web.cors import Cors
from api.web.graphql_http import GraphQLResponseMediaType
from api.web.health import healthz, readyz
from api.web.ipa_download import ipa_pdf
from api.web.limits import RequestLimits
from api.web.metrics import Metrics, metrics_endpoint, record_graphql
from api.web.oauth import (
    BearerAuthentication,
    introspection_endpoint,
    jwks,
    revocation_endpoint,
    server_metadata,
    token_endpoint,
)
from api.web.request_id import RequestIdStarlette
from api.web.security_headers import SecurityHeaders
from api.web.signin_pages import authorize, signout
from api.web.ws_tokens import SocketWatch
from auth.external import check_organisations
from auth.keys import KeyRing
from auth.server import OAuthServer
from auth.tokens import principal_from_token
from schema import schema
from schema.core import persisted
from schema.core.context import Context

# Traces only when asked for: without an OTLP endpoint, OpenTelemetry (an optional dependency) is not even loaded.
install_tracing: Callable[[Starlette], None] | None = None
if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
    from api.web import tracing

    install_tracing = tracing.install

# The schema's root fields: the operations the metrics name (api/web/metrics.py).
ROOT_FIELDS = frozenset(
    name
    for root in (schema._schema.query_type, schema._schema.mutation_type, schema._schema.subscription_type)
    if root is not None
    for name in root.fields
)


class GraphQLApp(GraphQL[Context, None]):
    persisted_documents: persisted.PersistedDocuments[Any] = persisted.PersistedDocuments({})  # set by create_app

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        """A body (or GET query string) with `documentId` instead of `query` runs that persisted document
        (schema/core/persisted.py)."""
        data = await super().parse_http_body(request)
        if isinstance(data, list) or data.query is not None:
            return data  # (a `documentId` beside a `query` is not looked for: the body is read once)
        raw = request.query_params if request.method == "GET" else self.parse_json(await request.get_body())
        document_id = raw.get("documentId") if isinstance(raw, Mapping) else None
        if document_id is None:
            return data
        text = self.persisted_documents.text(document_id) if isinstance(document_id, str) else None
        if text is None:  # refused by the schema (schema/core/limits.py), as a GraphQL error with its code
            # NOT_FOUND, a key of this request's own, is a sentinel object, not a str.
            extensions: dict[Any, Any] = {**(data.extensions or {}), persisted.NOT_FOUND: document_id}
            return replace(data, query="{ __typename }", extensions=extensions)
        return replace(data, query=text)

    # It passes the other arguments through as Strawberry gives them.
    async def execute_operation(self, request: Any, request_adapter: Any, request_data: Any, **kw: Any) -> Any:  # type: ignore[override]
        result = await super().execute_operation(request, request_adapter, request_data, **kw)
        record_graphql(request_data, result, ROOT_FIELDS)
        return result

    async def get_context(self, request: Any, response: Any = None) -> Context:
        state = request.state
        # BearerAuthentication (HTTP) sets the principal from a valid access token; without a token the caller
        # is anonymous and can read only public procurement information. A WebSocket authenticates at
        # connection_init (on_ws_connect).
        return Context(
            db=state.db,
            settings=state.settings,
            principal=getattr(state, "principal", None),
            request=request,
            response=response,
            hub=getattr(state, "hub", None),
        )

    async def render_graphql_ide(self, request: Any) -> Response:
        state = request.state
        client_id = await graphiql.ensure_client(state.db, state.settings)
        return graphiql.page(client_id, state.settings)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """`connection_init` carries `{"authorization": "Bearer <token>"}`; it is checked by the same function
        as HTTP bearer tokens. A bad token closes the socket with 4403; no token is an anonymous connection.
        The socket is closed (4403) when the token expires or is no longer accepted, revoked say
        (api/web/ws_tokens.py): the client reconnects with a new token and resumes each subscription from the last
        cursor it received."""
        header = (context.connection_params or {}).get("authorization")
        if header is None:
            return UNSET
        scheme, _, token = str(header).partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ConnectionRejectionError({"reason": "authorization must be 'Bearer <token>'"})
        state = context.request.state
        try:
            principal = await principal_from_token(token.strip(), db=state.db, keys=state.keys, settings=state.settings)
        except Unauthenticated as exc:
            raise ConnectionRejectionError({"reason": str(exc)}) from None
        context.authenticate(principal)
        state.sockets.watch(context.request, token.strip())
        return UNSET


def quieter_collector(mode: str = "freeze") -> None:
    """The worker's cyclic garbage collector, as DPV_GC says (api/core/config.py `Settings.gc_mode`).

    A full collection walks every object it tracks and stops the worker meanwhile: walking all that exists at
    start-up (the schema, the models, the libraries: most of the worker's objects) took long enough to stall a
    fan-out (bench/fanout.py; figures in docs/benchmarks.md). That start-up lives as long as the worker, so
    `freeze` (the default) collects once and moves it out of the collector's sight: a full collection then walks
    only what requests and connections made since, and Python's own thresholds keep it from piling up.
    `tuned`, the earlier setting, also raised the thresholds to 20,000/50/100. Under a steady load
    (bench/soak.py) that left the oldest generation without a single full collection for as long as the
    soak ran: the garbage cycles promoted there piled up and the worker's memory kept growing. `default` is
    Python's own, start-up included in every full collection."""
    if mode == "default":
        return
    gc.collect()
    gc.freeze()
    if mode == "tuned":
        gc.set_threshold(20_000, 50, 100)


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    settings = settings or get_settings()
    logs.install()  # every log record of the worker made safe as it is made
    domains.check()  # every hook and timer of the domains has its handler, before anything runs

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        db = database or Database.from_settings(settings)
        key_ring = KeyRing()
        runner: asyncio.Task | None = None
        hub: realtime.Hub | None = None
        sockets = SocketWatch(db, settings)
        try:
            await check_organisations(db, settings)  # a trusted issuer for a provider or the alliance: no start
            if settings.timer_poll_seconds > 0:
                runner = asyncio.create_task(timers.run_forever(db, settings.timer_poll_seconds), name="dpv-timers")
            if settings.event_poll_seconds > 0:
                hub = realtime.Hub(db, poll_seconds=settings.event_poll_seconds, dsn=settings.listen_database_url)
                await hub.start()
            sockets.start()
            quieter_collector(settings.gc_mode)
            yield {
                "db": db,
                "settings": settings,
                "keys": key_ring,
                "oauth": OAuthServer(settings, key_ring),
                "hub": hub,
                "sockets": sockets,
            }
        finally:
            await sockets.stop()
            if hub is not None:
                await hub.stop()
            if runner is not None:
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
            if database is None:
                await db.dispose()
            if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # this worker's live gauges end with it
                multiprocess.mark_process_dead(os.getpid())

    graphql = GraphQLApp(
        schema,
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=True,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=timedelta(seconds=5),
        max_subscriptions_per_connection=settings.ws_max_subscriptions,
        multipart_uploads_enabled=False,
    )
    graphql.persisted_documents = persisted.documents(settings.persisted_documents)  # read at start
    app = RequestIdStarlette(  # Starlette, with the request id (api/web/request_id.py) around everything
        routes=[
            Route("/graphql", GraphQLResponseMediaType(BearerAuthentication(graphql)), methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/ipas/{id}.pdf", BearerAuthentication(request_response(ipa_pdf)), methods=["GET"]),
            Route("/oauth/authorize", authorize, methods=["GET", "POST"]),
            Route("/oauth/signout", signout, methods=["GET", "POST"]),
            Route("/oauth/token", token_endpoint, methods=["POST"]),
            Route("/oauth/revoke", revocation_endpoint, methods=["POST"]),
            Route("/oauth/introspect", introspection_endpoint, methods=["POST"]),
            Route("/oauth/jwks", jwks, methods=["GET"]),
            Route("/.well-known/oauth-authorization-server", server_metadata, methods=["GET"]),
            Mount("/static", StaticFiles(directory=graphiql.STATIC), name="static"),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
        ],
        # Outermost first: every answer gets the security headers and CORS, a 413 included.
        middleware=[
            Middleware(Metrics),  # outermost: every answer timed and counted, refusals included
            Middleware(SecurityHeaders),
            Middleware(Cors, origins=settings.cors_origins),
            Middleware(
                RequestLimits, max_body_bytes=settings.max_body_bytes, max_message_bytes=settings.ws_max_message_bytes
            ),
        ],
        lifespan=lifespan,
    )
    if install_tracing is not None:
        install_tracing(app)
    return app
