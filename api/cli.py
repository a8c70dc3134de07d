"""The `dpv` command: serve, migrate, demo-data, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from api.config import get_settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api import migrate
    from api.embedded import database_url

    settings = get_settings()
    with database_url(settings.database_url, settings.data_dir) as url:
        if not settings.database_url:
            print(f"Embedded PostgreSQL under {settings.data_dir.resolve() / 'pg'}", flush=True)
        migrate.upgrade(url)
        if args.demo:
            loaded = asyncio.run(_load_demo(url))
            print("Demo data loaded." if loaded else "Database not empty: demo data left as it is.", flush=True)
        # Workers are separate processes: they find the database in the environment.
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        print(f"GraphiQL at http://{args.host}:{args.port}/graphql", flush=True)
        uvicorn.run("api.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                    log_level=args.log_level, proxy_headers=True)
    return 0


async def _load_demo(url: str) -> bool:
    from api.db import Database
    from api.demo import load_demo

    db = Database.from_settings(get_settings(), url)
    try:
        async with db.transaction() as session:
            return await load_demo(session)
    finally:
        await db.dispose()


def _migrate(args: argparse.Namespace) -> int:
    from api import migrate
    from api.embedded import database_url

    settings = get_settings()
    with database_url(settings.database_url, settings.data_dir) as url:
        migrate.upgrade(url)
    print(f"Database at migration {migrate.head_revision()}.")
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from api import migrate
    from api.embedded import database_url

    settings = get_settings()
    with database_url(settings.database_url, settings.data_dir) as url:
        migrate.upgrade(url)
        loaded = asyncio.run(_load_demo(url))
    print("Demo data loaded." if loaded else "Database not empty: demo data left as it is.")
    return 0


def _export_schema(args: argparse.Namespace) -> int:
    from schema import schema

    sys.stdout.write(schema.as_str() + "\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dpv", description="DPV Exchange: placements for looked-after children.")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, then serve GraphQL (embedded PostgreSQL without DATABASE_URL)")
    serve.add_argument("--demo", action="store_true", help="load the demo data set into an empty database")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(run=_serve)

    sub.add_parser("migrate", help="upgrade the database to the latest migration").set_defaults(run=_migrate)
    sub.add_parser("demo-data", help="load the demo data set").set_defaults(run=_demo_data)
    sub.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(run=_export_schema)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
