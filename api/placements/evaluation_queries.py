"""The evaluation of the live bids on requirements, from the database, by the pure rules of
api/placements/evaluation_rules.py (gates, weighted criteria with explanations, ranking).

Inputs, in five statements whatever the number of requirements and bids (`evaluate_requirements`):
1. the live (SUBMITTED) bids, and those EXCLUDED when their provider was suspended or barred (with that reason),
   each with the setting offered, that setting's latest Ofsted judgement (by inspection date), the provider's
   membership status on the requirement's lot, and the safeguarding alerts shown with it: those not RESOLVED, of
   severity HIGH or CRITICAL, on the provider itself or on the setting offered (api/safeguarding/alerts.py),
   gathered in the same statement;
2. the children of the requirements (age, sex, needs, home, sibling group);
3. the vehicles' weights (`dpv.evaluation_weights`; null: the defaults of api/market/weights.py `Weights`) and the lots'
   weekly rate caps up to the financial year of the latest planned start, of which the cap that applies to each
   planned start is taken (api/market/caps.py `cap_for`: its financial year's, else the latest earlier year's);
4. the market's recent prices, per requirement: the net weekly prices of the MARKET_PRICES (50) most recently
   received bids on the same lot, on OTHER requirements, that are ACCEPTED, or SUBMITTED on a requirement still
   OPEN or CLOSED (what providers are paid, or offer now, for that lot; a requirement's own bids are not their
   own benchmark, and bids left on a cancelled search are not prices);
5. the officer's scores of the bids (CHILD_VIEWS, COMPATIBILITY, SOCIAL_VALUE, 0 to 5).

The evaluation reads the child's needs to score the bids; it is not a read of the child's details (it shows the
scores and their explanations, not the child), so it is not recorded in child_data_access.
The officer's scores are recorded by api/placements/officer_scores.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.core import clock
from api.market import caps
from api.market.enums import OfstedGrade, Sex, Specialism
from api.market.models import Dpv, Lot, LotRateCap, Membership, OfstedJudgement, Setting
from api.market.weights import weights_of
from api.placements import evaluation_rules as ev
from api.placements.enums import BidStatus, OfficerCriterion, RequirementStatus
from api.placements.models import Bid, BidOfficerScore, Requirement, RequirementChild
from api.safeguarding.alerts import SHOWN_IN_EVALUATION
from api.safeguarding.enums import AlertStatus
from api.safeguarding.models import SafeguardingAlert

MARKET_PRICES = 50


@dataclass(frozen=True)
class RequirementFacts:
    """What the evaluation needs to know of a requirement (from its row, or from its GraphQL object)."""

    id: int
    lot_id: int
    planned_start: date
    expected_duration_weeks: int

    @classmethod
    def of(cls, row: Any) -> RequirementFacts:
        return cls(
            id=row.id,
            lot_id=row.lot_id,
            planned_start=row.planned_start,
            expected_duration_weeks=row.expected_duration_weeks,
        )


@dataclass(frozen=True)
class Evaluated:
    evaluation: ev.Evaluation
    bids: dict[int, Bid]  # the bids evaluated (live, or EXCLUDED by a suspension), by id


def _child_needs(child: RequirementChild, r: RequirementFacts) -> ev.ChildNeeds:
    return ev.ChildNeeds(
        age_years=child.age_years,
        sex=Sex(child.sex),
        needs=frozenset(Specialism(n) for n in child.needs),
        home=ev.GeoPoint(child.home_latitude, child.home_longitude),
        max_distance_km=Decimal(repr(child.max_distance_km)),
        planned_start=r.planned_start,
        expected_duration_weeks=r.expected_duration_weeks,
        sibling_group_size=child.sibling_group_size,
    )


def _offer(s: Setting, grade: OfstedGrade | None, inspected_on: date | None) -> ev.SettingOffer:
    return ev.SettingOffer(
        setting_id=s.id,
        kind=s.kind,
        age_min=s.age_min,
        age_max=s.age_max,
        sexes=frozenset(Sex(x) for x in s.sexes),
        specialisms=frozenset(Specialism(x) for x in s.specialisms),
        places=s.places,
        vacancies=s.vacancies,
        location=ev.GeoPoint(s.latitude, s.longitude),
        ofsted_grade=grade,
        inspected_on=inspected_on,
    )


_SCORE_FIELDS = {
    OfficerCriterion.CHILD_VIEWS: "child_views",
    OfficerCriterion.COMPATIBILITY: "compatibility",
    OfficerCriterion.SOCIAL_VALUE: "social_value",
}


async def evaluate_requirements(session: AsyncSession, requirements: list[RequirementFacts]) -> dict[int, Evaluated]:
    """The evaluation of each requirement's live bids, in five statements (module docstring). Ask only for
    requirements whose children exist (every requirement has one)."""
    if not requirements:
        return {}
    ids = [r.id for r in requirements]

    latest = (
        select(OfstedJudgement.grade.label("grade"), OfstedJudgement.inspected_on.label("inspected_on"))
        .where(OfstedJudgement.setting_id == Setting.id)
        .order_by(OfstedJudgement.inspected_on.desc(), OfstedJudgement.id.desc())
        .limit(1)
        .lateral("latest")
    )
    sa = SafeguardingAlert
    alerts = (
        select(
            func.coalesce(
                func.jsonb_agg(
                    func.jsonb_build_object(
                        "id", sa.id, "severity", sa.severity, "category", sa.category, "setting_id", sa.setting_id
                    )
                ),
                literal([], JSONB),
                type_=JSONB,
            )
        )
        .where(
            sa.provider_id == Bid.provider_id,
            sa.status != AlertStatus.RESOLVED,
            sa.severity.in_(SHOWN_IN_EVALUATION),
            or_(sa.setting_id.is_(None), sa.setting_id == Bid.setting_id),
        )
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(Bid, Setting, latest.c.grade, latest.c.inspected_on, Membership.status, alerts)
            .join(Setting, Setting.id == Bid.setting_id)
            .join(Requirement, Requirement.id == Bid.requirement_id)
            .outerjoin(latest, true())
            .outerjoin(
                Membership, and_(Membership.provider_id == Bid.provider_id, Membership.lot_id == Requirement.lot_id)
            )
            .where(Bid.requirement_id.in_(ids), Bid.status.in_([BidStatus.SUBMITTED, BidStatus.EXCLUDED]))
            .order_by(Bid.id)
        )
    ).all()

    children = {
        c.requirement_id: c
        for c in (
            await session.execute(select(RequirementChild).where(RequirementChild.requirement_id.in_(ids)))
        ).scalars()
    }

    latest_year = max(clock.financial_year(r.planned_start) for r in requirements)
    weights: dict[int, ev.Weights] = {}
    lot_caps: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for lot_id, stored, year, cap in (
        await session.execute(
            select(Lot.id, Dpv.evaluation_weights, LotRateCap.financial_year, LotRateCap.weekly_rate_cap)
            .join(Dpv, Dpv.id == Lot.dpv_id)
            .outerjoin(LotRateCap, and_(LotRateCap.lot_id == Lot.id, LotRateCap.financial_year <= latest_year))
            .where(Lot.id.in_({r.lot_id for r in requirements}))
        )
    ).all():
        weights[lot_id] = weights_of(stored)
        if cap is not None:
            lot_caps[lot_id][year] = cap

    this, other = aliased(Requirement), aliased(Requirement)
    recent = (
        select(Bid.net_weekly_price.label("net"))
        .join(other, other.id == Bid.requirement_id)
        .where(
            other.lot_id == this.lot_id,
            other.id != this.id,
            or_(
                Bid.status == BidStatus.ACCEPTED,
                and_(
                    Bid.status == BidStatus.SUBMITTED,
                    other.status.in_([RequirementStatus.OPEN, RequirementStatus.CLOSED]),
                ),
            ),
        )
        .order_by(Bid.submitted_at.desc(), Bid.id.desc())
        .limit(MARKET_PRICES)
        .lateral("recent")
    )
    market: dict[int, list[Decimal]] = defaultdict(list)
    for rid, net in (
        await session.execute(
            select(this.id, recent.c.net).select_from(this).join(recent, true()).where(this.id.in_(ids))
        )
    ).all():
        market[rid].append(net)

    scores: dict[int, dict[str, int]] = defaultdict(dict)
    for bid_id, criterion, score in (
        await session.execute(
            select(BidOfficerScore.bid_id, BidOfficerScore.criterion, BidOfficerScore.score)
            .join(Bid, Bid.id == BidOfficerScore.bid_id)
            .where(Bid.requirement_id.in_(ids), Bid.status == BidStatus.SUBMITTED)
        )
    ).all():
        scores[bid_id][_SCORE_FIELDS[criterion]] = score

    offers: dict[int, list[ev.BidForEvaluation]] = defaultdict(list)
    bids: dict[int, dict[int, Bid]] = defaultdict(dict)
    for bid, setting, grade, inspected_on, membership, shown in rows:
        bids[bid.requirement_id][bid.id] = bid
        offers[bid.requirement_id].append(
            ev.BidForEvaluation(
                bid_id=bid.id,
                provider_id=bid.provider_id,
                # no membership of the lot at all: not admitted (evaluation.gates treats an unknown status so)
                provider_status=membership if membership is not None else "NONE",  # type: ignore[arg-type]
                setting=_offer(setting, grade, inspected_on),
                gross_weekly_price=bid.weekly_price,
                net_weekly_price=bid.net_weekly_price,
                available_from=bid.available_from,
                # the offer as it stands was received when last amended
                received_at=bid.amended_at or bid.submitted_at,
                alerts=tuple(
                    ev.Alert(
                        alert_id=a["id"],
                        severity=ev.AlertSeverity(a["severity"]),
                        category=a["category"],
                        setting_id=a["setting_id"],
                    )
                    for a in shown or ()
                ),
                officer_scores=ev.OfficerScores(**scores.get(bid.id, {})),
                excluded_for=(bid.exclusion_reason,) if bid.exclusion_reason is not None else (),
            )
        )

    result: dict[int, Evaluated] = {}
    for r in requirements:
        applied = caps.cap_for(lot_caps[r.lot_id], r.planned_start)
        evaluation = ev.evaluate(
            _child_needs(children[r.id], r),
            offers[r.id],
            cap=applied.weekly_rate_cap if applied is not None else None,
            market_prices=market[r.id],
            weights=weights.get(r.lot_id, ev.Weights()),
        )
        result[r.id] = Evaluated(evaluation, bids[r.id])
    return result


async def evaluate_one(session: AsyncSession, requirement: Requirement) -> Evaluated:
    return (await evaluate_requirements(session, [RequirementFacts.of(requirement)]))[requirement.id]
