"""GraphQL types of the market. Plain fields are attributes (cheap); related objects and lists resolve
through the request's DataLoaders (no N+1)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from api.core import clock
from api.core.config import get_settings
from api.core.hooks import Hook
from api.core.principal import ActorKind, OrganisationKind, Scope
from api.market import enums as e, models as m, stage1
from api.market.caps import cap_for_year
from api.market.weights import Criterion, weights_of
from schema.core.connection import Connection, children_connection
from schema.core.context import Info
from schema.core.nodes import ModelNode
from schema.core.permissions import public, scoped

if TYPE_CHECKING:  # for type checkers only: Strawberry finds these types through strawberry.lazy, below
    from schema.quality.types import ProviderKpis, ProviderReview

for _enum in (
    e.DpvCategory,
    e.LegalBasis,
    e.DpvStatus,
    e.AccessAgreementStatus,
    e.MembershipStatus,
    e.MembershipDecision,
    e.DocumentKind,
    e.OfstedGrade,
    e.CreditCheckOutcome,
    e.SettingKind,
    e.SchoolProvision,
    e.Sex,
    e.Specialism,
    stage1.ShortfallCode,
    ActorKind,
):
    strawberry.enum(_enum)
EvaluationCriterion = strawberry.enum(Criterion, name="EvaluationCriterion")

READ_MARKET = (Scope.WLA, Scope.BOROUGH, Scope.PROVIDER)
ORG = Annotated["Organisation", strawberry.lazy("schema.market.types")]
REVIEW = Annotated["ProviderReview", strawberry.lazy("schema.quality.types")]
KPIS = Annotated["ProviderKpis", strawberry.lazy("schema.quality.types")]

# What the Provider type shows of quality work is quality's to resolve (schema/quality/types.py `provider_reviews`,
# `kpis_of`): the provider's reviews (info, provider id, first, after, last, before) and its KPIs over a period
# (info, provider id, from, to).
reviews_of_provider: Hook[[Info, int, int | None, str | None, int | None, str | None], Any] = Hook("Provider.reviews")
kpis_of_provider: Hook[[Info, int, date | None, date | None], Any] = Hook("Provider.kpis")


async def organisation_by_id(info: Info, org_id: int) -> Any:
    """The organisation with that id, as its GraphQL type (through the request's loader); None if there is none."""
    row = await info.context.loaders.by_id(m.Organisation).load(org_id)
    return organisation_from_row(row) if row is not None else None


# --- organisations --------------------------------------------------------------------------------------


@strawberry.interface(description="The alliance, a local authority or a provider.")
class Organisation(ModelNode):
    _model = m.Organisation
    id: relay.NodeID[int]
    slug: str
    name: str

    @classmethod
    def from_row(cls, row: m.Organisation) -> Any:
        return organisation_from_row(row)


@strawberry.type(description="The alliance that runs the vehicles (the WLA).")
class Alliance(Organisation):
    @classmethod
    def accepts(cls, row: m.Organisation) -> bool:
        return row.kind is OrganisationKind.ALLIANCE


@strawberry.type(description="A borough: buys placements, and may lead a vehicle.")
class LocalAuthority(Organisation):
    @classmethod
    def accepts(cls, row: m.Organisation) -> bool:
        return row.kind is OrganisationKind.LOCAL_AUTHORITY


@strawberry.type(description="A fostering agency, children's home operator or special school.")
class Provider(Organisation):
    @classmethod
    def accepts(cls, row: m.Organisation) -> bool:
        return row.kind is OrganisationKind.PROVIDER

    @scoped(*READ_MARKET, description="The provider's homes, foster households and schools.")
    async def settings(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Setting] | None:
        return await children_connection(
            info, m.Setting, m.Setting.provider_id, self.id, Setting.from_row, first, after, last, before
        )

    @scoped(*READ_MARKET, description="The lots the provider has applied to or belongs to.")
    async def memberships(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Membership] | None:
        return await children_connection(
            info, m.Membership, m.Membership.provider_id, self.id, Membership.from_row, first, after, last, before
        )

    @scoped(Scope.WLA, Scope.PROVIDER, description="Stage-1 documents, newest last.")
    async def documents(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Document] | None:
        return await children_connection(
            info, m.Document, m.Document.provider_id, self.id, Document.from_row, first, after, last, before
        )

    @scoped(Scope.WLA, Scope.PROVIDER, description="Whether the documents meet the stage-1 thresholds today.")
    async def compliance(self, info: Info) -> Compliance | None:
        docs = await info.context.loaders.documents_of().load(self.id)
        shortfalls = stage1.assess(docs, clock.today(), stage1.Thresholds.from_settings(get_settings()))
        return Compliance(
            compliant=not shortfalls,
            shortfalls=[Shortfall(kind=s.kind, code=s.code, message=s.message) for s in shortfalls],
        )

    @scoped(
        *READ_MARKET,
        description="The alliance's review meetings with the provider, oldest first (read by the "
        "alliance, the boroughs and the provider itself).",
    )
    async def reviews(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[REVIEW] | None:
        return await reviews_of_provider(info, self.id, first, after, last, before)

    @scoped(
        *READ_MARKET,
        description="The provider's KPIs over a period of dates in England (default: the last 12 "
        "months): response rate and time, bids, placements, alerts, suspensions, complaints.",
    )
    async def kpis(
        self, info: Info, from_: Annotated[date | None, strawberry.argument(name="from")] = None, to: date | None = None
    ) -> KPIS | None:
        return await kpis_of_provider(info, self.id, from_, to)


def organisation_from_row(row: m.Organisation) -> Any:
    cls = {
        OrganisationKind.ALLIANCE: Alliance,
        OrganisationKind.LOCAL_AUTHORITY: LocalAuthority,
        OrganisationKind.PROVIDER: Provider,
    }[row.kind]
    return cls(id=row.id, slug=row.slug, name=row.name)


@strawberry.type
class Shortfall:
    kind: e.DocumentKind
    code: stage1.ShortfallCode
    message: str


@strawberry.type(description="The provider against the stage-1 thresholds, today.")
class Compliance:
    compliant: bool
    shortfalls: list[Shortfall]


# --- vehicles and lots --------------------------------------------------------------------------------


@strawberry.type(description="A Dynamic Purchasing Vehicle: one category, split into lots.")
class Dpv(ModelNode):
    _model = m.Dpv
    id: relay.NodeID[int]
    name: str
    category: e.DpvCategory
    legal_basis: e.LegalBasis
    status: e.DpvStatus = strawberry.field(description="ACTIVE between startsOn and endsOn (today, in England).")
    starts_on: date
    ends_on: date = strawberry.field(description="The last day of the term, with the options exercised so far.")
    initial_term_years: int
    extension_options: int
    extensions_exercised: int
    final_possible_end_on: date = strawberry.field(description="The end if every option is exercised.")
    lead_authority_id: strawberry.Private[int]
    stored_weights: strawberry.Private[dict[str, str] | None]

    @classmethod
    def from_row(cls, row: m.Dpv) -> Dpv:
        return cls(
            id=row.id,
            name=row.name,
            category=row.category,
            legal_basis=row.legal_basis,
            status=row.status_on(clock.today()),
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            initial_term_years=row.initial_term_years,
            extension_options=row.extension_options,
            extensions_exercised=row.extensions_exercised,
            final_possible_end_on=row.final_possible_end,
            lead_authority_id=row.lead_authority_id,
            stored_weights=row.evaluation_weights,
        )

    @public(
        description="The published weight of each evaluation criterion, adding up to 100 (the defaults unless "
        "the alliance set the vehicle's own)."
    )
    def evaluation_weights(self) -> list[CriterionWeight]:
        return [CriterionWeight(criterion=c, weight=w) for c, w in weights_of(self.stored_weights).as_mapping().items()]

    @public(description="The borough that leads the vehicle.")
    async def lead_authority(self, info: Info) -> LocalAuthority:
        return await organisation_by_id(info, self.lead_authority_id)

    @public(description="The vehicle's lots.")
    async def lots(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Lot]:
        return await children_connection(info, m.Lot, m.Lot.dpv_id, self.id, Lot.from_row, first, after, last, before)

    @scoped(
        Scope.WLA,
        Scope.BOROUGH,
        description="Access agreements: all for the alliance and the lead borough, a borough's own otherwise.",
    )
    async def access_agreements(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AccessAgreement] | None:
        return await children_connection(
            info,
            m.AccessAgreement,
            m.AccessAgreement.dpv_id,
            self.id,
            AccessAgreement.from_row,
            first,
            after,
            last,
            before,
        )


@strawberry.type(description="The capped weekly rate of a lot for one financial year (1 April to 31 March).")
class RateCap:
    financial_year: int = strawberry.field(description="The year the financial year starts in: 2026 is 2026/27.")
    weekly_rate_cap: Decimal


@strawberry.type(description="A lot of a vehicle, with its capped weekly rate per financial year.")
class Lot(ModelNode):
    _model = m.Lot
    id: relay.NodeID[int]
    code: str
    name: str
    description: str
    dpv_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: m.Lot) -> Lot:
        return cls(id=row.id, code=row.code, name=row.name, description=row.description, dpv_id=row.dpv_id)

    @public(
        description="The cap that applies in a financial year (by its first year), this financial year by "
        "default: that year's cap, else the latest earlier year's (a cap applies until the next is set). "
        "Null when no year up to it has a cap: the lot then takes no bids."
    )
    async def weekly_rate_cap(self, info: Info, financial_year: int | None = None) -> Decimal | None:
        rows = await info.context.loaders.rate_caps().load(self.id)
        applied = cap_for_year(
            {c.financial_year: c.weekly_rate_cap for c in rows}, financial_year or clock.financial_year(clock.today())
        )
        return applied.weekly_rate_cap if applied is not None else None

    @public(description="Every year's cap, oldest first.")
    async def rate_caps(self, info: Info) -> list[RateCap]:
        caps = await info.context.loaders.rate_caps().load(self.id)
        return [RateCap(financial_year=c.financial_year, weekly_rate_cap=c.weekly_rate_cap) for c in caps]

    @public()
    async def dpv(self, info: Info) -> Dpv:
        return Dpv.from_row(await info.context.loaders.by_id(m.Dpv).load(self.dpv_id))

    @scoped(*READ_MARKET, description="Providers that applied to or belong to the lot (a provider sees its own).")
    async def memberships(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Membership] | None:
        return await children_connection(
            info, m.Membership, m.Membership.lot_id, self.id, Membership.from_row, first, after, last, before
        )


@strawberry.type(description="A borough's right to buy through a vehicle; twelve months' notice ends it.")
class AccessAgreement(ModelNode):
    _model = m.AccessAgreement
    id: relay.NodeID[int]
    status: e.AccessAgreementStatus
    starts_on: date
    notice_given_on: date | None
    ends_on: date | None
    dpv_id: strawberry.Private[int]
    authority_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: m.AccessAgreement) -> AccessAgreement:
        return cls(
            id=row.id,
            status=row.status_on(clock.today()),
            starts_on=row.starts_on,
            notice_given_on=row.notice_given_on,
            ends_on=row.ends_on,
            dpv_id=row.dpv_id,
            authority_id=row.authority_id,
        )

    @strawberry.field
    async def dpv(self, info: Info) -> Dpv:
        return Dpv.from_row(await info.context.loaders.by_id(m.Dpv).load(self.dpv_id))

    @strawberry.field
    async def authority(self, info: Info) -> LocalAuthority:
        return await organisation_by_id(info, self.authority_id)


