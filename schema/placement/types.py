"""GraphQL types of the placement search. Related objects and lists resolve through the request's DataLoaders;
what a viewer sees of the child is decided in plain Python (api/placements/permissions.py `child_view`,
api/placements/child.py `present`)."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay
from strawberry.relay import to_base64
from strawberry.scalars import JSON

from api.core.audit import AuditEvent
from api.core.principal import ActorKind, Scope
from api.market import models as m
from api.market.enums import Sex, Specialism
from api.placements import child as child_rules, enums as pe, evaluation_rules as ev, models as pm
from api.placements.evaluation_queries import Evaluated, RequirementFacts
from api.placements.history import shown_data
from api.placements.permissions import child_view
from api.placements.pricing import DiscountKind
from api.safeguarding.models import SafeguardingAlert as AlertRow
from schema.core.connection import Connection, build_connection, children_connection, page_args
from schema.core.context import Info
from schema.core.nodes import ModelNode
from schema.core.permissions import scoped
from schema.market.types import (
    Actor,
    CriterionWeight,
    EvaluationCriterion,
    LocalAuthority,
    Lot,
    Provider,
    Setting,
    organisation_by_id,
)
from schema.placement.loaders import children_of, evaluations, full_child_reads, histories
from schema.safeguarding.types import SafeguardingAlert, alert_or_none

for _enum in (
    pe.RequirementStatus,
    pe.Urgency,
    pe.LegalStatus,
    pe.InvitationStatus,
    pe.NotInvitedReason,
    pe.MatchLevel,
    pe.MatchCriterion,
    pe.MatchReasonCode,
    pe.ChildView,
    pe.BidStatus,
    pe.OfficerCriterion,
    pe.IpaStatus,
    pe.IpaParty,
    pe.PlacementStatus,
    DiscountKind,
    ev.ExclusionReason,
    ev.FeedbackReason,
):
    strawberry.enum(_enum)

BOROUGH_SIDE = (Scope.WLA, Scope.BOROUGH)


async def _requirement(info: Info, requirement_id: int) -> Requirement | None:
    """The requirement, if the viewer may see it (the loader applies the visibility rule)."""
    return requirement_or_none(await info.context.loaders.by_id(pm.Requirement).load(requirement_id))


@strawberry.type(description="A point: the child's home, shown only to the borough that posted the requirement.")
class Coordinates:
    latitude: float
    longitude: float


@strawberry.type(
    description="The child of a requirement, as much as the viewer may see (`view`). The borough's "
    "case reference is never stored or shown: the owning borough sees a pseudonymous reference. "
    "FULL (the owning borough; every read is recorded): everything else. SUMMARY (an invited "
    "provider): no reference, court directions, child's views or coordinates, only the home "
    "postcode district. MASKED (the alliance): an age band and categories, no free text. What the "
    "view leaves out is null."
)
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
    def from_shown(cls, c: child_rules.ChildShown) -> Child:
        home = (
            Coordinates(latitude=c.home_latitude, longitude=c.home_longitude)
            if c.home_latitude is not None and c.home_longitude is not None
            else None
        )
        return cls(
            view=c.view,
            pseudonymous_reference=c.pseudonymous_reference,
            age_years=c.age_years,
            age_band=c.age_band,
            sex=c.sex,
            needs=c.needs,
            sibling_group_size=c.sibling_group_size,
            home_postcode_district=c.home_postcode_district,
            home_location=home,
            max_distance_km=c.max_distance_km,
            avoid_areas=c.avoid_areas,
            languages=c.languages,
            ethnicity=c.ethnicity,
            religion=c.religion,
            education_needs=c.education_needs,
            child_views=c.child_views,
            court_directions=c.court_directions,
            legal_status=c.legal_status,
        )


@strawberry.type(
    description="A borough's placement search on a lot: from DRAFT through OPEN (providers invited, "
    "until the response deadline) to CLOSED, and later AWARDED and PLACED, or UNFILLED or CANCELLED."
)
class Requirement(ModelNode):
    _model = pm.Requirement
    id: relay.NodeID[int]
    reference: str = strawberry.field(description="The borough's human reference, e.g. BAR-2026-0001.")
    status: pe.RequirementStatus
    urgency: pe.Urgency
    response_deadline: datetime | None = strawberry.field(
        description="Responses are accepted until then (the server's clock). A draft has none unless one was "
        "given: publication sets it from the urgency (24 h, 48 h, 5 working days in England and Wales)."
    )
    planned_start: date
    expected_duration_weeks: int
    published_at: datetime | None
    closed_at: datetime | None = strawberry.field(description="When responses closed (the deadline or by hand).")
    awarded_at: datetime | None = strawberry.field(description="When an authorised officer accepted a bid.")
    created_at: datetime
    lot_id: strawberry.Private[int]
    authority_id: strawberry.Private[int]
    budget: strawberry.Private[Decimal | None]
    reason: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: pm.Requirement) -> Requirement:
        return cls(
            id=row.id,
            reference=row.reference,
            status=row.status,
            urgency=row.urgency,
            response_deadline=row.response_deadline,
            planned_start=row.planned_start,
            expected_duration_weeks=row.expected_duration_weeks,
            published_at=row.published_at,
            closed_at=row.closed_at,
            awarded_at=row.awarded_at,
            created_at=row.created_at,
            lot_id=row.lot_id,
            authority_id=row.authority_id,
            budget=row.max_weekly_budget,
            reason=row.status_reason,
        )

    @strawberry.field
    async def lot(self, info: Info) -> Lot:
        return Lot.from_row(await info.context.loaders.by_id(m.Lot).load(self.lot_id))

    @strawberry.field(description="The borough that posted the requirement.")
    async def authority(self, info: Info) -> LocalAuthority:
        return await organisation_by_id(info, self.authority_id)

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

    @strawberry.field(
        description="The providers invited: all of them for the borough and the alliance, its own for a provider."
    )
    async def invitations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Invitation]:
        return await children_connection(
            info, pm.Invitation, pm.Invitation.requirement_id, self.id, Invitation.from_row, first, after, last, before
        )

    @scoped(*BOROUGH_SIDE, description="The lot's members that were not invited at publication, and why.")
    async def uninvited(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[UninvitedMember] | None:
        return await children_connection(
            info,
            pm.UninvitedMember,
            pm.UninvitedMember.requirement_id,
            self.id,
            UninvitedMember.from_row,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(
        description="The bids, oldest first. Sealed between providers: a provider sees its own only; "
        "the borough that posted the requirement sees every bid as it arrives; the alliance all."
    )
    async def bids(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Bid]:
        return await children_connection(
            info, pm.Bid, pm.Bid.requirement_id, self.id, Bid.from_row, first, after, last, before
        )

    @scoped(
        *BOROUGH_SIDE,
        description="The live bids gated, scored per criterion with explanations and ranked "
        "(ranked bids first, then the excluded). The system ranks; the officer decides.",
    )
    async def evaluation(self, info: Info) -> Evaluation | None:
        evaluated = await evaluations(info.context.loaders).load(RequirementFacts.of(self))
        return Evaluation.from_evaluated(evaluated)

    @scoped(
        *BOROUGH_SIDE,
        description="Who did what and when to the requirement, its invitations and its bids, "
        "oldest first (the audit log).",
    )
    async def history(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[HistoryEvent] | None:
        args = page_args(first, after, last, before)
        page = await histories(info.context.loaders, args).load(self.id)
        view = child_view(info.context.principal, self.authority_id)

        async def total() -> int:
            return page.total or 0

        return build_connection(page, lambda row: HistoryEvent.from_row(row, view), total)

    @strawberry.field(
        description="The Individual Placement Agreement issued when a bid was accepted: seen by its "
        "two parties (the borough and the provider of the accepted bid) and the alliance."
    )
    async def ipa(self, info: Info) -> Ipa | None:
        rows = await info.context.loaders.grouped(pm.Ipa, pm.Ipa.requirement_id, pm.Ipa.id.desc()).load(self.id)
        return Ipa.from_row(rows[0]) if rows else None


@strawberry.type(description="One criterion of the match, for the provider's best setting.")
class MatchReason:
    criterion: pe.MatchCriterion
    code: pe.MatchReasonCode
    met: bool
    message: str


def _match_reasons(root: Match) -> list[MatchReason]:
    stored = root.stored_reasons
    reasons = json.loads(stored) if isinstance(stored, str) else stored
    return [
        MatchReason(
            criterion=pe.MatchCriterion(r["criterion"]),
            code=pe.MatchReasonCode(r["code"]),
            met=r["met"],
            message=r["message"],
        )
        for r in reasons
    ]


@strawberry.type(
    description="How the provider's active settings meet the child's hard needs, as at publication: "
    "FULL (a setting meets all), PARTIAL (the best meets some), NONE."
)
class Match:
    level: pe.MatchLevel
    reasons: list[MatchReason] = strawberry.field(resolver=_match_reasons)
    setting_id: strawberry.Private[int | None]
    # As stored: a list of {criterion, code, met, message}, or its JSON text (the requirementPublished stream reads
    # it undecoded: most subscribers never ask for the reasons). Turned into MatchReasons only when asked for.
    stored_reasons: strawberry.Private[list[dict[str, Any]] | str]

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
    withdrawn_at: datetime | None = strawberry.field(
        description="When it was withdrawn: its provider was suspended or barred while the requirement was open."
    )
    withdrawal_reason: str | None
    requirement_id: strawberry.Private[int]
    provider_id: strawberry.Private[int]
    # The requirement, when it was read with the invitation for a viewer it is shown to (a provider sees every
    # requirement it is invited to): one object shared by all of a published requirement's subscribers.
    shown_requirement: strawberry.Private[Requirement | None] = None

    @classmethod
    def from_row(cls, row: pm.Invitation, requirement: Requirement | None = None) -> Invitation:
        return cls(
            id=row.id,
            status=row.status,
            invited_at=row.invited_at,
            match=Match(level=row.match_level, setting_id=row.matched_setting_id, stored_reasons=row.match_reasons),
            withdrawn_at=row.withdrawn_at,
            withdrawal_reason=row.withdrawal_reason,
            requirement_id=row.requirement_id,
            provider_id=row.provider_id,
            shown_requirement=requirement,
        )

    @strawberry.field
    def requirement(self, info: Info) -> Requirement | None:
        # Not `async`: the requirement a subscriber is shown is in hand, and an awaitable would send graphql-core
        # down its asynchronous path for the whole event (bench/subscriber.py). Otherwise it returns the load to
        # await.
        if self.shown_requirement is not None:
            return self.shown_requirement
        return _requirement(info, self.requirement_id)  # type: ignore[return-value]

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await organisation_by_id(info, self.provider_id)


@strawberry.type(description="A member of the lot not invited when the requirement was published, and why.")
class UninvitedMember(ModelNode):
    _model = pm.UninvitedMember
    id: relay.NodeID[int]
    reason: pe.NotInvitedReason
    recorded_at: datetime
    provider_id: strawberry.Private[int]
    explanation: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: pm.UninvitedMember) -> UninvitedMember:
        return cls(
            id=row.id,
            reason=row.reason,
            recorded_at=row.recorded_at,
            provider_id=row.provider_id,
            explanation=row.detail,
        )

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await organisation_by_id(info, self.provider_id)

    @scoped(
        Scope.WLA,
        description="The stage-1 shortfalls or the membership's status, in words (stage-1 "
        "documents are the alliance's and the provider's to read).",
    )
    def detail(self) -> str:
        return self.explanation


def requirement_or_none(row: Any) -> Requirement | None:
    return Requirement.from_row(row) if row is not None else None


# --- bids ---------------------------------------------------------------------------------------------------


@strawberry.type(description="An extra on top of the core price, e.g. 10 hours of 1:1 support a week.")
class BidExtra:
    description: str
    weekly_price: Decimal


@strawberry.type(
    description="A discount of the vehicle's terms, applied by the system: SIBLING (5%, a sibling group "
    "placed together with the provider), LONG_TERM (5%, an expected duration of 52 weeks or more); "
    "at most 10% together."
)
class Discount:
    kind: DiscountKind
    percent: Decimal
    amount: Decimal = strawberry.field(description="Pounds a week taken off the gross weekly price.")


@strawberry.type(
    description="Why a bid was not successful: reason codes, its rank (null when excluded by the "
    "gates) and the band of the winning net weekly price (never the winner or its price)."
)
class BidFeedback:
    reasons: list[ev.FeedbackReason]
    rank: int | None
    winning_price_band: str


@strawberry.type(
    description="A provider's offer on a requirement it is invited to. Sealed between providers: a "
    "provider sees its own bids only; the borough that posted the requirement sees every bid on it as "
    "it arrives; the alliance sees all."
)
class Bid(ModelNode):
    _model = pm.Bid
    id: relay.NodeID[int]
    status: pe.BidStatus
    core_price: Decimal
    extras: list[BidExtra]
    weekly_price: Decimal = strawberry.field(
        description="The gross weekly price: the core price and the extras, before discounts (what the lot's cap "
        "is compared with)."
    )
    discounts: list[Discount]
    net_weekly_price: Decimal = strawberry.field(description="The weekly price after the discounts: what is paid.")
    price_explanation: str = strawberry.field(description="How the net weekly price was computed, in words.")
    available_from: date
    needs_statement: str
    compatibility_statement: str | None
    social_value_statement: str | None
    submitted_at: datetime = strawberry.field(
        description="The exact receipt time by the server's clock (kept when the bid is amended)."
    )
    amended_at: datetime | None
    withdrawn_at: datetime | None
    decided_at: datetime | None = strawberry.field(description="When it was accepted or found unsuccessful.")
    feedback: BidFeedback | None = strawberry.field(
        description="Why the bid was not successful, once another was accepted."
    )
    exclusion_reason: ev.ExclusionReason | None = strawberry.field(
        description="Why it is EXCLUDED: its provider was suspended or barred while the requirement was open."
    )
    excluded_at: datetime | None
    requirement_id: strawberry.Private[int]
    provider_id: strawberry.Private[int]
    setting_id: strawberry.Private[int]
    acceptance_rationale: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: pm.Bid) -> Bid:
        fb = row.feedback
        return cls(
            id=row.id,
            status=row.status,
            core_price=row.core_price,
            extras=[BidExtra(description=e["description"], weekly_price=Decimal(e["weeklyPrice"])) for e in row.extras],
            weekly_price=row.weekly_price,
            discounts=[
                Discount(kind=DiscountKind(d["kind"]), percent=Decimal(d["percent"]), amount=Decimal(d["amount"]))
                for d in row.discounts
            ],
            net_weekly_price=row.net_weekly_price,
            price_explanation=row.price_explanation,
            available_from=row.available_from,
            needs_statement=row.needs_statement,
            compatibility_statement=row.compatibility_statement,
            social_value_statement=row.social_value_statement,
            submitted_at=row.submitted_at,
            amended_at=row.amended_at,
            withdrawn_at=row.withdrawn_at,
            decided_at=row.decided_at,
            exclusion_reason=row.exclusion_reason,
            excluded_at=row.excluded_at,
            feedback=BidFeedback(
                reasons=[ev.FeedbackReason(r) for r in fb["reasons"]],
                rank=fb["rank"],
                winning_price_band=fb["winningPriceBand"],
            )
            if fb
            else None,
            requirement_id=row.requirement_id,
            provider_id=row.provider_id,
            setting_id=row.setting_id,
            acceptance_rationale=row.rationale,
        )

    @strawberry.field
    async def requirement(self, info: Info) -> Requirement | None:
        return await _requirement(info, self.requirement_id)

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await organisation_by_id(info, self.provider_id)

    @strawberry.field(description="The setting offered.")
    async def setting(self, info: Info) -> Setting | None:
        row = await info.context.loaders.by_id(m.Setting).load(self.setting_id)
        return Setting.from_row(row) if row is not None else None

    @scoped(*BOROUGH_SIDE, description="Why the authorised officer accepted the bid.")
    def rationale(self) -> str | None:
        return self.acceptance_rationale


def bid_or_none(row: Any) -> Bid | None:
    return Bid.from_row(row) if row is not None else None


# --- the evaluation -----------------------------------------------------------------------------------------


@strawberry.type(
    description="One criterion of a bid's evaluation: its weight (the vehicle's), the score 0-100 and "
    "how it was reached."
)
class CriterionScore:
    criterion: EvaluationCriterion  # type: ignore[valid-type]
    weight: Decimal
    score: Decimal
    explanation: str


@strawberry.type(
    description="An open safeguarding alert of HIGH or CRITICAL severity on the provider or the setting "
    "offered: shown to the officer, not a gate."
)
class EvaluationAlert:
    severity: ev.AlertSeverity
    category: str
    alert_id: strawberry.Private[int]

    @strawberry.field(description="The alert itself (its status, summary, provider or setting).")
    async def alert(self, info: Info) -> SafeguardingAlert | None:
        return alert_or_none(await info.context.loaders.by_id(AlertRow).load(self.alert_id))


@strawberry.type(
    description="A bid as the evaluation sees it: excluded by a gate (with the reasons, no score or "
    "rank), or scored per criterion with a total 0-100 and a rank (1 is the highest)."
)
class RankedBid:
    bid: Bid
    rank: int | None
    score: Decimal | None
    excluded: bool
    exclusion_reasons: list[ev.ExclusionReason]
    alerts: list[EvaluationAlert]
    criteria: list[CriterionScore]


@strawberry.type(
    description="The evaluation of a requirement's live bids by the published criteria: gates first "
    "(provider not admitted, suspended or barred; setting rated Inadequate; above the cap), then a "
    "weighted score per criterion with an explanation. The system ranks; the officer decides."
)
class Evaluation:
    ranked_bids: list[RankedBid]
    weights: list[CriterionWeight]
    weekly_rate_cap: Decimal | None = strawberry.field(
        description="The lot's cap that applies to the planned start: that of its financial year, else the latest "
        "earlier year's. Null when none applies (every bid is then excluded)."
    )
    market_median: Decimal | None = strawberry.field(
        description="The median of the lot's recent net weekly prices, which the price criterion compares with."
    )

    @classmethod
    def from_evaluated(cls, evaluated: Evaluated) -> Evaluation:
        e = evaluated.evaluation
        return cls(
            ranked_bids=[
                RankedBid(
                    bid=Bid.from_row(evaluated.bids[r.bid_id]),
                    rank=r.rank,
                    score=r.score,
                    excluded=r.excluded,
                    exclusion_reasons=list(r.exclusion_reasons),
                    alerts=[
                        EvaluationAlert(severity=a.severity, category=a.category, alert_id=a.alert_id) for a in r.alerts
                    ],
                    criteria=[
                        CriterionScore(criterion=c.criterion, weight=c.weight, score=c.score, explanation=c.explanation)
                        for c in r.criteria
                    ],
                )
                for r in e.ranked_bids
            ],
            weights=[CriterionWeight(criterion=c, weight=w) for c, w in e.weights.as_mapping().items()],
            weekly_rate_cap=e.cap,
            market_median=e.market_median,
        )


# --- the history --------------------------------------------------------------------------------------------


@strawberry.type(description="One audited change of the requirement, one of its invitations or one of its bids.")
class HistoryEvent:
    action: str = strawberry.field(description="What happened, e.g. requirement.publish, bid.submit, bid.accept.")
    occurred_at: datetime
    subject_type: str = strawberry.field(description="Requirement, Invitation or Bid.")
    subject_id: strawberry.ID = strawberry.field(description="The global ID of the subject.")
    actor: Actor
    data: JSON = strawberry.field(
        description="The change as recorded (before/after, the state moved...). The "
        "child appears only as its pseudonymous reference, to the owning borough."
    )

    @classmethod
    def from_row(cls, row: AuditEvent, view: pe.ChildView | None) -> HistoryEvent:
        return cls(
            action=row.action,
            occurred_at=row.occurred_at,
            subject_type=row.entity_type,
            subject_id=strawberry.ID(to_base64(row.entity_type, row.entity_id)),
            actor=Actor(kind=ActorKind(row.actor_kind), id=row.actor_id, organisation_id=row.organisation_id),
            data=shown_data(row.data, view),
        )


# --- the IPA and the placement ------------------------------------------------------------------------------


@strawberry.type(description="One party's signature of an IPA: it signed the document's SHA-256, at `signedAt`.")
class IpaSignature:
    party: pe.IpaParty
    signed_at: datetime
    signed_sha256: str = strawberry.field(description="The digest signed: always the document's.")


@strawberry.type(
    description="Set when the placement's provider was suspended or barred while it ran: the placement "
    "continues, and the borough and the alliance review it."
)
class PlacementReviewFlag:
    flagged_at: datetime
    reason: str


@strawberry.type(description="A child placed with a provider's setting, LIVE once its IPA is executed.")
class Placement(ModelNode):
    _model = pm.Placement
    id: relay.NodeID[int]
    status: pe.PlacementStatus
    starts_on: date
    placement_plan_due_on: date = strawberry.field(
        description="The placement plan is due 5 working days (England and Wales) after the start."
    )
    net_weekly_price: Decimal
    created_at: datetime
    provider_id: strawberry.Private[int]
    setting_id: strawberry.Private[int]
    flag: strawberry.Private[PlacementReviewFlag | None]

    @classmethod
    def from_row(cls, row: pm.Placement) -> Placement:
        flag = (
            PlacementReviewFlag(flagged_at=row.review_flagged_at, reason=row.review_flag_reason or "")
            if row.review_flagged_at is not None
            else None
        )
        return cls(
            id=row.id,
            status=row.status,
            starts_on=row.starts_on,
            placement_plan_due_on=row.placement_plan_due_on,
            net_weekly_price=row.net_weekly_price,
            created_at=row.created_at,
            provider_id=row.provider_id,
            setting_id=row.setting_id,
            flag=flag,
        )

    @scoped(
        Scope.WLA,
        Scope.WLA_SAFEGUARDING,
        Scope.BOROUGH,
        Scope.BOROUGH_AWARD,
        description="Set when the provider was suspended or barred while the placement ran: it continues and is "
        "to be reviewed. Seen by the borough that placed the child and the alliance.",
    )
    def review_flag(self) -> PlacementReviewFlag | None:
        return self.flag

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await organisation_by_id(info, self.provider_id)

    @strawberry.field
    async def setting(self, info: Info) -> Setting | None:
        row = await info.context.loaders.by_id(m.Setting).load(self.setting_id)
        return Setting.from_row(row) if row is not None else None


@strawberry.type(
    description="The Individual Placement Agreement of an accepted bid: rendered once as a PDF from a "
    "snapshot of its terms and identified by its SHA-256 (`documentSha256`). The provider signs that "
    "digest (`provider:sign`), then the borough (`borough:award`): EXECUTED, the requirement PLACED and "
    "the placement live. Seen by its two parties and the alliance; the document itself "
    "(`downloadUrl`) only by the two parties."
)
class Ipa(ModelNode):
    _model = pm.Ipa
    id: relay.NodeID[int]
    status: pe.IpaStatus
    document_sha256: str = strawberry.field(description="SHA-256 (hex) of the PDF as issued: what each party signs.")
    net_weekly_price: Decimal
    issued_at: datetime
    executed_at: datetime | None
    requirement_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: pm.Ipa) -> Ipa:
        return cls(
            id=row.id,
            status=row.status,
            document_sha256=row.document_sha256,
            net_weekly_price=row.net_weekly_price,
            issued_at=row.issued_at,
            executed_at=row.executed_at,
            requirement_id=row.requirement_id,
        )

    @strawberry.field(
        description="Where the two parties download the PDF (GET with their bearer token), relative to "
        "the service's address. Anyone else gets 404."
    )
    def download_url(self) -> str:
        return f"/ipas/{to_base64('Ipa', self.id)}.pdf"

    @strawberry.field(description="The signatures so far, the provider's first.")
    async def signatures(self, info: Info) -> list[IpaSignature]:
        rows = await info.context.loaders.grouped(pm.IpaSignature, pm.IpaSignature.ipa_id, pm.IpaSignature.id).load(
            self.id
        )
        return [IpaSignature(party=r.party, signed_at=r.signed_at, signed_sha256=r.signed_sha256) for r in rows]

    @strawberry.field(description="The placement, once the IPA is executed.")
    async def placement(self, info: Info) -> Placement | None:
        rows = await info.context.loaders.grouped(pm.Placement, pm.Placement.ipa_id).load(self.id)
        return Placement.from_row(rows[0]) if rows else None

    @strawberry.field
    async def requirement(self, info: Info) -> Requirement | None:
        return await _requirement(info, self.requirement_id)


def ipa_or_none(row: Any) -> Ipa | None:
    return Ipa.from_row(row) if row is not None else None
