"""Complaints and disputes between a borough and a provider, mediated by the alliance (DOMAIN.md, "Quality and
safeguarding": "The alliance holds ... complaints and disputes").

Rules (each broken one is a user error with a ComplaintErrorCode; a missing scope or someone else's object is
FORBIDDEN)
- A borough (`borough`) or a provider (`provider`) raises one for itself (the raiser comes from the token)
  about the other kind of party: a borough about a provider, a provider about a borough (NOT_THE_OTHER_PARTY
  otherwise). Either may raise either kind: a COMPLAINT (the quality of a service, how a party behaved) or a
  DISPUTE (a disagreement about terms, a decision, a price). The alliance mediates; it does not raise.
- Optionally about one requirement, bid or placement between the two parties (at most one): the raiser must
  see it (FORBIDDEN otherwise, as it does not exist for it), and it must be between them
  (NOT_BETWEEN_THE_PARTIES): a requirement of the borough to which the provider was invited, a bid of the
  provider on a requirement of the borough, a placement of the borough with the provider.
- A subject (at most 200 characters) and a description (SUBJECT_REQUIRED, DESCRIPTION_REQUIRED, TEXT_TOO_LONG).
  Neither may name a child: the child of a requirement is referred to by the requirement.
- RAISED -> UNDER_MEDIATION (the alliance starts mediation) -> RESOLVED (the alliance, with an outcome:
  OUTCOME_REQUIRED); RAISED or UNDER_MEDIATION -> WITHDRAWN (the raiser only). TRANSITIONS lists every move;
  anything else is INVALID_TRANSITION. While under mediation the alliance adds notes (NOTE_REQUIRED).
- Every step is a history entry (who, for which organisation, when, the note) and an audit event, in the same
  transaction as the change, under the complaint's row lock. The audit data keeps the parties, the related
  object and the statuses, not the free text (subject, description, notes, outcome), which stays on the rows.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock, transitions
from api.core.errors import Forbidden, UserError, UserErrors
from api.core.idempotency import idempotent
from api.core.principal import OrganisationKind, Principal
from api.market.lookups import get_or_forbidden
from api.market.models import Organisation
from api.placements.models import Bid, Invitation, Placement, Requirement
from api.placements.permissions import bid_visible, ipa_visible, requirement_visible
from api.quality.enums import ComplaintKind, ComplaintParty, ComplaintStatus, ComplaintStep
from api.quality.models import Complaint, ComplaintEvent
from api.quality.permissions import ensure_manages_quality, ensure_raised, ensure_raises_complaints
from api.quality.texts import MAX_LINE, MAX_TEXT, check_texts, clean

TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    ComplaintStatus.RAISED: frozenset({ComplaintStatus.UNDER_MEDIATION, ComplaintStatus.WITHDRAWN}),
    ComplaintStatus.UNDER_MEDIATION: frozenset({ComplaintStatus.RESOLVED, ComplaintStatus.WITHDRAWN}),
    ComplaintStatus.RESOLVED: frozenset(),
    ComplaintStatus.WITHDRAWN: frozenset(),
}

ComplaintErrorCode = Enum(
    "ComplaintErrorCode",
    [
        (c, c)
        for c in (
            "NOT_THE_OTHER_PARTY",
            "NOT_BETWEEN_THE_PARTIES",
            "ONE_RELATED_OBJECT",
            "SUBJECT_REQUIRED",
            "DESCRIPTION_REQUIRED",
            "NOTE_REQUIRED",
            "OUTCOME_REQUIRED",
            "TEXT_TOO_LONG",
            "INVALID_TRANSITION",
            "IDEMPOTENCY_KEY_REUSED",
        )
    ],
)

OTHER_KIND = {
    ComplaintParty.BOROUGH: OrganisationKind.PROVIDER,
    ComplaintParty.PROVIDER: OrganisationKind.LOCAL_AUTHORITY,
}


def move(complaint: Complaint, to: ComplaintStatus) -> ComplaintStatus:
    return transitions.move(
        complaint, to, TRANSITIONS, field="complaint_id", code=ComplaintErrorCode.INVALID_TRANSITION, noun="A complaint"
    )


def _step(
    session: AsyncSession, actor: Principal, complaint: Complaint, step: ComplaintStep, note: str | None, at: datetime
) -> None:
    session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            step=step,
            status=complaint.status,
            organisation_id=actor.organisation_id,
            actor_kind=actor.actor_kind.value,
            actor_id=actor.actor_id or actor.organisation_slug,
            note=note,
            occurred_at=at,
        )
    )


def _audit(session: AsyncSession, actor: Principal, action: str, complaint: Complaint, **data: Any) -> None:
    audit.record(
        session,
        actor,
        action,
        "Complaint",
        complaint.id,
        {
            "kind": complaint.kind,
            "raisedBy": complaint.raised_by,
            "authorityId": complaint.authority_id,
            "providerId": complaint.provider_id,
            **data,
        },
    )


async def _related_errors(
    session: AsyncSession,
    actor: Principal,
    authority_id: int,
    provider_id: int,
    *,
    requirement_id: int | None,
    bid_id: int | None,
    placement_id: int | None,
) -> list[UserError]:
    """Whether the related object (at most one) is one the raiser sees and one between the two parties."""
    given = [
        (f, i)
        for f, i in (("requirementId", requirement_id), ("bidId", bid_id), ("placementId", placement_id))
        if i is not None
    ]
    if len(given) > 1:
        return [
            UserError(
                "related_id",
                ComplaintErrorCode.ONE_RELATED_OBJECT,
                "A complaint is about at most one requirement, bid or placement",
            )
        ]
    if not given:
        return []

    async def seen(model: type, id_: int, visible: ColumnElement[bool]) -> Any:
        """The row, if the raiser sees it (`visible`: the rule of the row's table, api/placements/permissions.py)."""
        row = (await session.execute(select(model).where(model.id == id_, visible))).scalar_one_or_none()
        if row is None:  # not the raiser's to see: it does not exist for it
            raise Forbidden()
        return row

    async def invited(req_id: int) -> bool:
        return (
            await session.execute(
                select(Invitation.id).where(Invitation.requirement_id == req_id, Invitation.provider_id == provider_id)
            )
        ).first() is not None

    if requirement_id is not None:
        requirement = await seen(
            Requirement, requirement_id, requirement_visible(actor, Requirement.id, Requirement.authority_id)
        )
        between = requirement.authority_id == authority_id and await invited(requirement.id)
    elif bid_id is not None:
        bid = await seen(Bid, bid_id, bid_visible(actor, Bid.requirement_id, Bid.provider_id))
        authority = (
            await session.execute(select(Requirement.authority_id).where(Requirement.id == bid.requirement_id))
        ).scalar_one()
        between = bid.provider_id == provider_id and authority == authority_id
    else:
        placement = await seen(
            Placement,
            placement_id,  # type: ignore[arg-type]
            ipa_visible(actor, Placement.authority_id, Placement.provider_id),
        )
        between = placement.authority_id == authority_id and placement.provider_id == provider_id
    if between:
        return []
    return [
        UserError(
            "related_id",
            ComplaintErrorCode.NOT_BETWEEN_THE_PARTIES,
            "The requirement, bid or placement is not between the borough and the provider",
        )
    ]


async def raise_complaint(
    session: AsyncSession,
    actor: Principal,
    *,
    kind: ComplaintKind,
    about_id: int,
    subject: str,
    description: str,
    requirement_id: int | None = None,
    bid_id: int | None = None,
    placement_id: int | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Complaint:
    side = ensure_raises_complaints(actor)
    subject_, description_ = clean(subject), clean(description)

    async def create(id_: int | None) -> Complaint:
        other = await session.get(Organisation, about_id)
        if other is None:
            raise Forbidden()
        if other.kind is not OTHER_KIND[side]:
            raise UserErrors.one(
                "about_id",
                ComplaintErrorCode.NOT_THE_OTHER_PARTY,
                "A borough raises a complaint about a provider, a provider about a borough",
            )
        authority_id, provider_id = (
            (actor.organisation_id, other.id) if side is ComplaintParty.BOROUGH else (other.id, actor.organisation_id)
        )
        check_texts(
            ComplaintErrorCode.TEXT_TOO_LONG,
            {
                "subject": (subject_, ComplaintErrorCode.SUBJECT_REQUIRED, MAX_LINE),
                "description": (description_, ComplaintErrorCode.DESCRIPTION_REQUIRED, MAX_TEXT),
            },
        )
        errors = await _related_errors(
            session,
            actor,
            authority_id,
            provider_id,
            requirement_id=requirement_id,
            bid_id=bid_id,
            placement_id=placement_id,
        )
        if errors:
            raise UserErrors(errors)
        at = now or clock.now()
        complaint = Complaint(
            id=id_,
            kind=kind,
            raised_by=side,
            authority_id=authority_id,
            provider_id=provider_id,
            requirement_id=requirement_id,
            bid_id=bid_id,
            placement_id=placement_id,
            subject=subject_,
            description=description_,
            status=ComplaintStatus.RAISED,
            raised_at=at,
            updated_at=at,
        )
        session.add(complaint)
        await session.flush()
        _step(session, actor, complaint, ComplaintStep.RAISED, None, at)
        _audit(
            session,
            actor,
            "complaint.raise",
            complaint,
            requirementId=requirement_id,
            bidId=bid_id,
            placementId=placement_id,
            to=ComplaintStatus.RAISED,
        )
        return complaint

    request = {
        "kind": kind,
        "about": about_id,
        "subject": subject_,
        "description": description_,
        "requirement": requirement_id,
        "bid": bid_id,
        "placement": placement_id,
    }
    return await idempotent(
        session,
        actor.organisation_id,
        "complaintRaise",
        idempotency_key,
        request,
        Complaint,
        create,
        ComplaintErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


async def _lock(session: AsyncSession, complaint_id: int) -> Complaint:
    return await get_or_forbidden(session, Complaint, complaint_id, lock=True)


def _note(note: str | None, required: bool) -> str | None:
    note_ = clean(note)
    check_texts(
        ComplaintErrorCode.TEXT_TOO_LONG,
        {"note": (note_, ComplaintErrorCode.NOTE_REQUIRED if required else None, MAX_TEXT)},
    )
    return note_


async def withdraw(
    session: AsyncSession, actor: Principal, complaint_id: int, *, note: str | None = None, now: datetime | None = None
) -> Complaint:
    """The raiser withdraws its complaint, raised or under mediation."""
    complaint = await _lock(session, complaint_id)
    ensure_raised(actor, complaint.raised_by, complaint.authority_id, complaint.provider_id)
    note_ = _note(note, required=False)
    before = move(complaint, ComplaintStatus.WITHDRAWN)
    at = now or clock.now()
    complaint.closed_at, complaint.updated_at = at, at
    _step(session, actor, complaint, ComplaintStep.WITHDRAWN, note_, at)
    _audit(session, actor, "complaint.withdraw", complaint, **{"from": before, "to": ComplaintStatus.WITHDRAWN})
    await session.flush()
    return complaint


async def mediate(
    session: AsyncSession, actor: Principal, complaint_id: int, *, note: str | None = None, now: datetime | None = None
) -> Complaint:
    """The alliance starts mediating a raised complaint (a note optional), or adds a note to one under
    mediation (the note required)."""
    ensure_manages_quality(actor)
    complaint = await _lock(session, complaint_id)
    at = now or clock.now()
    if complaint.status is ComplaintStatus.UNDER_MEDIATION:
        note_ = _note(note, required=True)
        complaint.updated_at = at
        _step(session, actor, complaint, ComplaintStep.NOTE_ADDED, note_, at)
        _audit(session, actor, "complaint.mediation_note", complaint, status=ComplaintStatus.UNDER_MEDIATION)
    else:
        note_ = _note(note, required=False)
        before = move(complaint, ComplaintStatus.UNDER_MEDIATION)
        complaint.mediation_started_at, complaint.updated_at = at, at
        _step(session, actor, complaint, ComplaintStep.MEDIATION_STARTED, note_, at)
        _audit(
            session, actor, "complaint.mediate", complaint, **{"from": before, "to": ComplaintStatus.UNDER_MEDIATION}
        )
    await session.flush()
    return complaint


async def resolve(
    session: AsyncSession, actor: Principal, complaint_id: int, *, outcome: str, now: datetime | None = None
) -> Complaint:
    """The alliance resolves a complaint under mediation, with the outcome."""
    ensure_manages_quality(actor)
    complaint = await _lock(session, complaint_id)
    outcome_ = clean(outcome)
    check_texts(
        ComplaintErrorCode.TEXT_TOO_LONG, {"outcome": (outcome_, ComplaintErrorCode.OUTCOME_REQUIRED, MAX_TEXT)}
    )
    before = move(complaint, ComplaintStatus.RESOLVED)
    at = now or clock.now()
    complaint.outcome, complaint.closed_at, complaint.updated_at = outcome_, at, at
    _step(session, actor, complaint, ComplaintStep.RESOLVED, outcome_, at)
    _audit(session, actor, "complaint.resolve", complaint, **{"from": before, "to": ComplaintStatus.RESOLVED})
    await session.flush()
    return complaint
