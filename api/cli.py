"""The `dpv` command: serve, migrate, demo-data, client create, user create, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging.config
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from api.core import logs
from api.core.config import get_settings

DEMO_CLIENTS_FILE = "demo-clients.json"


def _default_issuer(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _metrics_dir() -> str | None:
    """The directory every worker writes its metrics to (api/core/metrics.py), set in the environment before
    prometheus-client is first imported, emptied of an earlier run's values. Returns the one made here, if any, for
    `_serve` to remove at the end."""
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        Path(configured).mkdir(parents=True, exist_ok=True)
        for stale in Path(configured).glob("*.db"):
            stale.unlink()
        return None
    made = tempfile.mkdtemp(prefix="dpv-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    return made


def _serve(args: argparse.Namespace) -> int:
    made = _metrics_dir()
    try:
        return _serve_in(args)
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)


def _serve_in(args: argparse.Namespace) -> int:
    import uvicorn

    from api.core import migrate
    from api.core.embedded import database_url

    # Tokens name the server they come from: unless DPV_ISSUER says otherwise, that is where it listens.
    # (Workers are separate processes: they find it in the environment.)
    os.environ.setdefault("DPV_ISSUER", _default_issuer(args.host, args.port))
    get_settings.cache_clear()
    settings = get_settings()
    with database_url(settings.database_url, settings.data_dir) as url:
        if not settings.database_url:
            print(f"Embedded PostgreSQL under {settings.data_dir.resolve() / 'pg'}", flush=True)
        if not args.no_migrate:
            migrate.upgrade(settings.listen_database_url or url)  # directly, not through a transaction pooler
        if args.demo:
            loaded = asyncio.run(_load_demo(url))
            print("Demo data loaded." if loaded else "Database not empty: demo data left as it is.", flush=True)
            path = asyncio.run(_write_demo_clients(url, settings))
            print(f"Demo OAuth clients (client_credentials, one per demo organisation) in {path}", flush=True)
        asyncio.run(_ensure_signing_key(url))
        # Workers are separate processes: they find the database in the environment.
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        print(f"GraphiQL at http://{args.host}:{args.port}/graphql", flush=True)
        uvicorn.run(
            "api.web.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            proxy_headers=True,
            # The service's one logging configuration, applied by uvicorn in each worker (api/core/logs.py).
            log_config=logs.log_config(settings.log_format, args.log_level),
            ws_max_size=settings.ws_max_message_bytes,
            # Messages are small JSON: compressing each costs CPU per subscriber and a zlib context of
            # memory per connection (bench/fanout.py) for little saving.
            ws_per_message_deflate=False,
            # What "auto" picks today, named so that it stays: with 1,000 subscribers (bench/fanout.py) the
            # legacy "websockets" implementation took more memory per idle connection and was no faster
            # (docs/benchmarks.md).
            ws="websockets-sansio",
        )
    return 0


async def _load_demo(url: str) -> bool:
    from api.core.db import Database
    from api.demo import load_demo

    db = Database.from_settings(get_settings(), url)
    try:
        async with db.transaction() as session:
            return await load_demo(session)
    finally:
        await db.dispose()


async def _ensure_signing_key(url: str) -> None:
    from api.core.db import Database
    from auth.keys import ensure_active_key

    db = Database.from_settings(get_settings(), url)
    try:
        async with db.transaction() as session:
            await ensure_active_key(session)
    finally:
        await db.dispose()


async def _write_demo_clients(url: str, settings) -> Path:
    """$DPV_DATA_DIR/demo-clients.json: a client for each demo organisation. The clients of an earlier file are
    kept while they exist; only missing ones are registered."""
    from api.core.db import Database
    from api.demo import DEMO_ACTOR_ID, demo_organisation_slugs
    from auth.clients import ensure_demo_clients
    from auth.server import metadata

    path = settings.data_dir.resolve() / DEMO_CLIENTS_FILE
    try:
        known = json.loads(path.read_text()).get("clients", {})
    except (OSError, ValueError, AttributeError):
        known = {}
    db = Database.from_settings(settings, url)
    try:
        async with db.transaction() as session:
            entries, _ = await ensure_demo_clients(session, demo_organisation_slugs(), known, DEMO_ACTOR_ID)
    finally:
        await db.dispose()
    meta = metadata(settings)
    document = {
        "about": "OAuth 2.0 clients of the demo organisations (client_credentials; send the secret with HTTP "
        "Basic to token_endpoint). Demo only: these secrets are in clear.",
        "issuer": meta["issuer"],
        "metadata": f"{meta['issuer']}/.well-known/oauth-authorization-server",
        "token_endpoint": meta["token_endpoint"],
        "clients": entries,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(document, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    return path


def _client_create(args: argparse.Namespace) -> int:
    return _print_created("dpv client create", lambda url: _register_client(url, args))


def _print_created(command: str, create: Callable[[str], Coroutine[Any, Any, dict]]) -> int:
    """Migrate, run one creating domain call, and print its result as one JSON object; a broken rule is a
    message on standard error and exit status 2."""
    from api.core import migrate
    from api.core.embedded import database_url
    from api.core.errors import UserErrors

    settings = get_settings()
    with database_url(settings.database_url, settings.data_dir) as url:
        migrate.upgrade(url)
        try:
            created = asyncio.run(create(url))
        except UserErrors as exc:
            for error in exc.errors:
                print(f"{command}: {error.message}", file=sys.stderr)
            return 2
    print(json.dumps(created))
    return 0


async def _register_client(url: str, args: argparse.Namespace) -> dict:
    from api.core.db import Database
    from auth.clients import ClientGrant, register_client_as_system

    db = Database.from_settings(get_settings(), url)
    try:
        async with db.transaction() as session:
            registered = await register_client_as_system(
                session,
                "dpv-cli",
                organisation_slug=args.org,
                scopes=args.scope,
                grant=ClientGrant(args.grant),
                redirect_uris=args.redirect_uri,
                persisted_only=args.persisted_only,
            )
        return registered.credentials()
    finally:
        await db.dispose()


def _read_password() -> str:
    """One line from standard input (without echo on a terminal); the line ending is not part of it."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


