"""Quality and safeguarding in plain Python against a real PostgreSQL (api/safeguarding/): suspending a provider
withdraws its invitations on open requirements, excludes its live bids, refuses its new bids, keeps it out of the
next requirement and flags its running placements; reinstatement makes it eligible again; a document expiring
suspends its provider by the timer (the clock driven, the runner run for real) and a replacement lifts it; an
Inadequate Ofsted judgement raises an alert and stops bids with the setting; alerts are raised, reviewed and
shown in the evaluation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from api.core import clock, timers
from api.core.audit import AuditEvent
from api.core.clock import LONDON
from api.core.config import get_settings
from api.core.errors import Forbidden
from api.core.principal import Scope
from api.core.timers import Timer, TimerState
from api.market import agreements, documents, settings as setting_rules, stage1
from api.market.enums import DocumentKind, MembershipStatus, OfstedGrade
from api.market.models import Document
from api.placements import bids, evaluation_queries
from api.placements.enums import BidStatus, InvitationStatus, NotInvitedReason
from api.placements.evaluation_rules import ExclusionReason
from api.placements.models import Bid, Invitation, Placement, Requirement, UninvitedMember
from api.safeguarding import alerts, expiry, suspensions
from api.safeguarding.enums import AlertCategory, AlertSeverity, AlertStatus, SuspensionReason, SuspensionScope
from api.safeguarding.models import SafeguardingAlert, SafeguardingAlertUpdate, Suspension
from tests.conftest import principal_for, waiting_for_locks
from tests.factories import dpv_with_lots
from tests.placement_factories import offer, published, scene, submit
from tests.safeguarding_factories import live_placement, membership_status
from tests.test_bid_rules import events, get, refused, rows


def lead(market):
    return principal_for(market.wla, Scope.WLA_SAFEGUARDING)


async def actions(db, entity_type: str, entity_id: int) -> list[str]:
    return [e.action for e in await events(db, entity_type, entity_id)]


async def suspend(db, market, provider_id, **kw) -> Suspension:
    async with db.transaction() as s:
        return await suspensions.suspend(
            s, lead(market), provider_id=provider_id, reason=kw.pop("reason", SuspensionReason.SAFEGUARDING), **kw
        )


async def evaluated(db, requirement_id):
    async with db.session() as s:
        r = await s.get(Requirement, requirement_id)
        return (await evaluation_queries.evaluate_one(s, r)).evaluation


# --- the done-when: suspended, withdrawn, excluded, not invited, reinstated ----------------------------------


async def test_a_suspended_provider_is_withdrawn_excluded_refused_not_invited_then_eligible_again(db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    bid = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id)
    other = await submit(db, market.birch_staff, r.id, sc.settings["Birch Lodge"].id)

    # denial first: the `wla` scope alone, a borough, the provider itself; nothing changes
    for outsider in (principal_for(market.wla, Scope.WLA), market.barnet_officer, market.acorn_staff):
        with pytest.raises(Forbidden):
            async with db.transaction() as s:
                await suspensions.suspend(
                    s, outsider, provider_id=market.acorn.id, reason=SuspensionReason.SAFEGUARDING
                )
    assert await rows(db, select(Suspension)) == []
    assert await membership_status(db, market.acorn.id, sc.lot.id) is MembershipStatus.ADMITTED

    suspension = await suspend(db, market, market.acorn.id, notes="Allegation against a member of staff")
    assert (suspension.scope, suspension.starts_on, suspension.until) == (SuspensionScope.PROVIDER, clock.today(), None)
    assert await membership_status(db, market.acorn.id, sc.lot.id) is MembershipStatus.SUSPENDED
    (invitation,) = await rows(
        db, select(Invitation).where(Invitation.requirement_id == r.id, Invitation.provider_id == market.acorn.id)
    )
    assert invitation.status is InvitationStatus.WITHDRAWN and "suspended" in invitation.withdrawal_reason
    excluded = await get(db, Bid, bid.id)
    assert (excluded.status, excluded.exclusion_reason) == (BidStatus.EXCLUDED, ExclusionReason.PROVIDER_SUSPENDED)
    assert (await get(db, Bid, other.id)).status is BidStatus.SUBMITTED  # birch is untouched

    # the evaluation shows it excluded with the reason; birch is ranked
    evaluation = await evaluated(db, r.id)
    assert evaluation.bid(bid.id).excluded and evaluation.bid(bid.id).exclusion_reasons == (
        ExclusionReason.PROVIDER_SUSPENDED,
    )
    assert evaluation.bid(other.id).rank == 1

    # no bid or amendment while suspended (the membership is read before the invitation's state)
    await refused(
        db,
        lambda s: bids.submit_bid(s, market.acorn_staff, requirement_id=r.id, offer=offer(sc.settings["Oak House"].id)),
        "PROVIDER_SUSPENDED",
    )

    # the next requirement does not invite it
    nxt = await published(db, market.barnet_officer, sc.lot.id)
    (uninvited,) = await rows(db, select(UninvitedMember).where(UninvitedMember.requirement_id == nxt.id))
    assert (uninvited.provider_id, uninvited.reason) == (market.acorn.id, NotInvitedReason.SUSPENDED)

    # every change audited in the same transaction
    assert await actions(db, "Suspension", suspension.id) == ["provider.suspend"]
    assert await actions(db, "Invitation", invitation.id) == ["invitation.withdraw"]
    assert (await actions(db, "Bid", bid.id))[-1] == "bid.exclude"
    (event,) = await events(db, "Suspension", suspension.id)
    assert event.data["invitationsWithdrawn"] == [invitation.id] and event.data["bidsExcluded"] == [bid.id]

    # reinstatement: ADMITTED again, invited to the NEXT requirement; the withdrawn invitation and the excluded bid
    # stay as they are
    async with db.transaction() as s:
        await suspensions.reinstate(s, lead(market), suspension.id, notes="Allegation unfounded")
    assert await membership_status(db, market.acorn.id, sc.lot.id) is MembershipStatus.ADMITTED
    after = await published(db, market.barnet_officer, sc.lot.id)
    invited = {i.provider_id for i in await rows(db, select(Invitation).where(Invitation.requirement_id == after.id))}
    assert market.acorn.id in invited
    assert (await get(db, Invitation, invitation.id)).status is InvitationStatus.WITHDRAWN
    assert (await evaluated(db, r.id)).bid(bid.id).exclusion_reasons == (ExclusionReason.PROVIDER_SUSPENDED,)
    await refused(
        db,
        lambda s: bids.submit_bid(s, market.acorn_staff, requirement_id=r.id, offer=offer(sc.settings["Oak House"].id)),
        "INVITATION_WITHDRAWN",
    )
    await submit(db, market.acorn_staff, after.id, sc.settings["Oak House"].id)  # bids on the next one
    assert await actions(db, "Suspension", suspension.id) == ["provider.suspend", "provider.reinstate"]
    await refused(db, lambda s: suspensions.reinstate(s, lead(market), suspension.id), "ALREADY_LIFTED")


async def test_bad_input_is_a_user_error_and_changes_nothing(db, market):
    sc = await scene(db, market, members=2)
    dpv, lots = sc.dpv, [sc.lot]
    today = clock.today()
    await refused(
        db,
        lambda s: suspensions.suspend(
            s,
            lead(market),
            provider_id=market.acorn.id,
            dpv_id=dpv.id,
            lot_id=lots[0].id,
            reason=SuspensionReason.OTHER,
            until=today,
        ),
        "DPV_AND_LOT",
        "UNTIL_NOT_IN_FUTURE",
    )
    await refused(
        db,
        lambda s: suspensions.suspend(
            s, lead(market), provider_id=market.acorn.id, reason=SuspensionReason.DOCUMENT_EXPIRED
        ),
        "REASON_RESERVED",
    )
    _, other_lots = await dpv_with_lots(db, market, lots=1, name="Another DPV")
    await refused(
        db,
        lambda s: suspensions.suspend(
            s, lead(market), provider_id=market.acorn.id, lot_id=other_lots[0].id, reason=SuspensionReason.OTHER
        ),
        "NOT_A_MEMBER",
    )
    with pytest.raises(Forbidden):  # not a provider
        async with db.transaction() as s:
            await suspensions.suspend(s, lead(market), provider_id=market.barnet.id, reason=SuspensionReason.OTHER)
    assert await rows(db, select(Suspension)) == []
    assert await rows(db, select(AuditEvent).where(AuditEvent.entity_type == "Suspension")) == []


async def test_overlapping_suspensions_a_lot_one_and_a_vehicle_one_until_a_date_lifted_by_its_timer(db, market):
    sc = await scene(db, market, members=2)
    tomorrow = clock.today() + timedelta(days=1)
    by_lot = await suspend(
        db, market, market.acorn.id, lot_id=sc.lot.id, until=tomorrow, reason=SuspensionReason.QUALITY_OF_CARE
    )
    by_dpv = await suspend(db, market, market.acorn.id, dpv_id=sc.dpv.id)
    async with db.session() as s:
        (timer,) = (await s.execute(select(Timer).where(Timer.kind == suspensions.LIFT_TIMER))).scalars()
    midnight = datetime.combine(tomorrow, time(0), tzinfo=LONDON)
    assert (timer.subject_id, timer.due_at) == (by_lot.id, midnight.astimezone(UTC))

    assert await timers.run_due_timers(db, now=midnight - timedelta(seconds=1)) == 0
    assert await timers.run_due_timers(db, now=midnight) == 1
    lifted = await get(db, Suspension, by_lot.id)
    assert lifted.lifted_at == midnight and lifted.lifted_by == suspensions.LIFT_ACTOR_ID
    # the vehicle's suspension still covers the lot
    assert await membership_status(db, market.acorn.id, sc.lot.id) is MembershipStatus.SUSPENDED
    (event,) = [e for e in await events(db, "Suspension", by_lot.id) if e.action == "provider.reinstate"]
    assert (event.actor_kind, event.data["trigger"], event.data["stillSuspended"]) == (
        "SYSTEM",
        "until",
        [event.data["stillSuspended"][0]],
    )
    async with db.transaction() as s:
        await suspensions.reinstate(s, lead(market), by_dpv.id)
    assert await membership_status(db, market.acorn.id, sc.lot.id) is MembershipStatus.ADMITTED


async def test_reinstating_by_hand_cancels_the_until_timer(db, market):
    sc = await scene(db, market, members=2)
    s1 = await suspend(db, market, market.acorn.id, until=clock.today() + timedelta(days=10))
    async with db.transaction() as s:
        await suspensions.reinstate(s, lead(market), s1.id)
    async with db.session() as s:
        (timer,) = (await s.execute(select(Timer).where(Timer.kind == suspensions.LIFT_TIMER))).scalars()
    assert timer.state is TimerState.CANCELLED
    assert await membership_status(db, market.acorn.id, sc.lot.id) is MembershipStatus.ADMITTED


async def test_a_bar_is_final_and_a_running_placement_continues_flagged_for_review(db, market):
    sc, placement = await live_placement(db, market)
    assert placement.review_flagged_at is None
    barred = await suspend(db, market, market.acorn.id, reason=SuspensionReason.MISCONDUCT)  # a suspension first
    async with db.transaction() as s:
        bar = await suspensions.bar(
            s,
            lead(market),
            provider_id=market.acorn.id,
            lot_id=sc.lot.id,
            reason=SuspensionReason.MISCONDUCT,
            notes="Fraud",
        )
    assert await membership_status(db, market.acorn.id, sc.lot.id) is MembershipStatus.BARRED
    flagged = await get(db, Placement, placement.id)
    assert flagged.status.value == "LIVE" and flagged.review_flagged_at is not None
    assert "barred" in flagged.review_flag_reason
    assert [a for a in await actions(db, "Placement", placement.id) if a.startswith("placement.flag")] == [
        "placement.flag_for_review",
        "placement.flag_for_review",
    ]  # by the suspension, then by the bar
    await refused(db, lambda s: suspensions.reinstate(s, lead(market), bar.id), "BAR_IS_FINAL")
    async with db.transaction() as s:  # lifting the earlier suspension does not undo the bar
        await suspensions.reinstate(s, lead(market), barred.id)
    assert await membership_status(db, market.acorn.id, sc.lot.id) is MembershipStatus.BARRED


# --- stage-1 documents expire ----------------------------------------------------------------------------


def drive_clock(monkeypatch, at: datetime) -> None:
    """The server's clock (api/core/clock.py) at `at`: every rule and the timer runner read it."""
    monkeypatch.setattr(clock, "now", lambda: at)
    monkeypatch.setattr(clock, "today", lambda: at.astimezone(LONDON).date())


