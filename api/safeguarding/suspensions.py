"""Suspending, reinstating and barring providers (DOMAIN.md, "Quality and safeguarding"), under the alliance's
Suspension & Barring Policy. Only the alliance's safeguarding leads (`wla:safeguarding`), or the service acting for
the alliance (a document's expiry, a suspension's end).

A suspension is a row (api/safeguarding/models.py): the provider, its scope (the whole market, one vehicle, one
lot), a reason code and notes, the day it starts and, optionally, the day it ends (`until`: lifted by a timer at
the start of that day, Europe/London), and once lifted who lifted it and when. A bar is the same row of kind BAR:
final, never lifted.

Suspending, in ONE transaction with an audit event per change:
- the memberships it covers that are ADMITTED (or already SUSPENDED by another suspension) become SUSPENDED, or
  BARRED for a bar (a barred membership stays barred: BARRED is final in the membership's TRANSITIONS). A
  provider with no such membership in the scope cannot be suspended there (NOT_A_MEMBER);
- publishing no longer invites it (api/placements/invitations.py reads the membership's status);
- its INVITED invitations on OPEN requirements of the covered lots become WITHDRAWN, with the reason, and its
  live (SUBMITTED) bids on them EXCLUDED with PROVIDER_SUSPENDED (PROVIDER_BARRED): the evaluation shows them
  excluded with that reason (its bids on requirements already CLOSED stay SUBMITTED and are excluded by the
  evaluation's gate, which reads the membership); `bidSubmit` and `bidAmend` refuse a suspended provider;
- its LIVE placements on the covered lots continue and are flagged for review (Placement.review_flagged_at).
The invitations, bids and placements are the placement search's to change: it does so when told, through the hook
`provider_suspended` (api/placements/exclusion.py).

Reinstating (`reinstate`, or the `until` timer) lifts the suspension; each membership it covered becomes ADMITTED
again unless another active suspension still covers it. The provider is then invited to the NEXT requirement
published; the invitations withdrawn and the bids excluded stay so (the requirements they were on went on without
it), and the review flags on placements stay for the borough and the alliance to clear in their review.

Locks: the provider's covered memberships FOR UPDATE first (two suspensions of one provider, or a suspension and
a reinstatement, go one after the other), then each open requirement FOR SHARE, its invitation and bids FOR UPDATE,
the order a bid change takes them in (api/placements/bids.py). A bid racing a suspension either commits first and
is then excluded by it, or waits for it and is refused (PROVIDER_SUSPENDED).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock, timers
from api.core.clock import LONDON
from api.core.errors import Forbidden, UserError, UserErrors
from api.core.hooks import Hook
from api.core.idempotency import idempotent
from api.core.principal import OrganisationKind, Principal
from api.market.enums import MembershipStatus
from api.market.lookups import get_or_forbidden, organisation_of_kind
from api.market.memberships import TRANSITIONS as MEMBERSHIP_TRANSITIONS, admitted
from api.market.models import Document, Dpv, Lot, Membership
from api.safeguarding.alerts import alliance_system_principal, notes_errors
from api.safeguarding.enums import SuspensionKind, SuspensionReason, SuspensionScope
from api.safeguarding.models import Suspension
from api.safeguarding.permissions import ensure_safeguarding_lead

LIFT_TIMER = "suspension.lift"


class SuspensionErrorCode(Enum):
    """The suspensions' and bars' codes (their notes: api/safeguarding/alerts.py `notes_errors`)."""

    DPV_AND_LOT = "DPV_AND_LOT"
    UNTIL_NOT_IN_FUTURE = "UNTIL_NOT_IN_FUTURE"
    REASON_RESERVED = "REASON_RESERVED"
    NOT_A_MEMBER = "NOT_A_MEMBER"
    ALREADY_LIFTED = "ALREADY_LIFTED"
    BAR_IS_FINAL = "BAR_IS_FINAL"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


# A provider just suspended or barred (the suspension's row) from the lots given, at the instant given, in the
# suspension's transaction: the placement search withdraws the provider's invitations and excludes its live bids on
# the open requirements of those lots, and flags its live placements there for review (api/placements/exclusion.py
# `on_provider_suspended`). It returns the ids it changed: {"invitations": [...], "bids": [...], "placements": [...]}.
provider_suspended: Hook[[AsyncSession, Principal, Suspension, list[int], datetime], dict[str, list[int]]] = Hook(
    "provider suspended or barred"
)
LIFT_ACTOR_ID = "timer:" + LIFT_TIMER


def start_of_day(day: date) -> datetime:
    """The first instant of a day in England, in UTC."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def covers(s: Suspension, lot_id: int, dpv_id: int) -> bool:
    if s.scope is SuspensionScope.PROVIDER:
        return True
    if s.scope is SuspensionScope.DPV:
        return s.dpv_id == dpv_id
    return s.lot_id == lot_id