# --- memberships and documents -------------------------------------------------------------------------


@strawberry.type(description="A provider's place on a lot: applied, admitted, rejected, withdrawn...")
class Membership(ModelNode):
    _model = m.Membership
    id: relay.NodeID[int]
    status: e.MembershipStatus
    applied_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
    provider_id: strawberry.Private[int]
    lot_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: m.Membership) -> Membership:
        return cls(
            id=row.id,
            status=row.status,
            applied_at=row.applied_at,
            decided_at=row.decided_at,
            decision_reason=row.decision_reason,
            provider_id=row.provider_id,
            lot_id=row.lot_id,
        )

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await organisation_by_id(info, self.provider_id)

    @strawberry.field
    async def lot(self, info: Info) -> Lot:
        return Lot.from_row(await info.context.loaders.by_id(m.Lot).load(self.lot_id))


@strawberry.type(description="A stage-1 document: Ofsted registration or judgement, credit check, insurance.")
class Document(ModelNode):
    _model = m.Document
    id: relay.NodeID[int]
    kind: e.DocumentKind
    reference: str
    issuer: str
    valid_from: date
    valid_until: date | None
    cover_amount: Decimal | None
    ofsted_grade: e.OfstedGrade | None
    credit_check_outcome: e.CreditCheckOutcome | None
    recorded_at: datetime
    in_force: bool = strawberry.field(description="Valid today.")
    provider_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: m.Document) -> Document:
        today = clock.today()
        return cls(
            id=row.id,
            kind=row.kind,
            reference=row.reference,
            issuer=row.issuer,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            cover_amount=row.cover_amount,
            ofsted_grade=row.ofsted_grade,
            credit_check_outcome=row.credit_check_outcome,
            recorded_at=row.recorded_at,
            in_force=stage1.in_force(row, today),
            provider_id=row.provider_id,
        )

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await organisation_by_id(info, self.provider_id)


