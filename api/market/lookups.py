"""Rows by id for the domains' rules: `get_or_forbidden` (a missing row is FORBIDDEN like someone else's), and
`organisation_of_kind`."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.db import Base
from api.core.errors import Forbidden
from api.core.principal import OrganisationKind
from api.market.models import Organisation

M = TypeVar("M", bound=Base)


async def get_or_forbidden(session: AsyncSession, model: type[M], id_: int, *, lock: bool = False) -> M:
    """The row, locked for this transaction if asked; a missing row is FORBIDDEN like someone else's."""
    stmt = select(model).where(model.id == id_)  # type: ignore[attr-defined]
    if lock:
        stmt = stmt.with_for_update()
    obj = (await session.execute(stmt)).scalar_one_or_none()
    if obj is None:
        raise Forbidden()
    return obj


async def organisation_of_kind(session: AsyncSession, id_: int, kind: OrganisationKind) -> Organisation | None:
    org = await session.get(Organisation, id_)
    return org if org is not None and org.kind is kind else None
