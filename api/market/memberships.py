"""Memberships: a provider applies to a lot at any time and is admitted when it meets stage 1.

The state machine is explicit: TRANSITIONS lists every move; anything else is INVALID_TRANSITION.
Membership cannot be capped (PCR 2015 reg. 34, PA 2023 s. 39): every provider that qualifies is admitted.
"""

from __future__ import annotations

from datetime import date
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock, transitions
from api.core.config import get_settings
from api.core.errors import UserError, UserErrors
from api.core.hooks import Hook
from api.core.idempotency import idempotent
from api.core.permissions import ensure_alliance_admin
from api.core.principal import OrganisationKind, Principal
from api.market import stage1
from api.market.enums import MembershipDecision, MembershipStatus
from api.market.lookups import get_or_forbidden, organisation_of_kind
from api.market.models import Document, Dpv, Lot, Membership
from api.market.permissions import ensure_acts_for_provider

# A membership just admitted, in the admission's transaction: safeguarding bars or suspends it at once when a bar or
# suspension in force covers it (api/safeguarding/suspensions.py `on_admitted`).
admitted: Hook[[AsyncSession, Principal, Membership], None] = Hook("membership admitted")

TRANSITIONS: dict[MembershipStatus, frozenset[MembershipStatus]] = {
    MembershipStatus.APPLIED: frozenset(
        {MembershipStatus.ADMITTED, MembershipStatus.REJECTED, MembershipStatus.WITHDRAWN}
    ),
    MembershipStatus.ADMITTED: frozenset(
        {MembershipStatus.WITHDRAWN, MembershipStatus.SUSPENDED, MembershipStatus.BARRED}
    ),
    MembershipStatus.REJECTED: frozenset({MembershipStatus.APPLIED}),
    MembershipStatus.WITHDRAWN: frozenset({MembershipStatus.APPLIED}),
    MembershipStatus.SUSPENDED: frozenset(
        {MembershipStatus.ADMITTED, MembershipStatus.WITHDRAWN, MembershipStatus.BARRED}
    ),
    MembershipStatus.BARRED: frozenset(),
}


class MembershipErrorCode(Enum):
    """The membership's own codes; stage 1 falling short is a user error per document with a code of
    api/market/stage1.py's, and the API shows both as one MembershipErrorCode."""

    NOT_A_PROVIDER = "NOT_A_PROVIDER"
    ALREADY_APPLIED = "ALREADY_APPLIED"
    ALREADY_MEMBER = "ALREADY_MEMBER"
    BARRED = "BARRED"
    VEHICLE_NOT_IN_TERM = "VEHICLE_NOT_IN_TERM"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    REASON_REQUIRED = "REASON_REQUIRED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


def _move(membership: Membership, to: MembershipStatus) -> None:
    transitions.move(
        membership,
        to,
        TRANSITIONS,
        field="membership_id",
        code=MembershipErrorCode.INVALID_TRANSITION,
        noun="A membership",
    )


