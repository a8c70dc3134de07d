"""Provider reviews: the alliance's review meetings with a provider, and the actions agreed at them (DOMAIN.md,
"Quality and safeguarding": "The alliance holds provider review meetings").

Rules (each broken one is a user error with a ProviderReviewErrorCode; a missing scope or someone else's object
is FORBIDDEN)
- Only the alliance (`wla`) schedules, records and manages reviews and their actions (api/quality/permissions.py
  `ensure_manages_quality`); the provider and the boroughs read them (`review_visible`).
- Scheduling names a provider (NOT_A_PROVIDER otherwise), a date and an agenda (AGENDA_REQUIRED). A review is
  SCHEDULED, then HELD when recorded: the day it was held (not in the future: HELD_ON_IN_FUTURE; it may differ
  from the scheduled day), who attended (free text: ATTENDEES_REQUIRED), the notes shared with the provider and
  the boroughs, the alliance's internal notes, the outcome (OUTCOME_REQUIRED). Recording twice is
  INVALID_TRANSITION: the record is what was agreed at the meeting.
- An action has a description (DESCRIPTION_REQUIRED), an owner that is a party of the review, the alliance or
  the review's provider (OWNER_NOT_A_PARTY), optionally a person's name and a due date (not in the past:
  DUE_ON_IN_PAST). Actions may be added before the meeting (what to prepare) or after it.
- An action is OPEN, then DONE or CANCELLED (TRANSITIONS; anything else is INVALID_TRANSITION); cancelling says
  why (NOTE_REQUIRED).
- Every change takes the row FOR UPDATE and writes its audit event in the same transaction. The audit data
  keeps dates, statuses and who owns what, not the free text (agenda, notes, outcome), which stays on the rows.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock, transitions
from api.core.errors import UserErrors
from api.core.idempotency import idempotent
from api.core.principal import OrganisationKind, Principal
from api.market.lookups import get_or_forbidden
from api.market.models import Organisation
from api.quality.enums import ProviderReviewStatus, ReviewActionStatus
from api.quality.models import ProviderReview, ReviewAction
from api.quality.permissions import ensure_manages_quality
from api.quality.texts import MAX_LINE, MAX_TEXT, check_texts, clean

REVIEW_TRANSITIONS: dict[ProviderReviewStatus, frozenset[ProviderReviewStatus]] = {
    ProviderReviewStatus.SCHEDULED: frozenset({ProviderReviewStatus.HELD}),
    ProviderReviewStatus.HELD: frozenset(),
}

ACTION_TRANSITIONS: dict[ReviewActionStatus, frozenset[ReviewActionStatus]] = {
    ReviewActionStatus.OPEN: frozenset({ReviewActionStatus.DONE, ReviewActionStatus.CANCELLED}),
    ReviewActionStatus.DONE: frozenset(),
    ReviewActionStatus.CANCELLED: frozenset(),
}

ProviderReviewErrorCode = Enum(
    "ProviderReviewErrorCode",
    [
        (c, c)
        for c in (
            "NOT_A_PROVIDER",
            "AGENDA_REQUIRED",
            "ATTENDEES_REQUIRED",
            "OUTCOME_REQUIRED",
            "DESCRIPTION_REQUIRED",
            "NOTE_REQUIRED",
            "TEXT_TOO_LONG",
            "HELD_ON_IN_FUTURE",
            "DUE_ON_IN_PAST",
            "OWNER_NOT_A_PARTY",
            "INVALID_TRANSITION",
            "IDEMPOTENCY_KEY_REUSED",
        )
    ],
)


def _texts(**fields: tuple[str | None, Enum | None, int]) -> None:
    check_texts(ProviderReviewErrorCode.TEXT_TOO_LONG, fields)


def move_review(review: ProviderReview, to: ProviderReviewStatus) -> ProviderReviewStatus:
    return transitions.move(
        review,
        to,
        REVIEW_TRANSITIONS,
        field="review_id",
        code=ProviderReviewErrorCode.INVALID_TRANSITION,
        noun="A review",
    )


def move_action(action: ReviewAction, to: ReviewActionStatus) -> ReviewActionStatus:
    return transitions.move(
        action,
        to,
        ACTION_TRANSITIONS,
        field="status",
        code=ProviderReviewErrorCode.INVALID_TRANSITION,
        noun="An action",
    )


async def _lock(session: AsyncSession, model: type, id_: int):
    return await get_or_forbidden(session, model, id_, lock=True)


async def schedule_review(
    session: AsyncSession,
    actor: Principal,
    *,
    provider_id: int,
    scheduled_on: date,
    agenda: str,
    idempotency_key: str | None = None,
) -> ProviderReview:
    ensure_manages_quality(actor)
    agenda_ = clean(agenda)

    async def create(id_: int | None) -> ProviderReview:
        provider = await session.get(Organisation, provider_id)
        if provider is None or provider.kind is not OrganisationKind.PROVIDER:
            raise UserErrors.one(
                "provider_id", ProviderReviewErrorCode.NOT_A_PROVIDER, "Reviews are held with providers"
            )
        _texts(agenda=(agenda_, ProviderReviewErrorCode.AGENDA_REQUIRED, MAX_TEXT))
        review = ProviderReview(
            id=id_,
            provider_id=provider_id,
            status=ProviderReviewStatus.SCHEDULED,
            scheduled_on=scheduled_on,
            agenda=agenda_,
        )
        session.add(review)
        await session.flush()
        audit.record(
            session,
            actor,
            "provider_review.schedule",
            "ProviderReview",
            review.id,
            {"providerId": provider_id, "scheduledOn": scheduled_on, "to": ProviderReviewStatus.SCHEDULED},
        )
        return review

    return await idempotent(
        session,
        actor.organisation_id,
        "providerReviewSchedule",
        idempotency_key,
        {"provider": provider_id, "on": scheduled_on, "agenda": agenda_},
        ProviderReview,
        create,
        ProviderReviewErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


async def record_review(
    session: AsyncSession,
    actor: Principal,
    review_id: int,
    *,
    held_on: date,
    attendees: str,
    outcome: str,
    notes: str | None = None,
    internal_notes: str | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> ProviderReview:
    """The meeting was held: record it (SCHEDULED -> HELD)."""
    ensure_manages_quality(actor)
    review = await _lock(session, ProviderReview, review_id)
    today = today or clock.today()
    attendees_, outcome_, notes_, internal_ = clean(attendees), clean(outcome), clean(notes), clean(internal_notes)
    _texts(
        attendees=(attendees_, ProviderReviewErrorCode.ATTENDEES_REQUIRED, MAX_TEXT),
        notes=(notes_, None, MAX_TEXT),
        internal_notes=(internal_, None, MAX_TEXT),
        outcome=(outcome_, ProviderReviewErrorCode.OUTCOME_REQUIRED, MAX_TEXT),
    )
    if held_on > today:
        raise UserErrors.one(
            "held_on",
            ProviderReviewErrorCode.HELD_ON_IN_FUTURE,
            f"A review is recorded once held: {held_on.isoformat()} is after today",
        )
    before = move_review(review, ProviderReviewStatus.HELD)
    review.held_on, review.attendees, review.outcome = held_on, attendees_, outcome_
    review.notes, review.internal_notes = notes_, internal_
    review.updated_at = now or clock.now()
    audit.record(
        session,
        actor,
        "provider_review.record",
        "ProviderReview",
        review.id,
        {
            "providerId": review.provider_id,
            "from": before,
            "to": ProviderReviewStatus.HELD,
            "heldOn": held_on,
            "notesGiven": notes_ is not None,
            "internalNotesGiven": internal_ is not None,
        },
    )
    await session.flush()
    return review


async def add_action(
    session: AsyncSession,
    actor: Principal,
    *,
    review_id: int,
    description: str,
    owner_organisation_id: int,
    owner_name: str | None = None,
    due_on: date | None = None,
    today: date | None = None,
    idempotency_key: str | None = None,
) -> ReviewAction:
    ensure_manages_quality(actor)
    description_, owner_name_ = clean(description), clean(owner_name)
    today = today or clock.today()

    async def create(id_: int | None) -> ReviewAction:
        review = await _lock(session, ProviderReview, review_id)  # actions are added one at a time per review
        _texts(
            description=(description_, ProviderReviewErrorCode.DESCRIPTION_REQUIRED, MAX_TEXT),
            owner_name=(owner_name_, None, MAX_LINE),
        )
        owner = await session.get(Organisation, owner_organisation_id)
        if owner is None or not (owner.kind is OrganisationKind.ALLIANCE or owner.id == review.provider_id):
            raise UserErrors.one(
                "owner_id",
                ProviderReviewErrorCode.OWNER_NOT_A_PARTY,
                "An action is owned by the alliance or by the provider under review",
            )
        if due_on is not None and due_on < today:
            raise UserErrors.one(
                "due_on", ProviderReviewErrorCode.DUE_ON_IN_PAST, f"The due date is before today ({today.isoformat()})"
            )
        action = ReviewAction(
            id=id_,
            review_id=review.id,
            description=description_,
            owner_organisation_id=owner.id,
            owner_name=owner_name_,
            due_on=due_on,
            status=ReviewActionStatus.OPEN,
        )
        session.add(action)
        await session.flush()
        audit.record(
            session,
            actor,
            "review_action.add",
            "ReviewAction",
            action.id,
            {
                "reviewId": review.id,
                "providerId": review.provider_id,
                "ownerId": owner.id,
                "dueOn": due_on,
                "to": ReviewActionStatus.OPEN,
            },
        )
        return action

    return await idempotent(
        session,
        actor.organisation_id,
        "providerReviewActionAdd",
        idempotency_key,
        {
            "review": review_id,
            "description": description_,
            "owner": owner_organisation_id,
            "ownerName": owner_name_,
            "dueOn": due_on,
        },
        ReviewAction,
        create,
        ProviderReviewErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


async def update_action(
    session: AsyncSession,
    actor: Principal,
    action_id: int,
    *,
    status: ReviewActionStatus,
    note: str | None = None,
    now: datetime | None = None,
) -> ReviewAction:
    """Close an open action: DONE (optionally with what was done) or CANCELLED (with why)."""
    ensure_manages_quality(actor)
    action = await _lock(session, ReviewAction, action_id)
    note_ = clean(note)
    _texts(
        note=(
            note_,
            ProviderReviewErrorCode.NOTE_REQUIRED if status is ReviewActionStatus.CANCELLED else None,
            MAX_TEXT,
        )
    )
    before = move_action(action, status)
    at = now or clock.now()
    action.status_note, action.closed_at, action.updated_at = note_, at, at
    provider_id = (
        await session.execute(select(ProviderReview.provider_id).where(ProviderReview.id == action.review_id))
    ).scalar_one()
    audit.record(
        session,
        actor,
        "review_action.update",
        "ReviewAction",
        action.id,
        {"reviewId": action.review_id, "providerId": provider_id, "from": before, "to": status},
    )
    await session.flush()
    return action
