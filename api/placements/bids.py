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

Receipt time and concurrency
- Every change takes the requirement's row FOR SHARE (bids from different providers go on side by side), then
  the provider's invitation FOR UPDATE (one change at a time per provider and requirement), then the bid FOR
  UPDATE. The deadline timer, `requirementClose` and `bidAccept` take the requirement FOR UPDATE: a bid racing
  them is either committed before they read the bids, or waits for them and then finds the requirement no
  longer open. Never half.
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

from sqlalchemy import and_, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from api.core import audit, clock, transitions
from api.core.clock import LONDON
from api.core.db import next_id
from api.core.errors import Forbidden, UserError, UserErrors
from api.core.idempotency import idempotent
from api.core.principal import Principal
from api.market import caps
from api.market.enums import MembershipStatus, OfstedGrade
from api.market.models import LotRateCap, Membership, OfstedJudgement, Setting
from api.placements import eligibility, pricing
from api.placements.eligibility import Ineligible
from api.placements.enums import BidStatus as B, InvitationStatus, RequirementStatus as S
from api.placements.models import Bid, Invitation, Requirement, RequirementChild
from api.placements.permissions import ensure_bids, ensure_owns_bid

MAX_TEXT = 4000

TRANSITIONS: dict[B, frozenset[B]] = {
    B.SUBMITTED: frozenset({B.WITHDRAWN, B.EXCLUDED, B.ACCEPTED, B.UNSUCCESSFUL}),
    B.WITHDRAWN: frozenset(),
    B.EXCLUDED: frozenset(),
    B.ACCEPTED: frozenset(),
    B.UNSUCCESSFUL: frozenset(),
}

# The bids' own codes, the pricing rules' codes, then those of the award and of the officer's scores
# (api/placements/award.py, api/placements/evaluations.py): one enum for every bid* mutation.
BidErrorCode = Enum(
    "BidErrorCode",
    [
        (c, c)
        for c in (
            "REQUIREMENT_NOT_OPEN",
            "DEADLINE_PASSED",
            "INVITATION_WITHDRAWN",
            "SETTING_INACTIVE",
            "ALREADY_BID",
            "BID_NOT_LIVE",
            "INVALID_TRANSITION",
            "AVAILABLE_FROM_IN_PAST",
            "STATEMENT_REQUIRED",
            "TEXT_TOO_LONG",
            "IDEMPOTENCY_KEY_REUSED",
            *(c.value for c in pricing.PricingErrorCode),
            "RATIONALE_REQUIRED",
            "DEADLINE_NOT_PASSED",
            "ALREADY_AWARDED",
            "BID_EXCLUDED",
            "INVALID_SCORE",
            "PROVIDER_SUSPENDED",
            "PROVIDER_BARRED",
            "SETTING_INADEQUATE",
        )
    ],
)
E = BidErrorCode


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


def _codes(errors: list[UserError]) -> list[UserError]:
    """The pricing rules' codes as BidErrorCode members (one enum per domain on the wire)."""
    return [
        UserError(e.field, E[e.code.value], e.message) if isinstance(e.code, pricing.PricingErrorCode) else e
        for e in errors
    ]


def validate(offer: BidOffer, today: date) -> list[UserError]:
    """Every rule the (normalised) offer breaks by itself. Pure."""
    errors = _codes(pricing.validate_prices(offer.core_price, offer.extras))
    if offer.available_from < today:
        errors.append(
            UserError(
                "availableFrom",
                E.AVAILABLE_FROM_IN_PAST,
                f"The place must be available today ({today.isoformat()}) or later",
            )
        )
    if not offer.needs_statement:
        errors.append(UserError("needsStatement", E.STATEMENT_REQUIRED, "Say how the child's needs will be met"))
    for name, path in STATEMENTS.items():
        value = getattr(offer, name)
        if value is not None and len(value) > MAX_TEXT:
            errors.append(UserError(path, E.TEXT_TOO_LONG, f"At most {MAX_TEXT} characters"))
    return errors


def move(bid: Bid, to: B) -> B:
    return transitions.move(bid, to, TRANSITIONS, field="bidId", code=E.INVALID_TRANSITION, noun="A bid")


# --- locks, in the one order every change takes them: requirement, invitation, bid -------------------------


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