async def apply(
    session: AsyncSession,
    actor: Principal,
    *,
    provider_id: int,
    lot_id: int,
    on: date | None = None,
    idempotency_key: str | None = None,
) -> Membership:
    ensure_acts_for_provider(actor, provider_id)
    on = on or clock.today()

    async def create(id_: int | None) -> Membership:
        if await organisation_of_kind(session, provider_id, OrganisationKind.PROVIDER) is None:
            raise UserErrors.one("provider_id", MembershipErrorCode.NOT_A_PROVIDER, "Only providers join lots")
        lot = await get_or_forbidden(session, Lot, lot_id)
        dpv = await session.get(Dpv, lot.dpv_id)
        assert dpv is not None
        if dpv.status_on(on).value != "ACTIVE":
            raise UserErrors.one(
                "lot_id",
                MembershipErrorCode.VEHICLE_NOT_IN_TERM,
                f"The vehicle runs from {dpv.starts_on} to {dpv.ends_on}",
            )
        existing = (
            await session.execute(
                select(Membership)
                .where(Membership.provider_id == provider_id, Membership.lot_id == lot_id)
                .with_for_update()
            )
        ).scalar_one_or_none()
        if existing is not None:
            if existing.status is MembershipStatus.APPLIED:
                raise UserErrors.one("lot_id", MembershipErrorCode.ALREADY_APPLIED, "An application is pending")
            if existing.status is MembershipStatus.BARRED:
                raise UserErrors.one("lot_id", MembershipErrorCode.BARRED, "The provider is barred from this lot")
            if existing.status in (MembershipStatus.ADMITTED, MembershipStatus.SUSPENDED):
                raise UserErrors.one("lot_id", MembershipErrorCode.ALREADY_MEMBER, "The provider is a member")
            before = existing.status
            _move(existing, MembershipStatus.APPLIED)
            existing.applied_at, existing.decided_at, existing.decision_reason = clock.now(), None, None
            membership = existing
        else:
            before = None
            membership = Membership(
                id=id_, provider_id=provider_id, lot_id=lot_id, status=MembershipStatus.APPLIED, applied_at=clock.now()
            )
            session.add(membership)
        await session.flush()
        audit.record(
            session,
            actor,
            "membership.apply",
            "Membership",
            membership.id,
            {"providerId": provider_id, "lotId": lot_id, "from": before, "to": MembershipStatus.APPLIED},
        )
        return membership

    return await idempotent(
        session,
        actor.organisation_id,
        "membershipApply",
        idempotency_key,
        {"provider": provider_id, "lot": lot_id},
        Membership,
        create,
        MembershipErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


async def decide(
    session: AsyncSession,
    actor: Principal,
    membership_id: int,
    *,
    decision: MembershipDecision,
    reason: str | None = None,
    on: date | None = None,
) -> Membership:
    """The alliance admits (when stage 1 is met on that day) or rejects (with a reason) an application."""
    ensure_alliance_admin(actor)
    on = on or clock.today()
    membership = await get_or_forbidden(session, Membership, membership_id, lock=True)
    if decision is MembershipDecision.ADMIT:
        documents = list(
            (await session.execute(select(Document).where(Document.provider_id == membership.provider_id))).scalars()
        )
        shortfalls = stage1.assess(documents, on, stage1.Thresholds.from_settings(get_settings()))
        if shortfalls:
            raise UserErrors([UserError(f"documents.{s.kind.value}", s.code, s.message) for s in shortfalls])
        to = MembershipStatus.ADMITTED
    else:
        if not (reason or "").strip():
            raise UserErrors.one(
                "reason", MembershipErrorCode.REASON_REQUIRED, "A rejection gives the provider its reason"
            )
        to = MembershipStatus.REJECTED
    before = membership.status
    _move(membership, to)
    membership.decided_at = clock.now()
    membership.decision_reason = (reason or "").strip() or None
    audit.record(
        session,
        actor,
        "membership.decide",
        "Membership",
        membership.id,
        {"from": before, "to": to, "reason": membership.decision_reason, "on": on},
    )
    if to is MembershipStatus.ADMITTED:
        await admitted(session, actor, membership)  # a suspension in force covers it at once
    await session.flush()
    return membership


async def withdraw(
    session: AsyncSession, actor: Principal, membership_id: int, *, reason: str | None = None
) -> Membership:
    membership = await get_or_forbidden(session, Membership, membership_id, lock=True)
    ensure_acts_for_provider(actor, membership.provider_id)
    before = membership.status
    _move(membership, MembershipStatus.WITHDRAWN)
    membership.decision_reason = (reason or "").strip() or membership.decision_reason
    audit.record(
        session,
        actor,
        "membership.withdraw",
        "Membership",
        membership.id,
        {"from": before, "to": MembershipStatus.WITHDRAWN, "reason": reason},
    )
    await session.flush()
    return membership
