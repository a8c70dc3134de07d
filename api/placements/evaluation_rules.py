"""The evaluation of the bids on one requirement, and the feedback to the unsuccessful (DOMAIN.md, "A placement
search", steps 6 and 7; API.md `Evaluation { rankedBids { bid score excluded exclusionReasons alerts criteria
{ criterion weight score explanation } } }` and `Bid.feedback { reasons rank winningPriceBand }`).

A pure module: dataclasses in, dataclasses out. The system ranks and explains; the officer decides. Nothing
here picks a winner: `evaluate` returns a ranking, and `feedback_for` is told which bid the officer accepted.

Gates
-----
Checked first, every one recorded (in this order) so the officer sees all of them:
  PROVIDER_SUSPENDED / PROVIDER_BARRED / PROVIDER_NOT_ADMITTED — the provider's membership of the lot is
  SUSPENDED, BARRED, or anything else but ADMITTED; SETTING_INADEQUATE — the setting's latest Ofsted
  judgement is Inadequate (these four as api/placements/eligibility.py decides who is evaluated); ABOVE_CAP —
  the GROSS weekly price is not within the lot's cap that applies to the planned start (pricing.check_cap;
  api/market/caps.py: the cap of the planned start's financial year, else the latest earlier year's): above it,
  or no cap applies at all (a price is always checked against a cap; since `bidSubmit` refuses a bid on such a
  lot with NO_RATE_CAP, only a bid from before that rule can meet this).
  A bid already EXCLUDED (its provider suspended or barred while the requirement was open) keeps the reason it
  was excluded for first (`excluded_for`), even after a reinstatement.
An excluded bid gets no score and no rank, and is listed after every ranked bid. Open safeguarding alerts
are not a gate: those of severity HIGH or CRITICAL are shown with the bid (ranked or not), most severe first.

Criteria
--------
Each criterion scores 0–100 (a Decimal rounded half-up to 1 dp); its weight is the vehicle's
(`Weights`, api/market/weights.py).
  NEEDS_AND_SPECIALISMS = 60 × (child's needs the setting's specialisms meet ÷ child's needs; 1 when the child
      has none) + 15 if the child's age is in the setting's age range + 15 if the setting takes the child's
      sex + 10 if the setting has at least as many vacancies as the sibling group has children.
  DISTANCE = 100 within `full_marks_km` (default 10 km) of the child's home, 0 at the child's largest
      acceptable distance (maxDistanceKm) or beyond, linear between:
      100 × (max − d) ÷ (max − full_marks_km). d is the great-circle distance (haversine, Earth mean radius
      6,371.0088 km: api/placements/distance.py, as the match assessment) from the home location to the
      setting, rounded to 0.1 km before scoring. When maxDistanceKm is no more than full_marks_km: 100 within
      maxDistanceKm, else 0.
  TIMESCALE = 100 when the place is available on or before the planned start, else
      max(0, 100 − `points_per_day_late` (default 10) × days late): nothing from 10 days late.
  QUALITY = the setting's latest Ofsted judgement: Outstanding 100, Good 75, Requires improvement 40,
      Adequate (older framework) 40, none yet 50 (neither rewarded nor punished). Inadequate is a gate.
  PRICE = a cap part (0–50) + a market part (0–50) on the NET weekly price (what the borough pays):
      cap part = 50 × clamp((cap − net) ÷ (`cap_headroom` × cap), 0, 1), cap_headroom 20 %: 50 at 20 % or
          more under the cap, 0 at the cap; 25 when no cap applies (never for a ranked bid: the ABOVE_CAP gate
          excludes a bid that has no cap to be within);
      market part = 50 × clamp((1 + `market_band` − net ÷ median) ÷ (2 × market_band), 0, 1), market_band
          20 %: 50 at 20 % or more below the market median, 25 at the median, 0 at 20 % or more above it;
          25 when there are no market prices. The median is of the market prices given (recent net weekly
          prices on the same lot), rounded to pence.
  CHILD_VIEWS, COMPATIBILITY, SOCIAL_VALUE = the officer's score 0–5 × 20; 0 when the officer has not
      scored it yet ("not yet scored by the officer").
Total = round_half_up_1dp(Σ weight × criterion score ÷ 100) over the ROUNDED criterion scores, so an
officer can recompute it from what is shown. Weights sum to 100, so the total is 0–100.

Ranking: total descending, then earlier receipt time, then smaller bid id; ranks 1, 2, 3… with no ties.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any, cast

from api.market.enums import MembershipStatus, OfstedGrade, SettingKind, Sex, Specialism
from api.market.weights import Criterion, Weights
from api.placements import distance, eligibility
from api.placements.pricing import check_cap, format_money, money, price_band
from api.safeguarding.enums import AlertSeverity

ZERO = Decimal(0)
HUNDRED = Decimal(100)
ONE_DP = Decimal("0.1")


def one_dp(value: Decimal) -> Decimal:
    return Decimal(value).quantize(ONE_DP, rounding=ROUND_HALF_UP)


def _clamp01(value: Decimal) -> Decimal:
    return max(ZERO, min(Decimal(1), value))


def _label(enum_value: Enum) -> str:
    """OfstedGrade.REQUIRES_IMPROVEMENT → "Requires improvement"."""
    return enum_value.value.replace("_", " ").lower().capitalize()


class ExclusionReason(str, Enum):
    PROVIDER_SUSPENDED = "PROVIDER_SUSPENDED"
    PROVIDER_BARRED = "PROVIDER_BARRED"
    PROVIDER_NOT_ADMITTED = "PROVIDER_NOT_ADMITTED"
    SETTING_INADEQUATE = "SETTING_INADEQUATE"
    ABOVE_CAP = "ABOVE_CAP"


SHOWN_SEVERITIES = (AlertSeverity.CRITICAL, AlertSeverity.HIGH)  # most severe first


class FeedbackReason(str, Enum):
    """Why a bid was not successful, compared with the bid the officer accepted."""

    EXCLUDED_PROVIDER_SUSPENDED = "EXCLUDED_PROVIDER_SUSPENDED"
    EXCLUDED_PROVIDER_BARRED = "EXCLUDED_PROVIDER_BARRED"
    EXCLUDED_PROVIDER_NOT_ADMITTED = "EXCLUDED_PROVIDER_NOT_ADMITTED"
    EXCLUDED_SETTING_INADEQUATE = "EXCLUDED_SETTING_INADEQUATE"
    EXCLUDED_ABOVE_CAP = "EXCLUDED_ABOVE_CAP"
    LOWER_TOTAL_SCORE = "LOWER_TOTAL_SCORE"
    NEEDS_PARTLY_MET = "NEEDS_PARTLY_MET"
    FURTHER_FROM_HOME = "FURTHER_FROM_HOME"
    LATER_AVAILABILITY = "LATER_AVAILABILITY"
    LOWER_QUALITY_SCORE = "LOWER_QUALITY_SCORE"
    PRICE_HIGHER_THAN_WINNER = "PRICE_HIGHER_THAN_WINNER"
    LOWER_CHILD_VIEWS_SCORE = "LOWER_CHILD_VIEWS_SCORE"
    LOWER_COMPATIBILITY_SCORE = "LOWER_COMPATIBILITY_SCORE"
    LOWER_SOCIAL_VALUE_SCORE = "LOWER_SOCIAL_VALUE_SCORE"
    OFFICER_DECISION = "OFFICER_DECISION"  # scored at least as high as the winner: the officer's rationale decided


# --- the rules' parameters ---------------------------------------------------------------------------------


DEFAULT_QUALITY_SCORES: Mapping[OfstedGrade | None, Decimal] = {
    OfstedGrade.OUTSTANDING: Decimal(100),
    OfstedGrade.GOOD: Decimal(75),
    OfstedGrade.REQUIRES_IMPROVEMENT: Decimal(40),
    OfstedGrade.ADEQUATE: Decimal(40),
    None: Decimal(50),
}


@dataclass(frozen=True)
class Rules:
    """The parameters of the formulas (module docstring)."""

    full_marks_km: Decimal = Decimal(10)
    points_per_day_late: Decimal = Decimal(10)
    cap_headroom: Decimal = Decimal("0.20")
    market_band: Decimal = Decimal("0.20")
    quality_scores: Mapping[OfstedGrade | None, Decimal] = field(default_factory=lambda: dict(DEFAULT_QUALITY_SCORES))


# --- inputs -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeoPoint:
    latitude: Decimal | float
    longitude: Decimal | float


@dataclass(frozen=True)
class ChildNeeds:
    """What the requirement says about the child that evaluation uses (never the case reference)."""

    age_years: int
    sex: Sex
    needs: frozenset[Specialism]
    home: GeoPoint
    max_distance_km: Decimal
    planned_start: date
    expected_duration_weeks: int
    sibling_group_size: int = 1


@dataclass(frozen=True)
class SettingOffer:
    """The setting a bid offers, as it stands at evaluation."""

    setting_id: int
    kind: SettingKind
    age_min: int
    age_max: int
    sexes: frozenset[Sex]
    specialisms: frozenset[Specialism]
    places: int
    vacancies: int
    location: GeoPoint | None
    ofsted_grade: OfstedGrade | None = None
    inspected_on: date | None = None


@dataclass(frozen=True)
class Alert:
    """An OPEN safeguarding alert on the bid's provider or on the setting offered."""

    alert_id: int
    severity: AlertSeverity
    category: str
    setting_id: int | None = None