@dataclass
class Covered:
    membership: Membership
    dpv_id: int


async def _lock_covered(
    session: AsyncSession, provider_id: int, scope: SuspensionScope, dpv_id: int | None, lot_id: int | None
) -> list[Covered]:
    stmt = (
        select(Membership, Lot.dpv_id)
        .join(Lot, Lot.id == Membership.lot_id)
        .where(Membership.provider_id == provider_id)
    )
    if scope is SuspensionScope.DPV:
        stmt = stmt.where(Lot.dpv_id == dpv_id)
    elif scope is SuspensionScope.LOT:
        stmt = stmt.where(Membership.lot_id == lot_id)
    rows = (
        await session.execute(
            stmt.order_by(Membership.id).with_for_update(of=Membership).execution_options(populate_existing=True)
        )
    ).all()
    return [Covered(m, d) for m, d in rows]


async def _covered_lot_ids(
    session: AsyncSession, scope: SuspensionScope, dpv_id: int | None, lot_id: int | None, member_lots: list[int]
) -> list[int]:
    if scope is SuspensionScope.LOT:
        return [lot_id] if lot_id is not None else []
    if scope is SuspensionScope.DPV:
        return list((await session.execute(select(Lot.id).where(Lot.dpv_id == dpv_id))).scalars())
    return member_lots


def _move_membership(
    session: AsyncSession,
    actor: Principal,
    m: Membership,
    to: MembershipStatus,
    action: str,
    suspension_id: int,
    at: datetime,
) -> None:
    before = m.status
    assert to in MEMBERSHIP_TRANSITIONS[before], (before, to)
    m.status, m.updated_at = to, at
    audit.record(
        session,
        actor,
        action,
        "Membership",
        m.id,
        {"from": before, "to": to, "suspensionId": suspension_id, "providerId": m.provider_id, "lotId": m.lot_id},
    )


def _who(actor: Principal) -> tuple[int, str, str]:
    return actor.organisation_id, actor.actor_kind.value, actor.actor_id or actor.organisation_slug


