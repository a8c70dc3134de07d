"""GraphQL types of quality work: provider reviews and their actions, complaints and disputes with their history,
and a provider's KPIs. Related objects and lists resolve through the request's DataLoaders (no N+1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.core import clock
from api.core.principal import ActorKind, Scope
from api.placements import models as pm
from api.quality import enums as q, kpis as k, models as qm
from schema.core.connection import children_connection
from schema.core.context import Info
from schema.core.errors import BadUserInput
from schema.core.nodes import ModelNode
from schema.core.permissions import scoped
from schema.market.types import (
    Actor,
    LocalAuthority,
    Organisation,
    Provider,
    kpis_of_provider,
    organisation_by_id,
    reviews_of_provider,
)
from schema.placement.types import Bid, Placement, Requirement
from schema.quality.loaders import kpis as kpis_loader

for _enum in (
    q.ProviderReviewStatus,
    q.ReviewActionStatus,
    q.ComplaintKind,
    q.ComplaintParty,
    q.ComplaintStatus,
    q.ComplaintStep,
):
    strawberry.enum(_enum)

NO_CHILD_NAMES = (
    "Never a child's name or anything that identifies a child: refer to a child only through the "
    "related requirement or placement."
)


# --- reviews ------------------------------------------------------------------------------------------------


@strawberry.type(
    description="An action agreed at a provider review: what, who owns it (the alliance or the "
    "provider, optionally a person), by when; OPEN until DONE or CANCELLED."
)
class ReviewAction(ModelNode):
    _model = qm.ReviewAction
    id: relay.NodeID[int]
    description: str
    owner_name: str | None = strawberry.field(description="The person who owns it, if named.")
    due_on: date | None
    status: q.ReviewActionStatus
    status_note: str | None = strawberry.field(description="What was done, or why it was cancelled.")
    closed_at: datetime | None = strawberry.field(description="When it became DONE or CANCELLED.")
    overdue: bool = strawberry.field(description="OPEN and its due date before today (in England).")
    created_at: datetime
    owner_id: strawberry.Private[int]
    review_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: qm.ReviewAction) -> ReviewAction:
        overdue = row.status is q.ReviewActionStatus.OPEN and row.due_on is not None and row.due_on < clock.today()
        return cls(
            id=row.id,
            description=row.description,
            owner_name=row.owner_name,
            due_on=row.due_on,
            status=row.status,
            status_note=row.status_note,
            closed_at=row.closed_at,
            overdue=overdue,
            created_at=row.created_at,
            owner_id=row.owner_organisation_id,
            review_id=row.review_id,
        )

    @strawberry.field(description="The organisation that owns the action: the alliance or the provider.")
    async def owner(self, info: Info) -> Organisation | None:
        return await organisation_by_id(info, self.owner_id)

    @strawberry.field
    async def review(self, info: Info) -> ProviderReview | None:
        return review_or_none(await info.context.loaders.by_id(qm.ProviderReview).load(self.review_id))


@strawberry.type(
    description="A review meeting of the alliance with a provider: SCHEDULED with an agenda, then "
    "HELD (when, who attended, the notes, the outcome). Read by the alliance, the boroughs "
    "(commissioners watch the market) and the provider itself; the alliance's internal notes only by "
    "the alliance."
)
class ProviderReview(ModelNode):
    _model = qm.ProviderReview
    id: relay.NodeID[int]
    status: q.ProviderReviewStatus
    scheduled_on: date
    agenda: str
    held_on: date | None
    attendees: str | None = strawberry.field(description="Who attended, as free text.")
    notes: str | None = strawberry.field(
        description="The notes of the meeting, shared with the provider and the boroughs."
    )
    outcome: str | None
    created_at: datetime
    updated_at: datetime
    provider_id: strawberry.Private[int]
    internal: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: qm.ProviderReview) -> ProviderReview:
        return cls(
            id=row.id,
            status=row.status,
            scheduled_on=row.scheduled_on,
            agenda=row.agenda,
            held_on=row.held_on,
            attendees=row.attendees,
            notes=row.notes,
            outcome=row.outcome,
            created_at=row.created_at,
            updated_at=row.updated_at,
            provider_id=row.provider_id,
            internal=row.internal_notes,
        )

    @scoped(
        Scope.WLA,
        description="The alliance's internal notes of the meeting: never shown to the provider or the boroughs.",
    )
    def internal_notes(self) -> str | None:
        return self.internal

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await organisation_by_id(info, self.provider_id)

    @strawberry.field(description="The actions agreed, oldest first.")
    async def actions(self, info: Info) -> list[ReviewAction]:
        rows = await info.context.loaders.grouped(qm.ReviewAction, qm.ReviewAction.review_id, qm.ReviewAction.id).load(
            self.id
        )
        return [ReviewAction.from_row(r) for r in rows]


def review_or_none(row: Any) -> ProviderReview | None:
    return ProviderReview.from_row(row) if row is not None else None


def action_or_none(row: Any) -> ReviewAction | None:
    return ReviewAction.from_row(row) if row is not None else None


# --- complaints ---------------------------------------------------------------------------------------------


ComplaintSubject = Annotated[
    Requirement | Bid | Placement,
    strawberry.union(
        "ComplaintSubject", description="What a complaint or dispute is about: a requirement, a bid or a placement."
    ),
]


@strawberry.type(
    description="One step of a complaint: raised, mediation started, a note of the alliance, "
    "resolved or withdrawn; who, when, the note."
)
class ComplaintHistoryEntry:
    step: q.ComplaintStep
    status: q.ComplaintStatus = strawberry.field(description="The complaint's status after the step.")
    note: str | None
    occurred_at: datetime
    actor: Actor


@strawberry.type(
    description="A complaint or dispute between a borough and a provider, raised by one about the "
    "other, mediated and resolved by the alliance: RAISED, UNDER_MEDIATION, then RESOLVED (with an "
    "outcome) or WITHDRAWN (by the raiser). Seen by the two parties and the alliance only."
)
class Complaint(ModelNode):
    _model = qm.Complaint
    id: relay.NodeID[int]
    kind: q.ComplaintKind
    raised_by: q.ComplaintParty = strawberry.field(description="Which party raised it: the borough or the provider.")
    subject: str = strawberry.field(description="A line saying what it is about. " + NO_CHILD_NAMES)
    description: str = strawberry.field(description="What happened. " + NO_CHILD_NAMES)
    status: q.ComplaintStatus
    outcome: str | None = strawberry.field(description="How the alliance resolved it.")
    raised_at: datetime
    mediation_started_at: datetime | None
    closed_at: datetime | None = strawberry.field(description="When it was resolved or withdrawn.")
    authority_id: strawberry.Private[int]
    provider_id: strawberry.Private[int]
    requirement_id: strawberry.Private[int | None]
    bid_id: strawberry.Private[int | None]
    placement_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: qm.Complaint) -> Complaint:
        return cls(
            id=row.id,
            kind=row.kind,
            raised_by=row.raised_by,
            subject=row.subject,
            description=row.description,
            status=row.status,
            outcome=row.outcome,
            raised_at=row.raised_at,
            mediation_started_at=row.mediation_started_at,
            closed_at=row.closed_at,
            authority_id=row.authority_id,
            provider_id=row.provider_id,
            requirement_id=row.requirement_id,
            bid_id=row.bid_id,
            placement_id=row.placement_id,
        )

    @strawberry.field(description="The borough party.")
    async def authority(self, info: Info) -> LocalAuthority | None:
        return await organisation_by_id(info, self.authority_id)

    @strawberry.field(description="The provider party.")
    async def provider(self, info: Info) -> Provider | None:
        return await organisation_by_id(info, self.provider_id)

    @strawberry.field(
        description="The requirement, bid or placement it is about, if any (null as well when the "
        "viewer may not see it)."
    )
    async def related(self, info: Info) -> ComplaintSubject | None:  # type: ignore[valid-type]
        for id_, model, node in (
            (self.requirement_id, pm.Requirement, Requirement),
            (self.bid_id, pm.Bid, Bid),
            (self.placement_id, pm.Placement, Placement),
        ):
            if id_ is not None:
                row = await info.context.loaders.by_id(model).load(id_)
                return node.from_row(row) if row is not None else None
        return None

    @strawberry.field(description="Every step, oldest first.")
    async def history(self, info: Info) -> list[ComplaintHistoryEntry]:
        rows = await info.context.loaders.grouped(
            qm.ComplaintEvent, qm.ComplaintEvent.complaint_id, qm.ComplaintEvent.id
        ).load(self.id)
        return [
            ComplaintHistoryEntry(
                step=r.step,
                status=r.status,
                note=r.note,
                occurred_at=r.occurred_at,
                actor=Actor(kind=ActorKind(r.actor_kind), id=r.actor_id, organisation_id=r.organisation_id),
            )
            for r in rows
        ]


def complaint_or_none(row: Any) -> Complaint | None:
    return Complaint.from_row(row) if row is not None else None


# --- KPIs ---------------------------------------------------------------------------------------------------


@strawberry.type(
    description="A provider's KPIs over a period of dates in England, both ends included (api/quality/"
    "kpis.py). Market information: the alliance and the boroughs read every provider's, a provider "
    "its own."
)
class ProviderKpis:
    start: date = strawberry.field(name="from", description="The first day of the period.")
    end: date = strawberry.field(name="to", description="The last day of the period (included).")
    invitations: int = strawberry.field(
        description="Invitations made in the period (at publication), without those "
        "withdrawn before the provider answered them."
    )
    invitations_responded: int = strawberry.field(description="Those the provider bid on (even after the period).")
    response_rate: float | None = strawberry.field(
        description="invitationsResponded / invitations, 0 to 1; null without invitations."
    )
    median_seconds_to_respond: int | None = strawberry.field(
        description="The median time from an invitation (the publication) to the provider's first bid on it, in "
        "seconds, over the invitations responded; null without any."
    )
    bids_submitted: int = strawberry.field(description="Bids received in the period, whatever became of them.")
    placements_made: int = strawberry.field(description="Placements that went live (the IPA executed) in the period.")
    alerts: int = strawberry.field(description="Safeguarding alerts raised on the provider in the period.")
    suspensions: int = strawberry.field(description="Suspensions of the provider in the period.")
    complaints_against: int = strawberry.field(
        description="Complaints and disputes raised about the provider by boroughs in the period."
    )
    complaints_raised: int = strawberry.field(
        description="Complaints and disputes the provider raised about boroughs in the period."
    )
    provider_id: strawberry.Private[int]

    @classmethod
    def from_kpis(cls, x: k.Kpis) -> ProviderKpis:
        return cls(
            start=x.period.start,
            end=x.period.end,
            invitations=x.invitations,
            invitations_responded=x.invitations_responded,
            response_rate=x.response_rate,
            median_seconds_to_respond=x.median_seconds_to_respond,
            bids_submitted=x.bids_submitted,
            placements_made=x.placements_made,
            alerts=x.alerts,
            suspensions=x.suspensions,
            complaints_against=x.complaints_against,
            complaints_raised=x.complaints_raised,
            provider_id=x.provider_id,
        )

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await organisation_by_id(info, self.provider_id)


def kpi_period(start: date | None, end: date | None) -> k.Period:
    try:
        return k.period(start, end, clock.today())
    except k.InvalidPeriod as exc:
        raise BadUserInput(str(exc)) from None


@kpis_of_provider.handler
async def kpis_of(info: Info, provider_id: int, start: date | None, end: date | None) -> ProviderKpis | None:
    """The provider's KPIs over the period (default: the last 12 months), None if the viewer may not see it."""
    found = await kpis_loader(info.context.loaders).load((provider_id, kpi_period(start, end)))
    return ProviderKpis.from_kpis(found) if found is not None else None


# --- what the Provider type shows of quality work (schema/market/types.py) -------------------------------


@reviews_of_provider.handler
async def provider_reviews(
    info: Info, provider_id: int, first: int | None, after: str | None, last: int | None, before: str | None
) -> Any:
    return await children_connection(
        info,
        qm.ProviderReview,
        qm.ProviderReview.provider_id,
        provider_id,
        ProviderReview.from_row,
        first,
        after,
        last,
        before,
    )
