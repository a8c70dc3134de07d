"""Requirements: a borough's placement search on a lot, from draft to close (DOMAIN.md, "A placement search").

- A borough posts for itself (the authority comes from the token), on a lot of a vehicle it may buy through
  (the lead borough, or a live access agreement) and that is in its term, on the day of creation and again on
  the day of publication.
- The planned start falls within the vehicle's current term: from its start to its end as moved by the
  extension options exercised so far (api/market/dpvs.py; an option not yet exercised does not count, since
  nothing can be awarded under a vehicle outside its term). Refused with PLANNED_START_OUTSIDE_TERM on
  `requirementCreate`, on `requirementUpdate` when the start or the lot changes, and again at publication, so
  that a draft whose start fell outside the term (written before this rule, or the lot moved) is not published:
  the borough changes the start, or the alliance exercises an option first.
- The state machine is explicit: TRANSITIONS lists every move; anything else is INVALID_TRANSITION. AWARDED
  is reached by the award (api/placements/award.py), PLACED by the IPA (later work); UNFILLED when the
  deadline passes without a live bid.
- The reference (BAR-2026-0001) is numbered per prefix (the borough's, from its slug) per year in London,
  under a row lock: concurrent creations get consecutive numbers, a rolled-back one gives its number back.
- Publishing (DRAFT -> OPEN) sets the response deadline (given, or the urgency's default from the publication
  instant), invites the eligible members of the lot with a match assessment each (api/placements/invitations.py)
  and schedules the deadline timer, all in one transaction. At the deadline the timer closes the requirement,
  audited as the service acting for the borough: OPEN -> CLOSED when it has live (SUBMITTED) bids to evaluate,
  OPEN -> UNFILLED when it has none (the search ended without an offer: the sufficiency gap). The timer takes
  the requirement FOR UPDATE, and a bid change takes it FOR SHARE (api/placements/bids.py): a bid racing the
  deadline is counted or refused, never half.
- `requirementClose` closes responses before the deadline (OPEN -> CLOSED, even without bids: the officer may
  still cancel it); `requirementCancel` ends the search (the need went away). Both cancel the deadline timer in
  the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock, timers, transitions
from api.core.clock import LONDON
from api.core.errors import UserError, UserErrors
from api.core.idempotency import idempotent
from api.core.principal import Principal, system_principal
from api.market.agreements import may_buy_through
from api.market.enums import DpvStatus
from api.market.lookups import get_or_forbidden
from api.market.models import Dpv, Lot, Organisation
from api.placements import child as child_rules
from api.placements.deadlines import default_deadline
from api.placements.enums import BidStatus, RequirementStatus, Urgency
from api.placements.invitations import invite_members
from api.placements.models import Bid, Invitation, ReferenceCounter, Requirement, RequirementChild
from api.placements.permissions import ensure_owns_requirement, ensure_posts_requirements

DEADLINE_TIMER = "requirement.deadline"
TIMER_ACTOR_ID = "timer:" + DEADLINE_TIMER
MAX_DURATION_WEEKS = 520
PENNY = Decimal("0.01")

TRANSITIONS: dict[RequirementStatus, frozenset[RequirementStatus]] = {
    RequirementStatus.DRAFT: frozenset({RequirementStatus.OPEN, RequirementStatus.CANCELLED}),
    RequirementStatus.OPEN: frozenset(
        {RequirementStatus.CLOSED, RequirementStatus.AWARDED, RequirementStatus.UNFILLED, RequirementStatus.CANCELLED}
    ),  # AWARDED: an emergency, at once
    RequirementStatus.CLOSED: frozenset(
        {RequirementStatus.AWARDED, RequirementStatus.UNFILLED, RequirementStatus.CANCELLED}
    ),
    RequirementStatus.AWARDED: frozenset({RequirementStatus.PLACED, RequirementStatus.CANCELLED}),
    RequirementStatus.PLACED: frozenset(),
    RequirementStatus.UNFILLED: frozenset(),
    RequirementStatus.CANCELLED: frozenset(),
}


class RequirementErrorCode(Enum):
    """The requirement's own codes; the child's are api/placements/child.py's, and the API shows both as one
    RequirementErrorCode (schema/placement/mutations/requirement_create.py)."""

    NO_ACCESS_AGREEMENT = "NO_ACCESS_AGREEMENT"
    VEHICLE_NOT_IN_TERM = "VEHICLE_NOT_IN_TERM"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_A_DRAFT = "NOT_A_DRAFT"
    DEADLINE_IN_PAST = "DEADLINE_IN_PAST"
    PLANNED_START_IN_PAST = "PLANNED_START_IN_PAST"
    INVALID_DURATION = "INVALID_DURATION"
    INVALID_BUDGET = "INVALID_BUDGET"
    REASON_REQUIRED = "REASON_REQUIRED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    PLANNED_START_OUTSIDE_TERM = "PLANNED_START_OUTSIDE_TERM"


@dataclass
class RequirementFields:
    """What the borough says about the search; `requirementUpdate` sends any subset of these (and the child)."""

    lot_id: int
    urgency: Urgency
    planned_start: date
    expected_duration_weeks: int
    response_deadline: datetime | None = None
    max_weekly_budget: Decimal | None = None

    def __post_init__(self) -> None:
        if self.response_deadline is not None and self.response_deadline.tzinfo is None:
            self.response_deadline = self.response_deadline.replace(tzinfo=UTC)  # DateTime is UTC (API.md)


def _validate(f: RequirementFields, now: datetime) -> list[UserError]:
    errors: list[UserError] = []
    if f.planned_start < now.astimezone(LONDON).date():
        errors.append(
            UserError(
                "planned_start", RequirementErrorCode.PLANNED_START_IN_PAST, "The planned start is today or later"
            )
        )
    if not 1 <= f.expected_duration_weeks <= MAX_DURATION_WEEKS:
        errors.append(
            UserError(
                "expected_duration_weeks",
                RequirementErrorCode.INVALID_DURATION,
                f"The expected duration is 1 to {MAX_DURATION_WEEKS} weeks",
            )
        )
    if f.max_weekly_budget is not None and not (
        Decimal(0) < f.max_weekly_budget < Decimal("1000000")
        and f.max_weekly_budget == f.max_weekly_budget.quantize(PENNY)
    ):
        errors.append(
            UserError(
                "max_weekly_budget",
                RequirementErrorCode.INVALID_BUDGET,
                "A weekly budget is a positive amount in pounds and pence",
            )
        )
    if f.response_deadline is not None and f.response_deadline <= now:
        errors.append(
            UserError(
                "response_deadline",
                RequirementErrorCode.DEADLINE_IN_PAST,
                "The response deadline must be in the future (by the server's clock)",
            )
        )
    return errors


def term_errors(dpv: Dpv, planned_start: date) -> list[UserError]:
    """The planned start outside the vehicle's current term (module docstring). Pure."""
    if dpv.starts_on <= planned_start <= dpv.ends_on:
        return []
    later = ""
    if planned_start > dpv.ends_on and dpv.extensions_exercised < dpv.extension_options:
        later = (
            f" (its end moves a year with each extension option the alliance exercises, to "
            f"{dpv.final_possible_end.isoformat()} at the latest)"
        )
    return [
        UserError(
            "planned_start",
            RequirementErrorCode.PLANNED_START_OUTSIDE_TERM,
            f"The planned start must fall within the vehicle's term, {dpv.starts_on.isoformat()} to "
            f"{dpv.ends_on.isoformat()}{later}",
        )
    ]


