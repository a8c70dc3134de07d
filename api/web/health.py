"""/healthz: the process is alive. /readyz: the database answers and is at the latest migration."""

from __future__ import annotations

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from api.core.migrate import head_revision

_HEAD = head_revision()


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    db = request.state.db
    try:
        async with db.session() as s:
            current = (await s.execute(text("SELECT version_num FROM alembic_version"))).scalar_one_or_none()
    except Exception as exc:  # the database is down or unreachable: not ready, say why
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
    if current != _HEAD:
        return JSONResponse({"status": "migrating", "schema": current, "expected": _HEAD}, status_code=503)
    return JSONResponse({"status": "ready", "schema": current})
