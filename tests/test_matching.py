"""The match assessment (api/placements/matching.py) and the response deadlines (api/placements/deadlines.py):
pure functions, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.market.enums import Sex, Specialism
from api.placements.deadlines import add_working_days, default_deadline, is_working_day
from api.placements.enums import MatchCriterion, MatchLevel, MatchReasonCode, Urgency
from api.placements.matching import ChildNeeds, SettingFacts, assess, haversine_km, in_avoided_area

CHILD = ChildNeeds(
    age_years=12,
    sex=Sex.FEMALE,
    needs=frozenset({Specialism.AUTISM}),
    sibling_group_size=1,
    latitude=51.5362,
    longitude=-0.2466,
    max_distance_km=20,
    avoid_areas=frozenset({"W12", "SE"}),
)


def setting(id_: int = 1, **over) -> SettingFacts:
    values = dict(
        id=id_,
        name=f"Home {id_}",
        age_min=8,
        age_max=17,
        sexes=frozenset({Sex.FEMALE, Sex.MALE}),
        specialisms=frozenset({Specialism.AUTISM}),
        vacancies=1,
        postcode_district="NW10",
        latitude=51.543,
        longitude=-0.245,
    )
    values.update(over)
    return SettingFacts(**values)


def codes(match) -> dict[MatchCriterion, MatchReasonCode]:
    return {r.criterion: r.code for r in match.reasons}


# --- match levels ------------------------------------------------------------------------------------------


def test_a_setting_meeting_every_need_is_a_full_match():
    match = assess(CHILD, [setting()])
    assert match.level is MatchLevel.FULL and match.setting_id == 1
    assert codes(match) == {
        MatchCriterion.AGE: MatchReasonCode.AGE_IN_RANGE,
        MatchCriterion.SEX: MatchReasonCode.SEX_ACCEPTED,
        MatchCriterion.SPECIALISMS: MatchReasonCode.SPECIALISMS_MET,
        MatchCriterion.DISTANCE: MatchReasonCode.WITHIN_DISTANCE,
        MatchCriterion.AREA: MatchReasonCode.AREA_ACCEPTABLE,
        MatchCriterion.PLACES: MatchReasonCode.PLACES_FREE,
    }
    assert all(r.met for r in match.reasons)


@pytest.mark.parametrize(
    "over, criterion, code",
    [
        (dict(age_min=13), MatchCriterion.AGE, MatchReasonCode.AGE_OUT_OF_RANGE),
        (dict(sexes=frozenset({Sex.MALE})), MatchCriterion.SEX, MatchReasonCode.SEX_NOT_ACCEPTED),
        (
            dict(specialisms=frozenset({Specialism.SELF_HARM})),
            MatchCriterion.SPECIALISMS,
            MatchReasonCode.SPECIALISMS_MISSING,
        ),
        (
            dict(latitude=52.48, longitude=-1.90, postcode_district="B1"),
            MatchCriterion.DISTANCE,
            MatchReasonCode.TOO_FAR,
        ),
        (dict(postcode_district="W12"), MatchCriterion.AREA, MatchReasonCode.IN_AVOIDED_AREA),  # the district itself
        (dict(postcode_district="SE15"), MatchCriterion.AREA, MatchReasonCode.IN_AVOIDED_AREA),  # in an avoided area
        (dict(vacancies=0), MatchCriterion.PLACES, MatchReasonCode.NOT_ENOUGH_PLACES),
    ],
)
def test_one_need_unmet_is_a_partial_match_that_says_which(over, criterion, code):
    match = assess(CHILD, [setting(**over)])
    assert match.level is MatchLevel.PARTIAL
    unmet = [r for r in match.reasons if not r.met]
    assert [(r.criterion, r.code) for r in unmet] == [(criterion, code)]
    assert unmet[0].message  # a sentence for people, with the code for machines


def test_a_sibling_group_needs_that_many_free_places():
    siblings = ChildNeeds(**{**CHILD.__dict__, "sibling_group_size": 3})
    assert codes(assess(siblings, [setting(vacancies=2)]))[MatchCriterion.PLACES] is MatchReasonCode.NOT_ENOUGH_PLACES
    assert assess(siblings, [setting(vacancies=3)]).level is MatchLevel.FULL


def test_nothing_met_is_none_and_no_active_setting_is_none():
    nothing = setting(
        age_min=0,
        age_max=4,
        sexes=frozenset({Sex.MALE}),
        specialisms=frozenset(),
        vacancies=0,
        postcode_district="SE1",
        latitude=53.48,
        longitude=-2.24,
    )
    assert assess(CHILD, [nothing]).level is MatchLevel.NONE
    empty = assess(CHILD, [])
    assert empty.level is MatchLevel.NONE and empty.setting_id is None
    assert [r.code for r in empty.reasons] == [MatchReasonCode.NO_ACTIVE_SETTING]


def test_the_best_setting_is_the_one_meeting_most_then_the_nearest():
    far_partial = setting(1, vacancies=0, latitude=51.60, longitude=-0.30)
    full = setting(2)
    assert assess(CHILD, [far_partial, full]).setting_id == 2
    near = setting(3, vacancies=0)  # as partial as 1, but nearer
    assert assess(CHILD, [far_partial, near]).setting_id == 3


def test_distances_are_great_circle_kilometres_and_shown_rounded():
    assert haversine_km(51.5074, -0.1278, 52.4862, -1.8904) == pytest.approx(163, abs=1)  # London-Birmingham
    assert haversine_km(51.5, -0.1, 51.5, -0.1) == 0
    message = next(r.message for r in assess(CHILD, [setting()]).reasons if r.criterion is MatchCriterion.DISTANCE)
    assert "about 1 km" in message and "." not in message.split("about ")[1].split(" km")[0]


def test_avoided_areas_cover_districts_and_whole_areas():
    assert in_avoided_area("W12", {"W12"}) == "W12"
    assert in_avoided_area("W1", {"W"}) == "W" and in_avoided_area("NW10", {"W"}) is None
    assert in_avoided_area("SE15", {"SE"}) == "SE"


# --- response deadlines ------------------------------------------------------------------------------------


def test_emergency_and_urgent_windows_are_clock_hours():
    at = datetime(2026, 5, 22, 16, 30, tzinfo=UTC)  # a Friday before a bank holiday weekend
    assert default_deadline(Urgency.EMERGENCY, at) == datetime(2026, 5, 23, 16, 30, tzinfo=UTC)
    assert default_deadline(Urgency.URGENT, at) == datetime(2026, 5, 24, 16, 30, tzinfo=UTC)


def test_planned_is_five_working_days_skipping_a_weekend_and_a_bank_holiday():
    # Thursday 21 May 2026, 10:00 in London (BST): Fri 22 (1), the weekend, Mon 25 (Spring bank holiday),
    # Tue 26 (2), Wed 27 (3), Thu 28 (4), Fri 29 (5), at 10:00 in London, 09:00 UTC.
    at = datetime(2026, 5, 21, 9, 0, tzinfo=UTC)
    assert default_deadline(Urgency.PLANNED, at) == datetime(2026, 5, 29, 9, 0, tzinfo=UTC)
    assert not is_working_day(date(2026, 5, 25)) and not is_working_day(date(2026, 5, 23))
    assert is_working_day(date(2026, 5, 26))


def test_planned_published_at_a_weekend_counts_from_the_next_working_day():
    saturday = datetime(2026, 6, 6, 8, 0, tzinfo=UTC)  # 09:00 in London
    assert default_deadline(Urgency.PLANNED, saturday) == datetime(2026, 6, 12, 8, 0, tzinfo=UTC)


def test_planned_over_christmas_and_new_year():
    # Wed 23 Dec 2026: Thu 24 (1), Fri 25 and Mon 28 (Boxing Day observed) off, Tue 29 (2), Wed 30 (3),
    # Thu 31 (4), Fri 1 Jan off, Mon 4 Jan (5)
    assert add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 4)


def test_planned_keeps_the_london_time_of_day_across_the_clock_change():
    # Thu 22 Oct 2026 12:00 BST (11:00 UTC); the clocks go back on Sun 25 Oct: Thu 29 Oct 12:00 GMT is 12:00 UTC
    at = datetime(2026, 10, 22, 11, 0, tzinfo=UTC)
    assert default_deadline(Urgency.PLANNED, at) == datetime(2026, 10, 29, 12, 0, tzinfo=UTC)
