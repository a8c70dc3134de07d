"""Tables of the market: organisations, vehicles, lots and caps, access agreements, memberships,
stage-1 documents, settings and their Ofsted judgements."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum as SAEnum,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from api.core.clock import add_years
from api.core.db import Base, utcnow_column
from api.core.principal import OrganisationKind
from api.market import enums as e


def enum_column(enum: type, name: str, **kw):
    """Text with a named CHECK constraint: adding a value later is a small, reversible migration."""
    return mapped_column(
        SAEnum(
            enum,
            name=name,
            native_enum=False,
            create_constraint=True,
            length=40,
            values_callable=lambda x: [m.value for m in x],
            validate_strings=True,
        ),
        **kw,
    )


def array_check(column: str, enum: type) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in e.values(enum))
    return CheckConstraint(f"{column} <@ ARRAY[{allowed}]::varchar[]", name=f"{column}_known")


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[OrganisationKind] = enum_column(OrganisationKind, "organisation_kind")
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="slug_format"),)


async def organisation_by_slug(session: AsyncSession, slug: str) -> Organisation | None:
    return (await session.execute(select(Organisation).where(Organisation.slug == slug))).scalar_one_or_none()


class Dpv(Base):
    __tablename__ = "dpv"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[e.DpvCategory] = enum_column(e.DpvCategory, "dpv_category")
    legal_basis: Mapped[e.LegalBasis] = enum_column(e.LegalBasis, "legal_basis")
    lead_authority_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    initial_term_years: Mapped[int] = mapped_column(Integer, default=3)
    extension_options: Mapped[int] = mapped_column(Integer, default=3)
    extensions_exercised: Mapped[int] = mapped_column(Integer, default=0)
    # The weight of each evaluation criterion, {"PRICE": "20", ...} adding up to 100; null: the defaults
    # (api/market/weights.py `Weights`).
    evaluation_weights: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (
        CheckConstraint("initial_term_years > 0", name="initial_term_positive"),
        CheckConstraint(
            "extensions_exercised >= 0 AND extensions_exercised <= extension_options", name="extensions_within_options"
        ),
    )

    @property
    def ends_on(self) -> date:
        """Last day of the term: the initial years plus one year per option exercised."""
        years = self.initial_term_years + self.extensions_exercised
        return add_years(self.starts_on, years) - _ONE_DAY

    @property
    def final_possible_end(self) -> date:
        return add_years(self.starts_on, self.initial_term_years + self.extension_options) - _ONE_DAY

    def status_on(self, today: date) -> e.DpvStatus:
        if today < self.starts_on:
            return e.DpvStatus.NOT_STARTED
        if today > self.ends_on:
            return e.DpvStatus.EXPIRED
        return e.DpvStatus.ACTIVE


class Lot(Base):
    __tablename__ = "lot"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dpv_id: Mapped[int] = mapped_column(ForeignKey("dpv.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (UniqueConstraint("dpv_id", "code"), Index(None, "dpv_id", "id"))


class LotRateCap(Base):
    """The capped weekly rate of a lot for one financial year (1 April to 31 March)."""

    __tablename__ = "lot_rate_cap"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id", ondelete="CASCADE"))
    financial_year: Mapped[int] = mapped_column(Integer)  # the year the financial year starts in: 2026 = 2026/27
    weekly_rate_cap: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    __table_args__ = (
        UniqueConstraint("lot_id", "financial_year"),
        CheckConstraint("weekly_rate_cap > 0", name="cap_positive"),
    )


class AccessAgreement(Base):
    __tablename__ = "access_agreement"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dpv_id: Mapped[int] = mapped_column(ForeignKey("dpv.id", ondelete="CASCADE"))
    authority_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    notice_given_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (
        Index(None, "dpv_id", "id"),
        CheckConstraint("(notice_given_on IS NULL) = (ends_on IS NULL)", name="notice_sets_end"),
        CheckConstraint("ends_on IS NULL OR ends_on > notice_given_on", name="end_after_notice"),
    )

    def status_on(self, today: date) -> e.AccessAgreementStatus:
        if self.ends_on is None:
            return e.AccessAgreementStatus.ACTIVE
        if today >= self.ends_on:
            return e.AccessAgreementStatus.ENDED
        return e.AccessAgreementStatus.NOTICE_GIVEN


class Membership(Base):
    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    status: Mapped[e.MembershipStatus] = enum_column(e.MembershipStatus, "membership_status")
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (UniqueConstraint("provider_id", "lot_id"),)


class Document(Base):
    """A stage-1 document of a provider. The newest of each kind (by validity start) is the one that counts."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    kind: Mapped[e.DocumentKind] = enum_column(e.DocumentKind, "document_kind")
    reference: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str] = mapped_column(String(200), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    cover_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    ofsted_grade: Mapped[e.OfstedGrade | None] = enum_column(e.OfstedGrade, "ofsted_grade", nullable=True)
    credit_check_outcome: Mapped[e.CreditCheckOutcome | None] = enum_column(
        e.CreditCheckOutcome, "credit_check_outcome", nullable=True
    )
    recorded_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (
        Index(None, "provider_id", "id"),
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="validity_ordered"),
        CheckConstraint("cover_amount IS NULL OR cover_amount > 0", name="cover_positive"),
    )


class Setting(Base):
    """A place a child can live or learn: a children's home, a foster-carer household or a school."""

    __tablename__ = "setting"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    kind: Mapped[e.SettingKind] = enum_column(e.SettingKind, "setting_kind")
    name: Mapped[str] = mapped_column(String(200))
    ofsted_urn: Mapped[str | None] = mapped_column(String(20))
    age_min: Mapped[int] = mapped_column(Integer)
    age_max: Mapped[int] = mapped_column(Integer)
    sexes: Mapped[list[str]] = mapped_column(ARRAY(String(10)))
    specialisms: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    places: Mapped[int] = mapped_column(Integer)
    vacancies: Mapped[int] = mapped_column(Integer)
    school_provision: Mapped[e.SchoolProvision | None] = enum_column(
        e.SchoolProvision, "school_provision", nullable=True
    )
    postcode_district: Mapped[str] = mapped_column(String(4))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = utcnow_column()
    updated_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (
        Index(None, "provider_id", "id"),
        CheckConstraint("age_min >= 0 AND age_max <= 25 AND age_min <= age_max", name="age_range"),
        CheckConstraint("places >= 0 AND vacancies >= 0 AND vacancies <= places", name="vacancies_within_places"),
        CheckConstraint("latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180", name="coordinates"),
        CheckConstraint("cardinality(sexes) > 0", name="sexes_not_empty"),
        CheckConstraint("(kind = 'SCHOOL') = (school_provision IS NOT NULL)", name="school_provision_for_schools"),
        array_check("sexes", e.Sex),
        array_check("specialisms", e.Specialism),
    )


class OfstedJudgement(Base):
    """One inspection outcome of a setting; the history is kept, the latest by inspection date counts."""

    __tablename__ = "ofsted_judgement"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("setting.id", ondelete="CASCADE"))
    grade: Mapped[e.OfstedGrade] = enum_column(e.OfstedGrade, "ofsted_grade")
    inspected_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (Index(None, "setting_id", "inspected_on"),)


_ONE_DAY = timedelta(days=1)