@dataclass(frozen=True)
class OfficerScores:
    """The officer's own scores, 0–5 each, None until scored."""

    child_views: int | None = None
    compatibility: int | None = None
    social_value: int | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5):
                raise ValueError(f"an officer's score for {f.name} is a whole number from 0 to 5, not {value!r}")


@dataclass(frozen=True)
class BidForEvaluation:
    bid_id: int
    provider_id: int
    provider_status: MembershipStatus
    setting: SettingOffer
    gross_weekly_price: Decimal
    net_weekly_price: Decimal
    available_from: date
    received_at: datetime
    alerts: tuple[Alert, ...] = ()
    officer_scores: OfficerScores = OfficerScores()
    # Gates that already excluded the bid (a bid EXCLUDED when its provider was suspended or barred: the reason
    # stands even once the provider is reinstated).
    excluded_for: tuple[ExclusionReason, ...] = ()


# --- outputs ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionScore:
    criterion: Criterion
    weight: Decimal
    score: Decimal  # 0–100, 1 dp
    explanation: str


@dataclass(frozen=True)
class RankedBid:
    bid_id: int
    provider_id: int
    score: Decimal | None  # 0–100, 1 dp; None when excluded
    rank: int | None  # 1 = highest; None when excluded
    excluded: bool
    exclusion_reasons: tuple[ExclusionReason, ...]
    alerts: tuple[Alert, ...]  # HIGH and CRITICAL only, most severe first
    criteria: tuple[CriterionScore, ...]  # empty when excluded
    # What the feedback compares: the measures behind the scores.
    gross_weekly_price: Decimal
    net_weekly_price: Decimal
    available_from: date
    received_at: datetime
    distance_km: Decimal | None
    needs_met: int
    needs_required: int

    def criterion(self, criterion: Criterion) -> CriterionScore | None:
        return next((c for c in self.criteria if c.criterion is criterion), None)