async def _start_errors(session: AsyncSession, lot: Lot, planned_start: date) -> list[UserError]:
    dpv = await session.get(Dpv, lot.dpv_id)
    assert dpv is not None
    return term_errors(dpv, planned_start)


async def _access_errors(session: AsyncSession, lot: Lot, authority_id: int, on: date) -> list[UserError]:
    dpv = await session.get(Dpv, lot.dpv_id)
    assert dpv is not None
    if dpv.status_on(on) is not DpvStatus.ACTIVE:
        return [
            UserError(
                "lot_id",
                RequirementErrorCode.VEHICLE_NOT_IN_TERM,
                f"The vehicle runs from {dpv.starts_on} to {dpv.ends_on}",
            )
        ]
    if not await may_buy_through(session, dpv, authority_id, on):
        return [
            UserError(
                "lot_id",
                RequirementErrorCode.NO_ACCESS_AGREEMENT,
                "The borough has no access agreement for this vehicle (and does not lead it)",
            )
        ]
    return []


def reference_prefix(slug: str) -> str:
    """BAR for barnet, HAM for hammersmith-fulham: the first three letters of the slug."""
    letters = "".join(ch for ch in slug if ch.isalpha())
    return (letters[:3] or "REQ").upper()


async def allocate_reference(session: AsyncSession, slug: str, year: int) -> str:
    prefix = reference_prefix(slug)
    number = (
        await session.execute(
            insert(ReferenceCounter)
            .values(prefix=prefix, year=year, last_number=1)
            .on_conflict_do_update(
                index_elements=[ReferenceCounter.prefix, ReferenceCounter.year],
                set_={"last_number": ReferenceCounter.last_number + 1},
            )
            .returning(ReferenceCounter.last_number)
        )
    ).scalar_one()
    return f"{prefix}-{year}-{number:04d}"