async def test_a_document_whose_validity_ends_in_the_next_minute_suspends_its_provider_by_itself(
    db, market, monkeypatch
):
    sc = await scene(db, market, members=3)
    cedar = sc.providers["cedar"]  # admitted, with no public liability insurance on record
    # a day well ahead (the live test server's runner, on real time, never reaches it), before the scene's other
    # documents expire (in a year), one minute to midnight
    last_day = clock.today() + timedelta(days=100)
    drive_clock(monkeypatch, datetime.combine(last_day, time(23, 59), tzinfo=LONDON).astimezone(UTC))
    async with db.transaction() as s:
        doc = await documents.record_document(
            s,
            sc.staff("cedar"),
            provider_id=cedar.id,
            kind=DocumentKind.PUBLIC_LIABILITY_INSURANCE,
            reference="PL-2",
            valid_from=last_day - timedelta(days=364),
            valid_until=last_day,
            cover_amount=Decimal("5000000"),
        )
    async with db.session() as s:
        pending = {
            (t.kind, t.subject_id): t
            for t in (await s.execute(select(Timer).where(Timer.state == TimerState.PENDING))).scalars()
        }
    # the expiry at the start of the next day in England; the warnings already past are not scheduled
    assert (expiry.EXPIRY_TIMER, doc.id) in pending and (expiry.WARNING_TIMER, doc.id) not in pending

    drive_clock(monkeypatch, datetime.combine(last_day, time(23, 59, 59), tzinfo=LONDON).astimezone(UTC))
    await timers.run_due_timers(db)
    assert await membership_status(db, cedar.id, sc.lot.id) is MembershipStatus.ADMITTED

    midnight = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(UTC)
    drive_clock(monkeypatch, midnight + timedelta(seconds=1))
    await timers.run_due_timers(db)  # the runner, for real, at the clock's time
    assert await membership_status(db, cedar.id, sc.lot.id) is MembershipStatus.SUSPENDED
    (suspension,) = await rows(db, select(Suspension))
    assert (suspension.reason, suspension.document_id, suspension.lifted_at) == (
        SuspensionReason.DOCUMENT_EXPIRED,
        doc.id,
        None,
    )
    expire_events = [e for e in await events(db, "Document", doc.id) if e.action == "document.expire"]
    assert len(expire_events) == 1 and expire_events[0].actor_kind == "SYSTEM"
    assert expire_events[0].organisation_id == market.wla.id and expire_events[0].data["suspensionId"] == suspension.id

    # a valid replacement of the same kind lifts that suspension in the recording's transaction
    async with db.transaction() as s:
        await documents.record_document(
            s,
            sc.staff("cedar"),
            provider_id=cedar.id,
            kind=DocumentKind.PUBLIC_LIABILITY_INSURANCE,
            reference="PL-3",
            valid_from=last_day + timedelta(days=1),
            valid_until=last_day + timedelta(days=365),
            cover_amount=Decimal("5000000"),
        )
    assert (await get(db, Suspension, suspension.id)).lifted_at is not None
    assert await membership_status(db, cedar.id, sc.lot.id) is MembershipStatus.ADMITTED
    assert "provider.reinstate" in await actions(db, "Suspension", suspension.id)


