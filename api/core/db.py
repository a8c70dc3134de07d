"""The database: declarative base with a naming convention, the engine and the session factory.

One AsyncSession per task: every resolver and every DataLoader batch opens its own from `Database.session()`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event, exc, func
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.core import metrics, text_limits
from api.core.config import Settings, async_url

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


text_limits.check_on_write(Base)  # text longer than its column is the caller's error, not the database's


def utcnow_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def next_id(table: Any) -> Any:
    """The next value of a table's `id` sequence (every table's id is a BIGSERIAL): `table` is its name, or a
    bound parameter that will hold it. For an id that must be known before its row is inserted."""
    return func.nextval(func.pg_get_serial_sequence(table, "id"))


# A pooled connection unused for this long is pinged before it is handed out.
IDLE_BEFORE_PING_SECONDS = 5.0


def ping_after_idle(engine: AsyncEngine, idle: float = IDLE_BEFORE_PING_SECONDS) -> None:
    """Pessimistic disconnect handling for connections that have sat idle in the pool.

    `pool_pre_ping` pings on every checkout: a round trip, and its CPU, on every request. A busy pool's
    connections were in use moments ago, so only one idle for `idle` seconds (the ones a restart, a failover or
    a firewall's idle timeout may have cut) is pinged; a dead one is replaced before use, as SQLAlchemy does for
    a failed pre-ping (a DisconnectionError raised on checkout). A connection cut while busy fails its request
    and invalidates the pool, which SQLAlchemy does anyway."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _idle_since(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle:  # new, or in use moments ago
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError("The pooled connection did not answer a ping") from error


class DriverStatement:
    """A Core statement run on the asyncpg connection under a pooled one, without SQLAlchemy's execution of it: for
    the one statement every authenticated request runs (the token's state, auth/tokens.py): SQLAlchemy's execution
    of it was a sizeable share of the cheapest request's CPU (docs/benchmarks.md). The SQL is still SQLAlchemy's,
    compiled once for asyncpg, and the connection still the pool's. No SQLAlchemy type converts a parameter or
    a value, so it suits only parameters and columns whose driver values are the Python values (integers,
    booleans, text, timestamps); the caller converts anything else (an enum column gives its stored text)."""

    runs = 0  # statements run this way in this process, for bench/bids.py's count (SQLAlchemy's events miss them)

    def __init__(self, statement: Any):
        compiled = statement.compile(dialect=asyncpg_dialect.dialect())
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a statement with expanding or literal parameters is rendered per execution")
        self.sql = compiled.string
        self.parameters = tuple(compiled.positiontup or ())

    async def fetch_row(self, conn: AsyncConnection, **params: Any) -> Any:
        """The first row (an asyncpg Record: by position or column name), or None. For reads: on a connection of
        `Database.reading()` (autocommit) the statement stands alone, as it would through SQLAlchemy; in a session's
        transaction it runs in it, or before it when SQLAlchemy has not yet sent the BEGIN (it sends it with its
        own first statement)."""
        raw = await conn.get_raw_connection()
        DriverStatement.runs += 1
        metrics.count_statement()
        return await raw.driver_connection.fetchrow(self.sql, *(params[name] for name in self.parameters))


def _unnamed() -> str:
    """The name of every statement SQLAlchemy prepares through a transaction-mode pooler: none (`Database.pooled`)."""
    return ""


class Database:
    """The engine and the session factory of one process (held in the app's lifespan state)."""

    def __init__(self, engine: AsyncEngine, *, pool_size: int = 0):
        self.engine = engine
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self.pool_size = pool_size  # counted in the metrics' pool size while the engine lives (0: not counted)

    @classmethod
    def from_settings(cls, settings: Settings, url: str | None = None) -> Database:
        url = url or settings.database_url
        if not url:
            raise RuntimeError("DATABASE_URL is not set")
        if settings.through_pooler:
            engine = create_async_engine(
                async_url(url),
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
                hide_parameters=True,
                poolclass=metrics.TimedPool,
                connect_args=cls.pooled(),
            )
        else:
            engine = create_async_engine(
                async_url(url),
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
                # A transaction left open holds back the event stream's horizon (api/core/events.py) and its locks:
                # none of ours idles inside one for long, so the server ends any that does.
                connect_args={"server_settings": {"idle_in_transaction_session_timeout": "60000"}},
                # A failed statement's parameters (a child's details, say) stay out of its exception's text and of
                # SQLAlchemy's log (api/core/logs.py says what a log line may hold).
                hide_parameters=True,
                poolclass=metrics.TimedPool,  # each checkout's wait, for the metrics
            )
        ping_after_idle(engine)
        metrics.instrument(engine, settings.db_pool_size)
        return cls(engine, pool_size=settings.db_pool_size)

    @staticmethod
    def pooled() -> dict[str, Any]:
        """asyncpg's arguments through a transaction-mode pooler (PgBouncer `pool_mode=transaction`), where each
        transaction may run on a different server connection, shared with other clients in turn.

        - No statement is kept prepared: asyncpg's cache and SQLAlchemy's are off, since a statement prepared on
          one server connection is unknown on the next, and a named one (asyncpg's `__asyncpg_stmt_1__`) would
          collide with another client's of the same name there. Every statement is the unnamed one, and asyncpg,
          with its cache off, sends its Parse again with its Bind and Execute, in one message: the statement
          reaches the server connection that runs it whole, inside a transaction or alone (autocommit). The price
          is the round trip SQLAlchemy spends preparing each statement to learn its columns.
        - PgBouncer 1.21 and later can track protocol-level prepared statements itself (`max_prepared_statements`),
          which would let asyncpg keep its cache; Debian 12's PgBouncer is 1.18, so the service does not count on
          it: this way works with any version. Unique names instead of unnamed statements (SQLAlchemy's
          suggestion) would also work, but each would stay prepared on a server connection it may never reach
          again, until PgBouncer closes that connection.
        - No `server_settings`: PgBouncer refuses a startup parameter it does not know. Set
          `idle_in_transaction_session_timeout` on the role (`ALTER ROLE dpv SET ...`) or use PgBouncer's own
          `idle_transaction_timeout` (docs/operators/deployment.md)."""
        return {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": _unnamed,
        }

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A read session: no transaction is left open after it."""
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads whose statements need no snapshot in common (one statement, or several that
        each stand alone): in autocommit, so no BEGIN and no ROLLBACK around them (two round trips fewer than a
        session's). Not for several statements that must see one snapshot."""
        async with self.engine.connect() as conn:
            yield await conn.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits on success, rolls back on any exception."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        metrics.POOL_SIZE.dec(self.pool_size)
        self.pool_size = 0
