"""Bids: a provider's offer on a requirement it is invited to (DOMAIN.md, "A placement search", steps 4 and 5).

Rules (each broken one is a user error with a BidErrorCode; someone else's object is FORBIDDEN)
- A provider bids for itself (the provider comes from the token), on a requirement it is INVITED to: one it is
  not invited to does not exist for it (FORBIDDEN); a withdrawn invitation is INVITATION_WITHDRAWN.
- On one of its own settings (another provider's is FORBIDDEN), an active one (SETTING_INACTIVE).
- While the requirement is OPEN (REQUIREMENT_NOT_OPEN) and before its response deadline by the server's clock
  (DEADLINE_PASSED from the deadline on, even before the timer has closed the requirement).
- One live (SUBMITTED) bid per provider per requirement (ALREADY_BID: amend it instead; after a withdrawal the
  provider may bid again).
- Prices as pricing.validate_prices wants them (INVALID_PRICE, TOO_MANY_EXTRAS, INVALID_EXTRA); the GROSS weekly
  price (core + extras) at most the lot's cap that applies to the planned start (api/market/caps.py: the cap of
  its financial year, else the latest earlier year's; ABOVE_CAP), and a lot with no cap that applies takes no
  bids (NO_RATE_CAP; pricing.check_cap). The discounts (sibling 5%, long-term 5%, at most 10% together) and the
  net weekly price are computed by pricing.price_bid from the child's sibling group, the free places of the
  setting offered and the expected duration, and stored with the bid with their explanation: the provider never
  types them.
- The provider's membership of the lot is not SUSPENDED (PROVIDER_SUSPENDED) or BARRED (PROVIDER_BARRED), and the
  setting offered is not rated Inadequate by its latest Ofsted judgement (SETTING_INADEQUATE), as
  api/placements/eligibility.py decides who may bid (`to_bid`): a suspension
  (api/safeguarding/suspensions.py) withdraws a suspended provider's invitations and excludes its live bids
  (api/placements/exclusion.py).
- Available from today (in England) or later (AVAILABLE_FROM_IN_PAST); how the needs will be met is required
  (STATEMENT_REQUIRED); compatibility and social value are optional; each at most 4,000 characters.
- `submit_bid` is idempotent by key (api/core/idempotency.py): the same key from the same provider returns the first
  bid and creates nothing more. `amend_bid` replaces the whole offer (setting, prices, availability,
  statements) under the same rules, keeps the bid's id and its first receipt time and records `amended_at`,
  with the before/after of what changed in the audit log. `withdraw_bid` ends a live bid. Both only until the
  deadline. The statements' free text is never copied into the audit log (it names which ones changed).

One write path
- Submit, amend and withdraw are one mechanism in three steps (the section "the one write path" below): one
  statement takes the locks with everything the rules read; the rules run in one order; one statement writes
  the bid with its audit event. Nothing of a change goes through the ORM's unit of work: the bid is put in the
  session as written.

Receipt time and concurrency
- Every change takes the requirement's row FOR SHARE (bids from different providers go on side by side), then
  the provider's invitation FOR UPDATE (one change at a time per provider and requirement), then the bid FOR
  UPDATE. The deadline timer, `requirementClose` and `bidAccept` take the requirement FOR UPDATE: a bid racing
  them is either committed before they read the bids, or waits for them and then finds the requirement no
  longer open. Never half. Others that change a requirement's bids (the award, the officer's scores, a
  suspension: `lock_requirement`, `lock_bid`) take the same locks in the same order.
- The receipt time is the server's UTC clock (api/core/clock.py, the clock that also runs the timers) read once the
  requirement's lock is held, and the deadline is judged against that same instant, so what is stored as
  received before the deadline was accepted before it. (The database's `clock_timestamp()` would be one clock
  for every worker; the workers' clocks are kept by NTP instead, and the rules can be run at a given `now`.)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from api.core import audit, clock, transitions
from api.core.clock import LONDON
from api.core.db import next_id
from api.core.errors import Forbidden, UserError, UserErrors
from api.core.idempotency import idempotent
from api.core.principal import Principal
from api.market import caps
from api.market.enums import MembershipStatus, OfstedGrade
from api.market.models import LotRateCap, Membership, OfstedJudgement, Setting
from api.placements import eligibility, permissions, pricing
from api.placements.eligibility import Ineligible
from api.placements.enums import BidStatus, InvitationStatus, RequirementStatus
from api.placements.models import Bid, Invitation, Requirement, RequirementChild

MAX_TEXT = 4000

TRANSITIONS: dict[BidStatus, frozenset[BidStatus]] = {
    BidStatus.SUBMITTED: frozenset(
        {BidStatus.WITHDRAWN, BidStatus.EXCLUDED, BidStatus.ACCEPTED, BidStatus.UNSUCCESSFUL}
    ),
    BidStatus.WITHDRAWN: frozenset(),
    BidStatus.EXCLUDED: frozenset(),
    BidStatus.ACCEPTED: frozenset(),
    BidStatus.UNSUCCESSFUL: frozenset(),
}


class BidErrorCode(Enum):
    """The bids' own codes. The pricing rules (api/placements/pricing.py), a provider's eligibility (below), the
    award (api/placements/award.py) and the officer's scores (api/placements/officer_scores.py) have their own; the
    API shows them all as one BidErrorCode (schema/placement/mutations/bid_submit.py)."""

    REQUIREMENT_NOT_OPEN = "REQUIREMENT_NOT_OPEN"
    DEADLINE_PASSED = "DEADLINE_PASSED"
    INVITATION_WITHDRAWN = "INVITATION_WITHDRAWN"
    SETTING_INACTIVE = "SETTING_INACTIVE"
    ALREADY_BID = "ALREADY_BID"
    BID_NOT_LIVE = "BID_NOT_LIVE"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    AVAILABLE_FROM_IN_PAST = "AVAILABLE_FROM_IN_PAST"
    STATEMENT_REQUIRED = "STATEMENT_REQUIRED"
    TEXT_TOO_LONG = "TEXT_TOO_LONG"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


class EligibilityErrorCode(Enum):
    """Why a provider may not bid with a setting (`_check_eligible`)."""

    PROVIDER_SUSPENDED = "PROVIDER_SUSPENDED"
    PROVIDER_BARRED = "PROVIDER_BARRED"
    SETTING_INADEQUATE = "SETTING_INADEQUATE"


@dataclass
class BidOffer:
    """What the provider offers (the input of `bidSubmit` and `bidAmend`, without the requirement)."""

    setting_id: int
    core_price: Decimal
    available_from: date
    needs_statement: str
    extras: list[pricing.Extra] = field(default_factory=list)
    compatibility_statement: str | None = None
    social_value_statement: str | None = None


STATEMENTS = {
    "needs_statement": "needsStatement",
    "compatibility_statement": "compatibilityStatement",
    "social_value_statement": "socialValueStatement",
}


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def normalise(offer: BidOffer) -> BidOffer:
    return replace(
        offer,
        needs_statement=(offer.needs_statement or "").strip(),
        compatibility_statement=_text(offer.compatibility_statement),
        social_value_statement=_text(offer.social_value_statement),
        extras=[pricing.Extra((e.description or "").strip(), e.weekly_price) for e in offer.extras],
    )


def validate(offer: BidOffer, today: date) -> list[UserError]:
    """Every rule the (normalised) offer breaks by itself. Pure."""
    errors = pricing.validate_prices(offer.core_price, offer.extras)
    if offer.available_from < today:
        errors.append(
            UserError(
                "available_from",
                BidErrorCode.AVAILABLE_FROM_IN_PAST,
                f"The place must be available today ({today.isoformat()}) or later",
            )
        )
    if not offer.needs_statement:
        errors.append(
            UserError("needs_statement", BidErrorCode.STATEMENT_REQUIRED, "Say how the child's needs will be met")
        )
    for name in STATEMENTS:
        value = getattr(offer, name)
        if value is not None and len(value) > MAX_TEXT:
            errors.append(UserError(name, BidErrorCode.TEXT_TOO_LONG, f"At most {MAX_TEXT} characters"))
    return errors


def move(bid: Bid, to: BidStatus) -> BidStatus:
    return transitions.move(bid, to, TRANSITIONS, field="bid_id", code=BidErrorCode.INVALID_TRANSITION, noun="A bid")


# --- locks for the others that change a requirement's bids (the award, the officer's scores, a suspension) -----
# They take them in the order a bid's change does (below): the requirement, the invitation, the bid.


async def lock_requirement(session: AsyncSession, requirement_id: int, *, exclusive: bool = False) -> Requirement:
    """The requirement, FOR SHARE (a bid changing) or FOR UPDATE (closing, awarding), read afresh."""
    requirement = (
        await session.execute(
            select(Requirement)
            .where(Requirement.id == requirement_id)
            .with_for_update(read=not exclusive)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if requirement is None:
        raise Forbidden()
    return requirement


async def lock_bid(session: AsyncSession, bid_id: int) -> Bid:
    return (
        await session.execute(
            select(Bid).where(Bid.id == bid_id).with_for_update().execution_options(populate_existing=True)
        )
    ).scalar_one()


async def bid_parents(session: AsyncSession, bid_id: int) -> tuple[int, int]:
    """(requirement id, provider id) of a bid, read without a lock to know what to lock first."""
    row = (await session.execute(select(Bid.requirement_id, Bid.provider_id).where(Bid.id == bid_id))).first()
    if row is None:
        raise Forbidden()
    return row.requirement_id, row.provider_id


# --- the rules a change checks --------------------------------------------------------------------------------


def ensure_open(requirement: Any, at: datetime) -> None:
    """The requirement takes responses at `at`: OPEN, and its deadline not reached by the server's clock."""
    deadline = requirement.response_deadline
    if requirement.status is not RequirementStatus.OPEN:
        closed_by_deadline = deadline is not None and (
            at >= deadline or (requirement.closed_at is not None and requirement.closed_at >= deadline)
        )
        if closed_by_deadline:
            raise UserErrors.one(
                "requirement_id",
                BidErrorCode.DEADLINE_PASSED,
                f"Responses closed at the deadline, {deadline.isoformat()}",
            )
        raise UserErrors.one(
            "requirement_id",
            BidErrorCode.REQUIREMENT_NOT_OPEN,
            f"The requirement is {requirement.status.value}: it takes no responses",
        )
    if deadline is None or at >= deadline:
        raise UserErrors.one(
            "requirement_id",
            BidErrorCode.DEADLINE_PASSED,
            f"The response deadline, {deadline.isoformat() if deadline else 'unset'}, has passed",
        )