async def test_warnings_30_and_7_days_before_then_a_replacement_cancels_the_old_documents_timers(db, market):
    sc = await scene(db, market, members=3)
    cedar = sc.providers["cedar"]  # admitted, with no public liability insurance on record
    last_day = clock.today() + timedelta(days=60)
    async with db.transaction() as s:
        doc = await documents.record_document(
            s,
            market.admin,
            provider_id=cedar.id,
            kind=DocumentKind.PUBLIC_LIABILITY_INSURANCE,
            reference="PL-2",
            valid_from=clock.today() - timedelta(days=300),
            valid_until=last_day,
            cover_amount=Decimal("5000000"),
        )

    def start(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)

    assert await timers.run_due_timers(db, now=start(last_day - timedelta(days=30)) - timedelta(seconds=1)) == 0
    assert await timers.run_due_timers(db, now=start(last_day - timedelta(days=30))) == 1
    assert await timers.run_due_timers(db, now=start(last_day - timedelta(days=7))) == 1
    warned = [e for e in await events(db, "Document", doc.id) if e.action == "document.expiry_warning"]
    assert [e.data["daysBefore"] for e in warned] == [30, 7]
    assert all(e.data["validUntil"] == last_day.isoformat() for e in warned)
    assert await membership_status(db, cedar.id, sc.lot.id) is MembershipStatus.ADMITTED

    # renewed before it expires: the old document's expiry timer is cancelled, nothing is suspended
    async with db.transaction() as s:
        await documents.record_document(
            s,
            market.admin,
            provider_id=cedar.id,
            kind=DocumentKind.PUBLIC_LIABILITY_INSURANCE,
            reference="PL-3",
            valid_from=clock.today(),
            valid_until=last_day + timedelta(days=365),
            cover_amount=Decimal("5000000"),
        )
    async with db.session() as s:
        old = (
            await s.execute(select(Timer).where(Timer.subject_id == doc.id, Timer.kind == expiry.EXPIRY_TIMER))
        ).scalar_one()
    assert old.state is TimerState.CANCELLED
    await timers.run_due_timers(db, now=start(last_day + timedelta(days=1)))
    assert await rows(db, select(Suspension)) == []


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


