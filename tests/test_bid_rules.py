"""Bids, their evaluation and the award, in plain Python against a real PostgreSQL: every rule with its code,
the discounts and the net price the system computes, one live bid, amend and withdraw, the officer's scores,
the evaluation's inputs, and the award with its feedback."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import select, update

from api.core import clock, timers
from api.core.audit import AuditEvent
from api.core.errors import Forbidden, UserErrors
from api.core.principal import Scope
from api.core.timers import Timer, TimerState
from api.market import dpvs, settings as setting_rules
from api.market.enums import MembershipStatus, OfstedGrade, Specialism
from api.market.models import Membership
from api.placements import award, bids, evaluation_queries, evaluation_rules, officer_scores, requirements
from api.placements.enums import BidStatus, InvitationStatus, OfficerCriterion, RequirementStatus, Urgency
from api.placements.evaluation_rules import Criterion
from api.placements.models import Bid, BidOfficerScore, Invitation, Requirement
from api.placements.requirements import DEADLINE_TIMER
from tests.conftest import principal_for
from tests.factories import add_setting
from tests.placement_factories import child, offer, published, scene, submit


def codes(exc: pytest.ExceptionInfo) -> set[str]:
    return {e.code.value for e in exc.value.errors}


async def rows(db, stmt) -> list:
    async with db.session() as s:
        return list((await s.execute(stmt)).scalars())


async def get(db, model, id_):
    async with db.session() as s:
        return await s.get(model, id_)


async def events(db, entity_type: str, entity_id: int) -> list[AuditEvent]:
    return await rows(
        db,
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id),
    )


def officer_with_award(market):
    return principal_for(market.barnet, Scope.BOROUGH, Scope.BOROUGH_AWARD)


async def refused(db, action, *expected: str) -> None:
    async with db.transaction() as s:
        with pytest.raises(UserErrors) as exc:
            await action(s)
    assert codes(exc) == set(expected), [e.message for e in exc.value.errors]


# --- submitting -----------------------------------------------------------------------------------------------


async def test_a_bid_is_priced_by_the_system_with_its_discounts_and_an_exact_receipt_time(db, market):
    sc = await scene(db, market, members=2)
    family = await add_setting(
        db, market.admin, market.acorn.id, "Family Home", places=4, vacancies=2, specialisms=[Specialism.AUTISM]
    )
    r = await published(
        db, market.barnet_officer, sc.lot.id, child_=child(sibling_group_size=2), expected_duration_weeks=60
    )
    before = clock.now()
    bid = await submit(db, market.acorn_staff, r.id, family.id, "800.00", extras=(("1:1 support, 10 h", "100.00"),))
    after = clock.now()

    stored = await get(db, Bid, bid.id)
    assert (
        stored.status is BidStatus.SUBMITTED
        and stored.provider_id == market.acorn.id
        and stored.setting_id == family.id
    )
    assert (stored.core_price, stored.weekly_price, stored.net_weekly_price) == (D("800.00"), D("900.00"), D("810.00"))
    assert stored.extras == [{"description": "1:1 support, 10 h", "weeklyPrice": "100.00"}]
    assert stored.discounts == [
        {"kind": "SIBLING", "percent": "5", "amount": "45.00"},
        {"kind": "LONG_TERM", "percent": "5", "amount": "45.00"},
    ]
    assert "Net £900.00 × (1 − 10%) = £810.00 a week" in stored.price_explanation
    assert before <= stored.submitted_at <= after and stored.amended_at is None

    (event,) = await events(db, "Bid", bid.id)
    assert event.action == "bid.submit" and event.actor_id == "test@acorn-fostering"
    assert event.data["netWeeklyPrice"] == "810.00" and event.data["requirementId"] == r.id
    assert event.data["statementsGiven"] == ["needsStatement", "compatibilityStatement"]
    assert "quiet room" not in str(event.data)  # the statements' free text stays on the bid

    # one free place for a sibling group of two: no sibling discount; 26 weeks: not long-term
    r2 = await published(db, market.barnet_officer, sc.lot.id, child_=child(sibling_group_size=2))
    plain = await submit(db, market.acorn_staff, r2.id, sc.settings["Oak House"].id, "900.00")
    assert plain.discounts == [] and plain.net_weekly_price == D("900.00")


async def test_who_may_bid_and_on_what(db, market):
    sc = await scene(db, market, members=3)  # cedar: a member, not invited (an insurance missing)
    r = await published(db, market.barnet_officer, sc.lot.id)
    oak = sc.settings["Oak House"].id
    for outsider in (
        market.admin,
        market.barnet_officer,
        sc.staff("cedar"),
        principal_for(market.acorn, Scope.PROVIDER_SIGN),
    ):
        with pytest.raises(Forbidden):
            await submit(db, outsider, r.id, oak)
    with pytest.raises(Forbidden):  # another provider's setting
        await submit(db, market.birch_staff, r.id, oak)
    assert await rows(db, select(Bid)) == []

    async with db.transaction() as s:
        await s.execute(
            update(Invitation)
            .where(Invitation.provider_id == market.birch.id)
            .values(status=InvitationStatus.WITHDRAWN)
        )
    with pytest.raises(UserErrors) as exc:
        await submit(db, market.birch_staff, r.id, sc.settings["Birch Lodge"].id)
    assert codes(exc) == {"INVITATION_WITHDRAWN"}

    async with db.transaction() as s:
        await setting_rules.update_setting(s, market.acorn_staff, oak, {"active": False})
    with pytest.raises(UserErrors) as exc:
        await submit(db, market.acorn_staff, r.id, oak)
    assert codes(exc) == {"SETTING_INACTIVE"}
    assert (
        await rows(db, select(Bid)) == []
        and await rows(db, select(AuditEvent).where(AuditEvent.entity_type == "Bid")) == []
    )


async def test_malformed_offers_are_reported_at_once_and_the_cap_is_checked_on_the_gross_price(db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    oak = sc.settings["Oak House"].id
    with pytest.raises(UserErrors) as exc:
        await submit(
            db,
            market.acorn_staff,
            r.id,
            oak,
            "-1",
            extras=(("", "0.001"),) + (("x", "1.00"),) * 10,
            available_from=clock.today() - timedelta(days=1),
            needs_statement="  ",
            compatibility_statement="x" * 4001,
        )
    assert codes(exc) == {
        "INVALID_PRICE",
        "INVALID_EXTRA",
        "TOO_MANY_EXTRAS",
        "AVAILABLE_FROM_IN_PAST",
        "STATEMENT_REQUIRED",
        "TEXT_TOO_LONG",
    }
    assert {
        "core_price",
        "extras[0].description",
        "extras[0].weekly_price",
        "available_from",
        "needs_statement",
        "compatibility_statement",
    } <= {e.field for e in exc.value.errors}

    cap = (await get(db, Requirement, r.id)).planned_start
    fy_cap = D("1000.00") if clock.financial_year(cap) == clock.financial_year(clock.today()) else D("1030.00")
    with pytest.raises(UserErrors) as exc:  # a penny above, with the extras
        await submit(db, market.acorn_staff, r.id, oak, str(fy_cap - 100), extras=(("Education", "100.01"),))
    assert codes(exc) == {"ABOVE_CAP"} and exc.value.errors[0].field is None
    assert f"above the lot's weekly rate cap of £{fy_cap:,}" in exc.value.errors[0].message
    at_cap = await submit(db, market.acorn_staff, r.id, oak, str(fy_cap - 100), extras=(("Education", "100.00"),))
    assert at_cap.weekly_price == fy_cap


async def test_one_live_bid_per_provider_and_idempotent_by_key(db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    oak = sc.settings["Oak House"].id
    first = await submit(db, market.acorn_staff, r.id, oak, key="portal-1")
    again = await submit(db, market.acorn_staff, r.id, oak, key="portal-1")
    assert again.id == first.id
    with pytest.raises(UserErrors) as exc:  # the same key, another offer
        await submit(db, market.acorn_staff, r.id, oak, "950.00", key="portal-1")
    assert codes(exc) == {"IDEMPOTENCY_KEY_REUSED"}
    with pytest.raises(UserErrors) as exc:  # a second bid: amend the first instead
        await submit(db, market.acorn_staff, r.id, oak, "950.00", key="portal-2")
    assert codes(exc) == {"ALREADY_BID"}
    assert len(await rows(db, select(Bid))) == 1

    async with db.transaction() as s:
        await bids.withdraw_bid(s, market.acorn_staff, first.id)
    second = await submit(db, market.acorn_staff, r.id, oak, "950.00")  # after a withdrawal, a new bid
    assert second.id != first.id
    statuses = {b.id: b.status for b in await rows(db, select(Bid))}
    assert statuses == {first.id: BidStatus.WITHDRAWN, second.id: BidStatus.SUBMITTED}


async def test_bids_are_taken_while_open_and_until_the_deadline_by_the_servers_clock(db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    oak, lodge = sc.settings["Oak House"].id, sc.settings["Birch Lodge"].id
    just_before = r.response_deadline - timedelta(microseconds=1)
    early = await submit(db, market.birch_staff, r.id, lodge, now=just_before)
    assert early.submitted_at == just_before
    with pytest.raises(UserErrors) as exc:  # at the deadline, before the timer has run: refused
        await submit(db, market.acorn_staff, r.id, oak, now=r.response_deadline)
    assert codes(exc) == {"DEADLINE_PASSED"}
    await timers.run_due_timers(db, now=r.response_deadline)
    assert (await get(db, Requirement, r.id)).status is RequirementStatus.CLOSED  # with birch's bid
    with pytest.raises(UserErrors) as exc:
        await submit(db, market.acorn_staff, r.id, oak)
    assert codes(exc) == {"DEADLINE_PASSED"}

    closed_by_hand = await published(db, market.barnet_officer, sc.lot.id)
    async with db.transaction() as s:
        await requirements.close(s, market.barnet_officer, closed_by_hand.id, reason="Enough")
    with pytest.raises(UserErrors) as exc:
        await submit(db, market.acorn_staff, closed_by_hand.id, oak)
    assert codes(exc) == {"REQUIREMENT_NOT_OPEN"}


# --- amending and withdrawing ---------------------------------------------------------------------------------


async def test_amend_replaces_the_offer_keeps_the_bid_and_its_receipt_time_and_audits_before_and_after(db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id, expected_duration_weeks=60)
    bid = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id, "900.00")
    assert bid.net_weekly_price == D("855.00")  # long-term 5%
    new = offer(
        sc.settings["Far House"].id,
        "700.00",
        extras=(("Education", "50.00"),),
        needs_statement="Far House has an autism-trained team",
        compatibility_statement=None,
    )
    async with db.transaction() as s:
        amended = await bids.amend_bid(s, market.acorn_staff, bid.id, new)
    assert amended.id == bid.id and amended.submitted_at == bid.submitted_at and amended.amended_at is not None
    assert (amended.setting_id, amended.weekly_price, amended.net_weekly_price) == (
        sc.settings["Far House"].id,
        D("750.00"),
        D("712.50"),
    )
    assert amended.compatibility_statement is None

    submitted, amend = await events(db, "Bid", bid.id)
    assert amend.action == "bid.amend"
    assert amend.data["changes"]["netWeeklyPrice"] == {"before": "855.00", "after": "712.50"}
    assert amend.data["changes"]["settingId"] == {
        "before": sc.settings["Oak House"].id,
        "after": sc.settings["Far House"].id,
    }
    assert "availableFrom" not in amend.data["changes"]  # unchanged
    assert amend.data["statementsChanged"] == ["needsStatement", "compatibilityStatement"]
    assert "autism-trained" not in str(amend.data)

    with pytest.raises(Forbidden):  # another provider's bid
        async with db.transaction() as s:
            await bids.amend_bid(s, market.birch_staff, bid.id, new)
    await refused(
        db,
        lambda s: bids.amend_bid(s, market.acorn_staff, bid.id, offer(sc.settings["Oak House"].id, "5000.00")),
        "ABOVE_CAP",
    )
    assert (await get(db, Bid, bid.id)).net_weekly_price == D("712.50")  # the refused amendment changed nothing
    await refused(
        db, lambda s: bids.amend_bid(s, market.acorn_staff, bid.id, new, now=r.response_deadline), "DEADLINE_PASSED"
    )
    await refused(
        db, lambda s: bids.withdraw_bid(s, market.acorn_staff, bid.id, now=r.response_deadline), "DEADLINE_PASSED"
    )

    async with db.transaction() as s:
        withdrawn = await bids.withdraw_bid(s, market.acorn_staff, bid.id)
    assert withdrawn.status is BidStatus.WITHDRAWN and withdrawn.withdrawn_at is not None
    await refused(db, lambda s: bids.amend_bid(s, market.acorn_staff, bid.id, new), "BID_NOT_LIVE")
    await refused(db, lambda s: bids.withdraw_bid(s, market.acorn_staff, bid.id), "INVALID_TRANSITION")
    assert [e.action for e in await events(db, "Bid", bid.id)] == ["bid.submit", "bid.amend", "bid.withdraw"]


async def test_submit_amend_and_withdraw_in_one_transaction_leave_the_session_as_the_database(db, market):
    """The one write path writes with its own statements: a bid the session already holds is brought up to date as
    a load would, and nothing is left for the session to flush."""
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    oak, far = sc.settings["Oak House"].id, sc.settings["Far House"].id
    async with db.transaction() as s:
        bid = await bids.submit_bid(s, market.acorn_staff, requirement_id=r.id, offer=offer(oak, "900.00"))
        assert await s.get(Bid, bid.id) is bid and not s.dirty
        amended = await bids.amend_bid(s, market.acorn_staff, bid.id, offer(far, "800.00"))
        assert amended is bid and (bid.setting_id, bid.weekly_price, bid.status) == (
            far,
            D("800.00"),
            BidStatus.SUBMITTED,
        )
        withdrawn = await bids.withdraw_bid(s, market.acorn_staff, bid.id)
        assert withdrawn is bid and bid.status is BidStatus.WITHDRAWN and bid.withdrawn_at is not None
        assert not s.dirty and not s.new
    stored = await get(db, Bid, bid.id)
    assert (stored.setting_id, stored.weekly_price, stored.status) == (far, D("800.00"), BidStatus.WITHDRAWN)
    assert stored.amended_at is not None and stored.withdrawn_at == bid.withdrawn_at
    assert [e.action for e in await events(db, "Bid", bid.id)] == ["bid.submit", "bid.amend", "bid.withdraw"]


# --- the evaluation and the officer's scores -----------------------------------------------------------------


async def test_the_evaluation_gathers_its_inputs_ranks_and_explains(db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    oak = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id, "900.00")
    lodge = await submit(db, market.birch_staff, r.id, sc.settings["Birch Lodge"].id, "850.00")
    # the market: an accepted-like price elsewhere on the lot, and a bid on this requirement that is not its own
    # benchmark
    other = await published(db, market.barnet_officer, sc.lot.id)
    await submit(db, market.acorn_staff, other.id, sc.settings["Oak House"].id, "800.00")
    async with db.transaction() as s:
        await setting_rules.record_ofsted_judgement(
            s,
            market.admin,
            setting_id=sc.settings["Oak House"].id,
            grade=OfstedGrade.OUTSTANDING,
            inspected_on=date(2025, 1, 1),
        )
        await setting_rules.record_ofsted_judgement(
            s,
            market.admin,
            setting_id=sc.settings["Oak House"].id,
            grade=OfstedGrade.GOOD,
            inspected_on=date(2024, 1, 1),
        )
        await officer_scores.record_officer_score(
            s, market.barnet_officer, oak.id, criterion=OfficerCriterion.CHILD_VIEWS, score=4
        )

    async with db.session() as s:
        evaluated = await evaluation_queries.evaluate_one(s, await s.get(Requirement, r.id))
    e = evaluated.evaluation
    assert [rb.bid_id for rb in e.ranked_bids] == [oak.id, lodge.id] and [rb.rank for rb in e.ranked_bids] == [1, 2]
    assert e.market_median == D("800.00") and e.cap in (D("1000.00"), D("1030.00"))
    first = e.ranked_bids[0]
    assert first.criterion(Criterion.QUALITY).explanation.startswith("latest Ofsted judgement Outstanding")
    assert first.criterion(Criterion.CHILD_VIEWS).score == D("80.0")
    assert first.criterion(Criterion.NEEDS_AND_SPECIALISMS).score == D("100.0")
    assert "not yet scored" in first.criterion(Criterion.COMPATIBILITY).explanation
    assert all(rb.alerts == () for rb in e.ranked_bids)  # no safeguarding alerts exist yet
    assert set(evaluated.bids) == {oak.id, lodge.id}

    # the vehicle's own weights
    weights = [(c.value, D(100) if c is Criterion.PRICE else D(0)) for c in Criterion]
    async with db.transaction() as s:
        await dpvs.set_evaluation_weights(s, market.admin, sc.dpv.id, weights)
    async with db.session() as s:
        e = (await evaluation_queries.evaluate_one(s, await s.get(Requirement, r.id))).evaluation
    assert [rb.bid_id for rb in e.ranked_bids] == [lodge.id, oak.id]  # price alone: the cheaper first
    async with db.transaction() as s:
        with pytest.raises(UserErrors) as exc:
            await dpvs.set_evaluation_weights(s, market.admin, sc.dpv.id, weights[:-1])
    assert codes(exc) == {"INVALID_WEIGHTS"}
    with pytest.raises(Forbidden):
        async with db.transaction() as s:
            await dpvs.set_evaluation_weights(s, market.barnet_officer, sc.dpv.id, None)


async def test_the_officer_scores_a_live_bid_of_its_own_requirement(db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    bid = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id)

    def score(value, who=market.barnet_officer, criterion=OfficerCriterion.COMPATIBILITY):
        return lambda s: officer_scores.record_officer_score(s, who, bid.id, criterion=criterion, score=value)

    for value in (3, 5):
        async with db.transaction() as s:
            await score(value)(s)
    (row,) = await rows(db, select(BidOfficerScore))
    assert (row.score, row.criterion, row.entered_by, row.organisation_id) == (
        5,
        OfficerCriterion.COMPATIBILITY,
        "test@barnet",
        market.barnet.id,
    )
    recorded = [e.data for e in await events(db, "Bid", bid.id) if e.action == "bid.officer_score_record"]
    assert [(d["before"], d["after"]) for d in recorded] == [(None, 3), (3, 5)]
    await refused(db, score(6), "INVALID_SCORE")
    for outsider in (market.ealing_officer, market.acorn_staff, market.admin):
        with pytest.raises(Forbidden):
            async with db.transaction() as s:
                await score(1, outsider)(s)


# --- the award ------------------------------------------------------------------------------------------------


async def _two_bids(db, market, **over):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id, **over)
    oak = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id, "900.00")
    lodge = await submit(db, market.birch_staff, r.id, sc.settings["Birch Lodge"].id, "850.00")
    return sc, r, oak, lodge


async def test_only_an_authorised_officer_of_the_borough_accepts_once_responses_close(db, market):
    sc, r, oak, lodge = await _two_bids(db, market)
    for who in (
        market.barnet_officer,  # `borough` alone does not suffice
        principal_for(market.ealing, Scope.BOROUGH, Scope.BOROUGH_AWARD),
        market.admin,
        market.acorn_staff,
    ):
        with pytest.raises(Forbidden):
            async with db.transaction() as s:
                await award.accept_bid(s, who, oak.id, rationale="Best match")
    officer = officer_with_award(market)
    await refused(
        db, lambda s: award.accept_bid(s, officer, oak.id, rationale=" "), "DEADLINE_NOT_PASSED", "RATIONALE_REQUIRED"
    )
    # the deadline passed, the timer not yet run: the award closes the requirement itself and cancels the timer
    async with db.transaction() as s:
        accepted = await award.accept_bid(
            s, officer, oak.id, rationale="Meets every need, 1 km from school", now=r.response_deadline
        )
    assert accepted.status is BidStatus.ACCEPTED and accepted.rationale == "Meets every need, 1 km from school"
    done = await get(db, Requirement, r.id)
    assert done.status is RequirementStatus.AWARDED and done.closed_at == done.awarded_at == r.response_deadline
    (timer,) = await rows(db, select(Timer).where(Timer.kind == DEADLINE_TIMER))
    assert timer.state is TimerState.CANCELLED
    await refused(db, lambda s: award.accept_bid(s, officer, lodge.id, rationale="Changed my mind"), "ALREADY_AWARDED")
    await refused(db, lambda s: bids.withdraw_bid(s, market.birch_staff, lodge.id), "DEADLINE_PASSED")

    actions = [
        (e.entity_type, e.action)
        for e in await rows(
            db,
            select(AuditEvent)
            .where(AuditEvent.action.in_(["requirement.award", "bid.accept", "bid.unsuccessful"]))
            .order_by(AuditEvent.id),
        )
    ]
    assert sorted(actions) == [("Bid", "bid.accept"), ("Bid", "bid.unsuccessful"), ("Requirement", "requirement.award")]


async def test_every_other_bid_is_unsuccessful_with_feedback_and_no_word_of_the_winner(db, market):
    sc, r, oak, lodge = await _two_bids(db, market)
    async with db.transaction() as s:
        await requirements.close(s, market.barnet_officer, r.id)
    async with db.transaction() as s:
        await award.accept_bid(s, officer_with_award(market), oak.id, rationale="Best match")
    loser = await get(db, Bid, lodge.id)
    assert loser.status is BidStatus.UNSUCCESSFUL and loser.decided_at is not None
    assert loser.feedback == {
        "reasons": ["LOWER_TOTAL_SCORE", "NEEDS_PARTLY_MET", "FURTHER_FROM_HOME"],
        "rank": 2,
        "winningPriceBand": "£750–£999.99",
    }
    assert "PRICE_HIGHER_THAN_WINNER" not in loser.feedback["reasons"]  # birch was cheaper
    assert "900" not in str(loser.feedback) and str(market.acorn.id) not in str(loser.feedback.values())
    (event,) = [e for e in await events(db, "Bid", lodge.id) if e.action == "bid.unsuccessful"]
    assert event.data["feedback"] == loser.feedback


async def test_an_excluded_bid_cannot_be_accepted_and_is_told_why(db, market):
    sc, r, oak, lodge = await _two_bids(db, market, urgency=Urgency.EMERGENCY)
    async with db.transaction() as s:  # birch suspended after it bid (the quality issue will do this by rule)
        await s.execute(
            update(Membership)
            .where(Membership.provider_id == market.birch.id)
            .values(status=MembershipStatus.SUSPENDED)
        )
    officer = officer_with_award(market)
    with pytest.raises(UserErrors) as exc:
        async with db.transaction() as s:
            await award.accept_bid(s, officer, lodge.id, rationale="Cheapest")
    assert codes(exc) == {"BID_EXCLUDED"} and "PROVIDER_SUSPENDED" in exc.value.errors[0].message
    assert (await get(db, Requirement, r.id)).status is RequirementStatus.OPEN

    # an EMERGENCY requirement is awarded at once, while OPEN: it closes, and its deadline timer is cancelled
    async with db.transaction() as s:
        await award.accept_bid(s, officer, oak.id, rationale="Available tonight")
    done = await get(db, Requirement, r.id)
    assert done.status is RequirementStatus.AWARDED and done.closed_at is not None
    assert (await rows(db, select(Timer).where(Timer.kind == DEADLINE_TIMER)))[0].state is TimerState.CANCELLED
    assert (await get(db, Bid, lodge.id)).feedback == {
        "reasons": ["EXCLUDED_PROVIDER_SUSPENDED"],
        "rank": None,
        "winningPriceBand": "£750–£999.99",
    }
    # nothing more happens on an awarded requirement
    await refused(
        db,
        lambda s: officer_scores.record_officer_score(
            s, market.barnet_officer, oak.id, criterion=OfficerCriterion.SOCIAL_VALUE, score=1
        ),
        "ALREADY_AWARDED",
    )
    with pytest.raises(UserErrors) as exc:
        await submit(db, market.birch_staff, r.id, sc.settings["Birch Lodge"].id)
    assert codes(exc) == {"REQUIREMENT_NOT_OPEN"}


# --- the cap that applies (api/market/caps.py) ---------------------------------------------------------------


def _start_and_year() -> tuple[date, int]:
    """The planned start of the factories' requirements, and its financial year."""
    start = clock.today() + timedelta(days=3)
    return start, clock.financial_year(start)