@dataclass(frozen=True)
class Evaluation:
    """Ranked bids first (rank 1, 2, …), then excluded bids (by receipt time, then bid id)."""

    ranked_bids: tuple[RankedBid, ...]
    weights: Weights
    cap: Decimal | None
    market_median: Decimal | None

    def bid(self, bid_id: int) -> RankedBid:
        for ranked in self.ranked_bids:
            if ranked.bid_id == bid_id:
                return ranked
        raise KeyError(f"bid {bid_id} is not in this evaluation")


@dataclass(frozen=True)
class Feedback:
    reasons: tuple[FeedbackReason, ...]
    rank: int | None
    winning_price_band: str


# --- the formulas -----------------------------------------------------------------------------------------


def haversine_km(a: GeoPoint, b: GeoPoint) -> Decimal:
    """The distance (api/placements/distance.py), rounded half-up to 0.1 km."""
    km = distance.haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)
    return one_dp(Decimal(repr(km)))


def gates(bid: BidForEvaluation, cap: Decimal | None, planned_start: date | None = None) -> tuple[ExclusionReason, ...]:
    reasons = [ExclusionReason(r) for r in bid.excluded_for]
    reasons += [
        ExclusionReason(r.value) for r in eligibility.to_be_evaluated(bid.provider_status, bid.setting.ofsted_grade)
    ]
    reasons = list(dict.fromkeys(reasons))  # a bid excluded for a suspension that still stands: said once
    if check_cap(bid.gross_weekly_price, cap, planned_start=planned_start) is not None:
        reasons.append(ExclusionReason.ABOVE_CAP)
    return tuple(reasons)