async def pending_timers(db, subject_id: int) -> set[str]:
    return {
        t.kind
        for t in await rows(db, select(Timer).where(Timer.subject_id == subject_id, Timer.state == TimerState.PENDING))
    }


async def test_an_old_expired_document_recorded_beside_one_in_force_suspends_no_one(db, market):
    sc = await scene(db, market, members=2)  # acorn's public liability insurance PL-1 runs for another year
    (in_force,) = await rows(
        db,
        select(Document).where(
            Document.provider_id == market.acorn.id, Document.kind == DocumentKind.PUBLIC_LIABILITY_INSURANCE
        ),
    )
    async with db.transaction() as s:  # last year's certificate, recorded for the record: it started after PL-1
        old = await documents.record_document(
            s,
            market.acorn_staff,
            provider_id=market.acorn.id,
            kind=DocumentKind.PUBLIC_LIABILITY_INSURANCE,
            reference="PL-OLD",
            valid_from=clock.today() - timedelta(days=200),
            valid_until=clock.today() - timedelta(days=10),
            cover_amount=Decimal("5000000"),
        )
    assert await pending_timers(db, old.id) == set()  # its end matters to no one: PL-1 covers it
    assert await pending_timers(db, in_force.id) == {expiry.EXPIRY_TIMER, expiry.WARNING_TIMER}  # PL-1's stay

    await timers.run_due_timers(db)
    assert await membership_status(db, market.acorn.id, sc.lot.id) is MembershipStatus.ADMITTED
    assert await rows(db, select(Suspension)) == []
    assert "document.expire" not in await actions(db, "Document", old.id)
    async with db.session() as s:  # stage 1 still met, and publishing invites it
        docs = list((await s.execute(select(Document).where(Document.provider_id == market.acorn.id))).scalars())
    assert stage1.assess(docs, clock.today(), stage1.Thresholds.from_settings(get_settings())) == []
    r = await published(db, market.barnet_officer, sc.lot.id)
    assert market.acorn.id in {
        i.provider_id for i in await rows(db, select(Invitation).where(Invitation.requirement_id == r.id))
    }

    # PL-1's own end still suspends: the old certificate stands in front of nothing, and behind nothing either
    await timers.run_due_timers(db, now=expiry.expires_at(in_force.valid_until))
    (suspension,) = [x for x in await rows(db, select(Suspension)) if x.document_id == in_force.id]
    assert suspension.reason is SuspensionReason.DOCUMENT_EXPIRED


