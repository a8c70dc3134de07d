"""The pool (api/core/db.py): a connection that sat idle is pinged before use and replaced if the server cut it; one
in use moments ago is handed out without a round trip."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from api.core.config import async_url
from api.core.db import DriverStatement, ping_after_idle
from api.market.models import Organisation

PID = text("SELECT pg_backend_pid()")


async def cut_the_pooled_connection(engine: AsyncEngine, database_url: str) -> int:
    async with engine.connect() as conn:
        pid = (await conn.execute(PID)).scalar_one()
    admin = await asyncpg.connect(database_url)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    return pid


async def test_an_idle_connection_cut_by_the_server_is_replaced_before_use(database_url):
    engine = create_async_engine(async_url(database_url), pool_size=1, max_overflow=0)
    ping_after_idle(engine, idle=0.0)  # every connection counts as idle: pinged at each checkout
    try:
        cut = await cut_the_pooled_connection(engine, database_url)
        async with engine.connect() as conn:
            assert (await conn.execute(PID)).scalar_one() != cut
    finally:
        await engine.dispose()


async def test_a_connection_in_use_moments_ago_is_not_pinged(database_url):
    engine = create_async_engine(async_url(database_url), pool_size=1, max_overflow=0)
    ping_after_idle(engine, idle=3600.0)
    try:
        await cut_the_pooled_connection(engine, database_url)
        with pytest.raises(DBAPIError) as failed:  # no ping: the request that meets the cut connection fails...
            async with engine.connect() as conn:
                await conn.execute(PID)
        assert failed.value.connection_invalidated
        async with engine.connect() as conn:  # ...and the pool, invalidated, connects afresh
            assert (await conn.execute(PID)).scalar_one() > 0
    finally:
        await engine.dispose()


def test_a_driver_statement_refuses_what_sqlalchemy_renders_per_execution() -> None:
    with pytest.raises(ValueError, match="rendered per execution"):
        DriverStatement(select(Organisation.id).where(Organisation.id.in_(bindparam("ids", expanding=True))))
    statement = DriverStatement(
        select(Organisation.id).where(Organisation.slug == bindparam("slug"), Organisation.name != bindparam("name"))
    )
    assert statement.parameters == ("slug", "name") and "$1" in statement.sql and "$2" in statement.sql