async def _lock_invitation(session: AsyncSession, requirement_id: int, provider_id: int) -> Invitation:
    invitation = (
        await session.execute(
            select(Invitation)
            .where(Invitation.requirement_id == requirement_id, Invitation.provider_id == provider_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if invitation is None:  # not invited: the requirement does not exist for this provider
        raise Forbidden()
    return invitation


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


def ensure_open(requirement: Requirement, at: datetime) -> None:
    """The requirement takes responses at `at`: OPEN, and its deadline not reached by the server's clock."""
    deadline = requirement.response_deadline
    if requirement.status is not S.OPEN:
        closed_by_deadline = deadline is not None and (
            at >= deadline or (requirement.closed_at is not None and requirement.closed_at >= deadline)
        )
        if closed_by_deadline:
            raise UserErrors.one(
                "requirementId", E.DEADLINE_PASSED, f"Responses closed at the deadline, {deadline.isoformat()}"
            )
        raise UserErrors.one(
            "requirementId",
            E.REQUIREMENT_NOT_OPEN,
            f"The requirement is {requirement.status.value}: it takes no responses",
        )
    if deadline is None or at >= deadline:
        raise UserErrors.one(
            "requirementId",
            E.DEADLINE_PASSED,
            f"The response deadline, {deadline.isoformat() if deadline else 'unset'}, has passed",
        )


def _check_eligible(
    membership_status: MembershipStatus | None, latest_grade: OfstedGrade | None, setting_name: str
) -> None:
    """The provider and the setting offered may bid (api/placements/eligibility.py `to_bid`)."""
    reason = eligibility.to_bid(membership_status, latest_grade)
    if reason is Ineligible.PROVIDER_SUSPENDED:
        raise UserErrors.one(
            "requirementId", E.PROVIDER_SUSPENDED, "The provider is suspended from this lot: it cannot bid"
        )
    if reason is Ineligible.PROVIDER_BARRED:
        raise UserErrors.one("requirementId", E.PROVIDER_BARRED, "The provider is barred from this lot")
    if reason is Ineligible.SETTING_INADEQUATE:
        raise UserErrors.one(
            "settingId", E.SETTING_INADEQUATE, f"{setting_name} is rated Inadequate by Ofsted: it cannot be offered"
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


async def _ensure_eligible_by_id(
    session: AsyncSession, lot_id: int, provider_id: int, setting_id: int, setting_name: str
) -> None:
    """`_check_eligible`, read now: after the invitation's lock is held, a suspension that had it locked has
    committed and this statement sees it (api/safeguarding/suspensions.py takes the same locks)."""
    row = (
        await session.execute(
            select(_membership_status(provider_id, lot_id).label("m"), _latest_grade(setting_id).label("g"))
        )
    ).one()
    _check_eligible(row.m, row.g, setting_name)


async def _ensure_eligible(session: AsyncSession, lot_id: int, provider_id: int, setting: Setting) -> None:
    await _ensure_eligible_by_id(session, lot_id, provider_id, setting.id, setting.name)


def _ensure_invited(status: InvitationStatus) -> None:
    if status is not InvitationStatus.INVITED:
        raise UserErrors.one(
            "requirementId", E.INVITATION_WITHDRAWN, "The provider's invitation to this requirement was withdrawn"
        )


async def _own_setting(session: AsyncSession, actor: Principal, setting_id: int) -> Setting:
    setting = await session.get(Setting, setting_id)
    if setting is None or setting.provider_id != actor.organisation_id:
        raise Forbidden()
    return setting


def _check_offer(offer: BidOffer, at: datetime, *, setting_active: bool, setting_name: str) -> None:
    """Every rule the offer and its setting break, raised at once. Pure."""
    errors = validate(offer, at.astimezone(LONDON).date())
    if not setting_active:
        errors.append(UserError("settingId", E.SETTING_INACTIVE, f"{setting_name} is not active"))
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
        raise UserErrors(_codes([refused]))
    return price


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


async def _priced(
    session: AsyncSession, requirement: Requirement, setting: Setting, offer: BidOffer, at: datetime
) -> pricing.Price:
    """Validate the offer and price it against the lot's cap: raises every broken rule at once."""
    _check_offer(offer, at, setting_active=setting.active, setting_name=setting.name)
    years, amounts = _lot_caps(requirement.lot_id)
    siblings, cap_years, cap_amounts = (
        await session.execute(
            select(RequirementChild.sibling_group_size, years, amounts).where(
                RequirementChild.requirement_id == requirement.id
            )
        )
    ).one()
    return _price(
        offer,
        sibling_group_size=siblings,
        places_offered=setting.vacancies,
        expected_duration_weeks=requirement.expected_duration_weeks,
        cap_years=cap_years,
        cap_amounts=cap_amounts,
        planned_start=requirement.planned_start,
    )


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


# --- a new bid in three round trips: the idempotency claim, the locks with all the rules read, the insert -------

_requirement, _invitation, _setting = Requirement.__table__, Invitation.__table__, Setting.__table__
_bid, _audit, _caps = Bid.__table__, audit.AuditEvent.__table__, LotRateCap.__table__


def _for_a_new_bid() -> Any:
    """The requirement FOR SHARE, then the provider's invitation FOR UPDATE (in that order: PostgreSQL locks the
    rows of one result row in the order the locking clauses name the tables), with what the rules read besides:
    the setting offered (not locked, as before), the child's sibling group and the lot's caps by financial year.
    No row: no such requirement, or the provider is not invited to it."""
    siblings = (
        select(RequirementChild.__table__.c.sibling_group_size)
        .where(RequirementChild.__table__.c.requirement_id == _requirement.c.id)
        .scalar_subquery()
    )
    years, amounts = _lot_caps(_requirement.c.lot_id)
    return (
        select(
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
        )
        .select_from(
            _requirement.join(
                _invitation,
                and_(
                    _invitation.c.requirement_id == _requirement.c.id,
                    _invitation.c.provider_id == bindparam("provider_id"),
                ),
            ).outerjoin(_setting, _setting.c.id == bindparam("setting_id"))
        )
        .where(_requirement.c.id == bindparam("requirement_id"))
        .suffix_with(f"FOR SHARE OF {_requirement.name} FOR UPDATE OF {_invitation.name}", dialect="postgresql")
    )


# The bid's columns as inserted; the others (amended_at, decided_at, ...) start empty.
_BID_VALUES = (
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
_AUDIT_VALUES = ("organisation_id", "actor_kind", "actor_id", "action", "entity_type", "data")


def _insert_a_new_bid() -> Any:
    """The bid and its audit event in one statement, unless the provider has a live bid on the requirement.
    It runs after the locks are held, so its snapshot sees every bid committed before them (READ COMMITTED:
    each statement takes a new one). Returns the new bid's id; no row: ALREADY_BID."""
    live = select(_bid.c.id).where(
        _bid.c.requirement_id == bindparam("requirement_id"),
        _bid.c.provider_id == bindparam("provider_id"),
        _bid.c.status == B.SUBMITTED.value,
    )
    # The id an idempotency key claimed for it (api/core/idempotency.py), else the table's next one.
    id_ = func.coalesce(bindparam("id", type_=_bid.c.id.type), next_id(_bid.name))
    new_bid = (
        insert(_bid)
        .from_select(
            ("id", *_BID_VALUES),
            select(id_, *(bindparam(c, type_=_bid.c[c].type) for c in _BID_VALUES)).where(~live.exists()),
        )
        .returning(_bid.c.id)
        .cte("new_bid")
    )
    return (
        insert(_audit)
        .from_select(
            (*_AUDIT_VALUES, "entity_id"),
            select(*(bindparam(f"audit_{c}", type_=_audit.c[c].type) for c in _AUDIT_VALUES), new_bid.c.id),
        )
        .returning(_audit.c.entity_id)
    )


_FOR_A_NEW_BID = _for_a_new_bid()
_INSERT_A_NEW_BID = _insert_a_new_bid()


class _Event:
    """Catches the event audit.record makes, to insert it with the bid in one statement."""

    event: audit.AuditEvent

    def add(self, event: audit.AuditEvent) -> None:
        self.event = event


def _audit_values(actor: Principal, action: str, entity_type: str, data: dict[str, Any]) -> dict[str, Any]:
    caught = _Event()
    audit.record(caught, actor, action, entity_type, 0, data)  # type: ignore[arg-type]
    return {f"audit_{c}": getattr(caught.event, c) for c in _AUDIT_VALUES}


async def _ensure_no_live_bid(session: AsyncSession, requirement_id: int, provider_id: int) -> None:
    live = (
        await session.execute(
            select(Bid.id).where(
                Bid.requirement_id == requirement_id, Bid.provider_id == provider_id, Bid.status == B.SUBMITTED
            )
        )
    ).first()
    if live is not None:
        raise _already_bid()


def _already_bid() -> UserErrors:
    return UserErrors.one(
        "requirementId", E.ALREADY_BID, "The provider has a live bid on this requirement: amend or withdraw it"
    )


# --- the rules ----------------------------------------------------------------------------------------------


async def submit_bid(
    session: AsyncSession,
    actor: Principal,
    *,
    requirement_id: int,
    offer: BidOffer,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Bid:
    ensure_bids(actor)
    offer = normalise(offer)
    provider_id = actor.organisation_id

    async def create(id_: int | None) -> Bid:
        conn = await session.connection()
        locked = (
            await conn.execute(
                _FOR_A_NEW_BID,
                {"requirement_id": requirement_id, "provider_id": provider_id, "setting_id": offer.setting_id},
            )
        ).first()
        if locked is None:  # not invited: the requirement does not exist for this provider
            raise Forbidden()
        if locked.setting_provider_id != provider_id:  # no such setting, or another provider's
            raise Forbidden()
        at = now or clock.now()  # the receipt time: read under the lock (module docstring)
        ensure_open(locked, at)
        _check_eligible(locked.membership_status, locked.setting_grade, locked.setting_name)
        if locked.invitation_status is not InvitationStatus.INVITED:
            # Withdrawn, perhaps by a suspension this statement waited for (its subqueries read the snapshot
            # from before): say why, read afresh.
            await _ensure_eligible_by_id(session, locked.lot_id, provider_id, offer.setting_id, locked.setting_name)
        _ensure_invited(locked.invitation_status)
        try:
            _check_offer(offer, at, setting_active=locked.setting_active, setting_name=locked.setting_name)
            price = _price(
                offer,
                sibling_group_size=locked.sibling_group_size,
                places_offered=locked.setting_vacancies,
                expected_duration_weeks=locked.expected_duration_weeks,
                cap_years=locked.cap_years,
                cap_amounts=locked.cap_amounts,
                planned_start=locked.planned_start,
            )
        except UserErrors:
            await _ensure_no_live_bid(session, requirement_id, provider_id)  # ALREADY_BID is said first
            raise
        bid = Bid(
            requirement_id=requirement_id, provider_id=provider_id, status=B.SUBMITTED, submitted_at=at, updated_at=at
        )
        for column in _bid.c:  # the columns not inserted start empty: say so, or reading one would reload it
            if column.key != "id" and column.key not in _BID_VALUES:
                setattr(bid, column.key, None)
        _apply(bid, offer, price)
        event = _audit_values(
            actor,
            "bid.submit",
            "Bid",
            {
                "requirementId": requirement_id,
                "providerId": provider_id,
                "submittedAt": at,
                **_offer_audit(bid),
                "statementsGiven": [k for k, v in _statements(bid).items() if v],
            },
        )
        bid_id = (
            await conn.execute(_INSERT_A_NEW_BID, {"id": id_, **{c: getattr(bid, c) for c in _BID_VALUES}, **event})
        ).scalar_one_or_none()
        if bid_id is None:
            raise _already_bid()
        # The row as inserted, in the session like one it had loaded (no second read, nothing left to flush).
        bid.id = bid_id
        make_transient_to_detached(bid)
        session.add(bid)
        return bid

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
        session, actor.organisation_id, "bidSubmit", idempotency_key, request, Bid, create, E.IDEMPOTENCY_KEY_REUSED
    )


async def amend_bid(
    session: AsyncSession, actor: Principal, bid_id: int, offer: BidOffer, *, now: datetime | None = None
) -> Bid:
    """Replace the offer of a live bid until the deadline: the id and the first receipt time stay."""
    ensure_bids(actor)
    offer = normalise(offer)
    requirement_id, provider_id = await bid_parents(session, bid_id)
    ensure_owns_bid(actor, provider_id)
    requirement = await lock_requirement(session, requirement_id)
    invitation = await _lock_invitation(session, requirement_id, provider_id)
    bid = await lock_bid(session, bid_id)
    setting = await _own_setting(session, actor, offer.setting_id)
    at = now or clock.now()
    ensure_open(requirement, at)
    await _ensure_eligible(session, requirement.lot_id, provider_id, setting)
    _ensure_invited(invitation.status)
    if bid.status is not B.SUBMITTED:
        raise UserErrors.one("bidId", E.BID_NOT_LIVE, f"Only a live bid can be amended; this one is {bid.status.value}")
    price = await _priced(session, requirement, setting, offer, at)
    before, said_before = _offer_audit(bid), _statements(bid)
    _apply(bid, offer, price)
    after, said_after = _offer_audit(bid), _statements(bid)
    bid.amended_at, bid.updated_at = at, at
    audit.record(
        session,
        actor,
        "bid.amend",
        "Bid",
        bid.id,
        {
            "requirementId": requirement_id,
            "amendedAt": at,
            "changes": {k: {"before": v, "after": after[k]} for k, v in before.items() if v != after[k]},
            "statementsChanged": [k for k in said_before if said_before[k] != said_after[k]],
        },
    )
    await session.flush()
    return bid


async def withdraw_bid(session: AsyncSession, actor: Principal, bid_id: int, *, now: datetime | None = None) -> Bid:
    """End a live bid until the deadline (even if the invitation was withdrawn meanwhile)."""
    ensure_bids(actor)
    requirement_id, provider_id = await bid_parents(session, bid_id)
    ensure_owns_bid(actor, provider_id)
    requirement = await lock_requirement(session, requirement_id)
    await _lock_invitation(session, requirement_id, provider_id)
    bid = await lock_bid(session, bid_id)
    at = now or clock.now()
    ensure_open(requirement, at)
    before = move(bid, B.WITHDRAWN)
    bid.withdrawn_at, bid.updated_at = at, at
    audit.record(
        session,
        actor,
        "bid.withdraw",
        "Bid",
        bid.id,
        {"requirementId": requirement_id, "from": before, "to": B.WITHDRAWN, "withdrawnAt": at},
    )
    await session.flush()
    return bid
