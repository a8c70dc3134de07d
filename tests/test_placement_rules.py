"""The placement search's rules in plain Python against a real PostgreSQL: who may post where, the state
machine, the reference, the pseudonymised child, and who publishing invites."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from api.core import clock
from api.core.audit import AuditEvent
from api.core.config import get_settings
from api.core.errors import Forbidden, UserErrors
from api.core.idempotency import IdempotencyKey
from api.core.keyfile import configured_or_generated
from api.core.principal import OrganisationKind
from api.core.timers import Timer, TimerState
from api.market import agreements, dpvs, settings as setting_rules
from api.market.enums import DpvCategory, LegalBasis, MembershipStatus
from api.market.models import Setting
from api.placements import child as child_rules, requirements
from api.placements.deadlines import default_deadline
from api.placements.enums import InvitationStatus, MatchLevel, NotInvitedReason, RequirementStatus, Urgency
from api.placements.models import Invitation, Requirement, RequirementChild, UninvitedMember
from api.placements.requirements import DEADLINE_TIMER
from tests.conftest import StatementCounter, make_org
from tests.placement_factories import child, draft, fields, member, published, scene


def codes(exc: pytest.ExceptionInfo) -> set[str]:
    return {e.code.value for e in exc.value.errors}


async def rows(db, stmt) -> list:
    async with db.session() as s:
        return list((await s.execute(stmt)).scalars())


# --- who may post where ------------------------------------------------------------------------------------


async def test_the_lead_borough_and_a_borough_with_an_agreement_may_post_others_not(db, market):
    sc = await scene(db, market, members=2)
    r = await draft(db, market.barnet_officer, sc.lot.id)  # Barnet leads the vehicle
    assert r.status is RequirementStatus.DRAFT and r.authority_id == market.barnet.id and r.response_deadline is None

    with pytest.raises(UserErrors) as exc:  # Ealing has no access agreement
        await draft(db, market.ealing_officer, sc.lot.id)
    assert codes(exc) == {"NO_ACCESS_AGREEMENT"}

    async with db.transaction() as s:
        agreement = await agreements.create_agreement(
            s, market.admin, dpv_id=sc.dpv.id, authority_id=market.ealing.id, starts_on=date(2025, 4, 1)
        )
    assert (await draft(db, market.ealing_officer, sc.lot.id)).authority_id == market.ealing.id

    async with db.transaction() as s:  # notice given long ago: the agreement has ended
        await agreements.give_notice(s, market.admin, agreement.id, on=date(2025, 4, 2))
    with pytest.raises(UserErrors) as exc:
        await draft(db, market.ealing_officer, sc.lot.id)
    assert codes(exc) == {"NO_ACCESS_AGREEMENT"}


async def test_nothing_is_posted_under_a_vehicle_outside_its_term(db, market):
    async with db.transaction() as s:
        dpv = await dpvs.create_dpv(
            s,
            market.admin,
            name="Future",
            category=DpvCategory.SEN_SCHOOLS,
            lead_authority_id=market.barnet.id,
            legal_basis=LegalBasis.PA_2023_DYNAMIC_MARKET,
            starts_on=clock.today() + timedelta(days=30),
        )
        lot = await dpvs.create_lot(s, market.admin, dpv_id=dpv.id, code="DAY", name="Day")
    with pytest.raises(UserErrors) as exc:
        await draft(db, market.barnet_officer, lot.id, planned_start=clock.today() + timedelta(days=40))
    assert codes(exc) == {"VEHICLE_NOT_IN_TERM"}


async def test_the_planned_start_falls_within_the_vehicles_current_term(db, market):
    sc = await scene(db, market, members=2)
    end, final = sc.dpv.ends_on, sc.dpv.final_possible_end  # 3 years from 1 April 2025; 3 options of a year
    with pytest.raises(UserErrors) as exc:  # a day after the term as it stands
        await draft(db, market.barnet_officer, sc.lot.id, planned_start=end + timedelta(days=1))
    assert [(e.field, e.code.value, e.message) for e in exc.value.errors] == [
        (
            "planned_start",
            "PLANNED_START_OUTSIDE_TERM",
            f"The planned start must fall within the vehicle's term, 2025-04-01 to {end.isoformat()} (its end moves a "
            f"year with each extension option the alliance exercises, to {final.isoformat()} at the latest)",
        )
    ]
    assert (
        await rows(db, select(Requirement)) == []
        and await rows(db, select(AuditEvent).where(AuditEvent.entity_type == "Requirement")) == []
    )

    r = await draft(db, market.barnet_officer, sc.lot.id, planned_start=end)  # its last day: allowed
    with pytest.raises(UserErrors) as exc:
        async with db.transaction() as s:
            await requirements.update_requirement(
                s, market.barnet_officer, r.id, {"planned_start": end + timedelta(days=1)}
            )
    assert codes(exc) == {"PLANNED_START_OUTSIDE_TERM"}
    assert (await rows(db, select(Requirement.planned_start)))[0] == end
    assert [e.action for e in await rows(db, select(AuditEvent).where(AuditEvent.entity_type == "Requirement"))] == [
        "requirement.create"
    ]

    async with db.transaction() as s:  # an option exercised: the term, and the starts it takes, move a year
        dpv = await dpvs.exercise_extension(s, market.admin, sc.dpv.id)
    later = dpv.ends_on
    assert later > end
    async with db.transaction() as s:
        await requirements.update_requirement(s, market.barnet_officer, r.id, {"planned_start": later})

    # a draft whose start lies outside the term (written before this rule) is not published
    async with db.transaction() as s:
        await s.execute(
            update(Requirement).where(Requirement.id == r.id).values(planned_start=later + timedelta(days=1))
        )
    with pytest.raises(UserErrors) as exc:
        async with db.transaction() as s:
            await requirements.publish(s, market.barnet_officer, r.id)
    assert codes(exc) == {"PLANNED_START_OUTSIDE_TERM"}
    assert (await rows(db, select(Requirement.status)))[0] is RequirementStatus.DRAFT
    assert await rows(db, select(Invitation)) == []
    assert await rows(db, select(Timer).where(Timer.kind == DEADLINE_TIMER)) == []


async def test_only_boroughs_post_and_only_for_themselves(db, market):
    sc = await scene(db, market, members=2)
    for outsider in (market.admin, market.acorn_staff):
        with pytest.raises(Forbidden):
            await draft(db, outsider, sc.lot.id)
    r = await draft(db, market.barnet_officer, sc.lot.id)
    async with db.transaction() as s:  # another borough's requirement: no such requirement
        with pytest.raises(Forbidden):
            await requirements.publish(s, market.ealing_officer, r.id)
        with pytest.raises(Forbidden):
            await requirements.cancel(s, market.ealing_officer, r.id, reason="mine now")


async def test_broken_rules_are_all_reported_and_change_nothing(db, market):
    sc = await scene(db, market, members=2)
    bad_child = child(
        case_reference=" ",
        age_years=30,
        sibling_group_size=0,
        home_postcode_district="NW10 4AB",
        home_latitude=48.0,
        max_distance_km=0,
        avoid_areas=["nowhere"],
    )
    with pytest.raises(UserErrors) as exc:
        await draft(
            db,
            market.barnet_officer,
            sc.lot.id,
            child_=bad_child,
            planned_start=clock.today() - timedelta(1),
            expected_duration_weeks=0,
            response_deadline=clock.now() - timedelta(minutes=1),
        )
    assert codes(exc) == {
        "CASE_REFERENCE_REQUIRED",
        "INVALID_AGE",
        "INVALID_SIBLING_GROUP_SIZE",
        "INVALID_POSTCODE_DISTRICT",
        "LOCATION_OUTSIDE_ENGLAND_AND_WALES",
        "INVALID_DISTANCE",
        "INVALID_AVOID_AREA",
        "PLANNED_START_IN_PAST",
        "INVALID_DURATION",
        "DEADLINE_IN_PAST",
    }
    fields_at_fault = {e.field for e in exc.value.errors}
    assert {"child.case_reference", "child.home_location", "planned_start", "response_deadline"} <= fields_at_fault
    assert (
        await rows(db, select(Requirement)) == []
        and await rows(db, select(AuditEvent).where(AuditEvent.entity_type == "Requirement")) == []
    )


# --- the reference -------------------------------------------------------------------------------------------


async def test_references_count_per_borough_per_year_even_when_created_at_once(db, market):
    sc = await scene(db, market, members=2)
    async with db.transaction() as s:
        await agreements.create_agreement(
            s, market.admin, dpv_id=sc.dpv.id, authority_id=market.ealing.id, starts_on=date(2025, 4, 1)
        )
    year = datetime.now(clock.LONDON).year
    made = await asyncio.gather(
        *[draft(db, market.barnet_officer, sc.lot.id) for _ in range(6)], draft(db, market.ealing_officer, sc.lot.id)
    )
    barnet = sorted(r.reference for r in made if r.authority_id == market.barnet.id)
    assert barnet == [f"BAR-{year}-{n:04d}" for n in range(1, 7)]
    assert [r.reference for r in made if r.authority_id == market.ealing.id] == [f"EAL-{year}-0001"]


# --- the child, pseudonymised -----------------------------------------------------------------------------------


async def test_the_case_reference_is_kept_only_as_a_keyed_hash(db, market):
    sc = await scene(db, market, members=2)
    r = await draft(db, market.barnet_officer, sc.lot.id, child_=child(case_reference=" mos-000123 "))
    (stored,) = await rows(db, select(RequirementChild))
    key = get_settings().child_reference_key.encode()
    expected = hmac.new(key, f"{market.barnet.id}|MOS-000123".encode(), hashlib.sha256).hexdigest()
    assert stored.case_reference_hash == expected
    assert stored.case_reference_hash != hashlib.sha256(b"MOS-000123").hexdigest()  # keyed, not a plain digest

    # the plain reference is nowhere: not in any column of the child, the requirement, the audit log
    async with db.session() as s:
        dumped = " ".join(
            str(v)
            for row in (
                await s.execute(
                    select(RequirementChild.__table__, Requirement.__table__).join(
                        Requirement, Requirement.id == RequirementChild.requirement_id
                    )
                )
            ).all()
            for v in row
        )
        audit = " ".join(str(e.data) for e in (await s.execute(select(AuditEvent))).scalars())
    assert "000123" not in dumped and "000123" not in audit
    assert child_rules.pseudonym(expected) in audit  # the audit names the child by its pseudonym

    # the same child in another borough is another hash; spacing and case do not make another child
    assert child_rules.hash_reference("MOS-000123", market.ealing.id) != expected
    assert child_rules.hash_reference("mos-000123", market.barnet.id) == expected
    assert r.id == stored.requirement_id


async def test_an_idempotent_create_keeps_no_guessable_digest_of_the_reference(db, market):
    sc = await scene(db, market, members=2)
    async with db.transaction() as s:
        first = await requirements.create_requirement(
            s, market.barnet_officer, fields_=fields(sc.lot.id), child=child(), idempotency_key="k-1"
        )
    async with db.transaction() as s:
        again = await requirements.create_requirement(
            s, market.barnet_officer, fields_=fields(sc.lot.id), child=child(), idempotency_key="k-1"
        )
    assert again.id == first.id and len(await rows(db, select(Requirement))) == 1
    (key_row,) = await rows(db, select(IdempotencyKey))
    assert key_row.request_hash  # a SHA-256 of the request, in which the case reference is the keyed hash


def test_the_development_key_is_generated_once_and_kept(tmp_path):
    first = configured_or_generated(None, tmp_path, "child-reference-key", "DPV_CHILD_REFERENCE_KEY")
    assert len(first) >= 32 and (tmp_path / "child-reference-key").stat().st_mode & 0o777 == 0o600
    assert configured_or_generated(None, tmp_path, "child-reference-key", "DPV_CHILD_REFERENCE_KEY") == first
    with pytest.raises(RuntimeError, match="DPV_CHILD_REFERENCE_KEY"):
        configured_or_generated("short", tmp_path, "child-reference-key", "DPV_CHILD_REFERENCE_KEY")


# --- the state machine ----------------------------------------------------------------------------------------


def test_the_transitions_table_covers_every_status_and_ends_are_final():
    assert set(requirements.TRANSITIONS) == set(RequirementStatus)
    for end in (RequirementStatus.PLACED, RequirementStatus.UNFILLED, RequirementStatus.CANCELLED):
        assert requirements.TRANSITIONS[end] == frozenset()
    assert requirements.TRANSITIONS[RequirementStatus.DRAFT] == {RequirementStatus.OPEN, RequirementStatus.CANCELLED}
    assert RequirementStatus.PLACED in requirements.TRANSITIONS[RequirementStatus.AWARDED]


async def test_a_draft_is_edited_published_once_closed_once_and_a_cancelled_one_stays_cancelled(db, market):
    sc = await scene(db, market, members=2)
    r = await draft(db, market.barnet_officer, sc.lot.id)
    async with db.transaction() as s:
        with pytest.raises(UserErrors) as exc:
            await requirements.close(s, market.barnet_officer, r.id)
    assert codes(exc) == {"INVALID_TRANSITION"}

    async with db.transaction() as s:
        r = await requirements.update_requirement(
            s, market.barnet_officer, r.id, {"urgency": Urgency.EMERGENCY}, child=child(age_years=13)
        )
    assert r.urgency is Urgency.EMERGENCY
    async with db.transaction() as s:
        r, _ = await requirements.publish(s, market.barnet_officer, r.id)
    for action in (
        lambda s: requirements.publish(s, market.barnet_officer, r.id),
        lambda s: requirements.update_requirement(s, market.barnet_officer, r.id, {"urgency": Urgency.URGENT}),
    ):
        async with db.transaction() as s:
            with pytest.raises(UserErrors) as exc:
                await action(s)
        assert codes(exc) <= {"INVALID_TRANSITION", "NOT_A_DRAFT"}

    async with db.transaction() as s:
        r = await requirements.close(s, market.barnet_officer, r.id, reason="Enough offers in hand")
    assert r.status is RequirementStatus.CLOSED and r.closed_at is not None
    (timer,) = await rows(db, select(Timer).where(Timer.kind == DEADLINE_TIMER))
    assert timer.state is TimerState.CANCELLED  # closing by hand cancels the deadline timer in the same transaction

    async with db.transaction() as s:
        r = await requirements.cancel(s, market.barnet_officer, r.id, reason="The child went home")
    async with db.transaction() as s:
        with pytest.raises(UserErrors) as exc:
            await requirements.cancel(s, market.barnet_officer, r.id, reason="again")
    assert codes(exc) == {"INVALID_TRANSITION"} and r.status is RequirementStatus.CANCELLED
    actions = [
        e.action
        for e in await rows(
            db, select(AuditEvent).where(AuditEvent.entity_type == "Requirement").order_by(AuditEvent.id)
        )
    ]
    assert actions == [
        "requirement.create",
        "requirement.update",
        "requirement.publish",
        "requirement.close",
        "requirement.cancel",
    ]


async def test_a_cancel_needs_a_reason_and_cancels_the_deadline_timer(db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    async with db.transaction() as s:
        with pytest.raises(UserErrors) as exc:
            await requirements.cancel(s, market.barnet_officer, r.id, reason="  ")
    assert codes(exc) == {"REASON_REQUIRED"}
    async with db.transaction() as s:
        await requirements.cancel(s, market.barnet_officer, r.id, reason="Placed with family")
    deadline_timers = await rows(db, select(Timer).where(Timer.kind == DEADLINE_TIMER))
    assert [t.state for t in deadline_timers] == [TimerState.CANCELLED]


# --- publishing ---------------------------------------------------------------------------------------------


async def test_publishing_sets_the_deadline_from_the_urgency_or_keeps_the_one_given(db, market):
    sc = await scene(db, market, members=2)
    now = clock.now()
    r = await published(db, market.barnet_officer, sc.lot.id, now=now, urgency=Urgency.PLANNED)
    assert r.status is RequirementStatus.OPEN and r.published_at == now
    assert r.response_deadline == default_deadline(Urgency.PLANNED, now)
    (timer,) = await rows(db, select(Timer).where(Timer.kind == DEADLINE_TIMER))
    assert (timer.kind, timer.subject_id, timer.due_at, timer.state) == (
        requirements.DEADLINE_TIMER,
        r.id,
        r.response_deadline,
        TimerState.PENDING,
    )

    given = (now + timedelta(hours=6)).replace(microsecond=0)
    r2 = await published(db, market.barnet_officer, sc.lot.id, response_deadline=given)
    assert r2.response_deadline == given


async def test_a_given_deadline_that_has_passed_by_publication_is_refused(db, market):
    sc = await scene(db, market, members=2)
    given = clock.now() + timedelta(hours=1)
    r = await draft(db, market.barnet_officer, sc.lot.id, response_deadline=given)
    async with db.transaction() as s:  # the server's clock, two hours on
        with pytest.raises(UserErrors) as exc:
            await requirements.publish(s, market.barnet_officer, r.id, now=given + timedelta(hours=1))
    assert codes(exc) == {"DEADLINE_IN_PAST"}


async def test_publishing_invites_exactly_the_eligible_members_and_records_the_rest(db, market):
    sc = await scene(db, market)
    r = await draft(db, market.barnet_officer, sc.lot.id)
    async with db.transaction() as s:
        r, invitations = await requirements.publish(s, market.barnet_officer, r.id)
    by_provider = {i.provider_id: i for i in invitations}
    assert set(by_provider) == {market.acorn.id, market.birch.id}
    assert all(i.status is InvitationStatus.INVITED for i in invitations)

    acorn = by_provider[market.acorn.id]
    assert acorn.match_level is MatchLevel.FULL and {r["met"] for r in acorn.match_reasons} == {True}
    birch = by_provider[market.birch.id]  # Reading: too far, and no autism specialism
    assert birch.match_level is MatchLevel.PARTIAL
    assert {r["code"] for r in birch.match_reasons if not r["met"]} == {"TOO_FAR", "SPECIALISMS_MISSING"}

    uninvited = {u.provider_id: u for u in await rows(db, select(UninvitedMember))}
    p = sc.providers
    assert {pid: u.reason for pid, u in uninvited.items()} == {
        p["cedar"].id: NotInvitedReason.DOCUMENTS_NOT_IN_FORCE,
        p["dove"].id: NotInvitedReason.NOT_ADMITTED,
        p["elm"].id: NotInvitedReason.SUSPENDED,
        p["fir"].id: NotInvitedReason.BARRED,
    }
    assert "public liability insurance" in uninvited[p["cedar"].id].detail

    (event,) = await rows(db, select(AuditEvent).where(AuditEvent.action == "requirement.publish"))
    assert event.data["invited"] == {str(market.acorn.id): "FULL", str(market.birch.id): "PARTIAL"}
    assert event.data["notInvited"][str(p["elm"].id)] == "SUSPENDED"


async def test_publishing_costs_the_same_statements_for_a_small_and_a_large_lot(db, market):
    sc = await scene(db, market, members=2)
    small = await draft(db, market.barnet_officer, sc.lot.id)
    with StatementCounter(db) as two_members:
        async with db.transaction() as s:
            await requirements.publish(s, market.barnet_officer, small.id)
    for i in range(6):
        org = await make_org(db, OrganisationKind.PROVIDER, f"extra-{i}")
        await member(db, market, org, sc.lot, MembershipStatus.ADMITTED)
    large = await draft(db, market.barnet_officer, sc.lot.id)
    with StatementCounter(db) as eight_members:
        async with db.transaction() as s:
            _, invited = await requirements.publish(s, market.barnet_officer, large.id)
    assert len(invited) == 8
    assert eight_members.count == two_members.count, (two_members.statements, eight_members.statements)


async def test_no_one_outside_the_lot_is_invited_and_a_member_without_settings_matches_none(db, market):
    sc = await scene(db, market, members=2)
    async with db.transaction() as s:  # Birch's only home closes: still invited, nothing to match
        (birch_home,) = (await s.execute(select(Setting).where(Setting.provider_id == market.birch.id))).scalars()
        await setting_rules.update_setting(s, market.admin, birch_home.id, {"active": False})
    r = await published(db, market.barnet_officer, sc.lot.id)
    invited = await rows(db, select(Invitation).where(Invitation.requirement_id == r.id))
    invitations = {i.provider_id: i for i in invited}
    assert invitations[market.birch.id].match_level is MatchLevel.NONE
    assert invitations[market.birch.id].match_reasons[0]["code"] == "NO_ACTIVE_SETTING"
    assert (await rows(db, select(func.count()).select_from(Invitation))) == [2]