def shown_alerts(alerts: Sequence[Alert]) -> tuple[Alert, ...]:
    """HIGH and CRITICAL alerts, CRITICAL first, then by alert id."""
    order = {s: i for i, s in enumerate(SHOWN_SEVERITIES)}
    shown = [a for a in alerts if AlertSeverity(a.severity) in order]
    return tuple(sorted(shown, key=lambda a: (order[AlertSeverity(a.severity)], a.alert_id)))


def _names(specialisms: Sequence[Specialism]) -> str:
    return ", ".join(_label(Specialism(s)).lower() for s in sorted(specialisms, key=lambda s: Specialism(s).value))


def score_needs(child: ChildNeeds, setting: SettingOffer) -> tuple[Decimal, str, int, int]:
    """(score, explanation, needs met, needs required)."""
    required = frozenset(Specialism(n) for n in child.needs)
    offered = frozenset(Specialism(s) for s in setting.specialisms)
    met = required & offered
    share = Decimal(len(met)) / Decimal(len(required)) if required else Decimal(1)
    parts = [Decimal(60) * share]
    if required:
        text = f"meets {len(met)} of {len(required)} needs"
        if met != required:
            text += f" (not {_names(sorted(required - met))})"
    else:
        text = "no specific needs listed"
    text += f" ({one_dp(parts[0])} of 60)"
    age_ok = setting.age_min <= child.age_years <= setting.age_max
    sex_ok = Sex(child.sex) in {Sex(s) for s in setting.sexes}
    places_ok = setting.vacancies >= child.sibling_group_size
    parts += [Decimal(15) if age_ok else ZERO, Decimal(15) if sex_ok else ZERO, Decimal(10) if places_ok else ZERO]
    # the child's exact age stays out of the text: the alliance reads evaluations but sees only an age band
    text += (
        f"; the child's age is {'within' if age_ok else 'outside'} the setting's {setting.age_min}–"
        f"{setting.age_max} ({15 if age_ok else 0} of 15)"
    )
    text += (
        f"; {'takes' if sex_ok else 'does not take'} {Sex(child.sex).value.lower()} children"
        f" ({15 if sex_ok else 0} of 15)"
    )
    group = "the sibling group of " + str(child.sibling_group_size) if child.sibling_group_size > 1 else "the child"
    text += (
        f"; {setting.vacancies} vacanc{'y' if setting.vacancies == 1 else 'ies'} "
        f"{'for' if places_ok else 'too few for'} {group} ({10 if places_ok else 0} of 10)"
    )
    return one_dp(sum(parts, ZERO)), text, len(met), len(required)


def score_distance(child: ChildNeeds, setting: SettingOffer, rules: Rules) -> tuple[Decimal, str, Decimal | None]:
    """(score, explanation, distance in km)."""
    if setting.location is None:
        return one_dp(ZERO), "the setting has no location recorded, so its distance cannot be scored", None
    km = haversine_km(child.home, setting.location)
    full, far = Decimal(rules.full_marks_km), Decimal(child.max_distance_km)
    if km <= min(full, far):
        score = HUNDRED
        how = f"within {min(full, far)} km: full marks"
    elif km >= far:
        score = ZERO
        how = f"at or beyond the largest acceptable distance of {far} km"
    else:
        score = HUNDRED * (far - km) / (far - full)
        how = f"100 × ({far} − {km}) ÷ ({far} − {full})"
    return one_dp(score), f"{km} km from the child's home; {how}", km


def score_timescale(child: ChildNeeds, available_from: date, rules: Rules) -> tuple[Decimal, str]:
    late = (available_from - child.planned_start).days
    if late <= 0:
        return one_dp(HUNDRED), (
            f"available from {available_from.isoformat()}, on or before the planned start "
            f"{child.planned_start.isoformat()}"
        )
    score = max(ZERO, HUNDRED - Decimal(rules.points_per_day_late) * late)
    return one_dp(score), (
        f"available from {available_from.isoformat()}, {late} day{'s' if late != 1 else ''} "
        f"after the planned start {child.planned_start.isoformat()}: "
        f"100 − {rules.points_per_day_late} a day late"
    )


def score_quality(setting: SettingOffer, rules: Rules) -> tuple[Decimal, str]:
    grade = OfstedGrade(setting.ofsted_grade) if setting.ofsted_grade is not None else None
    score = Decimal(rules.quality_scores[grade])
    if grade is None:
        return one_dp(score), "no Ofsted judgement yet: a neutral score"
    when = f" (inspected {setting.inspected_on.isoformat()})" if setting.inspected_on else ""
    return one_dp(score), f"latest Ofsted judgement {_label(grade)}{when}"


