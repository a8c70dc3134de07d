"""A requirement's history: the audit events of the requirement itself, of its invitations and of its bids
(DOMAIN.md; issue 4, item 9), read by the owning borough and the alliance only (the schema's guard).

- Who: the actor's kind (USER, CLIENT, SYSTEM), its id and its organisation; what: the action; when; and the
  change as recorded.
- No child case reference is ever in the audit log: the rules record the child only as its pseudonymous
  reference (`CH-...`, api/placements/child.py), and the bids' free-text statements are never copied there.
  The pseudonym is the owning borough's to see (the FULL view): `shown_data` leaves the `child` entries out for
  anyone else (the alliance sees the child MASKED, without a pseudonymous reference).
- `history_page_stmt` pages the events of many requirements in one statement (keyset on the event id), like
  schema/core/connection.py `windowed_pages_stmt`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, String, and_, func, literal, select, union_all
from sqlalchemy.orm import aliased

from api.core.audit import AuditEvent
from api.placements.enums import ChildView
from api.placements.models import Bid, Invitation, Ipa, Placement, Requirement

CHILD_KEYS = frozenset({"child"})


def shown_data(data: dict[str, Any], view: ChildView | None) -> dict[str, Any]:
    """The change data of an event as the viewer may see it. Pure."""
    if view is ChildView.FULL:
        return data
    return {k: v for k, v in data.items() if k not in CHILD_KEYS}


def history_page_stmt(
    requirement_ids: list[int], *, after: int | None, before: int | None, limit: int, backward: bool
) -> Select:
    """Rows (AuditEvent, requirement id, total of that requirement): up to `limit + 1` events per requirement,
    oldest first (newest first when `backward`), past the cursors."""
    subjects = union_all(
        select(
            Requirement.id.label("requirement_id"),
            literal("Requirement", String).label("entity_type"),
            Requirement.id.label("entity_id"),
        ).where(Requirement.id.in_(requirement_ids)),
        select(Invitation.requirement_id, literal("Invitation", String), Invitation.id).where(
            Invitation.requirement_id.in_(requirement_ids)
        ),
        select(Bid.requirement_id, literal("Bid", String), Bid.id).where(Bid.requirement_id.in_(requirement_ids)),
        select(Ipa.requirement_id, literal("Ipa", String), Ipa.id).where(Ipa.requirement_id.in_(requirement_ids)),
        select(Placement.requirement_id, literal("Placement", String), Placement.id).where(
            Placement.requirement_id.in_(requirement_ids)
        ),
    ).subquery("subjects")
    counted = (
        select(
            AuditEvent,
            subjects.c.requirement_id.label("_requirement_id"),
            func.count().over(partition_by=subjects.c.requirement_id).label("_total"),
        )
        .join(
            subjects,
            and_(AuditEvent.entity_type == subjects.c.entity_type, AuditEvent.entity_id == subjects.c.entity_id),
        )
        .subquery("counted")
    )
    filtered = select(counted)
    if after is not None:
        filtered = filtered.where(counted.c.id > after)
    if before is not None:
        filtered = filtered.where(counted.c.id < before)
    order = counted.c.id.desc() if backward else counted.c.id
    numbered = filtered.add_columns(
        func.row_number().over(partition_by=counted.c._requirement_id, order_by=order).label("_rn")
    ).subquery("numbered")
    event = aliased(AuditEvent, numbered)
    return (
        select(event, numbered.c._requirement_id, numbered.c._total)
        .where(numbered.c._rn <= limit + 1)
        .order_by(numbered.c._requirement_id, numbered.c._rn)
    )