async def test_with_no_cap_for_the_planned_starts_year_the_latest_earlier_one_caps_submit_and_amend(db, market):
    start, fy = _start_and_year()
    # the alliance set 2025/26-style caps for the year before the start's and none since
    sc = await scene(db, market, members=2, rate_caps=[(fy - 2, D("900.00")), (fy - 1, D("1000.00"))])
    r = await published(db, market.barnet_officer, sc.lot.id, planned_start=start)
    oak = sc.settings["Oak House"].id

    with pytest.raises(UserErrors) as exc:  # the £25,000 a week that no cap stopped
        await submit(db, market.acorn_staff, r.id, oak, "25000.00")
    assert codes(exc) == {"ABOVE_CAP"} and exc.value.errors[0].field is None
    assert exc.value.errors[0].message == (
        f"The weekly price £25,000.00 is above the lot's weekly rate cap of £1,000.00 set for {fy - 1}/"
        f"{str(fy)[-2:]}, which applies to {fy}/{str(fy + 1)[-2:]} until a cap is set for it"
    )
    await refused(
        db,
        lambda s: bids.submit_bid(
            s, market.acorn_staff, requirement_id=r.id, offer=offer(oak, "900.00", extras=(("Education", "100.01"),))
        ),
        "ABOVE_CAP",
    )
    assert (
        await rows(db, select(Bid)) == []
        and await rows(db, select(AuditEvent).where(AuditEvent.entity_type == "Bid")) == []
    )

    bid = await submit(db, market.acorn_staff, r.id, oak, "900.00", extras=(("Education", "100.00"),))
    assert bid.weekly_price == D("1000.00")  # at the cap applying: allowed
    await refused(db, lambda s: bids.amend_bid(s, market.acorn_staff, bid.id, offer(oak, "25000.00")), "ABOVE_CAP")
    assert (await get(db, Bid, bid.id)).weekly_price == D("1000.00") and (await get(db, Bid, bid.id)).amended_at is None
    assert [e.action for e in await events(db, "Bid", bid.id)] == ["bid.submit"]

    # the alliance sets the start's year's cap: from then on it is the one that applies
    async with db.transaction() as s:
        await dpvs.set_rate_cap(s, market.admin, lot_id=sc.lot.id, financial_year=fy, weekly_rate_cap=D("1100.00"))
    async with db.transaction() as s:
        amended = await bids.amend_bid(s, market.acorn_staff, bid.id, offer(oak, "1100.00"))
    assert amended.weekly_price == D("1100.00")


