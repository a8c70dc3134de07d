"""Test fixtures: a real PostgreSQL, real sessions, real principals.

The server is TEST_DATABASE_URL when set (CI: the one on 127.0.0.1:5432), else an embedded one from the
`pgserver` wheel. Each run creates its own database on it and drops it at the end. Tests are isolated
from each other: every test starts from empty tables (the ones an earlier test wrote are truncated), and domain
tests that need no concurrency run inside a transaction that is rolled back (savepoints).
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

# The key of the child's case-reference hash (api/placements/child.py), set before the settings are first read:
# without it the service would generate one under DPV_DATA_DIR (./.dpv) like in development.
os.environ.setdefault("DPV_CHILD_REFERENCE_KEY", "test-only-child-reference-key-" + uuid.uuid4().hex)

import asyncpg
import pytest
import pytest_asyncio
import uvicorn
from joserfc.jwk import RSAKey
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from strawberry.relay import to_base64

from api.core import migrate
from api.core.config import Settings, TrustedIssuer, async_url, get_settings
from api.core.db import Database
from api.core.principal import ActorKind, OrganisationKind, Principal, Scope
from api.market.models import Organisation
from api.models import metadata
from schema import schema
from schema.core.context import Context

# --- the server and this run's databases ------------------------------------------------------------------


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    from api.core.embedded import embedded_postgres

    with embedded_postgres(tmp_path_factory.mktemp("pg"), "postgres") as url:
        yield url


def asyncpg_dsn(url: str) -> dict[str, Any]:
    u = make_url(url)
    return {
        "user": u.username,
        "password": u.password or None,
        "host": u.query.get("host") or u.host,
        "port": u.port,
        "database": u.database,
    }


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(**asyncpg_dsn(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class Databases:
    """Creates empty databases on the test server and drops them at the end of the run."""

    def __init__(self, server_url: str):
        self.server_url = server_url
        self.created: list[str] = []

    def create(self, prefix: str = "dpv_test") -> str:
        return asyncio.run(self.acreate(prefix))

    async def acreate(self, prefix: str = "dpv_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        await _admin(self.server_url, f'CREATE DATABASE "{name}"')
        # A test database need not survive a crash of the server: its commits do not wait for the WAL to reach the
        # disk (what is committed is visible as before; only durability is given up). On a busy machine that wait
        # was most of a commit's time, and the tests commit thousands of times.
        await _admin(self.server_url, f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        self.created.append(name)
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    async def adrop(self, url: str) -> None:
        name = make_url(url).database
        await _admin(self.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.remove(name)

    def drop_all(self) -> None:
        for name in self.created:
            asyncio.run(_admin(self.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def databases(server_url: str) -> Iterator[Databases]:
    dbs = Databases(server_url)
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def database_url(databases: Databases) -> str:
    url = databases.create()
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def live_port() -> int:
    """The port of `live_server`, chosen first so that the settings can name the issuer (tokens carry it)."""
    return free_port()


@dataclass(frozen=True)
class IdentityProvider:
    """A test-only stand-in for a borough's own identity provider: its signing key, and the trusted-issuer
    configuration that names its public key (tests/test_external_issuer.py)."""

    config: TrustedIssuer
    key: RSAKey


@pytest.fixture(scope="session")
def ealing_idp() -> IdentityProvider:
    """Ealing's identity provider, trusted by `settings` (so by `live_server`), with a key made for this run."""
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True)
    key.ensure_kid()
    config = TrustedIssuer(
        issuer="https://login.ealing.test/5a1e7c2d/v2.0",
        jwks={"keys": [key.as_dict(private=False)]},
        audience="api://dpv-exchange",
        organisation="ealing",
        actor_claim="preferred_username",
        scopes={"roles": {"PlacementOfficer": ["borough"], "AuthorisedOfficer": ["borough", "borough:award"]}},
    )
    return IdentityProvider(config, key)


@pytest.fixture(scope="session")
def settings(database_url: str, live_port: int, ealing_idp: IdentityProvider) -> Settings:
    # The budget (api/core/budget.py) is on, so that every request over HTTP charges it as in production, but holds far
    # more than any test spends: every anonymous request of the run comes from 127.0.0.1 and would share one
    # bucket. tests/test_limits.py serves its own apps with small budgets. The query cost limit is the default:
    # every query the tests make must pass it.
    return get_settings().model_copy(
        update={
            "database_url": database_url,
            "issuer": f"http://127.0.0.1:{live_port}",
            "trusted_issuers": [ealing_idp.config],
            "secret_key": "test-only-secret-key-" + uuid.uuid4().hex,
            "rate_limit_burst": 10**9,
            "rate_limit_points_per_second": 10.0**6,
        }
    )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(create_async_engine(async_url(database_url), pool_size=10, max_overflow=10))
    yield db
    await db.dispose()


TABLES = [t.name for t in metadata.sorted_tables]