async def test_a_document_whose_end_another_in_force_covers_warns_and_suspends_no_one(db, market):
    sc = await scene(db, market, members=3)
    cedar = sc.providers["cedar"]  # admitted, with no public liability insurance on record
    today = clock.today()
    async with db.transaction() as s:
        ending = await documents.record_document(
            s,
            market.admin,
            provider_id=cedar.id,
            kind=DocumentKind.PUBLIC_LIABILITY_INSURANCE,
            reference="PL-2",
            valid_from=today - timedelta(days=300),
            valid_until=today + timedelta(days=60),
            cover_amount=Decimal("5000000"),
        )
    assert await pending_timers(db, ending.id) == {expiry.EXPIRY_TIMER, expiry.WARNING_TIMER}
    async with db.transaction() as s:  # a longer policy that started before it, recorded late
        longer = await documents.record_document(
            s,
            market.admin,
            provider_id=cedar.id,
            kind=DocumentKind.PUBLIC_LIABILITY_INSURANCE,
            reference="PL-1",
            valid_from=today - timedelta(days=400),
            valid_until=today + timedelta(days=200),
            cover_amount=Decimal("5000000"),
        )
    assert await pending_timers(db, ending.id) == set()
    assert await pending_timers(db, longer.id) == {expiry.EXPIRY_TIMER, expiry.WARNING_TIMER}

    for day in (60 - 30, 60 - 7, 61):  # PL-2's warnings and its expiry pass: PL-1 is in force throughout
        await timers.run_due_timers(db, now=start_of(today + timedelta(days=day)))
    assert await actions(db, "Document", ending.id) == ["document.record"]
    assert await rows(db, select(Suspension)) == []
    assert await membership_status(db, cedar.id, sc.lot.id) is MembershipStatus.ADMITTED
    # PL-1's warnings are sent: nothing covers its end
    await timers.run_due_timers(db, now=start_of(today + timedelta(days=200 - 30)))
    assert await actions(db, "Document", longer.id) == ["document.record", "document.expiry_warning"]


