"""The migrations are reversible and agree with the models."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, pool
from sqlalchemy.ext.asyncio import create_async_engine

from api.core import migrate
from api.core.config import async_url
from api.models import metadata


async def _inspect(url: str, fn):
    engine = create_async_engine(async_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def _tables(conn) -> set[str]:
    return set(inspect(conn).get_table_names())


def _diff(conn) -> list:
    return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)


def test_upgrade_downgrade_upgrade_on_an_empty_database(databases):
    url = databases.create("dpv_migrations")
    migrate.upgrade(url)
    assert {t.name for t in metadata.sorted_tables} <= asyncio.run(_inspect(url, _tables))
    migrate.downgrade(url, "base")
    assert asyncio.run(_inspect(url, _tables)) == {"alembic_version"}
    migrate.upgrade(url)
    assert asyncio.run(_inspect(url, _diff)) == []


def test_models_and_migrations_agree(database_url):
    diff = asyncio.run(_inspect(database_url, _diff))
    assert diff == [], f"the models differ from the migrations; write a migration for: {diff}"
