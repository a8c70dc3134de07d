"""Tables of the placement search: requirements and their reference counters, the child (pseudonymised),
invitations and the members not invited, the record of who read the child's full details, bids and the
officer's scores of them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, utcnow_column
from api.market.enums import Sex, Specialism
from api.market.models import array_check, enum_column
from api.placements import enums as pe
from api.placements.evaluation_rules import ExclusionReason


class Requirement(Base):
    """A placement search posted by a borough on a lot (DOMAIN.md, "A placement search")."""

    __tablename__ = "requirement"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # BAR-2026-0001
    authority_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    status: Mapped[pe.RequirementStatus] = enum_column(pe.RequirementStatus, "requirement_status")
    urgency: Mapped[pe.Urgency] = enum_column(pe.Urgency, "urgency")
    planned_start: Mapped[date] = mapped_column(Date)
    expected_duration_weeks: Mapped[int] = mapped_column(Integer)
    max_weekly_budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # Given by the borough, or set from the urgency at publication; a DRAFT without one has none yet.
    response_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # responses closed
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # cancelled or unfilled
    awarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # a bid accepted
    status_reason: Mapped[str | None] = mapped_column(Text)  # why it was cancelled or closed by hand
    created_at: Mapped[datetime] = utcnow_column()
    updated_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (
        Index(None, "authority_id", "id"),
        CheckConstraint("expected_duration_weeks > 0", name="duration_positive"),
        CheckConstraint("max_weekly_budget IS NULL OR max_weekly_budget > 0", name="budget_positive"),
        CheckConstraint("status IN ('DRAFT', 'CANCELLED') OR published_at IS NOT NULL", name="published"),
        CheckConstraint("published_at IS NULL OR response_deadline IS NOT NULL", name="published_with_deadline"),
    )


class ReferenceCounter(Base):
    """The last number given under a reference prefix in a year: `INSERT ... ON CONFLICT DO UPDATE` takes the
    next one under the row's lock, so concurrent creations get consecutive numbers and a rolled-back one
    gives its number back."""

    __tablename__ = "requirement_reference_counter"

    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class RequirementChild(Base):
    """The child of a requirement, pseudonymised: the borough's case reference is kept only as a keyed hash."""

    __tablename__ = "requirement_child"

    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirement.id", ondelete="CASCADE"), primary_key=True)
    case_reference_hash: Mapped[str] = mapped_column(String(64), index=True)  # HMAC-SHA256, hex
    age_years: Mapped[int] = mapped_column(Integer)
    sex: Mapped[Sex] = enum_column(Sex, "sex")
    ethnicity: Mapped[str | None] = mapped_column(String(100))
    religion: Mapped[str | None] = mapped_column(String(100))
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    needs: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    sibling_group_size: Mapped[int] = mapped_column(Integer)
    home_postcode_district: Mapped[str] = mapped_column(String(4))
    home_latitude: Mapped[float] = mapped_column(Float)
    home_longitude: Mapped[float] = mapped_column(Float)
    max_distance_km: Mapped[float] = mapped_column(Float)
    avoid_areas: Mapped[list[str]] = mapped_column(ARRAY(String(4)))
    education_needs: Mapped[str | None] = mapped_column(Text)
    child_views: Mapped[str | None] = mapped_column(Text)
    court_directions: Mapped[str | None] = mapped_column(Text)
    legal_status: Mapped[pe.LegalStatus | None] = enum_column(pe.LegalStatus, "legal_status", nullable=True)

    __table_args__ = (
        CheckConstraint("age_years BETWEEN 0 AND 25", name="age"),
        CheckConstraint("sibling_group_size BETWEEN 1 AND 10", name="sibling_group_size"),
        CheckConstraint("max_distance_km > 0", name="distance_positive"),
        CheckConstraint("home_latitude BETWEEN -90 AND 90 AND home_longitude BETWEEN -180 AND 180", name="coordinates"),
        CheckConstraint("length(case_reference_hash) = 64", name="hash_length"),
        array_check("needs", Specialism),
    )