async def test_a_gap_between_a_document_and_its_renewal_suspends_for_the_gap_only(db, market):
    sc = await scene(db, market, members=3)
    cedar = sc.providers["cedar"]
    today = clock.today()
    async with db.transaction() as s:
        ending = await documents.record_document(
            s,
            market.admin,
            provider_id=cedar.id,
            kind=DocumentKind.PUBLIC_LIABILITY_INSURANCE,
            reference="PL-2",
            valid_from=today - timedelta(days=300),
            valid_until=today + timedelta(days=10),
            cover_amount=Decimal("5000000"),
        )
        renewal = await documents.record_document(  # recorded ahead, starting four days after the old one ends
            s,
            market.admin,
            provider_id=cedar.id,
            kind=DocumentKind.PUBLIC_LIABILITY_INSURANCE,
            reference="PL-3",
            valid_from=today + timedelta(days=15),
            valid_until=today + timedelta(days=380),
            cover_amount=Decimal("5000000"),
        )
    assert await pending_timers(db, ending.id) == {expiry.EXPIRY_TIMER, expiry.WARNING_TIMER}
    assert expiry.START_TIMER in await pending_timers(db, renewal.id)

    await timers.run_due_timers(db, now=start_of(today + timedelta(days=11)))
    (suspension,) = await rows(db, select(Suspension))
    assert (suspension.reason, suspension.document_id) == (SuspensionReason.DOCUMENT_EXPIRED, ending.id)
    assert await membership_status(db, cedar.id, sc.lot.id) is MembershipStatus.SUSPENDED
    await timers.run_due_timers(db, now=start_of(today + timedelta(days=15)))
    assert (await get(db, Suspension, suspension.id)).lifted_at is not None
    assert await membership_status(db, cedar.id, sc.lot.id) is MembershipStatus.ADMITTED
    assert "provider.reinstate" in await actions(db, "Suspension", suspension.id)


# --- Ofsted: Inadequate ------------------------------------------------------------------------------------