def market_median(prices: Sequence[Decimal]) -> Decimal | None:
    """The median of the market's recent net weekly prices, rounded to pence; None when there are none."""
    if not prices:
        return None
    return money(statistics.median(Decimal(p) for p in prices))


def _percent(value: Decimal) -> str:
    return f"{one_dp(value * HUNDRED)}%"


def score_price(
    net: Decimal, cap: Decimal | None, median: Decimal | None, n_prices: int, rules: Rules
) -> tuple[Decimal, str]:
    fifty = Decimal(50)
    if cap is None:
        cap_part, cap_text = Decimal(25), "no cap set for the year (25 of 50)"
    else:
        under = (cap - net) / cap
        cap_part = fifty * _clamp01(under / Decimal(rules.cap_headroom))
        cap_text = (
            f"{format_money(net)} net is {_percent(under)} under the {format_money(cap)} cap "
            f"({one_dp(cap_part)} of 50; full at {_percent(Decimal(rules.cap_headroom))} under)"
        )
    if median is None or median == 0:
        market_part, market_text = Decimal(25), "no market prices to compare with (25 of 50)"
    else:
        ratio = net / median
        band = Decimal(rules.market_band)
        market_part = fifty * _clamp01((1 + band - ratio) / (2 * band))
        diff = ratio - 1
        where = "at" if diff == 0 else f"{_percent(abs(diff))} {'above' if diff > 0 else 'below'}"
        market_text = (
            f"{where} the market median {format_money(median)} of {n_prices} recent price"
            f"{'s' if n_prices != 1 else ''} ({one_dp(market_part)} of 50; full at "
            f"{_percent(band)} below, none at {_percent(band)} above)"
        )
    return one_dp(cap_part + market_part), f"{cap_text}; {market_text}"


def score_officer(value: int | None, what: str) -> tuple[Decimal, str]:
    if value is None:
        return one_dp(ZERO), "not yet scored by the officer"
    return one_dp(Decimal(value) * 20), f"the officer scored {what} {value} of 5 (× 20)"


# --- evaluation -------------------------------------------------------------------------------------------


def evaluate(
    child: ChildNeeds,
    bids: Sequence[BidForEvaluation],
    *,
    cap: Decimal | None,
    market_prices: Sequence[Decimal] = (),
    weights: Weights = Weights(),
    rules: Rules = Rules(),
) -> Evaluation:
    """Gate, score, explain and rank the bids on one requirement (formulas in the module docstring).

    `cap` is the lot's weekly rate cap that applies to the planned start (api/market/caps.py `cap_for`), None
    when none does;
    `market_prices` the recent net weekly prices on the same lot. Does not choose a winner.
    """
    ids = [b.bid_id for b in bids]
    if len(set(ids)) != len(ids):
        raise ValueError("a bid appears twice in the evaluation")
    median = market_median(market_prices)
    scored: list[RankedBid] = []
    excluded: list[RankedBid] = []
    for bid in bids:
        reasons = gates(bid, cap, child.planned_start)
        needs_score, needs_text, met, required = score_needs(child, bid.setting)
        distance_score, distance_text, km = score_distance(child, bid.setting, rules)
        common: dict[str, Any] = dict(
            bid_id=bid.bid_id,
            provider_id=bid.provider_id,
            alerts=shown_alerts(bid.alerts),
            gross_weekly_price=bid.gross_weekly_price,
            net_weekly_price=bid.net_weekly_price,
            available_from=bid.available_from,
            received_at=bid.received_at,
            distance_km=km,
            needs_met=met,
            needs_required=required,
        )
        if reasons:
            excluded.append(
                RankedBid(score=None, rank=None, excluded=True, exclusion_reasons=reasons, criteria=(), **common)
            )
            continue
        results = {
            Criterion.NEEDS_AND_SPECIALISMS: (needs_score, needs_text),
            Criterion.DISTANCE: (distance_score, distance_text),
            Criterion.TIMESCALE: score_timescale(child, bid.available_from, rules),
            Criterion.QUALITY: score_quality(bid.setting, rules),
            Criterion.PRICE: score_price(bid.net_weekly_price, cap, median, len(market_prices), rules),
            Criterion.CHILD_VIEWS: score_officer(bid.officer_scores.child_views, "the child's views"),
            Criterion.COMPATIBILITY: score_officer(
                bid.officer_scores.compatibility, "compatibility with the young people already there"
            ),
            Criterion.SOCIAL_VALUE: score_officer(bid.officer_scores.social_value, "social value"),
        }
        criteria = tuple(CriterionScore(c, weights.of(c), results[c][0], results[c][1]) for c in Criterion)
        total = one_dp(sum((c.weight * c.score for c in criteria), ZERO) / HUNDRED)
        scored.append(
            RankedBid(score=total, rank=None, excluded=False, exclusion_reasons=(), criteria=criteria, **common)
        )

    scored.sort(key=lambda r: (-cast(Decimal, r.score), r.received_at, r.bid_id))  # each has its score
    excluded.sort(key=lambda r: (r.received_at, r.bid_id))
    ranked = tuple(replace(r, rank=i) for i, r in enumerate(scored, start=1))
    return Evaluation(ranked + tuple(excluded), weights, cap, median)