class Invitation(Base):
    """A provider invited to respond to a requirement, with the match of its settings as at publication."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirement.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[pe.InvitationStatus] = enum_column(pe.InvitationStatus, "invitation_status")
    match_level: Mapped[pe.MatchLevel] = enum_column(pe.MatchLevel, "match_level")
    # [{"criterion", "code", "met", "message"}] for the best setting (api/placements/matching.py)
    match_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    matched_setting_id: Mapped[int | None] = mapped_column(ForeignKey("setting.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = utcnow_column()
    # WITHDRAWN when the provider was suspended or barred while the requirement was open (api/safeguarding)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("requirement_id", "provider_id"),
        Index(None, "provider_id", "id"),
    )


class UninvitedMember(Base):
    """A provider with a membership of the lot that was not invited at publication, and why."""

    __tablename__ = "uninvited_member"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirement.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"))
    reason: Mapped[pe.NotInvitedReason] = enum_column(pe.NotInvitedReason, "not_invited_reason")
    detail: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (UniqueConstraint("requirement_id", "provider_id"),)


class ChildDataAccess(Base):
    """One read of a child's full details: who, for which organisation, which requirement, when."""

    __tablename__ = "child_data_access"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirement.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str] = mapped_column(String(200))
    view: Mapped[pe.ChildView] = enum_column(pe.ChildView, "child_view")
    accessed_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (Index(None, "requirement_id", "id"),)


class Bid(Base):
    """A provider's offer on a requirement (DOMAIN.md step 4). Prices are pounds: `weekly_price` is the gross
    (core + extras), `discounts` and `net_weekly_price` are computed by the system (api/placements/pricing.py).

    One LIVE (SUBMITTED) bid per provider per requirement, and at most one ACCEPTED bid per requirement, are
    unique indexes: the rules check them first under row locks, the indexes make a bug fail loudly."""

    __tablename__ = "bid"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirement.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    setting_id: Mapped[int] = mapped_column(ForeignKey("setting.id"))
    status: Mapped[pe.BidStatus] = enum_column(pe.BidStatus, "bid_status")
    core_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    extras: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)  # [{"description", "weeklyPrice"}]
    weekly_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # gross: core + extras
    discounts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)  # [{"kind", "percent", "amount"}]
    net_weekly_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    price_explanation: Mapped[str] = mapped_column(Text)
    available_from: Mapped[date] = mapped_column(Date)
    needs_statement: Mapped[str] = mapped_column(Text)
    compatibility_statement: Mapped[str | None] = mapped_column(Text)
    social_value_statement: Mapped[str | None] = mapped_column(Text)
    # The receipt time: the server's UTC clock read once the requirement's row lock is held (api/placements/bids.py).
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    amended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # accepted or unsuccessful
    rationale: Mapped[str | None] = mapped_column(Text)  # the authorised officer's, when accepted
    # {"reasons": [...], "rank": int | None, "winningPriceBand": str}, when unsuccessful (evaluation.feedback_for)
    feedback: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # EXCLUDED when its provider was suspended or barred while the requirement was open (api/safeguarding)
    exclusion_reason: Mapped[ExclusionReason | None] = enum_column(
        ExclusionReason, "bid_exclusion_reason", nullable=True
    )
    excluded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (
        Index(
            "uq_bid_live_per_provider",
            "requirement_id",
            "provider_id",
            unique=True,
            postgresql_where=text("status = 'SUBMITTED'"),
        ),
        Index(
            "uq_bid_accepted_per_requirement",
            "requirement_id",
            unique=True,
            postgresql_where=text("status = 'ACCEPTED'"),
        ),
        Index(None, "requirement_id", "id"),
        Index(None, "provider_id", "id"),
        CheckConstraint(
            "core_price > 0 AND weekly_price >= core_price AND net_weekly_price > 0 "
            "AND net_weekly_price <= weekly_price",
            name="prices",
        ),
        CheckConstraint("status <> 'ACCEPTED' OR rationale IS NOT NULL", name="accepted_with_rationale"),
        CheckConstraint("(status = 'UNSUCCESSFUL') = (feedback IS NOT NULL)", name="feedback_when_unsuccessful"),
        CheckConstraint(
            "(status = 'EXCLUDED') = (exclusion_reason IS NOT NULL AND excluded_at IS NOT NULL)",
            name="reason_when_excluded",
        ),
    )