def _move(requirement: Requirement, to: RequirementStatus) -> RequirementStatus:
    return transitions.move(
        requirement,
        to,
        TRANSITIONS,
        field="requirement_id",
        code=RequirementErrorCode.INVALID_TRANSITION,
        noun="A requirement",
    )


def _audit_fields(f: RequirementFields) -> dict[str, Any]:
    return {
        "lotId": f.lot_id,
        "urgency": f.urgency,
        "plannedStart": f.planned_start,
        "expectedDurationWeeks": f.expected_duration_weeks,
        "responseDeadline": f.response_deadline,
        "maxWeeklyBudget": f.max_weekly_budget,
    }


async def create_requirement(
    session: AsyncSession,
    actor: Principal,
    *,
    fields_: RequirementFields,
    child: child_rules.ChildDetails,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Requirement:
    ensure_posts_requirements(actor)
    now = now or clock.now()
    authority_id = actor.organisation_id
    c = child_rules.normalise(child)
    case_hash = child_rules.hash_reference(c.case_reference, authority_id)

    async def create(id_: int | None) -> Requirement:
        lot = await get_or_forbidden(session, Lot, fields_.lot_id)
        errors = _validate(fields_, now) + child_rules.validate(c)
        errors += await _start_errors(session, lot, fields_.planned_start)
        errors += await _access_errors(session, lot, authority_id, now.astimezone(LONDON).date())
        if errors:
            raise UserErrors(errors)
        org = await session.get(Organisation, authority_id)
        assert org is not None
        requirement = Requirement(
            id=id_,
            reference=await allocate_reference(session, org.slug, now.astimezone(LONDON).year),
            authority_id=authority_id,
            lot_id=lot.id,
            status=RequirementStatus.DRAFT,
            urgency=fields_.urgency,
            planned_start=fields_.planned_start,
            expected_duration_weeks=fields_.expected_duration_weeks,
            max_weekly_budget=fields_.max_weekly_budget,
            response_deadline=fields_.response_deadline,
        )
        session.add(requirement)
        await session.flush()
        row = RequirementChild(requirement_id=requirement.id)
        child_rules.apply(row, c, case_hash)
        session.add(row)
        await session.flush()
        # No child data in the audit log: the pseudonym says which child, the rest stays in its table.
        audit.record(
            session,
            actor,
            "requirement.create",
            "Requirement",
            requirement.id,
            {"reference": requirement.reference, **_audit_fields(fields_), "child": child_rules.pseudonym(case_hash)},
        )
        return requirement

    # The idempotency record keeps a SHA-256 of the request: with the keyed hash in place of the case
    # reference, it cannot be used to guess references.
    request = {**_audit_fields(fields_), "child": {**c.__dict__, "case_reference": case_hash}}
    return await idempotent(
        session,
        authority_id,
        "requirementCreate",
        idempotency_key,
        request,
        Requirement,
        create,
        RequirementErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


async def _locked_own(session: AsyncSession, actor: Principal, requirement_id: int) -> Requirement:
    requirement = await get_or_forbidden(session, Requirement, requirement_id, lock=True)
    ensure_owns_requirement(actor, requirement.authority_id)
    return requirement


async def update_requirement(
    session: AsyncSession,
    actor: Principal,
    requirement_id: int,
    changes: dict[str, Any],
    *,
    child: child_rules.ChildDetails | None = None,
    now: datetime | None = None,
) -> Requirement:
    """Change a DRAFT: `changes` holds RequirementFields names; `child`, when given, replaces the child."""
    now = now or clock.now()
    requirement = await _locked_own(session, actor, requirement_id)
    if requirement.status is not RequirementStatus.DRAFT:
        raise UserErrors.one(
            "requirement_id",
            RequirementErrorCode.NOT_A_DRAFT,
            f"Only a draft can be changed; this requirement is {requirement.status.value}",
        )
    before = RequirementFields(
        lot_id=requirement.lot_id,
        urgency=requirement.urgency,
        planned_start=requirement.planned_start,
        expected_duration_weeks=requirement.expected_duration_weeks,
        response_deadline=requirement.response_deadline,
        max_weekly_budget=requirement.max_weekly_budget,
    )
    after = RequirementFields(**{**before.__dict__, **changes})
    # a start or a deadline left as it was is judged again at publication, not at every edit
    unchanged = {
        "plannedStart": after.planned_start == before.planned_start,
        "responseDeadline": after.response_deadline == before.response_deadline,
    }
    errors = [e for e in _validate(after, now) if not unchanged.get(e.field or "", False)]
    c = child_rules.normalise(child) if child is not None else None
    if c is not None:
        errors += child_rules.validate(c)
    if after.lot_id != before.lot_id or after.planned_start != before.planned_start:
        lot = await get_or_forbidden(session, Lot, after.lot_id)
        errors += await _start_errors(session, lot, after.planned_start)
        if after.lot_id != before.lot_id:
            errors += await _access_errors(session, lot, requirement.authority_id, now.astimezone(LONDON).date())
    if errors:
        raise UserErrors(errors)
    for name, value in after.__dict__.items():
        setattr(requirement, name, value)
    data: dict[str, Any] = {
        k: {"before": v, "after": _audit_fields(after)[k]}
        for k, v in _audit_fields(before).items()
        if v != _audit_fields(after)[k]
    }
    if c is not None:
        row = await session.get(RequirementChild, requirement.id)
        assert row is not None
        old_hash = row.case_reference_hash
        child_rules.apply(row, c, child_rules.hash_reference(c.case_reference, requirement.authority_id))
        data["child"] = {
            "replaced": True,
            "before": child_rules.pseudonym(old_hash),
            "after": child_rules.pseudonym(row.case_reference_hash),
        }
    requirement.updated_at = now
    audit.record(session, actor, "requirement.update", "Requirement", requirement.id, data)
    await session.flush()
    return requirement


async def publish(
    session: AsyncSession, actor: Principal, requirement_id: int, *, now: datetime | None = None
) -> tuple[Requirement, list[Invitation]]:
    """DRAFT -> OPEN: the deadline, the invitations and the deadline timer, in the caller's transaction."""
    now = now or clock.now()
    today = now.astimezone(LONDON).date()
    requirement = await _locked_own(session, actor, requirement_id)
    if requirement.status is not RequirementStatus.DRAFT:
        raise UserErrors.one(
            "requirement_id",
            RequirementErrorCode.INVALID_TRANSITION,
            f"A requirement that is {requirement.status.value} cannot be published",
        )
    lot = await session.get(Lot, requirement.lot_id)
    assert lot is not None
    errors = await _access_errors(session, lot, requirement.authority_id, today)
    errors += await _start_errors(session, lot, requirement.planned_start)
    if requirement.planned_start < today:
        errors.append(
            UserError(
                "planned_start",
                RequirementErrorCode.PLANNED_START_IN_PAST,
                "The planned start has passed: change it before publishing",
            )
        )
    if requirement.response_deadline is not None and requirement.response_deadline <= now:
        errors.append(
            UserError(
                "response_deadline",
                RequirementErrorCode.DEADLINE_IN_PAST,
                "The response deadline has passed: change it (or clear it) before publishing",
            )
        )
    if errors:
        raise UserErrors(errors)
    deadline = requirement.response_deadline or default_deadline(requirement.urgency, now)
    child = await session.get(RequirementChild, requirement.id)
    assert child is not None
    invitations, uninvited = await invite_members(session, requirement, child, today)
    before = _move(requirement, RequirementStatus.OPEN)
    requirement.response_deadline, requirement.published_at, requirement.updated_at = deadline, now, now
    timers.schedule(session, DEADLINE_TIMER, requirement.id, deadline)
    audit.record(
        session,
        actor,
        "requirement.publish",
        "Requirement",
        requirement.id,
        {
            "from": before,
            "to": RequirementStatus.OPEN,
            "responseDeadline": deadline,
            "invited": {str(i.provider_id): i.match_level for i in invitations},
            "notInvited": {str(u.provider_id): u.reason for u in uninvited},
        },
    )
    await session.flush()
    return requirement, invitations


async def cancel(
    session: AsyncSession, actor: Principal, requirement_id: int, *, reason: str, now: datetime | None = None
) -> Requirement:
    """The search ends without a placement because the need went away (not for want of offers)."""
    now = now or clock.now()
    requirement = await _locked_own(session, actor, requirement_id)
    if not reason.strip():
        raise UserErrors.one("reason", RequirementErrorCode.REASON_REQUIRED, "Say why the search is cancelled")
    before = _move(requirement, RequirementStatus.CANCELLED)
    requirement.ended_at, requirement.updated_at, requirement.status_reason = now, now, reason.strip()
    cancelled_timers = await timers.cancel(session, DEADLINE_TIMER, requirement.id)
    audit.record(
        session,
        actor,
        "requirement.cancel",
        "Requirement",
        requirement.id,
        {
            "from": before,
            "to": RequirementStatus.CANCELLED,
            "reason": reason.strip(),
            "timersCancelled": cancelled_timers,
        },
    )
    await session.flush()
    return requirement


async def close(
    session: AsyncSession,
    actor: Principal,
    requirement_id: int,
    *,
    reason: str | None = None,
    now: datetime | None = None,
) -> Requirement:
    """Close responses before the deadline (OPEN -> CLOSED): the offers in hand are evaluated."""
    now = now or clock.now()
    requirement = await _locked_own(session, actor, requirement_id)
    if requirement.status is not RequirementStatus.OPEN:
        raise UserErrors.one(
            "requirement_id",
            RequirementErrorCode.INVALID_TRANSITION,
            f"Only an open requirement closes; this one is {requirement.status.value}",
        )
    before = _move(requirement, RequirementStatus.CLOSED)
    requirement.closed_at, requirement.updated_at = now, now
    requirement.status_reason = (reason or "").strip() or None
    await timers.cancel(session, DEADLINE_TIMER, requirement.id)
    audit.record(
        session,
        actor,
        "requirement.close",
        "Requirement",
        requirement.id,
        {
            "from": before,
            "to": RequirementStatus.CLOSED,
            "reason": requirement.status_reason,
            "responseDeadline": requirement.response_deadline,
        },
    )
    await session.flush()
    return requirement


@timers.handler(DEADLINE_TIMER)
async def deadline_passed(session: AsyncSession, timer: timers.Timer, at: datetime) -> None:
    """The deadline closes an open requirement by itself: CLOSED with live bids, UNFILLED without. One that was
    closed, awarded or cancelled meanwhile (whose timer was cancelled with it) is left as it is. A published
    deadline does not move, so the timer is due exactly when the requirement's deadline is.

    The requirement is taken FOR UPDATE before its bids are counted: a bid change in flight (it holds the
    requirement FOR SHARE) commits first and is counted, or waits and then finds the requirement closed."""
    requirement = (
        await session.execute(
            select(Requirement)
            .where(Requirement.id == timer.subject_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if requirement is None or requirement.status is not RequirementStatus.OPEN:
        return
    org = await session.get(Organisation, requirement.authority_id)
    assert org is not None
    actor = system_principal(org.id, org.kind, org.slug, TIMER_ACTOR_ID)
    live = (
        await session.execute(
            select(func.count())
            .select_from(Bid)
            .where(Bid.requirement_id == requirement.id, Bid.status == BidStatus.SUBMITTED)
        )
    ).scalar_one()
    to = RequirementStatus.CLOSED if live else RequirementStatus.UNFILLED
    before = _move(requirement, to)
    requirement.closed_at, requirement.updated_at = at, at
    if to is RequirementStatus.UNFILLED:
        requirement.ended_at = at
    audit.record(
        session,
        actor,
        "requirement.deadline_passed",
        "Requirement",
        requirement.id,
        {
            "from": before,
            "to": to,
            "responseDeadline": requirement.response_deadline,
            "liveBids": live,
            "timerId": timer.id,
        },
    )
    await session.flush()
