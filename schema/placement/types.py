"""GraphQL types of the placement search. Related objects and lists resolve through the request's DataLoaders;
what a viewer sees of the child is decided in plain Python (auth/policy.py `child_view`,
api/placements/child.py `present`)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from api.market import models as m
from api.market.enums import Sex, Specialism
from api.placements import child as child_rules
from api.placements import enums as pe
from api.placements import models as pm
from auth.policy import child_view
from auth.principal import Scope
from schema.core.connection import Connection
from schema.core.context import Info
from schema.core.nodes import ModelNode
from schema.core.permissions import scoped
from schema.market.types import Lot, LocalAuthority, Provider, Setting, _children, _organisation
from schema.placement.loaders import children_of, full_child_reads

for _enum in (pe.RequirementStatus, pe.Urgency, pe.LegalStatus, pe.InvitationStatus, pe.NotInvitedReason,
              pe.MatchLevel, pe.MatchCriterion, pe.MatchReasonCode, pe.ChildView):
    strawberry.enum(_enum)

BOROUGH_SIDE = (Scope.WLA, Scope.BOROUGH)


@strawberry.type(description="A point: the child's home, shown only to the borough that posted the requirement.")
class Coordinates:
    latitude: float
    longitude: float


@strawberry.type(description="The child of a requirement, as much as the viewer may see (`view`). The borough's "
                 "case reference is never stored or shown: the owning borough sees a pseudonymous reference. "
                 "FULL (the owning borough; every read is recorded): everything else. SUMMARY (an invited "
                 "provider): no reference, court directions, child's views or coordinates, only the home "
                 "postcode district. MASKED (the alliance): an age band and categories, no free text. What the "
                 "view leaves out is null.")
class Child:
    view: pe.ChildView
    pseudonymous_reference: str | None
    age_years: int | None
    age_band: str
    sex: Sex
    needs: list[Specialism] = strawberry.field(description="The specialisms the child needs.")
    sibling_group_size: int = strawberry.field(description="Children to be placed together (1: no siblings).")
    home_postcode_district: str
    home_location: Coordinates | None
    max_distance_km: float = strawberry.field(description="The largest acceptable distance from home.")
    avoid_areas: list[str] | None = strawberry.field(description="Postcode areas or districts to avoid.")
    languages: list[str] | None
    ethnicity: str | None
    religion: str | None
    education_needs: str | None
    child_views: str | None
    court_directions: str | None
    legal_status: pe.LegalStatus | None

    @classmethod
    def from_shown(cls, c: child_rules.ChildShown) -> "Child":
        home = (Coordinates(latitude=c.home_latitude, longitude=c.home_longitude)
                if c.home_latitude is not None and c.home_longitude is not None else None)
        return cls(view=c.view, pseudonymous_reference=c.pseudonymous_reference, age_years=c.age_years,
                   age_band=c.age_band, sex=c.sex, needs=c.needs, sibling_group_size=c.sibling_group_size,
                   home_postcode_district=c.home_postcode_district, home_location=home,
                   max_distance_km=c.max_distance_km, avoid_areas=c.avoid_areas, languages=c.languages,
                   ethnicity=c.ethnicity, religion=c.religion, education_needs=c.education_needs,
                   child_views=c.child_views, court_directions=c.court_directions, legal_status=c.legal_status)


@strawberry.type(description="A borough's placement search on a lot: from DRAFT through OPEN (providers invited, "
                 "until the response deadline) to CLOSED, and later AWARDED and PLACED, or UNFILLED or CANCELLED.")
class Requirement(ModelNode):
    _model = pm.Requirement
    id: relay.NodeID[int]
    reference: str = strawberry.field(description="The borough's human reference, e.g. BAR-2026-0001.")
    status: pe.RequirementStatus
    urgency: pe.Urgency
    response_deadline: datetime | None = strawberry.field(
        description="Responses are accepted until then (the server's clock). A draft has none unless one was "
        "given: publication sets it from the urgency (24 h, 48 h, 5 working days in England and Wales).")
    planned_start: date
    expected_duration_weeks: int
    published_at: datetime | None
    closed_at: datetime | None = strawberry.field(description="When responses closed (the deadline or by hand).")
    created_at: datetime
    lot_id: strawberry.Private[int]
    authority_id: strawberry.Private[int]
    budget: strawberry.Private[Decimal | None]
    reason: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: pm.Requirement) -> "Requirement":
        return cls(id=row.id, reference=row.reference, status=row.status, urgency=row.urgency,
                   response_deadline=row.response_deadline, planned_start=row.planned_start,
                   expected_duration_weeks=row.expected_duration_weeks, published_at=row.published_at,
                   closed_at=row.closed_at, created_at=row.created_at, lot_id=row.lot_id,
                   authority_id=row.authority_id, budget=row.max_weekly_budget, reason=row.status_reason)

    @strawberry.field
    async def lot(self, info: Info) -> Lot:
        return Lot.from_row(await info.context.loaders.by_id(m.Lot).load(self.lot_id))

    @strawberry.field(description="The borough that posted the requirement.")
    async def authority(self, info: Info) -> LocalAuthority:
        return await _organisation(info, self.authority_id)

    @scoped(*BOROUGH_SIDE, description="The most the borough means to pay a week; never shown to providers.")
    def max_weekly_budget(self) -> Decimal | None:
        return self.budget

    @scoped(*BOROUGH_SIDE, description="Why the requirement was cancelled or closed by hand.")
    def status_reason(self) -> str | None:
        return self.reason

    @strawberry.field(description="The child, as much as the viewer may see (see `Child`).")
    async def child(self, info: Info) -> Child | None:
        view = child_view(info.context.principal, self.authority_id)
        if view is None:
            return None
        loaders = info.context.loaders
        if view is pe.ChildView.FULL:
            rows, _ = await asyncio.gather(children_of(loaders).load(self.id), full_child_reads(loaders).load(self.id))
        else:
            rows = await children_of(loaders).load(self.id)
        return Child.from_shown(child_rules.present(rows[0], view)) if rows else None

    @strawberry.field(description="The providers invited: all of them for the borough and the alliance, its own "
                      "for a provider.")
    async def invitations(self, info: Info, first: int | None = None, after: str | None = None,
                          last: int | None = None, before: str | None = None) -> Connection[Invitation]:
        return await _children(info, pm.Invitation, pm.Invitation.requirement_id, self.id, Invitation.from_row,
                               first, after, last, before)

    @scoped(*BOROUGH_SIDE, description="The lot's members that were not invited at publication, and why.")
    async def uninvited(self, info: Info, first: int | None = None, after: str | None = None,
                        last: int | None = None, before: str | None = None) -> Connection[UninvitedMember] | None:
        return await _children(info, pm.UninvitedMember, pm.UninvitedMember.requirement_id, self.id,
                               UninvitedMember.from_row, first, after, last, before)


@strawberry.type(description="One criterion of the match, for the provider's best setting.")
class MatchReason:
    criterion: pe.MatchCriterion
    code: pe.MatchReasonCode
    met: bool
    message: str


@strawberry.type(description="How the provider's active settings meet the child's hard needs, as at publication: "
                 "FULL (a setting meets all), PARTIAL (the best meets some), NONE.")
class Match:
    level: pe.MatchLevel
    reasons: list[MatchReason]
    setting_id: strawberry.Private[int | None]

    @strawberry.field(description="The setting that matched best.")
    async def setting(self, info: Info) -> Setting | None:
        if self.setting_id is None:
            return None
        row = await info.context.loaders.by_id(m.Setting).load(self.setting_id)
        return Setting.from_row(row) if row is not None else None


@strawberry.type(description="A provider invited to respond to a requirement.")
class Invitation(ModelNode):
    _model = pm.Invitation
    id: relay.NodeID[int]
    status: pe.InvitationStatus
    invited_at: datetime
    match: Match
    requirement_id: strawberry.Private[int]
    provider_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: pm.Invitation) -> "Invitation":
        reasons = [MatchReason(criterion=pe.MatchCriterion(r["criterion"]), code=pe.MatchReasonCode(r["code"]),
                               met=r["met"], message=r["message"]) for r in row.match_reasons]
        return cls(id=row.id, status=row.status, invited_at=row.invited_at,
                   match=Match(level=row.match_level, reasons=reasons, setting_id=row.matched_setting_id),
                   requirement_id=row.requirement_id, provider_id=row.provider_id)

    @strawberry.field
    async def requirement(self, info: Info) -> Requirement | None:
        row = await info.context.loaders.by_id(pm.Requirement).load(self.requirement_id)
        return Requirement.from_row(row) if row is not None else None

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await _organisation(info, self.provider_id)


@strawberry.type(description="A member of the lot not invited when the requirement was published, and why.")
class UninvitedMember(ModelNode):
    _model = pm.UninvitedMember
    id: relay.NodeID[int]
    reason: pe.NotInvitedReason
    recorded_at: datetime
    provider_id: strawberry.Private[int]
    explanation: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: pm.UninvitedMember) -> "UninvitedMember":
        return cls(id=row.id, reason=row.reason, recorded_at=row.recorded_at, provider_id=row.provider_id,
                   explanation=row.detail)

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await _organisation(info, self.provider_id)

    @scoped(Scope.WLA, description="The stage-1 shortfalls or the membership's status, in words (stage-1 "
            "documents are the alliance's and the provider's to read).")
    def detail(self) -> str:
        return self.explanation


def requirement_or_none(row: Any) -> Requirement | None:
    return Requirement.from_row(row) if row is not None else None
