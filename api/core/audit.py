"""The audit log: every state change writes one event in the same transaction as the change.

The log is also the transactional outbox of the event stream (api/core/events.py): a row's position in the stream
is `(txid, id)`, the writing transaction's id then the row's, and a trigger notifies listeners at commit
(migration 0007)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, utcnow_column
from api.core.principal import ActorKind, Principal


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    occurred_at: Mapped[datetime] = utcnow_column()
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # The writing transaction (pg_current_xact_id): with `id`, the row's position in the event stream.
    txid: Mapped[int] = mapped_column(BigInteger, server_default=text("(pg_current_xact_id())::text::bigint"))

    __table_args__ = (Index(None, "entity_type", "entity_id", "id"), Index(None, "txid", "id"))


def record(
    session: AsyncSession,
    actor: Principal,
    action: str,
    entity_type: str,
    entity_id: int,
    data: dict[str, Any] | None = None,
) -> None:
    """Add the event to the session: it commits or rolls back with the change it describes."""
    session.add(AuditEvent(**values(actor, action, entity_type, data), entity_id=entity_id))


def values(actor: Principal, action: str, entity_type: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The columns of an event by `actor`, but for its entity's id: what `record` adds, for a statement that
    writes the event together with the change it describes (api/placements/bids.py)."""
    return {
        "organisation_id": actor.organisation_id,
        "actor_kind": actor.actor_kind.value,
        "actor_id": actor.actor_id or actor.organisation_slug,
        "action": action,
        "entity_type": entity_type,
        "data": jsonable(data or {}),
    }


def record_system(
    session: AsyncSession,
    actor_id: str,
    action: str,
    entity_type: str,
    entity_id: int,
    data: dict[str, Any] | None = None,
) -> None:
    """An event of the service itself when no organisation is concerned or none exists yet (e.g. the first
    signing key of an empty database). Prefer `record` with a system principal acting for an organisation."""
    session.add(
        AuditEvent(
            organisation_id=None,
            actor_kind=ActorKind.SYSTEM.value,
            actor_id=actor_id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            data=jsonable(data or {}),
        )
    )


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
