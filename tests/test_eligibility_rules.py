"""Who may take part in a placement search (api/placements/eligibility.py): pure rules, each shown once, and the
one distance formula (api/placements/distance.py)."""

from __future__ import annotations

import pytest

from api.market.enums import MembershipStatus as M, OfstedGrade as G
from api.placements import distance, eligibility
from api.placements.eligibility import Ineligible as I

SHORT_OF_STAGE_1 = ["the public liability insurance expired"]


# --- the provider's standing and the setting's -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (M.ADMITTED, None),
        (M.SUSPENDED, I.PROVIDER_SUSPENDED),
        (M.BARRED, I.PROVIDER_BARRED),
        (M.APPLIED, I.PROVIDER_NOT_ADMITTED),
        (M.REJECTED, I.PROVIDER_NOT_ADMITTED),
        (M.WITHDRAWN, I.PROVIDER_NOT_ADMITTED),
        (None, I.PROVIDER_NOT_ADMITTED),  # no membership of the lot at all
        ("SOMETHING_NEW", I.PROVIDER_NOT_ADMITTED),  # a status the rules do not know is not ADMITTED
        ("SUSPENDED", I.PROVIDER_SUSPENDED),  # as the database gives it
    ],
)
def test_only_an_admitted_membership_stands(status, reason):
    assert eligibility.provider_standing(status) is reason


@pytest.mark.parametrize(
    ("grade", "reason"),
    [
        (G.OUTSTANDING, None),
        (G.GOOD, None),
        (G.REQUIRES_IMPROVEMENT, None),
        (G.ADEQUATE, None),
        (None, None),  # not inspected yet
        (G.INADEQUATE, I.SETTING_INADEQUATE),
        ("INADEQUATE", I.SETTING_INADEQUATE),
    ],
)
def test_a_setting_stands_unless_its_latest_judgement_is_inadequate(grade, reason):
    assert eligibility.setting_standing(grade) is reason


# --- invited -----------------------------------------------------------------------------------------------


def test_an_admitted_member_with_its_documents_in_force_is_invited():
    assert eligibility.to_invite(M.ADMITTED, []) is None


def test_an_admitted_member_short_of_stage_1_is_not_invited():
    assert eligibility.to_invite(M.ADMITTED, SHORT_OF_STAGE_1) is I.DOCUMENTS_NOT_IN_FORCE


@pytest.mark.parametrize(
    ("status", "reason"),
    [(M.SUSPENDED, I.PROVIDER_SUSPENDED), (M.BARRED, I.PROVIDER_BARRED), (M.APPLIED, I.PROVIDER_NOT_ADMITTED)],
)
def test_a_member_not_admitted_is_not_invited_for_its_membership(status, reason):
    assert eligibility.to_invite(status, []) is reason
    assert eligibility.to_invite(status, SHORT_OF_STAGE_1) is reason  # the membership is the reason given


# --- bidding -----------------------------------------------------------------------------------------------


def test_an_admitted_provider_may_bid_with_a_setting_that_is_not_inadequate():
    assert eligibility.to_bid(M.ADMITTED, G.GOOD) is None
    assert eligibility.to_bid(M.ADMITTED, None) is None


@pytest.mark.parametrize(("status", "reason"), [(M.SUSPENDED, I.PROVIDER_SUSPENDED), (M.BARRED, I.PROVIDER_BARRED)])
def test_a_suspended_or_barred_provider_may_not_bid(status, reason):
    assert eligibility.to_bid(status, G.GOOD) is reason
    assert eligibility.to_bid(status, G.INADEQUATE) is reason  # the provider's reason first


def test_a_setting_rated_inadequate_may_not_be_offered():
    assert eligibility.to_bid(M.ADMITTED, G.INADEQUATE) is I.SETTING_INADEQUATE


def test_an_invited_provider_whose_membership_ended_still_answers_its_invitation():
    assert eligibility.to_bid(M.WITHDRAWN, G.GOOD) is None
    assert eligibility.to_bid(None, G.GOOD) is None


# --- evaluated (and awarded: the award evaluates again) ---------------------------------------------------


def test_an_admitted_provider_with_a_setting_that_stands_is_evaluated():
    assert eligibility.to_be_evaluated(M.ADMITTED, G.OUTSTANDING) == ()


@pytest.mark.parametrize(
    ("status", "grade", "reasons"),
    [
        (M.SUSPENDED, G.GOOD, (I.PROVIDER_SUSPENDED,)),
        (M.BARRED, G.GOOD, (I.PROVIDER_BARRED,)),
        (M.WITHDRAWN, G.GOOD, (I.PROVIDER_NOT_ADMITTED,)),
        (M.ADMITTED, G.INADEQUATE, (I.SETTING_INADEQUATE,)),
        (M.SUSPENDED, G.INADEQUATE, (I.PROVIDER_SUSPENDED, I.SETTING_INADEQUATE)),  # every reason, provider first
    ],
)
def test_the_evaluation_excludes_for_every_reason(status, grade, reasons):
    assert eligibility.to_be_evaluated(status, grade) == reasons


# --- the distance -------------------------------------------------------------------------------------------


def test_the_distance_is_the_great_circle_on_the_earths_mean_radius():
    assert distance.EARTH_RADIUS_KM == 6371.0088
    assert distance.haversine_km(0, 0, 1, 0) == pytest.approx(6371.0088 * 3.141592653589793 / 180)
    assert distance.haversine_km(51.5074, -0.1278, 53.4808, -2.2426) == pytest.approx(262.0, abs=0.05)
    assert distance.haversine_km(51.5, -0.1, 51.5, -0.1) == 0
    assert distance.haversine_km(0, 0, 0, 180) == pytest.approx(6371.0088 * 3.141592653589793)  # antipodes