async def test_an_inadequate_judgement_raises_a_high_alert_and_stops_new_bids_with_the_setting(db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    oak = sc.settings["Oak House"]
    bid = await submit(db, market.acorn_staff, r.id, oak.id)
    async with db.transaction() as s:  # an older Inadequate recorded for the history raises nothing
        await setting_rules.record_ofsted_judgement(
            s, market.acorn_staff, setting_id=oak.id, grade=OfstedGrade.GOOD, inspected_on=date(2019, 3, 1)
        )
        await setting_rules.record_ofsted_judgement(
            s, market.acorn_staff, setting_id=oak.id, grade=OfstedGrade.INADEQUATE, inspected_on=date(2015, 3, 1)
        )
    assert await rows(db, select(SafeguardingAlert)) == []
    async with db.transaction() as s:
        await setting_rules.record_ofsted_judgement(
            s, market.acorn_staff, setting_id=oak.id, grade=OfstedGrade.INADEQUATE, inspected_on=clock.today()
        )
    (alert,) = await rows(db, select(SafeguardingAlert))
    assert (alert.setting_id, alert.provider_id, alert.severity, alert.category, alert.status) == (
        oak.id,
        market.acorn.id,
        AlertSeverity.HIGH,
        AlertCategory.REGULATORY,
        AlertStatus.OPEN,
    )
    assert (alert.raised_by_organisation_id, alert.raised_by_kind) == (market.wla.id, "SYSTEM")
    assert await actions(db, "SafeguardingAlert", alert.id) == ["safeguarding_alert.raise"]

    await refused(
        db, lambda s: bids.amend_bid(s, market.acorn_staff, bid.id, offer(oak.id, "950.00")), "SETTING_INADEQUATE"
    )
    ranked = (await evaluated(db, r.id)).bid(bid.id)
    assert ranked.excluded and ExclusionReason.SETTING_INADEQUATE in ranked.exclusion_reasons
    assert [a.alert_id for a in ranked.alerts] == [alert.id]
    nxt = await published(db, market.barnet_officer, sc.lot.id)
    await refused(
        db,
        lambda s: bids.submit_bid(s, market.acorn_staff, requirement_id=nxt.id, offer=offer(oak.id)),
        "SETTING_INADEQUATE",
    )


# --- alerts ---------------------------------------------------------------------------------------------------


async def test_a_high_alert_raised_by_ealing_shows_in_barnets_evaluation_of_that_providers_bid(db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    bid = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id)
    other = await submit(db, market.birch_staff, r.id, sc.settings["Birch Lodge"].id)

    # Ealing participates only once it holds an access agreement to Barnet's vehicle
    with pytest.raises(Forbidden):
        async with db.transaction() as s:
            await alerts.raise_alert(
                s,
                market.ealing_officer,
                provider_id=market.acorn.id,
                category=AlertCategory.MISSING_CHILD,
                severity=AlertSeverity.HIGH,
                summary="Repeated missing episodes, police not informed",
            )
    with pytest.raises(Forbidden):  # providers never raise alerts
        async with db.transaction() as s:
            await alerts.raise_alert(
                s,
                market.birch_staff,
                provider_id=market.acorn.id,
                category=AlertCategory.OTHER,
                severity=AlertSeverity.LOW,
                summary="x",
            )
    async with db.transaction() as s:
        await agreements.create_agreement(
            s, market.admin, dpv_id=sc.dpv.id, authority_id=market.ealing.id, starts_on=date(2025, 4, 1)
        )
    await refused(
        db,
        lambda s: alerts.raise_alert(
            s,
            market.ealing_officer,
            provider_id=market.acorn.id,
            setting_id=sc.settings["Birch Lodge"].id,
            category=AlertCategory.MISSING_CHILD,
            severity=AlertSeverity.HIGH,
            summary=" ",
        ),
        "SUMMARY_REQUIRED",
        "SETTING_NOT_OF_PROVIDER",
    )
    assert await rows(db, select(SafeguardingAlert)) == []

    async with db.transaction() as s:
        high = await alerts.raise_alert(
            s,
            market.ealing_officer,
            provider_id=market.acorn.id,
            category=AlertCategory.MISSING_CHILD,
            severity=AlertSeverity.HIGH,
            summary="Repeated missing episodes, police not informed",
            idempotency_key="k1",
        )
        again = await alerts.raise_alert(
            s,
            market.ealing_officer,
            provider_id=market.acorn.id,
            category=AlertCategory.MISSING_CHILD,
            severity=AlertSeverity.HIGH,
            summary="Repeated missing episodes, police not informed",
            idempotency_key="k1",
        )
        low = await alerts.raise_alert(
            s,
            market.ealing_officer,
            provider_id=market.acorn.id,
            setting_id=sc.settings["Oak House"].id,
            category=AlertCategory.PREMISES,
            severity=AlertSeverity.LOW,
            summary="Broken window lock",
        )
        on_other_setting = await alerts.raise_alert(
            s,
            market.admin,
            provider_id=market.acorn.id,
            setting_id=sc.settings["Far House"].id,
            category=AlertCategory.STAFFING,
            severity=AlertSeverity.CRITICAL,
            summary="No waking night staff",
        )
    assert again.id == high.id and high.raised_by_organisation_id == market.ealing.id

    evaluation = await evaluated(db, r.id)
    shown = evaluation.bid(bid.id).alerts
    assert [(a.alert_id, a.severity) for a in shown] == [(high.id, AlertSeverity.HIGH)]  # not LOW, not elsewhere
    assert evaluation.bid(bid.id).rank is not None  # an alert is shown, not a gate
    assert evaluation.bid(other.id).alerts == ()
    assert low.id and on_other_setting.id

    # reviewed: OPEN -> UNDER_REVIEW -> ESCALATED -> RESOLVED, then final; only the safeguarding leads
    with pytest.raises(Forbidden):
        async with db.transaction() as s:
            await alerts.update_alert(
                s, principal_for(market.wla, Scope.WLA), high.id, status=AlertStatus.UNDER_REVIEW, notes="n"
            )
    await refused(
        db,
        lambda s: alerts.update_alert(s, lead(market), high.id, status=AlertStatus.RESOLVED, notes=""),
        "INVALID_TRANSITION",
        "NOTES_REQUIRED",
    )
    for status, notes in (
        (AlertStatus.UNDER_REVIEW, "LADO informed"),
        (None, "Visit booked"),
        (AlertStatus.ESCALATED, "Referred to Ofsted"),
        (AlertStatus.RESOLVED, "Action plan met"),
    ):
        if status is AlertStatus.RESOLVED:
            assert [a.alert_id for a in (await evaluated(db, r.id)).bid(bid.id).alerts] == [high.id]
        async with db.transaction() as s:
            await alerts.update_alert(s, lead(market), high.id, status=status, notes=notes)
    await refused(
        db,
        lambda s: alerts.update_alert(s, lead(market), high.id, status=AlertStatus.UNDER_REVIEW, notes="again"),
        "INVALID_TRANSITION",
    )
    history = await rows(db, select(SafeguardingAlertUpdate).order_by(SafeguardingAlertUpdate.id))
    assert [(u.status_before, u.status_after, u.notes) for u in history] == [
        (AlertStatus.OPEN, AlertStatus.UNDER_REVIEW, "LADO informed"),
        (AlertStatus.UNDER_REVIEW, AlertStatus.UNDER_REVIEW, "Visit booked"),
        (AlertStatus.UNDER_REVIEW, AlertStatus.ESCALATED, "Referred to Ofsted"),
        (AlertStatus.ESCALATED, AlertStatus.RESOLVED, "Action plan met"),
    ]
    assert all(u.organisation_id == market.wla.id for u in history)
    assert (await evaluated(db, r.id)).bid(bid.id).alerts == ()  # resolved: no longer shown
    assert (
        await actions(db, "SafeguardingAlert", high.id)
        == ["safeguarding_alert.raise"] + ["safeguarding_alert.update"] * 4
    )


# --- a suspension racing a bid ----------------------------------------------------------------------------


async def test_a_bid_racing_a_suspension_is_excluded_or_refused_never_left_live(db, market):
    import asyncio

    from api.core.errors import UserErrors

    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)

    async def bid() -> str:
        try:
            await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id)
            return "submitted"
        except UserErrors as exc:
            return exc.errors[0].code.value

    # an officer's transaction holds the requirement: the bid and the suspension both queue behind it
    async with db.transaction() as officer:
        await officer.execute(select(Requirement).where(Requirement.id == r.id).with_for_update())
        racing_bid = asyncio.create_task(bid())
        racing_suspension = asyncio.create_task(suspend(db, market, market.acorn.id))
        await waiting_for_locks(db, 2)
        assert not racing_bid.done() and not racing_suspension.done()
    outcome, suspension = await asyncio.wait_for(asyncio.gather(racing_bid, racing_suspension), timeout=10)
    assert outcome in ("submitted", "PROVIDER_SUSPENDED")
    live = await rows(db, select(Bid).where(Bid.provider_id == market.acorn.id, Bid.status == BidStatus.SUBMITTED))
    assert live == []
    if outcome == "submitted":  # it committed first, and the suspension excluded it
        (excluded,) = await rows(db, select(Bid).where(Bid.provider_id == market.acorn.id))
        assert excluded.status is BidStatus.EXCLUDED
    assert await membership_status(db, market.acorn.id, sc.lot.id) is MembershipStatus.SUSPENDED
    assert suspension.id