def _check_eligible(
    membership_status: MembershipStatus | None, latest_grade: OfstedGrade | None, setting_name: str
) -> None:
    """The provider and the setting offered may bid (api/placements/eligibility.py `to_bid`)."""
    reason = eligibility.to_bid(membership_status, latest_grade)
    if reason is Ineligible.PROVIDER_SUSPENDED:
        raise UserErrors.one(
            "requirement_id",
            EligibilityErrorCode.PROVIDER_SUSPENDED,
            "The provider is suspended from this lot: it cannot bid",
        )
    if reason is Ineligible.PROVIDER_BARRED:
        raise UserErrors.one(
            "requirement_id", EligibilityErrorCode.PROVIDER_BARRED, "The provider is barred from this lot"
        )
    if reason is Ineligible.SETTING_INADEQUATE:
        raise UserErrors.one(
            "setting_id",
            EligibilityErrorCode.SETTING_INADEQUATE,
            f"{setting_name} is rated Inadequate by Ofsted: it cannot be offered",
        )


def _membership_status(provider_id: Any, lot_id: Any) -> Any:
    return (
        select(Membership.status)
        .where(Membership.provider_id == provider_id, Membership.lot_id == lot_id)
        .scalar_subquery()
    )


def _latest_grade(setting_id: Any) -> Any:
    return (
        select(OfstedJudgement.grade)
        .where(OfstedJudgement.setting_id == setting_id)
        .order_by(OfstedJudgement.inspected_on.desc(), OfstedJudgement.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _ensure_invited(status: InvitationStatus) -> None:
    if status is not InvitationStatus.INVITED:
        raise UserErrors.one(
            "requirement_id",
            BidErrorCode.INVITATION_WITHDRAWN,
            "The provider's invitation to this requirement was withdrawn",
        )


def _check_offer(offer: BidOffer, at: datetime, *, setting_active: bool, setting_name: str) -> None:
    """Every rule the offer and its setting break, raised at once. Pure."""
    errors = validate(offer, at.astimezone(LONDON).date())
    if not setting_active:
        errors.append(UserError("setting_id", BidErrorCode.SETTING_INACTIVE, f"{setting_name} is not active"))
    if errors:
        raise UserErrors(errors)


def _price(
    offer: BidOffer,
    *,
    sibling_group_size: int,
    places_offered: int,
    expected_duration_weeks: int,
    cap_years: list[int] | None,
    cap_amounts: list[Decimal] | None,
    planned_start: date,
) -> pricing.Price:
    """The (valid) offer priced with its discounts, refused above the cap that applies to the planned start
    (caps.cap_for over the lot's caps, given as two arrays: financial years and amounts), or when none does.
    Pure."""
    price = pricing.price_bid(
        offer.core_price,
        offer.extras,
        sibling_group_size=sibling_group_size,
        places_offered=places_offered,
        expected_duration_weeks=expected_duration_weeks,
    )
    cap = caps.cap_for(dict(zip(cap_years or (), cap_amounts or (), strict=True)), planned_start)
    refused = pricing.check_cap(
        price.gross,
        cap.weekly_rate_cap if cap else None,
        planned_start=planned_start,
        set_for=cap.set_for if cap else None,
    )
    if refused is not None:
        raise UserErrors([refused])
    return price


def _apply(bid: Bid, offer: BidOffer, price: pricing.Price) -> None:
    bid.setting_id = offer.setting_id
    bid.core_price = price.core
    bid.extras = [{"description": e.description, "weeklyPrice": str(e.weekly_price)} for e in price.extras]
    bid.weekly_price = price.gross
    bid.discounts = [
        {"kind": d.kind.value, "percent": str(d.percent), "amount": str(d.amount)} for d in price.discounts
    ]
    bid.net_weekly_price = price.net
    bid.price_explanation = price.explanation
    bid.available_from = offer.available_from
    for name in STATEMENTS:
        setattr(bid, name, getattr(offer, name))


def _offer_audit(bid: Bid) -> dict[str, Any]:
    """The offer as the audit log keeps it: prices and dates, not the statements' free text."""
    return {
        "settingId": bid.setting_id,
        "corePrice": bid.core_price,
        "extras": bid.extras,
        "weeklyPrice": bid.weekly_price,
        "discounts": bid.discounts,
        "netWeeklyPrice": bid.net_weekly_price,
        "availableFrom": bid.available_from,
    }


def _statements(bid: Bid) -> dict[str, str | None]:
    return {path: getattr(bid, name) for name, path in STATEMENTS.items()}


def _already_bid() -> UserErrors:
    return UserErrors.one(
        "requirement_id",
        BidErrorCode.ALREADY_BID,
        "The provider has a live bid on this requirement: amend or withdraw it",
    )


# --- the one write path of a bid: submit, amend and withdraw -----------------------------------------------------
#
# Each change is three steps, the same for the three (with the idempotency claim before a keyed submission):
# 1. `_lock`: ONE statement takes the locks in the documented order, the requirement FOR SHARE, the provider's
#    invitation FOR UPDATE, then the bid FOR UPDATE when it exists (PostgreSQL locks the rows of a result row in
#    the order the locking clauses name the tables), and reads with them everything the rules look at: the
#    setting offered (not locked), the provider's membership of the lot and the setting's latest Ofsted grade,
#    the child's sibling group and the lot's caps. No row: the requirement or the bid does not exist for this
#    provider (FORBIDDEN).
# 2. `_check`: the rules, in one order: responses open (by the server's clock, read once the locks are held: the
#    receipt time); for an offer, who may bid (api/placements/eligibility.py) and the invitation, then the offer
#    and its price; an existing bid must be live (each operation says how).
# 3. `_write`: ONE statement changes the bid and writes its audit event (`audit.values`), in the caller's
#    transaction; the bid is then in the session as written, with nothing left to flush.

_requirement, _invitation, _setting = Requirement.__table__, Invitation.__table__, Setting.__table__
_bid, _audit, _caps = Bid.__table__, audit.AuditEvent.__table__, LotRateCap.__table__
_AUDIT_VALUES = ("organisation_id", "actor_kind", "actor_id", "action", "entity_type", "data")


def _lot_caps(lot_id: Any) -> tuple[Any, Any]:
    """The lot's caps as two arrays in the same order, (financial years, amounts): scalar subqueries."""
    years = (
        select(func.array_agg(aggregate_order_by(_caps.c.financial_year, _caps.c.id)))
        .where(_caps.c.lot_id == lot_id)
        .scalar_subquery()
    )
    amounts = (
        select(func.array_agg(aggregate_order_by(_caps.c.weekly_rate_cap, _caps.c.id)))
        .where(_caps.c.lot_id == lot_id)
        .scalar_subquery()
    )
    return years, amounts


def _locking(*, of_a_bid: bool) -> Any:
    """Step 1's statement: by requirement (a new bid; parameter `requirement_id`) or by bid (`bid_id`, which must be
    the provider's); with `provider_id` and `setting_id` (the setting offered, None when withdrawing)."""
    siblings = (
        select(RequirementChild.__table__.c.sibling_group_size)
        .where(RequirementChild.__table__.c.requirement_id == _requirement.c.id)
        .scalar_subquery()
    )
    years, amounts = _lot_caps(_requirement.c.lot_id)
    columns = [
        _requirement.c.id.label("requirement_id"),
        _requirement.c.status,
        _requirement.c.response_deadline,
        _requirement.c.closed_at,
        _requirement.c.planned_start,
        _requirement.c.expected_duration_weeks,
        _requirement.c.lot_id,
        _membership_status(bindparam("provider_id"), _requirement.c.lot_id).label("membership_status"),
        _latest_grade(bindparam("setting_id")).label("setting_grade"),
        _invitation.c.status.label("invitation_status"),
        _setting.c.provider_id.label("setting_provider_id"),
        _setting.c.active.label("setting_active"),
        _setting.c.name.label("setting_name"),
        _setting.c.vacancies.label("setting_vacancies"),
        siblings.label("sibling_group_size"),
        years.label("cap_years"),
        amounts.label("cap_amounts"),
    ]
    invited = and_(
        _invitation.c.requirement_id == _requirement.c.id, _invitation.c.provider_id == bindparam("provider_id")
    )
    if of_a_bid:
        columns += [c.label(f"bid_{c.key}") for c in _bid.c]
        tables = _bid.join(_requirement, _requirement.c.id == _bid.c.requirement_id).join(_invitation, invited)
        which = and_(_bid.c.id == bindparam("bid_id"), _bid.c.provider_id == bindparam("provider_id"))
        locks = f"FOR SHARE OF {_requirement.name} FOR UPDATE OF {_invitation.name}, {_bid.name}"
    else:
        tables = _requirement.join(_invitation, invited)
        which = _requirement.c.id == bindparam("requirement_id")
        locks = f"FOR SHARE OF {_requirement.name} FOR UPDATE OF {_invitation.name}"
    return (
        select(*columns)
        .select_from(tables.outerjoin(_setting, _setting.c.id == bindparam("setting_id")))
        .where(which)
        .suffix_with(locks, dialect="postgresql")
    )


_LOCK_FOR_A_NEW_BID = _locking(of_a_bid=False)
_LOCK_A_BID = _locking(of_a_bid=True)


@dataclass
class _Locked:
    """What step 1 read, with the locks held; `bid` is the existing bid as locked (None for a new one)."""

    row: Any
    bid: Bid | None
    at: datetime  # the receipt time: the server's clock once the locks are held


async def _lock(
    session: AsyncSession,
    *,
    provider_id: int,
    setting_id: int | None,
    requirement_id: int | None = None,
    bid_id: int | None = None,
    now: datetime | None,
) -> _Locked:
    conn = await session.connection()
    params = {"provider_id": provider_id, "setting_id": setting_id}
    if bid_id is None:
        row = (await conn.execute(_LOCK_FOR_A_NEW_BID, {**params, "requirement_id": requirement_id})).first()
    else:
        row = (await conn.execute(_LOCK_A_BID, {**params, "bid_id": bid_id})).first()
    if row is None:  # not invited, or not its bid: the requirement (the bid) does not exist for this provider
        raise Forbidden()
    bid = None if bid_id is None else Bid(**{c.key: getattr(row, f"bid_{c.key}") for c in _bid.c})
    return _Locked(row, bid, now or clock.now())


async def _ensure_eligible_afresh(session: AsyncSession, row: Any, provider_id: int, setting_id: int) -> None:
    """`_check_eligible`, read by a new statement: the locking statement's subqueries read the snapshot from before
    it waited, so a suspension it waited for (which withdrew the invitation) is seen only now."""
    fresh = (
        await session.execute(
            select(_membership_status(provider_id, row.lot_id).label("m"), _latest_grade(setting_id).label("g"))
        )
    ).one()
    _check_eligible(fresh.m, fresh.g, row.setting_name)


async def _check_standing(session: AsyncSession, locked: _Locked, provider_id: int, offer: BidOffer | None) -> None:
    """Step 2, first the rules of the change itself, raised one at a time in this order: the setting offered is the
    provider's own (FORBIDDEN); responses are open; for an offer, the provider and the setting may bid
    (api/placements/eligibility.py) and the invitation stands; an offer replacing a bid, that bid is live."""
    row = locked.row
    if offer is not None and row.setting_provider_id != provider_id:  # no such setting, or another provider's
        raise Forbidden()
    ensure_open(row, locked.at)
    if offer is None:
        return
    _check_eligible(row.membership_status, row.setting_grade, row.setting_name)
    if row.invitation_status is not InvitationStatus.INVITED:  # withdrawn, perhaps by a suspension just now
        await _ensure_eligible_afresh(session, row, provider_id, offer.setting_id)
    _ensure_invited(row.invitation_status)
    if locked.bid is not None and locked.bid.status is not BidStatus.SUBMITTED:
        raise UserErrors.one(
            "bid_id",
            BidErrorCode.BID_NOT_LIVE,
            f"Only a live bid can be amended; this one is {locked.bid.status.value}",
        )


def _priced(locked: _Locked, offer: BidOffer) -> pricing.Price:
    """Step 2, then the offer's own rules, every broken one raised at once, and its price against the lot's cap."""
    row = locked.row
    _check_offer(offer, locked.at, setting_active=row.setting_active, setting_name=row.setting_name)
    return _price(
        offer,
        sibling_group_size=row.sibling_group_size,
        places_offered=row.setting_vacancies,
        expected_duration_weeks=row.expected_duration_weeks,
        cap_years=row.cap_years,
        cap_amounts=row.cap_amounts,
        planned_start=row.planned_start,
    )


async def _ensure_no_live_bid(session: AsyncSession, requirement_id: int, provider_id: int) -> None:
    live = (
        await session.execute(
            select(Bid.id).where(
                Bid.requirement_id == requirement_id, Bid.provider_id == provider_id, Bid.status == BidStatus.SUBMITTED
            )
        )
    ).first()
    if live is not None:
        raise _already_bid()


# The bid's columns a new bid is inserted with (the others, amended_at, decided_at, ..., start empty), those an
# amendment replaces, and those a withdrawal sets.
_NEW = (
    "requirement_id",
    "provider_id",
    "setting_id",
    "status",
    "core_price",
    "extras",
    "weekly_price",
    "discounts",
    "net_weekly_price",
    "price_explanation",
    "available_from",
    "needs_statement",
    "compatibility_statement",
    "social_value_statement",
    "submitted_at",
    "updated_at",
)
_AMENDED = (
    "setting_id",
    "core_price",
    "extras",
    "weekly_price",
    "discounts",
    "net_weekly_price",
    "price_explanation",
    "available_from",
    "needs_statement",
    "compatibility_statement",
    "social_value_statement",
    "amended_at",
    "updated_at",
)
_WITHDRAWN = ("status", "withdrawn_at", "updated_at")


def _with_its_event(changed: Any) -> Any:
    """The audit event of the bid that the data-modifying CTE `changed` returns the id of: no row, no event."""
    return (
        insert(_audit)
        .from_select(
            (*_AUDIT_VALUES, "entity_id"),
            select(*(bindparam(f"audit_{c}", type_=_audit.c[c].type) for c in _AUDIT_VALUES), changed.c.id),
        )
        .returning(_audit.c.entity_id)
    )


def _value(column: str) -> Any:
    return bindparam(column, type_=_bid.c[column].type)


def _inserting() -> Any:
    """A new bid, unless the provider has a live bid on the requirement. It runs after the locks are held, so its
    snapshot sees every bid committed before them (READ COMMITTED: each statement takes a new one). No row:
    ALREADY_BID."""
    live = select(_bid.c.id).where(
        _bid.c.requirement_id == bindparam("requirement_id"),
        _bid.c.provider_id == bindparam("provider_id"),
        _bid.c.status == BidStatus.SUBMITTED.value,
    )
    # The id an idempotency key claimed for it (api/core/idempotency.py), else the table's next one.
    id_ = func.coalesce(bindparam("bid_id", type_=_bid.c.id.type), next_id(_bid.name))
    return (
        insert(_bid)
        .from_select(("id", *_NEW), select(id_, *(_value(c) for c in _NEW)).where(~live.exists()))
        .returning(_bid.c.id)
        .cte("changed")
    )


def _updating(columns: tuple[str, ...]) -> Any:
    return (
        update(_bid)
        .where(_bid.c.id == bindparam("bid_id"))
        .values({c: _value(c) for c in columns})
        .returning(_bid.c.id)
        .cte("changed")
    )


_SUBMIT = _with_its_event(_inserting())
_AMEND = _with_its_event(_updating(_AMENDED))
_WITHDRAW = _with_its_event(_updating(_WITHDRAWN))


async def _write(
    session: AsyncSession,
    statement: Any,
    bid: Bid,
    columns: tuple[str, ...],
    actor: Principal,
    action: str,
    data: dict[str, Any],
) -> Bid | None:
    """Step 3: the bid's `columns` as `bid` has them, and the audit event of `action`, in one statement. Returns
    the bid as it now is in the session (loaded there, nothing to flush), or None when nothing was written."""
    event = {f"audit_{c}": v for c, v in audit.values(actor, action, "Bid", data).items()}
    conn = await session.connection()
    bid_id = (
        await conn.execute(statement, {"bid_id": bid.id, **{c: getattr(bid, c) for c in columns}, **event})
    ).scalar_one_or_none()
    if bid_id is None:
        return None
    bid.id = bid_id
    known = session.sync_session.identity_map.get(identity_key(Bid, bid_id))
    if known is not None:  # loaded earlier in this session: bring it up to date, as a load would
        for column in _bid.c:
            set_committed_value(known, column.key, getattr(bid, column.key))
        return known
    make_transient_to_detached(bid)
    session.add(bid)
    return bid


# --- the changes ------------------------------------------------------------------------------------------------


async def submit_bid(
    session: AsyncSession,
    actor: Principal,
    *,
    requirement_id: int,
    offer: BidOffer,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Bid:
    permissions.SUBMIT_BID.decide(actor)
    offer = normalise(offer)
    provider_id = actor.organisation_id

    async def create(id_: int | None) -> Bid:
        locked = await _lock(
            session, provider_id=provider_id, setting_id=offer.setting_id, requirement_id=requirement_id, now=now
        )
        await _check_standing(session, locked, provider_id, offer)
        try:
            price = _priced(locked, offer)
        except UserErrors:
            await _ensure_no_live_bid(session, requirement_id, provider_id)  # ALREADY_BID is said first
            raise
        at = locked.at
        bid = Bid(
            id=id_,
            requirement_id=requirement_id,
            provider_id=provider_id,
            status=BidStatus.SUBMITTED,
            submitted_at=at,
            updated_at=at,
        )
        for column in _bid.c:  # the columns not inserted start empty: say so, or reading one would reload it
            if column.key != "id" and column.key not in _NEW:
                setattr(bid, column.key, None)
        _apply(bid, offer, price)
        data = {
            "requirementId": requirement_id,
            "providerId": provider_id,
            "submittedAt": at,
            **_offer_audit(bid),
            "statementsGiven": [k for k, v in _statements(bid).items() if v],
        }
        written = await _write(session, _SUBMIT, bid, _NEW, actor, "bid.submit", data)
        if written is None:
            raise _already_bid()
        return written

    # The statements enter the request's hash only as text: a retry must send the same offer.
    request = {
        "requirement": requirement_id,
        "setting": offer.setting_id,
        "core": offer.core_price,
        "extras": [(e.description, e.weekly_price) for e in offer.extras],
        "availableFrom": offer.available_from,
        **{k: getattr(offer, k) for k in STATEMENTS},
    }
    return await idempotent(
        session,
        actor.organisation_id,
        "bidSubmit",
        idempotency_key,
        request,
        Bid,
        create,
        BidErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


async def amend_bid(
    session: AsyncSession, actor: Principal, bid_id: int, offer: BidOffer, *, now: datetime | None = None
) -> Bid:
    """Replace the offer of a live bid until the deadline: the id and the first receipt time stay."""
    offer = normalise(offer)
    provider_id = actor.organisation_id
    locked = await _lock(session, provider_id=provider_id, setting_id=offer.setting_id, bid_id=bid_id, now=now)
    assert locked.bid is not None
    permissions.AMEND_BID.decide(actor, locked.bid.provider_id)  # the lock found only the provider's own
    await _check_standing(session, locked, provider_id, offer)
    price = _priced(locked, offer)
    bid, at = locked.bid, locked.at
    before, said_before = _offer_audit(bid), _statements(bid)
    _apply(bid, offer, price)
    after, said_after = _offer_audit(bid), _statements(bid)
    bid.amended_at, bid.updated_at = at, at
    data = {
        "requirementId": bid.requirement_id,
        "amendedAt": at,
        "changes": {k: {"before": v, "after": after[k]} for k, v in before.items() if v != after[k]},
        "statementsChanged": [k for k in said_before if said_before[k] != said_after[k]],
    }
    written = await _write(session, _AMEND, bid, _AMENDED, actor, "bid.amend", data)
    assert written is not None  # the bid is locked
    return written


async def withdraw_bid(session: AsyncSession, actor: Principal, bid_id: int, *, now: datetime | None = None) -> Bid:
    """End a live bid until the deadline (even if the invitation was withdrawn meanwhile)."""
    locked = await _lock(session, provider_id=actor.organisation_id, setting_id=None, bid_id=bid_id, now=now)
    assert locked.bid is not None
    permissions.WITHDRAW_BID.decide(actor, locked.bid.provider_id)  # the lock found only the provider's own
    await _check_standing(session, locked, actor.organisation_id, None)
    bid, at = locked.bid, locked.at
    before = move(bid, BidStatus.WITHDRAWN)
    bid.withdrawn_at, bid.updated_at = at, at
    data = {"requirementId": bid.requirement_id, "from": before, "to": BidStatus.WITHDRAWN, "withdrawnAt": at}
    written = await _write(session, _WITHDRAW, bid, _WITHDRAWN, actor, "bid.withdraw", data)
    assert written is not None  # the bid is locked
    return written