async def suspend(
    session: AsyncSession,
    actor: Principal,
    *,
    provider_id: int,
    reason: SuspensionReason,
    dpv_id: int | None = None,
    lot_id: int | None = None,
    notes: str | None = None,
    until: date | None = None,
    kind: SuspensionKind = SuspensionKind.SUSPENSION,
    document_id: int | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Suspension:
    """Suspend (or, with kind BAR, bar) a provider from the market, a vehicle or a lot (module docstring)."""
    ensure_safeguarding_lead(actor)
    at = now or clock.now()
    today = at.astimezone(LONDON).date()
    notes = (notes or "").strip() or None

    async def create(id_: int | None) -> Suspension:
        if await organisation_of_kind(session, provider_id, OrganisationKind.PROVIDER) is None:
            raise Forbidden()
        errors: list[UserError] = []
        if dpv_id is not None and lot_id is not None:
            errors.append(UserError("lot_id", SuspensionErrorCode.DPV_AND_LOT, "Name a vehicle or a lot, not both"))
        if dpv_id is not None:
            await get_or_forbidden(session, Dpv, dpv_id)
        if lot_id is not None:
            await get_or_forbidden(session, Lot, lot_id)
        if reason is SuspensionReason.DOCUMENT_EXPIRED and document_id is None:
            errors.append(
                UserError(
                    "reason",
                    SuspensionErrorCode.REASON_RESERVED,
                    "DOCUMENT_EXPIRED is set by the service when a stage-1 document expires",
                )
            )
        if until is not None and until <= today:
            errors.append(
                UserError("until", SuspensionErrorCode.UNTIL_NOT_IN_FUTURE, f"A suspension ends after today ({today})")
            )
        errors += notes_errors(notes, required=False)
        if errors:
            raise UserErrors(errors)
        scope = (
            SuspensionScope.LOT
            if lot_id is not None
            else SuspensionScope.DPV
            if dpv_id is not None
            else SuspensionScope.PROVIDER
        )
        covered = await _lock_covered(session, provider_id, scope, dpv_id, lot_id)
        to = MembershipStatus.BARRED if kind is SuspensionKind.BAR else MembershipStatus.SUSPENDED
        movable = [c for c in covered if c.membership.status in (MembershipStatus.ADMITTED, MembershipStatus.SUSPENDED)]
        if not movable:
            raise UserErrors.one(
                "provider_id",
                SuspensionErrorCode.NOT_A_MEMBER,
                "The provider has no admitted membership there to "
                + ("bar" if kind is SuspensionKind.BAR else "suspend"),
            )
        org_id, actor_kind, actor_id = _who(actor)
        s = Suspension(
            id=id_,
            provider_id=provider_id,
            kind=kind,
            scope=scope,
            dpv_id=dpv_id,
            lot_id=lot_id,
            reason=reason,
            notes=notes,
            document_id=document_id,
            starts_on=today,
            until=until,
            created_at=at,
            created_by_organisation_id=org_id,
            created_by_kind=actor_kind,
            created_by=actor_id,
        )
        session.add(s)
        await session.flush()
        moved = []
        for c in movable:
            if c.membership.status is not to:
                _move_membership(
                    session,
                    actor,
                    c.membership,
                    to,
                    "membership.bar" if kind is SuspensionKind.BAR else "membership.suspend",
                    s.id,
                    at,
                )
                moved.append(c.membership.id)
        lot_ids = await _covered_lot_ids(session, scope, dpv_id, lot_id, [c.membership.lot_id for c in movable])
        changed = await provider_suspended(session, actor, s, lot_ids, at)
        if until is not None:
            timers.schedule(session, LIFT_TIMER, s.id, start_of_day(until))
        audit.record(
            session,
            actor,
            "provider.bar" if kind is SuspensionKind.BAR else "provider.suspend",
            "Suspension",
            s.id,
            {
                "providerId": provider_id,
                "kind": kind,
                "scope": scope,
                "dpvId": dpv_id,
                "lotId": lot_id,
                "reason": reason,
                "startsOn": today,
                "until": until,
                "documentId": document_id,
                "memberships": moved,
                "invitationsWithdrawn": changed["invitations"],
                "bidsExcluded": changed["bids"],
                "placementsFlagged": changed["placements"],
            },
        )
        await session.flush()
        return s

    operation = "providerBar" if kind is SuspensionKind.BAR else "providerSuspend"
    return await idempotent(
        session,
        actor.organisation_id,
        operation,
        idempotency_key,
        {"provider": provider_id, "dpv": dpv_id, "lot": lot_id, "reason": reason, "notes": notes, "until": until},
        Suspension,
        create,
        SuspensionErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


async def bar(
    session: AsyncSession,
    actor: Principal,
    *,
    provider_id: int,
    reason: SuspensionReason,
    dpv_id: int | None = None,
    lot_id: int | None = None,
    notes: str | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Suspension:
    """Bar a provider for good from the market, a vehicle or a lot: its memberships there become BARRED."""
    return await suspend(
        session,
        actor,
        provider_id=provider_id,
        reason=reason,
        dpv_id=dpv_id,
        lot_id=lot_id,
        notes=notes,
        kind=SuspensionKind.BAR,
        idempotency_key=idempotency_key,
        now=now,
    )


@admitted.handler
async def on_admitted(
    session: AsyncSession, actor: Principal, membership: Membership, now: datetime | None = None
) -> None:
    """A membership just admitted that an active bar or suspension of its provider covers (the whole market,
    the lot's vehicle or the lot) is barred or suspended at once, in the admission's transaction: a suspension
    or bar holds for what the provider joins while it lasts. Lifting the suspension restores it like the rest."""
    at = now or clock.now()
    dpv_id = (await session.execute(select(Lot.dpv_id).where(Lot.id == membership.lot_id))).scalar_one()
    active = list(
        (
            await session.execute(
                select(Suspension)
                .where(Suspension.provider_id == membership.provider_id, Suspension.lifted_at.is_(None))
                .order_by(Suspension.id)
            )
        ).scalars()
    )
    covering = [a for a in active if covers(a, membership.lot_id, dpv_id)]
    bar = next((a for a in covering if a.kind is SuspensionKind.BAR), None)
    if bar is not None:
        _move_membership(session, actor, membership, MembershipStatus.BARRED, "membership.bar", bar.id, at)
    elif covering:
        _move_membership(
            session, actor, membership, MembershipStatus.SUSPENDED, "membership.suspend", covering[0].id, at
        )


async def _lift(
    session: AsyncSession, actor: Principal, s: Suspension, at: datetime, notes: str | None, trigger: str
) -> None:
    """Lift an active suspension (locked by the caller): the memberships no other active suspension covers
    become ADMITTED again."""
    covered = await _lock_covered(session, s.provider_id, s.scope, s.dpv_id, s.lot_id)
    others = list(
        (
            await session.execute(
                select(Suspension).where(
                    Suspension.provider_id == s.provider_id,
                    Suspension.lifted_at.is_(None),
                    Suspension.id != s.id,
                    Suspension.kind == SuspensionKind.SUSPENSION,
                )
            )
        ).scalars()
    )
    org_id, actor_kind, actor_id = _who(actor)
    s.lifted_at, s.lifted_by_organisation_id, s.lifted_by_kind, s.lifted_by = at, org_id, actor_kind, actor_id
    s.lift_notes = notes
    restored, still = [], []
    for c in covered:
        if c.membership.status is not MembershipStatus.SUSPENDED:
            continue
        if any(covers(o, c.membership.lot_id, c.dpv_id) for o in others):
            still.append(c.membership.id)
            continue
        _move_membership(session, actor, c.membership, MembershipStatus.ADMITTED, "membership.reinstate", s.id, at)
        restored.append(c.membership.id)
    cancelled = await timers.cancel(session, LIFT_TIMER, s.id) if trigger != "until" else 0
    audit.record(
        session,
        actor,
        "provider.reinstate",
        "Suspension",
        s.id,
        {
            "providerId": s.provider_id,
            "scope": s.scope,
            "dpvId": s.dpv_id,
            "lotId": s.lot_id,
            "reason": s.reason,
            "trigger": trigger,
            "memberships": restored,
            "stillSuspended": still,
            "timersCancelled": cancelled,
        },
    )
    await session.flush()


async def reinstate(
    session: AsyncSession,
    actor: Principal,
    suspension_id: int,
    *,
    notes: str | None = None,
    now: datetime | None = None,
) -> Suspension:
    """Lift a suspension by hand before its end (or one without an end). A bar is final (BAR_IS_FINAL)."""
    ensure_safeguarding_lead(actor)
    s = await get_or_forbidden(session, Suspension, suspension_id, lock=True)
    notes = (notes or "").strip() or None
    errors = notes_errors(notes, required=False)
    if s.kind is SuspensionKind.BAR:
        errors.append(
            UserError("suspension_id", SuspensionErrorCode.BAR_IS_FINAL, "A bar is for good: it cannot be lifted")
        )
    elif s.lifted_at is not None:
        errors.append(
            UserError(
                "suspension_id",
                SuspensionErrorCode.ALREADY_LIFTED,
                f"The suspension was lifted at {s.lifted_at.isoformat()}",
            )
        )
    if errors:
        raise UserErrors(errors)
    await _lift(session, actor, s, now or clock.now(), notes, "by_hand")
    return s


async def lift_for_replaced_document(
    session: AsyncSession, provider_id: int, kind, document_id: int, at: datetime
) -> list[int]:
    """A valid replacement of an expired document was recorded: lift the DOCUMENT_EXPIRED suspensions its
    expiry set off, in the recording's transaction, as the service acting for the alliance."""
    active = list(
        (
            await session.execute(
                select(Suspension)
                .join(Document, Document.id == Suspension.document_id)
                .where(
                    Suspension.provider_id == provider_id,
                    Suspension.reason == SuspensionReason.DOCUMENT_EXPIRED,
                    Suspension.lifted_at.is_(None),
                    Document.kind == kind,
                )
                .order_by(Suspension.id)
                .with_for_update(of=Suspension)
            )
        ).scalars()
    )
    if not active:
        return []
    actor = await alliance_system_principal(session, "system:document-replaced")
    for s in active:
        await _lift(session, actor, s, at, f"Replaced by document {document_id}", "document_replaced")
    return [s.id for s in active]


@timers.handler(LIFT_TIMER)
async def until_reached(session: AsyncSession, timer: timers.Timer, at: datetime) -> None:
    """The start of the suspension's `until` day: lift it, unless it was lifted by hand meanwhile."""
    s = (
        await session.execute(
            select(Suspension)
            .where(Suspension.id == timer.subject_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if s is None or s.lifted_at is not None or s.kind is SuspensionKind.BAR:
        return
    actor = await alliance_system_principal(session, LIFT_ACTOR_ID)
    await _lift(session, actor, s, at, f"Ended on {s.until.isoformat() if s.until else ''}", "until")