async def test_a_provider_admitted_to_another_lot_while_suspended_or_barred_is_covered_at_once(db, market):
    """A suspension of the whole market holds for a lot the provider joins while it lasts, and lifting it
    restores that membership too; a bar of the market bars what it joins later."""
    from api.market import memberships as membership_rules
    from api.market.enums import MembershipDecision

    _, (lot_a, lot_b) = await dpv_with_lots(db, market, lots=2)
    sc = await scene(db, market, members=2)  # acorn admitted to the scene's lot, documents in force
    suspension = await suspend(db, market, market.acorn.id)  # the whole market
    async with db.transaction() as s:
        applied = await membership_rules.apply(s, market.admin, provider_id=market.acorn.id, lot_id=lot_a.id)
    async with db.transaction() as s:
        await membership_rules.decide(s, market.admin, applied.id, decision=MembershipDecision.ADMIT)
    assert await membership_status(db, market.acorn.id, lot_a.id) is MembershipStatus.SUSPENDED
    assert await actions(db, "Membership", applied.id) == [
        "membership.apply",
        "membership.decide",
        "membership.suspend",
    ]
    async with db.transaction() as s:
        await suspensions.reinstate(s, lead(market), suspension.id)
    assert await membership_status(db, market.acorn.id, lot_a.id) is MembershipStatus.ADMITTED
    assert await membership_status(db, market.acorn.id, sc.lot.id) is MembershipStatus.ADMITTED

    async with db.transaction() as s:
        await suspensions.bar(s, lead(market), provider_id=market.birch.id, reason=SuspensionReason.SAFEGUARDING)
    async with db.transaction() as s:
        applied = await membership_rules.apply(s, market.admin, provider_id=market.birch.id, lot_id=lot_b.id)
    async with db.transaction() as s:
        await membership_rules.decide(s, market.admin, applied.id, decision=MembershipDecision.ADMIT)
    assert await membership_status(db, market.birch.id, lot_b.id) is MembershipStatus.BARRED
