"""Tables of quality work: provider reviews and their actions, complaints and disputes with their history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, utcnow_column
from api.market.models import enum_column
from api.quality import enums as q


class ProviderReview(Base):
    """A review meeting of the alliance with a provider: scheduled with an agenda, then recorded as held (when,
    who attended, the notes shared with the provider, the alliance's internal notes, the outcome)."""

    __tablename__ = "provider_review"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[q.ProviderReviewStatus] = enum_column(q.ProviderReviewStatus, "provider_review_status")
    scheduled_on: Mapped[date] = mapped_column(Date)
    agenda: Mapped[str] = mapped_column(Text)
    held_on: Mapped[date | None] = mapped_column(Date)
    attendees: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)  # shared: the provider and the boroughs read them
    internal_notes: Mapped[str | None] = mapped_column(Text)  # the alliance's only
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = utcnow_column()
    updated_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (
        Index(None, "provider_id", "id"),
        CheckConstraint("(status = 'HELD') = (held_on IS NOT NULL)", name="held_on_when_held"),
        CheckConstraint("status <> 'HELD' OR outcome IS NOT NULL", name="outcome_when_held"),
    )


class ReviewAction(Base):
    """An action agreed at a review: what, who owns it (the alliance or the provider, optionally a person's
    name), by when; OPEN until DONE or CANCELLED."""

    __tablename__ = "review_action"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("provider_review.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text)
    owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[q.ReviewActionStatus] = enum_column(q.ReviewActionStatus, "review_action_status")
    status_note: Mapped[str | None] = mapped_column(Text)  # why it was closed, or what was done
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = utcnow_column()
    updated_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (
        Index(None, "review_id", "id"),
        CheckConstraint("(status = 'OPEN') = (closed_at IS NULL)", name="closed_at_when_closed"),
    )


class Complaint(Base):
    """A complaint or a dispute between a borough and a provider, raised by one of them about the other,
    optionally about one requirement, bid or placement between them; mediated and resolved by the alliance."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[q.ComplaintKind] = enum_column(q.ComplaintKind, "complaint_kind")
    raised_by: Mapped[q.ComplaintParty] = enum_column(q.ComplaintParty, "complaint_party")
    authority_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))  # the borough, raiser or not
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))  # the provider, raiser or not
    requirement_id: Mapped[int | None] = mapped_column(ForeignKey("requirement.id"))
    bid_id: Mapped[int | None] = mapped_column(ForeignKey("bid.id"))
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placement.id"))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[q.ComplaintStatus] = enum_column(q.ComplaintStatus, "complaint_status")
    outcome: Mapped[str | None] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    mediation_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # resolved or withdrawn
    updated_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (
        Index(None, "authority_id", "id"),
        Index(None, "provider_id", "id"),
        CheckConstraint("num_nonnulls(requirement_id, bid_id, placement_id) <= 1", name="one_related_object"),
        CheckConstraint("(status = 'RESOLVED') = (outcome IS NOT NULL)", name="outcome_when_resolved"),
        CheckConstraint(
            "(status IN ('RESOLVED', 'WITHDRAWN')) = (closed_at IS NOT NULL)", name="closed_at_when_closed"
        ),
    )


class ComplaintEvent(Base):
    """One step of a complaint: raised, mediation started, a note, resolved, withdrawn: who, when, the note."""

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"))
    step: Mapped[q.ComplaintStep] = enum_column(q.ComplaintStep, "complaint_step")
    status: Mapped[q.ComplaintStatus] = enum_column(q.ComplaintStatus, "complaint_status")  # after the step
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index(None, "complaint_id", "id"),)