# One statement that names the tables holding rows and the tables' id sequences that have handed out a value: what a
# test left behind. Most tests leave a few tables written and many none (the rolled-back ones, the rules tests), so
# emptying only those is much cheaper than truncating all of them each time: TRUNCATE makes new files for every table
# and index it names, and takes every one of their locks.
_LEFT_BEHIND = text(
    "SELECT name FROM ("
    + " UNION ALL ".join(f"SELECT '{t}' AS name WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in TABLES)
    + ") AS written UNION ALL SELECT '.' || quote_ident(schemaname) || '.' || quote_ident(sequencename)"
    " FROM pg_sequences WHERE last_value IS NOT NULL AND sequencename = ANY(:owned)"
)


async def _owned_sequences(conn: Any) -> list[str]:
    """The sequences the tables' columns own (their ids): what TRUNCATE ... RESTART IDENTITY would restart."""
    rows = await conn.execute(
        text(
            "SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid"
            " AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') JOIN pg_class t ON t.oid = d.refobjid"
            " WHERE s.relkind = 'S' AND t.relname = ANY(:tables)"
        ),
        {"tables": TABLES},
    )
    return [name for (name,) in rows]


async def empty_tables(database: Database) -> None:
    """Every table empty and every id sequence restarted, as one TRUNCATE of all tables with RESTART IDENTITY would
    leave them: only the tables with rows are truncated, only the sequences that moved are restarted."""
    async with database.engine.begin() as conn:
        owned = database.__dict__.get("_test_owned_sequences")
        if owned is None:
            owned = database.__dict__["_test_owned_sequences"] = await _owned_sequences(conn)
        left = [name for (name,) in await conn.execute(_LEFT_BEHIND, {"owned": owned})]
        tables = [name for name in left if not name.startswith(".")]
        if tables:
            await conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        for sequence in (name[1:] for name in left if name.startswith(".")):
            await conn.execute(text("SELECT setval(:s, 1, false)"), {"s": sequence})


@pytest_asyncio.fixture(loop_scope="session")
async def db(database: Database) -> Database:
    """The test database, emptied before the test (`empty_tables`). The live server's timer runner may be working on
    a timer an earlier test left due (a document expiring, say): its transaction locks the timer, then reads an
    organisation, while TRUNCATE takes the tables in its own order, and PostgreSQL then ends one of the two as a
    deadlock. The runner retries its timer on its next poll; the emptying is tried again here."""
    attempts = 5
    while True:
        try:
            await empty_tables(database)
            return database
        except DBAPIError as exc:
            attempts -= 1
            if not attempts or not isinstance(exc.orig.__cause__, asyncpg.DeadlockDetectedError):
                raise
            await asyncio.sleep(0.05)


@pytest_asyncio.fixture(loop_scope="session")
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back: domain code may commit (savepoints)."""
    async with db.engine.connect() as conn:
        outer = await conn.begin()
        s = AsyncSession(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
        try:
            yield s
        finally:
            await s.close()
            await outer.rollback()


# --- organisations and principals ---------------------------------------------------------------------------


async def make_org(db: Database, kind: OrganisationKind, slug: str, name: str | None = None) -> Organisation:
    async with db.transaction() as s:
        org = Organisation(kind=kind, slug=slug, name=name or slug.replace("-", " ").title())
        s.add(org)
        await s.flush()
        return org


async def waiting_for_locks(db: Database, count: int, timeout: float = 10) -> None:
    """Wait until `count` of this database's connections are waiting for a lock (a row another transaction holds,
    say): the condition a test of a queue behind a lock waits for, rather than a fixed time."""
    deadline = time.monotonic() + timeout
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while True:
        async with db.reading() as conn:
            waiting = (await conn.execute(query)).scalar_one()
        if waiting >= count:
            return
        assert time.monotonic() < deadline, f"{waiting} connections waiting for a lock, not {count}"
        await asyncio.sleep(0.01)


def gid(type_name: str, id_: int) -> str:
    """A row's global ID, as clients send it."""
    return to_base64(type_name, id_)


def error_code(result: Any) -> str:
    """The `extensions.code` of a result's first top-level error."""
    assert result.errors, "expected a top-level error"
    return result.errors[0].extensions["code"]


async def count(db: Database, model: Any, *where: Any) -> int:
    """How many rows of `model` (matching `where`) are stored now."""
    async with db.session() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


def principal_for(org: Organisation, *scopes: Scope) -> Principal:
    return Principal(
        organisation_id=org.id,
        organisation_kind=org.kind,
        organisation_slug=org.slug,
        scopes=frozenset(scopes),
        actor_kind=ActorKind.USER,
        actor_id=f"test@{org.slug}",
    )


@dataclass
class Market:
    """A small market: the alliance, two boroughs, two providers, and their principals."""

    wla: Organisation
    barnet: Organisation
    ealing: Organisation
    acorn: Organisation
    birch: Organisation

    @property
    def admin(self) -> Principal:
        return principal_for(self.wla, Scope.WLA, Scope.WLA_SAFEGUARDING)

    @property
    def barnet_officer(self) -> Principal:
        return principal_for(self.barnet, Scope.BOROUGH)

    @property
    def ealing_officer(self) -> Principal:
        return principal_for(self.ealing, Scope.BOROUGH)

    @property
    def acorn_staff(self) -> Principal:
        return principal_for(self.acorn, Scope.PROVIDER)

    @property
    def birch_staff(self) -> Principal:
        return principal_for(self.birch, Scope.PROVIDER)


