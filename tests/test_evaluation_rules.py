"""The evaluation of bids and the feedback to unsuccessful bidders: pure rules, exact numbers, no database.

Distances: the child's home is at (0, 0) and the settings due north of it, so one degree of latitude is
6,371.0088 × π / 180 = 111.19 km: 0.045° → 5.0 km, 0.0899° → 10.0 km, 0.2698° → 30.0 km, 0.4497° → 50.0 km.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from api.market.enums import MembershipStatus, OfstedGrade, SettingKind, Sex, Specialism
from api.placements.evaluation_rules import (
    Alert,
    AlertSeverity,
    BidForEvaluation,
    ChildNeeds,
    Criterion,
    Evaluation,
    ExclusionReason,
    FeedbackReason,
    GeoPoint,
    OfficerScores,
    Rules,
    SettingOffer,
    Weights,
    evaluate,
    feedback_for,
    haversine_km,
    market_median,
    score_distance,
    score_needs,
    score_officer,
    score_price,
    score_quality,
    score_timescale,
)

START = date(2026, 12, 1)
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CAP = D("5000.00")
MARKET = [D("4000.00"), D("4500.00"), D("5000.00")]  # median 4,500

CHILD = ChildNeeds(
    age_years=14,
    sex=Sex.MALE,
    needs=frozenset({Specialism.AUTISM, Specialism.SELF_HARM, Specialism.MISSING_EPISODES}),
    home=GeoPoint(D(0), D(0)),
    max_distance_km=D(50),
    planned_start=START,
    expected_duration_weeks=60,
)


def setting(setting_id: int = 100, *, lat: str = "0.045", **kw) -> SettingOffer:
    base = dict(
        setting_id=setting_id,
        kind=SettingKind.CHILDRENS_HOME,
        age_min=8,
        age_max=17,
        sexes=frozenset({Sex.MALE, Sex.FEMALE}),
        specialisms=frozenset({Specialism.AUTISM, Specialism.SELF_HARM, Specialism.MISSING_EPISODES}),
        places=4,
        vacancies=2,
        location=GeoPoint(D(lat), D(0)),
        ofsted_grade=OfstedGrade.GOOD,
        inspected_on=date(2025, 6, 3),
    )
    base.update(kw)
    return SettingOffer(**base)


def bid(bid_id: int, **kw) -> BidForEvaluation:
    base = dict(
        bid_id=bid_id,
        provider_id=bid_id * 10,
        provider_status=MembershipStatus.ADMITTED,
        setting=setting(),
        gross_weekly_price=D("4000.00"),
        net_weekly_price=D("3600.00"),
        available_from=START,
        received_at=T0 + timedelta(minutes=bid_id),
    )
    base.update(kw)
    return BidForEvaluation(**base)


# Bid 1: meets every need, 5 km, on time, Good, net 3,600 (28% under the cap, 20% under the median), scored.
BID_A = bid(1, officer_scores=OfficerScores(child_views=4, compatibility=3, social_value=5))
# Bid 2: 2 of 3 needs, 30 km, 3 days late, Outstanding, net 4,512.50, not yet scored by the officer, alerts.
BID_B = bid(
    2,
    setting=setting(
        200,
        lat="0.2698",
        vacancies=1,
        ofsted_grade=OfstedGrade.OUTSTANDING,
        specialisms=frozenset({Specialism.AUTISM, Specialism.MISSING_EPISODES}),
    ),
    gross_weekly_price=D("4750.00"),
    net_weekly_price=D("4512.50"),
    available_from=date(2026, 12, 4),
    alerts=(
        Alert(7, AlertSeverity.LOW, "STAFFING"),
        Alert(9, AlertSeverity.CRITICAL, "MISSING_CHILD", 200),
        Alert(8, AlertSeverity.HIGH, "RESTRAINT"),
    ),
)
# Bid 3: the provider is suspended. Bid 4: an Inadequate setting, a penny above the cap, received first.
BID_C = bid(3, provider_status=MembershipStatus.SUSPENDED)
BID_D = bid(
    4,
    setting=setting(400, ofsted_grade=OfstedGrade.INADEQUATE),
    gross_weekly_price=D("5000.01"),
    net_weekly_price=D("4500.01"),
    received_at=T0 - timedelta(hours=1),
)


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluate(CHILD, [BID_C, BID_B, BID_D, BID_A], cap=CAP, market_prices=MARKET)


# --- the whole evaluation -------------------------------------------------------------------------------


def test_ranked_bids_first_then_excluded_ones_by_receipt(evaluation):
    assert [(r.bid_id, r.rank, r.score, r.excluded) for r in evaluation.ranked_bids] == [
        (1, 1, D("92.3"), False),
        (2, 2, D("56.8"), False),
        (4, None, None, True),
        (3, None, None, True),
    ]
    assert evaluation.market_median == D("4500.00")
    assert evaluation.cap == CAP


def test_criteria_of_the_best_bid(evaluation):
    a = evaluation.bid(1)
    assert [(c.criterion, c.weight, c.score) for c in a.criteria] == [
        (Criterion.NEEDS_AND_SPECIALISMS, D(25), D("100.0")),
        (Criterion.DISTANCE, D(10), D("100.0")),
        (Criterion.TIMESCALE, D(10), D("100.0")),
        (Criterion.QUALITY, D(15), D("75.0")),
        (Criterion.PRICE, D(20), D("100.0")),
        (Criterion.CHILD_VIEWS, D(10), D("80.0")),
        (Criterion.COMPATIBILITY, D(5), D("60.0")),
        (Criterion.SOCIAL_VALUE, D(5), D("100.0")),
    ]
    # (25×100 + 10×100 + 10×100 + 15×75 + 20×100 + 10×80 + 5×60 + 5×100) / 100 = 92.25 → 92.3 (half-up)
    assert a.score == D("92.3")
    assert a.criterion(Criterion.QUALITY).explanation == "latest Ofsted judgement Good (inspected 2025-06-03)"
    assert a.criterion(Criterion.CHILD_VIEWS).explanation == "the officer scored the child's views 4 of 5 (× 20)"
    assert (a.distance_km, a.needs_met, a.needs_required, a.alerts) == (D("5.0"), 3, 3, ())


def test_criteria_of_the_second_bid(evaluation):
    b = evaluation.bid(2)
    assert [c.score for c in b.criteria] == [
        D("80.0"),  # 60 × 2/3 + 15 + 15 + 10
        D("50.0"),  # 100 × (50 − 30) / (50 − 10)
        D("70.0"),  # 3 days late: 100 − 3 × 10
        D("100.0"),  # Outstanding
        D("49.0"),  # cap part 50 × (487.50/5,000)/0.2 = 24.375; market 50 × (1.2 − 4,512.5/4,500)/0.4 = 24.653
        D("0"),
        D("0"),
        D("0"),  # not yet scored by the officer
    ]
    # (25×80 + 10×50 + 10×70 + 15×100 + 20×49) / 100 = 56.8
    assert b.score == D("56.8")
    assert {c.explanation for c in b.criteria[5:]} == {"not yet scored by the officer"}
    assert b.criterion(Criterion.NEEDS_AND_SPECIALISMS).explanation == (
        "meets 2 of 3 needs (not self harm) (40.0 of 60); the child's age is within the setting's 8–17 (15 of 15); "
        "takes male children (15 of 15); 1 vacancy for the child (10 of 10)"
    )
    assert b.criterion(Criterion.DISTANCE).explanation == (
        "30.0 km from the child's home; 100 × (50 − 30.0) ÷ (50 − 10)"
    )


def test_every_score_is_shown_to_one_decimal_place(evaluation):
    scored = [r for r in evaluation.ranked_bids if not r.excluded]
    shown = [r.score for r in scored] + [c.score for r in scored for c in r.criteria]
    assert all(score.as_tuple().exponent == -1 for score in shown), shown
    assert str(evaluation.bid(2).criterion(Criterion.SOCIAL_VALUE).score) == "0.0"


def test_alerts_high_and_critical_are_shown_most_severe_first(evaluation):
    assert [(a.alert_id, a.severity) for a in evaluation.bid(2).alerts] == [
        (9, AlertSeverity.CRITICAL),
        (8, AlertSeverity.HIGH),
    ]


def test_gates_exclude_with_every_reason_and_no_score(evaluation):
    c, d = evaluation.bid(3), evaluation.bid(4)
    assert c.exclusion_reasons == (ExclusionReason.PROVIDER_SUSPENDED,)
    assert d.exclusion_reasons == (ExclusionReason.SETTING_INADEQUATE, ExclusionReason.ABOVE_CAP)
    assert (c.criteria, d.criteria, c.score, d.rank) == ((), (), None, None)


@pytest.mark.parametrize(
    "status, reason",
    [
        (MembershipStatus.SUSPENDED, ExclusionReason.PROVIDER_SUSPENDED),
        (MembershipStatus.BARRED, ExclusionReason.PROVIDER_BARRED),
        (MembershipStatus.APPLIED, ExclusionReason.PROVIDER_NOT_ADMITTED),
        (MembershipStatus.WITHDRAWN, ExclusionReason.PROVIDER_NOT_ADMITTED),
        ("REJECTED", ExclusionReason.PROVIDER_NOT_ADMITTED),
        ("BARRED", ExclusionReason.PROVIDER_BARRED),
        ("SOMETHING_NEW", ExclusionReason.PROVIDER_NOT_ADMITTED),
    ],
)
def test_provider_status_gates(status, reason):
    result = evaluate(CHILD, [bid(1, provider_status=status)], cap=CAP)
    assert result.ranked_bids[0].exclusion_reasons == (reason,)


def test_gross_equal_to_the_cap_passes_the_gate_and_the_gate_uses_gross():
    at_cap = bid(1, gross_weekly_price=CAP, net_weekly_price=D("4500.00"))
    over = bid(2, gross_weekly_price=D("5400.00"), net_weekly_price=D("4860.00"))  # net is under the cap
    result = evaluate(CHILD, [at_cap, over], cap=CAP)
    assert [(r.bid_id, r.excluded, r.exclusion_reasons) for r in result.ranked_bids] == [
        (1, False, ()),
        (2, True, (ExclusionReason.ABOVE_CAP,)),
    ]


def test_all_bids_excluded_gives_no_ranks():
    result = evaluate(CHILD, [BID_C, BID_D], cap=CAP)
    assert [(r.bid_id, r.rank, r.score) for r in result.ranked_bids] == [(4, None, None), (3, None, None)]


def test_no_bids():
    result = evaluate(CHILD, [], cap=CAP)
    assert (result.ranked_bids, result.market_median) == ((), None)


def test_ties_go_to_the_earlier_receipt_then_the_smaller_bid_id():
    later, earlier = bid(7, received_at=T0 + timedelta(seconds=2)), bid(8, received_at=T0 + timedelta(seconds=1))
    same_time = bid(5, received_at=T0 + timedelta(seconds=2))
    result = evaluate(CHILD, [later, earlier, same_time], cap=CAP, market_prices=MARKET)
    assert len({r.score for r in result.ranked_bids}) == 1
    assert [(r.bid_id, r.rank) for r in result.ranked_bids] == [(8, 1), (5, 2), (7, 3)]


def test_a_bid_in_twice_is_refused():
    with pytest.raises(ValueError):
        evaluate(CHILD, [bid(1), bid(1)], cap=CAP)


def test_the_module_does_not_pick_a_winner(evaluation):
    names = {f.name for f in fields(evaluation)} | {f.name for f in fields(evaluation.ranked_bids[0])}
    assert not names & {"winner", "accepted", "selected", "chosen"}


def test_weights_decide_the_total():
    price_only = Weights(
        needs_and_specialisms=0,
        distance=0,
        timescale=0,
        quality=0,
        price=100,
        child_views=0,
        compatibility=0,
        social_value=0,
    )
    result = evaluate(CHILD, [BID_A, BID_B], cap=CAP, market_prices=MARKET, weights=price_only)
    assert [(r.bid_id, r.score) for r in result.ranked_bids] == [(1, D("100.0")), (2, D("49.0"))]
    assert [c.weight for c in result.bid(1).criteria] == [D(0)] * 4 + [D(100)] + [D(0)] * 3


def test_total_is_computed_from_the_rounded_criterion_scores():
    # Distance 12.3 km of 50: 100 × 37.7 / 40 = 94.25 → 94.3 shown; the total uses 94.3.
    weights = Weights(
        needs_and_specialisms=0,
        distance=D(50),
        timescale=D(50),
        quality=0,
        price=0,
        child_views=0,
        compatibility=0,
        social_value=0,
    )
    result = evaluate(CHILD, [bid(1, setting=setting(lat="0.1106"))], cap=CAP, weights=weights)
    r = result.ranked_bids[0]
    assert (r.distance_km, r.criterion(Criterion.DISTANCE).score) == (D("12.3"), D("94.3"))
    assert r.score == D("97.2")  # (50 × 94.3 + 50 × 100) / 100 = 97.15 → 97.2


# --- weights ----------------------------------------------------------------------------------------------


def test_default_weights_add_up_to_100():
    w = Weights()
    assert w.as_mapping() == {
        Criterion.NEEDS_AND_SPECIALISMS: D(25),
        Criterion.DISTANCE: D(10),
        Criterion.TIMESCALE: D(10),
        Criterion.QUALITY: D(15),
        Criterion.PRICE: D(20),
        Criterion.CHILD_VIEWS: D(10),
        Criterion.COMPATIBILITY: D(5),
        Criterion.SOCIAL_VALUE: D(5),
    }
    assert sum(w.as_mapping().values()) == 100


def test_weights_from_a_mapping():
    stored = {c.value: v for c, v in Weights().as_mapping().items()}
    assert Weights.from_mapping(stored) == Weights()
    assert Weights.from_mapping({**stored, "PRICE": D("17.5"), "QUALITY": D("17.5")}).quality == D("17.5")
    del stored["PRICE"]
    with pytest.raises(ValueError, match="no weight for PRICE"):
        Weights.from_mapping(stored)


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(price=19), "add up to 100, not 99"),
        (dict(price=21), "add up to 100, not 101"),
        (dict(price=-5, needs_and_specialisms=50), "must not be negative"),
        (dict(price=20.0), "must be an int or a Decimal"),
        (dict(price=True), "must be an int or a Decimal"),
    ],
)
def test_weights_are_validated(kw, message):
    with pytest.raises(ValueError, match=message):
        Weights(**kw)


# --- each criterion -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lat, km, score",
    [
        ("0", D("0.0"), D("100")),
        ("0.0899", D("10.0"), D("100")),
        ("0.2698", D("30.0"), D("50.0")),
        ("0.4497", D("50.0"), D("0")),
        ("0.5396", D("60.0"), D("0")),
    ],
)
def test_distance_scores(lat, km, score):
    s, _, measured = score_distance(CHILD, setting(lat=lat), Rules())
    assert (measured, s) == (km, score)


def test_distance_when_the_largest_acceptable_distance_is_within_full_marks():
    near_child = replace(CHILD, max_distance_km=D(8))
    assert score_distance(near_child, setting(lat="0.0720"), Rules())[0] == D(100)  # 8.0 km
    assert score_distance(near_child, setting(lat="0.0899"), Rules())[0] == D(0)  # 10.0 km


def test_distance_full_marks_is_a_parameter():
    assert score_distance(CHILD, setting(lat="0.2698"), Rules(full_marks_km=D(30)))[0] == D(100)


def test_a_setting_without_a_location_scores_nothing_for_distance():
    s, text, km = score_distance(CHILD, setting(location=None), Rules())
    assert (s, km) == (D(0), None)
    assert "no location" in text


def test_haversine():
    london, manchester = GeoPoint(51.5074, -0.1278), GeoPoint(53.4808, -2.2426)
    assert haversine_km(london, manchester) == D("262.0")
    assert haversine_km(manchester, london) == D("262.0")
    assert haversine_km(london, london) == D("0.0")


@pytest.mark.parametrize(
    "available, score",
    [
        (date(2026, 11, 20), D(100)),
        (START, D(100)),
        (date(2026, 12, 2), D("90")),
        (date(2026, 12, 10), D("10")),
        (date(2026, 12, 11), D("0")),
        (date(2027, 1, 30), D("0")),
    ],
)
def test_timescale(available, score):
    assert score_timescale(CHILD, available, Rules())[0] == score


def test_timescale_explains_the_days_late():
    assert score_timescale(CHILD, date(2026, 12, 2), Rules())[1] == (
        "available from 2026-12-02, 1 day after the planned start 2026-12-01: 100 − 10 a day late"
    )


@pytest.mark.parametrize(
    "grade, score, text",
    [
        (OfstedGrade.OUTSTANDING, D(100), "latest Ofsted judgement Outstanding (inspected 2025-06-03)"),
        (OfstedGrade.GOOD, D(75), "latest Ofsted judgement Good (inspected 2025-06-03)"),
        (
            OfstedGrade.REQUIRES_IMPROVEMENT,
            D(40),
            "latest Ofsted judgement Requires improvement (inspected 2025-06-03)",
        ),
        (OfstedGrade.ADEQUATE, D(40), "latest Ofsted judgement Adequate (inspected 2025-06-03)"),
        (None, D(50), "no Ofsted judgement yet: a neutral score"),
    ],
)
def test_quality(grade, score, text):
    assert score_quality(setting(ofsted_grade=grade), Rules()) == (score, text)


def test_a_setting_not_yet_inspected_is_ranked_with_a_neutral_quality_score():
    result = evaluate(CHILD, [bid(1, setting=setting(ofsted_grade=None, inspected_on=None))], cap=CAP)
    r = result.ranked_bids[0]
    assert (r.excluded, r.criterion(Criterion.QUALITY).score) == (False, D(50))


def test_needs_age_sex_and_places():
    girl_group = replace(CHILD, sex=Sex.FEMALE, age_years=18, sibling_group_size=3, needs=frozenset())
    boys_only = setting(sexes=frozenset({Sex.MALE}), vacancies=2)
    score, text, met, required = score_needs(girl_group, boys_only)
    assert (score, met, required) == (D("60.0"), 0, 0)
    assert text == (
        "no specific needs listed (60.0 of 60); the child's age is outside the setting's 8–17 (0 of 15); "
        "does not take female children (0 of 15); 2 vacancies too few for the sibling group of 3 (0 of 10)"
    )


def test_needs_met_none():
    score, _, met, required = score_needs(CHILD, setting(specialisms=frozenset({Specialism.POST_16})))
    assert (score, met, required) == (D("40.0"), 0, 3)


def test_price_against_cap_and_market():
    rules = Rules()
    assert score_price(D("4000.00"), CAP, D("5000.00"), 3, rules)[0] == D("100.0")  # 20% under both
    assert score_price(D("5000.00"), CAP, D("5000.00"), 3, rules)[0] == D("25.0")  # at the cap and the median
    assert score_price(D("4500.00"), CAP, D("3750.00"), 3, rules)[0] == D("25.0")  # 10% under cap, 20% over median
    score, text = score_price(D("4512.50"), CAP, D("4500.00"), 3, rules)
    assert score == D("49.0")
    assert text == (
        "£4,512.50 net is 9.8% under the £5,000.00 cap (24.4 of 50; full at 20.0% under); "
        "0.3% above the market median £4,500.00 of 3 recent prices (24.7 of 50; full at 20.0% below, "
        "none at 20.0% above)"
    )


def test_price_without_a_cap_or_market_prices_is_neutral():
    score, text = score_price(D("4000.00"), None, None, 0, Rules())
    assert score == D("50.0")
    assert text == "no cap set for the year (25 of 50); no market prices to compare with (25 of 50)"


def test_market_median():
    assert market_median([]) is None
    assert market_median([D("3000"), D("1000"), D("2000")]) == D("2000.00")
    assert market_median([D("1000.01"), D("1000.02")]) == D("1000.02")  # 1,000.015 rounds half-up


def test_officer_scores():
    assert score_officer(None, "social value") == (D(0), "not yet scored by the officer")
    assert score_officer(0, "social value") == (D("0.0"), "the officer scored social value 0 of 5 (× 20)")
    assert score_officer(5, "social value")[0] == D("100.0")


@pytest.mark.parametrize("bad", [6, -1, 2.5, True])
def test_officer_scores_are_whole_numbers_from_0_to_5(bad):
    with pytest.raises(ValueError):
        OfficerScores(child_views=bad)


# --- feedback ---------------------------------------------------------------------------------------------


def test_feedback_to_the_second_when_the_first_wins(evaluation):
    feedback = feedback_for(2, evaluation, winning_bid_id=1)
    assert feedback.reasons == (
        FeedbackReason.LOWER_TOTAL_SCORE,
        FeedbackReason.NEEDS_PARTLY_MET,
        FeedbackReason.FURTHER_FROM_HOME,
        FeedbackReason.LATER_AVAILABILITY,
        FeedbackReason.PRICE_HIGHER_THAN_WINNER,
        FeedbackReason.LOWER_CHILD_VIEWS_SCORE,
        FeedbackReason.LOWER_COMPATIBILITY_SCORE,
        FeedbackReason.LOWER_SOCIAL_VALUE_SCORE,
    )
    assert (feedback.rank, feedback.winning_price_band) == (2, "£3,500–£3,999.99")


def test_feedback_when_the_officer_chooses_a_lower_ranked_bid(evaluation):
    feedback = feedback_for(1, evaluation, winning_bid_id=2)
    assert feedback.reasons == (FeedbackReason.LOWER_QUALITY_SCORE, FeedbackReason.OFFICER_DECISION)
    assert (feedback.rank, feedback.winning_price_band) == (1, "£4,500–£4,999.99")


def test_feedback_to_excluded_bids(evaluation):
    assert feedback_for(4, evaluation, winning_bid_id=1).reasons == (
        FeedbackReason.EXCLUDED_SETTING_INADEQUATE,
        FeedbackReason.EXCLUDED_ABOVE_CAP,
    )
    suspended = feedback_for(3, evaluation, winning_bid_id=1)
    assert (suspended.reasons, suspended.rank) == ((FeedbackReason.EXCLUDED_PROVIDER_SUSPENDED,), None)


def test_every_exclusion_reason_has_a_feedback_reason():
    for reason in ExclusionReason:
        assert FeedbackReason(f"EXCLUDED_{reason.value}")


def test_feedback_needs_a_real_winner(evaluation):
    with pytest.raises(ValueError):
        feedback_for(1, evaluation, winning_bid_id=1)
    with pytest.raises(ValueError):
        feedback_for(1, evaluation, winning_bid_id=3)  # excluded
    with pytest.raises(KeyError):
        feedback_for(99, evaluation, winning_bid_id=1)