# --- feedback ---------------------------------------------------------------------------------------------


_OFFICER_REASONS = (
    (Criterion.CHILD_VIEWS, FeedbackReason.LOWER_CHILD_VIEWS_SCORE),
    (Criterion.COMPATIBILITY, FeedbackReason.LOWER_COMPATIBILITY_SCORE),
    (Criterion.SOCIAL_VALUE, FeedbackReason.LOWER_SOCIAL_VALUE_SCORE),
)


def feedback_for(bid_id: int, evaluation: Evaluation, winning_bid_id: int) -> Feedback:
    """Why `bid_id` was not successful, compared with the bid the officer accepted (`winning_bid_id`).

    An excluded bid: EXCLUDED_<gate> for each gate it failed, nothing else (it was not scored). A ranked bid,
    in this order, each when true: LOWER_TOTAL_SCORE (its total is below the winner's); NEEDS_PARTLY_MET (it
    meets fewer than all of the child's needs); FURTHER_FROM_HOME (more km than the winner's setting);
    LATER_AVAILABILITY (available later than the winner); LOWER_QUALITY_SCORE; PRICE_HIGHER_THAN_WINNER (net
    weekly price above the winner's); LOWER_CHILD_VIEWS_SCORE / LOWER_COMPATIBILITY_SCORE /
    LOWER_SOCIAL_VALUE_SCORE (the officer's scores); and OFFICER_DECISION when its total was at least the
    winner's (the officer chose otherwise, with a recorded rationale). The rank is the bid's (None when
    excluded); the winning price band is pricing.price_band of the winner's net weekly price.
    """
    if bid_id == winning_bid_id:
        raise ValueError("the winning bid gets no feedback of unsuccess")
    bid, winner = evaluation.bid(bid_id), evaluation.bid(winning_bid_id)
    if winner.excluded:
        raise ValueError(f"bid {winning_bid_id} was excluded and cannot be the winner")
    band = price_band(winner.net_weekly_price)
    if bid.excluded:
        return Feedback(tuple(FeedbackReason(f"EXCLUDED_{r.value}") for r in bid.exclusion_reasons), None, band)
    assert bid.score is not None and winner.score is not None  # neither was excluded: both were scored

    def score(r: RankedBid, c: Criterion) -> Decimal:
        found = r.criterion(c)
        return found.score if found else ZERO

    reasons: list[FeedbackReason] = []
    if bid.score < winner.score:
        reasons.append(FeedbackReason.LOWER_TOTAL_SCORE)
    if bid.needs_met < bid.needs_required:
        reasons.append(FeedbackReason.NEEDS_PARTLY_MET)
    if winner.distance_km is not None and (bid.distance_km is None or bid.distance_km > winner.distance_km):
        reasons.append(FeedbackReason.FURTHER_FROM_HOME)  # an unknown distance counts as further
    if bid.available_from > winner.available_from:
        reasons.append(FeedbackReason.LATER_AVAILABILITY)
    if score(bid, Criterion.QUALITY) < score(winner, Criterion.QUALITY):
        reasons.append(FeedbackReason.LOWER_QUALITY_SCORE)
    if bid.net_weekly_price > winner.net_weekly_price:
        reasons.append(FeedbackReason.PRICE_HIGHER_THAN_WINNER)
    for criterion, reason in _OFFICER_REASONS:
        if score(bid, criterion) < score(winner, criterion):
            reasons.append(reason)
    if bid.score >= winner.score:
        reasons.append(FeedbackReason.OFFICER_DECISION)
    return Feedback(tuple(reasons), bid.rank, band)
