"""Idempotency keys for creating mutations: the same key from the same organisation returns the first
result and creates nothing more.

The key row is inserted first, in the same transaction as the creation. A concurrent retry blocks on the
primary key until the first transaction ends: if it committed, the retry finds its result; if it rolled
back, the retry goes ahead as the first.

The key row names its entity from the start: the claim takes the new entity's id from the table's sequence
and the creation makes the entity with that id, so nothing is written back to the key afterwards (unless the
creation returned a row that already existed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, and_, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from api.core.audit import jsonable
from api.core.db import Base, next_id, utcnow_column
from api.core.errors import UserErrors


class IdempotencyKey(Base):
    __tablename__ = "idempotency_key"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    operation: Mapped[str] = mapped_column(String(60), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = utcnow_column()


def request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(jsonable(payload), sort_keys=True).encode()).hexdigest()


class KeyReused(Exception):
    """The key was used before with a different request."""


_KEY = IdempotencyKey.__table__
_THIS_KEY = and_(
    _KEY.c.organisation_id == bindparam("org"), _KEY.c.operation == bindparam("op"), _KEY.c.key == bindparam("k")
)
# Built once, as Core statements on the table: only their parameters change from one request to the next, and
# they skip the ORM's bulk-statement machinery, which cost more than the bid itself.
_CLAIM = (
    insert(_KEY)
    .values(
        organisation_id=bindparam("org"),
        operation=bindparam("op"),
        key=bindparam("k"),
        request_hash=bindparam("digest"),
        entity_id=next_id(bindparam("table")),
    )
    .on_conflict_do_nothing()
    .returning(_KEY.c.entity_id)
)
_EARLIER = select(_KEY.c.request_hash, _KEY.c.entity_id).where(_THIS_KEY)
_REPOINT = update(_KEY).where(_THIS_KEY).values(entity_id=bindparam("entity"))


async def claim(
    session: AsyncSession,
    organisation_id: int,
    operation: str,
    key: str,
    payload: dict[str, Any],
    model: type[Base],
) -> tuple[bool, int]:
    """Claim the key for this transaction: (True, the id the new entity is to take) when the caller should
    create, or (False, the id of the entity an earlier request with this key created)."""
    digest = request_hash(payload)
    conn = await session.connection()
    this_key = {"org": organisation_id, "op": operation, "k": key}
    claimed = (await conn.execute(_CLAIM, {**this_key, "digest": digest, "table": model.__tablename__})).first()
    if claimed is not None:
        return True, claimed.entity_id
    row = (await conn.execute(_EARLIER, this_key)).one()
    if row.request_hash != digest:
        raise KeyReused(key)
    return False, row.entity_id


async def idempotent(
    session: AsyncSession,
    organisation_id: int,
    operation: str,
    key: str | None,
    payload: dict[str, Any],
    model: type[Base],
    create: Callable[[int | None], Awaitable[Any]],
    reused_code: Enum,
) -> Any:
    """Run `create` once per (organisation, operation, key); a repeat returns what the first created.
    `create(id)` makes the `model` with that id, or with the table's next one when it is None (no key); or returns
    an existing row it reuses."""
    if key is None:
        return await create(None)
    if not key.strip() or len(key) > 200:
        raise UserErrors.one("idempotency_key", reused_code, "An idempotency key is 1 to 200 characters")
    try:
        fresh, entity_id = await claim(session, organisation_id, operation, key, payload, model)
    except KeyReused:
        raise UserErrors.one(
            "idempotency_key", reused_code, "This idempotency key was already used for a different request"
        ) from None
    if not fresh:
        return await session.get(model, entity_id)
    created = await create(entity_id)
    if created.id != entity_id:  # not new after all (a provider applying again to a lot reopens its membership)
        conn = await session.connection()
        await conn.execute(_REPOINT, {"org": organisation_id, "op": operation, "k": key, "entity": created.id})
    return created