@pytest_asyncio.fixture(loop_scope="session")
async def market(db: Database) -> Market:
    return await make_market(db)


async def make_market(db: Database) -> Market:
    return Market(
        wla=await make_org(db, OrganisationKind.ALLIANCE, "wla", "West London Alliance"),
        barnet=await make_org(db, OrganisationKind.LOCAL_AUTHORITY, "barnet", "London Borough of Barnet"),
        ealing=await make_org(db, OrganisationKind.LOCAL_AUTHORITY, "ealing", "London Borough of Ealing"),
        acorn=await make_org(db, OrganisationKind.PROVIDER, "acorn-fostering", "Acorn Fostering"),
        birch=await make_org(db, OrganisationKind.PROVIDER, "birch-homes", "Birch Homes"),
    )


# --- running GraphQL ----------------------------------------------------------------------------------------


class StatementCounter:
    def __init__(self, db: Database):
        self.count = 0
        self.statements: list[str] = []
        self._engine = db.engine.sync_engine

    def _on(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.count += 1
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        event.listen(self._engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self._engine, "before_cursor_execute", self._on)


@dataclass
class GQL:
    db: Database
    settings: Settings

    async def __call__(self, query: str, variables: dict | None = None, principal: Principal | None = None) -> Any:
        context = Context(db=self.db, settings=self.settings, principal=principal)
        return await schema.execute(query, variable_values=variables, context_value=context)

    async def first_event(
        self, query: str, variables: dict | None, principal: Principal | None, hub: Any, timeout: float = 0.5
    ) -> Any:
        """Start a subscription in process: its first result (an error, when refused), or None when it is
        running and nothing has happened within `timeout`."""
        context = Context(db=self.db, settings=self.settings, principal=principal, hub=hub)
        stream = await schema.subscribe(query, variable_values=variables, context_value=context)
        if not hasattr(stream, "__anext__"):
            return stream  # refused before it started
        try:
            return await asyncio.wait_for(stream.__anext__(), timeout)
        except (TimeoutError, StopAsyncIteration):
            return None
        finally:
            await stream.aclose()

    async def ok(self, query: str, variables: dict | None = None, principal: Principal | None = None) -> dict:
        result = await self(query, variables, principal)
        assert result.errors is None, result.errors
        return result.data


@pytest.fixture
def gql(db: Database, settings: Settings) -> GQL:
    return GQL(db, settings)


@pytest_asyncio.fixture(loop_scope="session")
async def hub(db: Database) -> AsyncIterator[Any]:
    """An event hub (api/core/realtime.py) in the test's own process, for subscriptions run in process."""
    from api.core.realtime import Hub

    running = Hub(db, poll_seconds=0.2)
    await running.start()
    yield running
    await running.stop()


# --- a real server over HTTP --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_LIVE_SERVERS: dict[str, uvicorn.Server] = {}


def server_hub(live_server: str) -> Any:
    """The event hub of the server `live_server` runs (in its lifespan's state)."""
    return _LIVE_SERVERS[live_server].lifespan.state["hub"]


async def subscribed(hub: Any, count: int, timeout: float = 10) -> None:
    """Wait until `hub` has exactly `count` subscribers: a subscription's registration is not acknowledged to its
    client, and an event committed before it would not be delivered live. Exactly: a socket an earlier test closed
    may still be unsubscribing."""
    deadline = time.monotonic() + timeout
    while len(hub.subscribers) != count:
        assert time.monotonic() < deadline, f"{len(hub.subscribers)} subscribers, not {count}"
        await asyncio.sleep(0.01)


@pytest.fixture(scope="session")
def live_server(settings: Settings, live_port: int) -> Iterator[str]:
    """The real application under uvicorn, in a thread, on a free port of 127.0.0.1."""
    from api.web.app import create_app

    port = live_port
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            ws_max_size=settings.ws_max_message_bytes,
            ws_per_message_deflate=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    _LIVE_SERVERS[url] = server
    yield url
    del _LIVE_SERVERS[url]
    server.should_exit = True
    thread.join(timeout=10)


@pytest_asyncio.fixture(loop_scope="session")
async def market_in_session(session: AsyncSession) -> Market:
    """The small market, inside the rolled-back transaction of `session`."""
    orgs = []
    for kind, slug, name in [
        (OrganisationKind.ALLIANCE, "wla", "West London Alliance"),
        (OrganisationKind.LOCAL_AUTHORITY, "barnet", "London Borough of Barnet"),
        (OrganisationKind.LOCAL_AUTHORITY, "ealing", "London Borough of Ealing"),
        (OrganisationKind.PROVIDER, "acorn-fostering", "Acorn Fostering"),
        (OrganisationKind.PROVIDER, "birch-homes", "Birch Homes"),
    ]:
        org = Organisation(kind=kind, slug=slug, name=name)
        session.add(org)
        orgs.append(org)
    await session.flush()
    return Market(*orgs)
