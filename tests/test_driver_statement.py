"""A statement run on the driver (api/core/db.py DriverStatement) fails as the same statement fails through
SQLAlchemy: the same exception, wrapping the same adapted driver error; a connection the server dropped, or a
statement cancelled mid-way, is invalidated, and the next request gets a working connection. Each outcome is
compared with SQLAlchemy's own for the same statement on an engine of the same configuration."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import pytest
from sqlalchemy import Integer, String, bindparam, cast, literal_column, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from api.core.config import async_url
from api.core.db import DriverStatement

PID = text("SELECT pg_backend_pid()")
DIVIDE = select((literal_column("1") / bindparam("by")).label("quotient"))
CAST = select(cast(bindparam("text", type_=String), Integer).label("n"))
SLEEP = select(text("pg_sleep(30)"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    made = create_async_engine(async_url(database_url), pool_size=2, max_overflow=0, hide_parameters=True)
    try:
        yield made
    finally:
        await made.dispose()


async def _through_sqlalchemy(conn: AsyncConnection, statement, **params) -> BaseException:
    with pytest.raises(BaseException) as failed:
        await conn.execute(statement, params)
    return failed.value


async def _on_the_driver(conn: AsyncConnection, statement, **params) -> BaseException:
    with pytest.raises(BaseException) as failed:
        await DriverStatement(statement).fetch_row(conn, **params)
    return failed.value


def _same_failure(on_driver: BaseException, through: BaseException) -> None:
    assert type(on_driver) is type(through), (on_driver, through)
    assert isinstance(on_driver, DBAPIError)
    assert type(on_driver.orig) is type(through.orig)  # the adapter's class for the driver's error
    assert type(on_driver.orig.__cause__) is type(through.orig.__cause__)  # the driver's own error
    assert on_driver.orig.sqlstate == through.orig.sqlstate
    assert on_driver.connection_invalidated == through.connection_invalidated
    assert on_driver.hide_parameters and through.hide_parameters  # no parameter in the message or the log


@pytest.mark.parametrize(
    ("statement", "params"),
    [(DIVIDE, {"by": 0}), (CAST, {"text": "not a number"})],
    ids=["division by zero", "invalid text for a cast"],
)
async def test_a_statement_error_is_wrapped_as_sqlalchemy_wraps_it(engine: AsyncEngine, statement, params) -> None:
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        through = await _through_sqlalchemy(conn, statement, **params)
        pid = (await conn.execute(PID)).scalar_one()
        on_driver = await _on_the_driver(conn, statement, **params)
        _same_failure(on_driver, through)
        assert not on_driver.connection_invalidated
        assert (await conn.execute(PID)).scalar_one() == pid  # the same connection, still in use
        row = await DriverStatement(DIVIDE).fetch_row(conn, by=4)
        assert row["quotient"] == Decimal("0.25")


async def _cut(database_url: str, pid: int) -> None:
    admin = await asyncpg.connect(database_url)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def _dropped(engine: AsyncEngine, database_url: str, run) -> tuple[BaseException, int]:
    """What running `run` on a connection the server has just dropped raises; the dropped connection's pid."""
    async with engine.connect() as conn:
        pid = (await conn.execute(PID)).scalar_one()
        await _cut(database_url, pid)
        with pytest.raises(BaseException) as failed:
            await run(conn)
        assert conn.invalidated
    return failed.value, pid


async def test_a_dropped_connection_is_invalidated_and_the_next_request_works(engine, database_url) -> None:
    statement = select(literal_column("1").label("one"))
    through, _ = await _dropped(engine, database_url, lambda conn: conn.execute(statement))
    on_driver, dropped = await _dropped(engine, database_url, lambda conn: DriverStatement(statement).fetch_row(conn))
    # The driver meets the cut at another step than SQLAlchemy's prepared statement does, so the error it reports
    # may differ (connection closed; another operation in progress): both are wrapped, both invalidate.
    adapted = engine.dialect.loaded_dbapi.Error
    for failed in (on_driver, through):
        assert isinstance(failed, DBAPIError) and isinstance(failed.orig, adapted) and failed.connection_invalidated
    async with engine.connect() as conn:  # the pool connects afresh
        assert (await conn.execute(PID)).scalar_one() != dropped
        assert (await DriverStatement(statement).fetch_row(conn))["one"] == 1


async def _cancelled(engine: AsyncEngine, run) -> tuple[int, bool]:
    """Cancel `run` while its statement runs: the connection's pid, and whether it was invalidated."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        pid = (await conn.execute(PID)).scalar_one()
        started = asyncio.get_running_loop().create_future()

        async def statement() -> None:
            started.set_result(None)
            await run(conn)

        task = asyncio.create_task(statement())
        await started
        async with engine.connect() as watcher:  # wait until the server runs it
            while not (
                await watcher.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid AND query LIKE '%pg_sleep%'"),
                    {"pid": pid},
                )
            ).scalar_one():
                await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return pid, conn.invalidated


async def test_a_cancelled_statement_invalidates_its_connection_as_through_sqlalchemy(engine) -> None:
    _, through_invalidated = await _cancelled(engine, lambda conn: conn.execute(SLEEP))
    pid, on_driver_invalidated = await _cancelled(engine, lambda conn: DriverStatement(SLEEP).fetch_row(conn))
    assert on_driver_invalidated and through_invalidated
    for _ in range(3):  # every pooled connection answers: none is left mid-statement
        async with engine.connect() as conn:
            assert (await conn.execute(PID)).scalar_one() != pid
            assert (await DriverStatement(select(literal_column("2").label("two"))).fetch_row(conn))["two"] == 2