# --- settings ---------------------------------------------------------------------------------------------


@strawberry.type(description="Where a setting is: the postcode district and its coordinates, never an address.")
class Location:
    postcode_district: str
    latitude: float
    longitude: float


@strawberry.type
class OfstedJudgement:
    grade: e.OfstedGrade
    inspected_on: date


@strawberry.type(description="A children's home, a foster-carer household or a school.")
class Setting(ModelNode):
    _model = m.Setting
    id: relay.NodeID[int]
    kind: e.SettingKind
    name: str
    ofsted_urn: str | None
    age_min: int
    age_max: int
    sexes: list[e.Sex]
    specialisms: list[e.Specialism]
    places: int
    vacancies: int
    school_provision: e.SchoolProvision | None
    active: bool
    location: Location
    updated_at: datetime
    provider_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: m.Setting) -> Setting:
        return cls(
            id=row.id,
            kind=row.kind,
            name=row.name,
            ofsted_urn=row.ofsted_urn,
            age_min=row.age_min,
            age_max=row.age_max,
            sexes=[e.Sex(s) for s in row.sexes],
            specialisms=[e.Specialism(s) for s in row.specialisms],
            places=row.places,
            vacancies=row.vacancies,
            school_provision=row.school_provision,
            active=row.active,
            location=Location(postcode_district=row.postcode_district, latitude=row.latitude, longitude=row.longitude),
            updated_at=row.updated_at,
            provider_id=row.provider_id,
        )

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await organisation_by_id(info, self.provider_id)

    @strawberry.field(description="The most recent inspection outcome, if any.")
    async def latest_ofsted_judgement(self, info: Info) -> OfstedJudgement | None:
        history = await info.context.loaders.ofsted_judgements().load(self.id)
        return OfstedJudgement(grade=history[0].grade, inspected_on=history[0].inspected_on) if history else None

    @strawberry.field(description="Every recorded inspection outcome, newest first.")
    async def ofsted_judgements(self, info: Info) -> list[OfstedJudgement]:
        history = await info.context.loaders.ofsted_judgements().load(self.id)
        return [OfstedJudgement(grade=j.grade, inspected_on=j.inspected_on) for j in history]


# --- who acted, and the weights of the evaluation's criteria (shown by the placement search and others) ---


@strawberry.type(
    description="Who acted: a person, a client (machine to machine) or the service itself, for an organisation."
)
class Actor:
    kind: ActorKind
    id: str
    organisation_id: strawberry.Private[int | None]

    @strawberry.field
    async def organisation(self, info: Info) -> Organisation | None:
        return await organisation_by_id(info, self.organisation_id) if self.organisation_id is not None else None


@strawberry.type(description="The weight of a criterion: the vehicle's, adding up to 100.")
class CriterionWeight:
    criterion: EvaluationCriterion  # type: ignore[valid-type]
    weight: Decimal
