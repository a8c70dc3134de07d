"""The embedded PostgreSQL (from the `pgserver` wheel) used when DATABASE_URL is unset.

It lives under DPV_DATA_DIR/pg, is started on first use, and is stopped cleanly when the process that
started it exits; the next start reuses the same data directory.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DATABASE = "dpv"


@contextmanager
def embedded_postgres(data_dir: Path, database: str = DATABASE) -> Iterator[str]:
    """Start (or attach to) the embedded server and yield a URL for `database`, creating it if needed."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI)
        warnings.simplefilter("ignore")
        # Imported here, not above: only set-ups without DATABASE_URL need it, and it is not a cycle.
        import pgserver  # noqa: PLC0415

    pgdata = data_dir.resolve() / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    try:
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "(0 rows)" in exists:
            server.psql(f'CREATE DATABASE "{database}";')
        yield server.get_uri(database)
    finally:
        server.cleanup()


@contextmanager
def database_url(configured: str | None, data_dir: Path) -> Iterator[str]:
    """The configured server if there is one; otherwise the embedded one."""
    if configured:
        yield configured
        return
    with embedded_postgres(data_dir) as url:
        yield url