class BidOfficerScore(Base):
    """The owning borough's officer's score of one bid on one hand-scored criterion, 0 to 5 (the latest counts:
    scoring again replaces it, and the audit log keeps the previous one)."""

    __tablename__ = "bid_officer_score"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"))
    criterion: Mapped[pe.OfficerCriterion] = enum_column(pe.OfficerCriterion, "officer_criterion")
    score: Mapped[int] = mapped_column(Integer)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    entered_by_kind: Mapped[str] = mapped_column(String(10))
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("bid_id", "criterion"),
        CheckConstraint("score BETWEEN 0 AND 5", name="score_range"),
    )


class Ipa(Base):
    """The Individual Placement Agreement of an accepted bid (api/placements/ipas.py): the terms snapshot, the
    PDF rendered ONCE from it at issue (api/placements/ipa_document.py) and its SHA-256, which both parties sign.
    The document's bytes are loaded only when asked for (`deferred`): the metadata never carries them."""

    __tablename__ = "ipa"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirement.id"))
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"), unique=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))  # the borough, a party
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))  # the provider, the other party
    status: Mapped[pe.IpaStatus] = enum_column(pe.IpaStatus, "ipa_status")
    terms: Mapped[dict[str, Any]] = mapped_column(JSONB)  # IpaTerms.snapshot()
    document: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    document_sha256: Mapped[str] = mapped_column(String(64))
    net_weekly_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    executed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "uq_ipa_in_force_per_requirement",
            "requirement_id",
            unique=True,
            postgresql_where=text("status <> 'TERMINATED'"),
        ),
        Index(None, "provider_id", "id"),
        Index(None, "authority_id", "id"),
        CheckConstraint("length(document_sha256) = 64", name="sha256_length"),
        CheckConstraint(
            "(status = 'EXECUTED') = (executed_at IS NOT NULL) OR status = 'TERMINATED'",
            name="executed_at_when_executed",
        ),
    )


class IpaSignature(Base):
    """One party's signature of an IPA: who signed which SHA-256 (always the document's: the rules refuse any
    other), for which organisation, when. One per party."""

    __tablename__ = "ipa_signature"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ipa_id: Mapped[int] = mapped_column(ForeignKey("ipa.id", ondelete="CASCADE"))
    party: Mapped[pe.IpaParty] = enum_column(pe.IpaParty, "ipa_party")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str] = mapped_column(String(200))
    signed_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("ipa_id", "party"),)


class Placement(Base):
    """A child placed with a provider's setting, live once its IPA is executed, with the date its placement plan
    is due (5 working days in England and Wales after the start)."""

    __tablename__ = "placement"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ipa_id: Mapped[int] = mapped_column(ForeignKey("ipa.id"), unique=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirement.id"), unique=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    setting_id: Mapped[int] = mapped_column(ForeignKey("setting.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    net_weekly_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    status: Mapped[pe.PlacementStatus] = enum_column(pe.PlacementStatus, "placement_status")
    placement_plan_due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = utcnow_column()
    # Set when the provider is suspended or barred while the placement runs: it continues, and the borough and
    # the alliance review it (api/safeguarding/suspensions.py).
    review_flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_flag_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(None, "provider_id", "id"),
        Index(None, "authority_id", "id"),
        CheckConstraint("placement_plan_due_on > starts_on", name="plan_due_after_start"),
    )