def _user_create(args: argparse.Namespace) -> int:
    from auth.users import password_problem

    password = _read_password()
    if problem := password_problem(password):  # before anything touches the database
        print(f"dpv user create: {problem.message} (read from standard input)", file=sys.stderr)
        return 2

    return _print_created("dpv user create", lambda url: _create_user(url, args, password))


async def _create_user(url: str, args: argparse.Namespace, password: str) -> dict:
    from api.core.db import Database
    from auth.users import create_user_as_system

    db = Database.from_settings(get_settings(), url)
    try:
        async with db.transaction() as session:
            user = await create_user_as_system(
                session, "dpv-cli", organisation_slug=args.org, email=args.email, scopes=args.scope, password=password
            )
        return {"user_id": user.id, "email": user.email}
    finally:
        await db.dispose()


def _migrate(args: argparse.Namespace) -> int:
    from api.core import migrate
    from api.core.embedded import database_url

    settings = get_settings()
    with database_url(settings.database_url, settings.data_dir) as url:
        migrate.upgrade(settings.listen_database_url or url)  # directly, not through a transaction pooler
    print(f"Database at migration {migrate.head_revision()}.")
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from api.core import migrate
    from api.core.embedded import database_url

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
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="serve without migrating first: `dpv migrate` is run once beforehand (several servers starting at once)",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug", "trace"]
    )
    serve.set_defaults(run=_serve)

    sub.add_parser("migrate", help="upgrade the database to the latest migration").set_defaults(run=_migrate)
    sub.add_parser("demo-data", help="load the demo data set").set_defaults(run=_demo_data)

    client = sub.add_parser("client", help="OAuth clients").add_subparsers(dest="client_command", required=True)
    create = client.add_parser("create", help="register an OAuth client; prints {client_id, client_secret} as JSON")
    create.add_argument("--org", required=True, help="the slug of the organisation the client acts for")
    create.add_argument("--scope", required=True, help='space-separated scopes, e.g. "borough borough:award"')
    create.add_argument(
        "--grant",
        choices=["client_credentials", "authorization_code"],
        default="client_credentials",
        help="client_credentials (confidential, gets a secret) or authorization_code (public, PKCE)",
    )
    create.add_argument(
        "--redirect-uri",
        action="append",
        default=[],
        help="an exact redirect URI of an authorization_code client (repeatable)",
    )
    create.add_argument(
        "--persisted-only",
        action="store_true",
        help="its tokens may run only the persisted documents (frontend-contract/persisted-documents.json), "
        "by documentId",
    )
    create.set_defaults(run=_client_create)

    user = sub.add_parser("user", help="people who sign in").add_subparsers(dest="user_command", required=True)
    create_user = user.add_parser(
        "create",
        help="register a person; reads the password (one line) from standard input; prints {user_id, email} as JSON",
    )
    create_user.add_argument("--org", required=True, help="the slug of the person's organisation")
    create_user.add_argument("--email", required=True, help="the address they sign in with (any case)")
    create_user.add_argument("--scope", required=True, help='space-separated scopes, e.g. "provider provider:sign"')
    create_user.set_defaults(run=_user_create)

    sub.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(run=_export_schema)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logs.install()  # whatever a command logs, nothing in it a log reader must not see (api/core/logs.py)
    logging.config.dictConfig(logs.log_config(get_settings().log_format, "warning"))
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
