"""Tables of quality and safeguarding: alerts and their review history, suspensions and bars."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, utcnow_column
from api.market.models import enum_column
from api.safeguarding import enums as se

SUMMARY_MAX = 2000
NOTES_MAX = 4000


class SafeguardingAlert(Base):
    """A concern raised by a borough or the alliance (or the service itself) about a provider or one of its
    settings. The summary says what happened, never a child's name."""

    __tablename__ = "safeguarding_alert"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    setting_id: Mapped[int | None] = mapped_column(ForeignKey("setting.id"))
    category: Mapped[se.AlertCategory] = enum_column(se.AlertCategory, "alert_category")
    severity: Mapped[se.AlertSeverity] = enum_column(se.AlertSeverity, "alert_severity")
    status: Mapped[se.AlertStatus] = enum_column(se.AlertStatus, "alert_status")
    summary: Mapped[str] = mapped_column(Text)
    raised_by_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    raised_by_kind: Mapped[str] = mapped_column(String(10))  # USER, CLIENT or SYSTEM
    raised_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(None, "provider_id", "id"),
        Index(None, "setting_id"),
        CheckConstraint(f"length(summary) BETWEEN 1 AND {SUMMARY_MAX}", name="summary_length"),
    )


class SafeguardingAlertUpdate(Base):
    """One step of the alliance's review of an alert: who, when, the status before and after, the notes."""

    __tablename__ = "safeguarding_alert_update"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_alert.id", ondelete="CASCADE"))
    status_before: Mapped[se.AlertStatus] = enum_column(se.AlertStatus, "alert_status_before")
    status_after: Mapped[se.AlertStatus] = enum_column(se.AlertStatus, "alert_status_after")
    notes: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (
        Index(None, "alert_id", "id"),
        CheckConstraint(f"length(notes) BETWEEN 1 AND {NOTES_MAX}", name="notes_length"),
    )


class Suspension(Base):
    """A provider suspended (until a date, or until lifted) or barred (for good) from the whole market, one
    vehicle or one lot. The memberships it covers are SUSPENDED (BARRED) while it is active; an active
    suspension is one not lifted. A DOCUMENT_EXPIRED suspension names the document whose expiry set it off."""

    __tablename__ = "suspension"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    kind: Mapped[se.SuspensionKind] = enum_column(se.SuspensionKind, "suspension_kind")
    scope: Mapped[se.SuspensionScope] = enum_column(se.SuspensionScope, "suspension_scope")
    dpv_id: Mapped[int | None] = mapped_column(ForeignKey("dpv.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))
    reason: Mapped[se.SuspensionReason] = enum_column(se.SuspensionReason, "suspension_reason")
    notes: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)  # lifted at the start of that day (London)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    created_by_kind: Mapped[str] = mapped_column(String(10))
    created_by: Mapped[str] = mapped_column(String(200))
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lifted_by_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    lifted_by_kind: Mapped[str | None] = mapped_column(String(10))
    lifted_by: Mapped[str | None] = mapped_column(String(200))
    lift_notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(None, "provider_id", "id"),
        Index("ix_suspension_active_provider", "provider_id", postgresql_where=text("lifted_at IS NULL")),
        CheckConstraint(
            "(scope = 'PROVIDER' AND dpv_id IS NULL AND lot_id IS NULL) "
            "OR (scope = 'DPV' AND dpv_id IS NOT NULL AND lot_id IS NULL) "
            "OR (scope = 'LOT' AND lot_id IS NOT NULL AND dpv_id IS NULL)",
            name="scope_target",
        ),
        CheckConstraint("kind = 'SUSPENSION' OR (until IS NULL AND lifted_at IS NULL)", name="bar_is_final"),
        CheckConstraint("until IS NULL OR until > starts_on", name="until_after_start"),
        CheckConstraint("(lifted_at IS NULL) = (lifted_by IS NULL)", name="lifted_by_whom"),
        CheckConstraint("(reason = 'DOCUMENT_EXPIRED') = (document_id IS NOT NULL)", name="expired_document"),
    )