async def test_a_lot_with_no_cap_for_the_start_or_any_earlier_year_takes_no_bids(db, market):
    start, fy = _start_and_year()
    for caps in ([], [(fy + 1, D("1000.00"))]):  # none at all; only a later year's, which does not apply back
        sc = await scene(db, market, members=2, rate_caps=caps)
        r = await published(db, market.barnet_officer, sc.lot.id, planned_start=start)
        with pytest.raises(UserErrors) as exc:
            await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id, "0.01")
        assert [(e.field, e.code.value) for e in exc.value.errors] == [("requirement_id", "NO_RATE_CAP")]
        assert f"no weekly rate cap for {fy}/{str(fy + 1)[-2:]} or any earlier year" in exc.value.errors[0].message
        assert (
            await rows(db, select(Bid)) == []
            and await rows(db, select(AuditEvent).where(AuditEvent.entity_type == "Bid")) == []
        )


async def test_the_evaluation_and_the_award_judge_a_bid_by_the_cap_that_applies_to_the_planned_start(db, market):
    start, fy = _start_and_year()
    sc = await scene(db, market, members=2, rate_caps=[(fy - 1, D("1000.00"))])
    r = await published(db, market.barnet_officer, sc.lot.id, planned_start=start, urgency=Urgency.EMERGENCY)
    oak = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id, "950.00")
    lodge = await submit(db, market.birch_staff, r.id, sc.settings["Birch Lodge"].id, "850.00")
    async with db.transaction() as s:  # the alliance revises last year's cap down after the bids came in
        await dpvs.set_rate_cap(s, market.admin, lot_id=sc.lot.id, financial_year=fy - 1, weekly_rate_cap=D("900.00"))
    async with db.session() as s:
        evaluation = (await evaluation_queries.evaluate_one(s, await s.get(Requirement, r.id))).evaluation
    assert evaluation.cap == D("900.00")
    assert evaluation.bid(oak.id).excluded and evaluation.bid(oak.id).exclusion_reasons == (
        evaluation_rules.ExclusionReason.ABOVE_CAP,
    )
    assert evaluation.bid(lodge.id).rank == 1
    assert "under the £900.00 cap" in evaluation.bid(lodge.id).criterion(Criterion.PRICE).explanation

    officer = officer_with_award(market)
    with pytest.raises(UserErrors) as exc:
        async with db.transaction() as s:
            await award.accept_bid(s, officer, oak.id, rationale="Closest to school")
    assert codes(exc) == {"BID_EXCLUDED"} and "ABOVE_CAP" in exc.value.errors[0].message
    assert (await get(db, Requirement, r.id)).status is RequirementStatus.OPEN and (
        await get(db, Bid, oak.id)
    ).status is BidStatus.SUBMITTED
