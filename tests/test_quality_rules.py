"""Provider reviews, their actions, and complaints in plain Python against a real PostgreSQL: who may do what,
the state machines (every move listed, anything else refused), user errors that change nothing, the history
and the audit events written with each change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from api.core import clock
from api.core.audit import AuditEvent
from api.core.errors import Forbidden, UserErrors
from api.core.principal import Scope
from api.quality import complaints, reviews
from api.quality.enums import (
    ComplaintKind,
    ComplaintParty,
    ComplaintStatus,
    ComplaintStep,
    ProviderReviewStatus,
    ReviewActionStatus,
)
from api.quality.models import Complaint, ComplaintEvent, ProviderReview, ReviewAction
from tests.conftest import count, principal_for
from tests.quality_factories import action, complaint, held, placed, review
from tests.test_bid_rules import events, get, rows


async def refused(db, act, *expected: str) -> None:
    """The action breaks the rules: the expected codes, and the transaction rolled back."""
    before = await count(db, AuditEvent)
    with pytest.raises(UserErrors) as exc:
        async with db.transaction() as s:
            await act(s)
    assert {e.code.value for e in exc.value.errors} == set(expected), [e.message for e in exc.value.errors]
    assert await count(db, AuditEvent) == before


async def forbidden(db, act) -> None:
    before = await count(db, AuditEvent)
    with pytest.raises(Forbidden):
        async with db.transaction() as s:
            await act(s)
    assert await count(db, AuditEvent) == before


def test_every_status_has_its_moves_listed():
    assert set(reviews.REVIEW_TRANSITIONS) == set(ProviderReviewStatus)
    assert set(reviews.ACTION_TRANSITIONS) == set(ReviewActionStatus)
    assert set(complaints.TRANSITIONS) == set(ComplaintStatus)
    assert (
        complaints.TRANSITIONS[ComplaintStatus.RESOLVED] == complaints.TRANSITIONS[ComplaintStatus.WITHDRAWN] == set()
    )


# --- reviews ------------------------------------------------------------------------------------------------


async def test_only_the_alliance_schedules_a_review_of_a_provider(db, market):
    on = clock.today() + timedelta(days=7)

    def schedule(who, provider_id=market.acorn.id, agenda="Quarterly review"):
        return lambda s: reviews.schedule_review(s, who, provider_id=provider_id, scheduled_on=on, agenda=agenda)

    for outsider in (market.barnet_officer, market.acorn_staff, principal_for(market.wla, Scope.WLA_SAFEGUARDING)):
        await forbidden(db, schedule(outsider))
    await refused(db, schedule(market.admin, provider_id=market.barnet.id), "NOT_A_PROVIDER")
    await refused(db, schedule(market.admin, agenda="   "), "AGENDA_REQUIRED")
    await refused(db, schedule(market.admin, agenda="x" * 8001), "TEXT_TOO_LONG")
    assert await count(db, ProviderReview) == 0

    first = await review(db, market, on=on, agenda="  Quarterly review ", key="r-1")
    assert (first.status, first.scheduled_on, first.agenda) == (ProviderReviewStatus.SCHEDULED, on, "Quarterly review")
    again = await review(db, market, on=on, agenda="Quarterly review", key="r-1")
    assert again.id == first.id and await count(db, ProviderReview) == 1
    await refused(
        db,
        lambda s: reviews.schedule_review(
            s, market.admin, provider_id=market.acorn.id, scheduled_on=on, agenda="Another", idempotency_key="r-1"
        ),
        "IDEMPOTENCY_KEY_REUSED",
    )
    (event,) = await events(db, "ProviderReview", first.id)
    assert event.action == "provider_review.schedule" and event.organisation_id == market.wla.id
    assert event.data == {"providerId": market.acorn.id, "scheduledOn": on.isoformat(), "to": "SCHEDULED"}


async def test_recording_a_review_once_held(db, market):
    r = await review(db, market)
    today = clock.today()

    def record(who=market.admin, **over):
        values = dict(
            held_on=today, attendees="WLA; Acorn", outcome="Plan agreed", notes="Shared", internal_notes="Ours"
        )
        values.update(over)
        return lambda s: reviews.record_review(s, who, r.id, **values)

    await forbidden(db, record(market.acorn_staff))
    await forbidden(
        db, lambda s: reviews.record_review(s, market.admin, r.id + 1000, held_on=today, attendees="a", outcome="o")
    )
    await refused(db, record(held_on=today + timedelta(days=1)), "HELD_ON_IN_FUTURE")
    await refused(db, record(attendees=" ", outcome=""), "ATTENDEES_REQUIRED", "OUTCOME_REQUIRED")
    await refused(db, record(notes="n" * 8001), "TEXT_TOO_LONG")
    assert (await get(db, ProviderReview, r.id)).status is ProviderReviewStatus.SCHEDULED

    done = await held(db, market, r.id, held_on=today - timedelta(days=1), notes=" ")
    assert done.status is ProviderReviewStatus.HELD and done.held_on == today - timedelta(days=1)
    assert done.notes is None and done.internal_notes == "Watch the missing-episodes trend"
    await refused(db, record(), "INVALID_TRANSITION")
    recorded = (await events(db, "ProviderReview", r.id))[-1]
    assert recorded.action == "provider_review.record"
    assert recorded.data == {
        "providerId": market.acorn.id,
        "from": "SCHEDULED",
        "to": "HELD",
        "heldOn": (today - timedelta(days=1)).isoformat(),
        "notesGiven": False,
        "internalNotesGiven": True,
    }
    assert "missing-episodes" not in str(recorded.data)  # free text stays on the row


async def test_actions_are_owned_by_a_party_of_the_review_and_closed_once(db, market):
    r = await review(db, market)

    def add(owner_id, **over):
        values = dict(description="Send the protocol", due_on=clock.today())
        values.update(over)
        return lambda s: reviews.add_action(s, market.admin, review_id=r.id, owner_organisation_id=owner_id, **values)

    await forbidden(
        db,
        lambda s: reviews.add_action(
            s, market.acorn_staff, review_id=r.id, description="d", owner_organisation_id=market.acorn.id
        ),
    )
    for not_a_party in (market.birch.id, market.barnet.id):
        await refused(db, add(not_a_party), "OWNER_NOT_A_PARTY")
    await refused(
        db, add(market.acorn.id, description=" ", due_on=clock.today() - timedelta(days=1)), "DESCRIPTION_REQUIRED"
    )
    await refused(db, add(market.acorn.id, due_on=clock.today() - timedelta(days=1)), "DUE_ON_IN_PAST")
    await refused(db, add(market.acorn.id, owner_name="n" * 201), "TEXT_TOO_LONG")
    assert await count(db, ReviewAction) == 0

    ours = await action(db, market, r.id, market.wla.id, owner_name=None, due_on=None)
    theirs = await action(db, market, r.id, market.acorn.id)
    assert (ours.status, ours.owner_organisation_id, ours.due_on) == (ReviewActionStatus.OPEN, market.wla.id, None)
    assert theirs.owner_name == "Registered manager"

    def update(action_id, status, note=None, who=market.admin):
        return lambda s: reviews.update_action(s, who, action_id, status=status, note=note)

    await forbidden(db, update(theirs.id, ReviewActionStatus.DONE, who=market.acorn_staff))
    await refused(db, update(theirs.id, ReviewActionStatus.OPEN), "INVALID_TRANSITION")
    await refused(db, update(theirs.id, ReviewActionStatus.CANCELLED), "NOTE_REQUIRED")
    async with db.transaction() as s:
        done = await update(theirs.id, ReviewActionStatus.DONE, "Received")(s)
    assert (done.status, done.status_note) == (ReviewActionStatus.DONE, "Received") and done.closed_at is not None
    await refused(db, update(theirs.id, ReviewActionStatus.CANCELLED, "Too late"), "INVALID_TRANSITION")
    async with db.transaction() as s:
        cancelled = await update(ours.id, ReviewActionStatus.CANCELLED, "Superseded by the new plan")(s)
    assert cancelled.status is ReviewActionStatus.CANCELLED

    assert [e.action for e in await events(db, "ReviewAction", theirs.id)] == [
        "review_action.add",
        "review_action.update",
    ]
    last = (await events(db, "ReviewAction", theirs.id))[-1]
    assert last.data == {"reviewId": r.id, "providerId": market.acorn.id, "from": "OPEN", "to": "DONE"}


# --- complaints ---------------------------------------------------------------------------------------------


async def test_who_raises_a_complaint_and_about_whom(db, market):
    def raise_(who, about_id, **over):
        values = dict(kind=ComplaintKind.COMPLAINT, subject="Late plan", description="Three weeks late")
        values.update(over)
        return lambda s: complaints.raise_complaint(s, who, about_id=about_id, **values)

    for outsider in (
        market.admin,
        principal_for(market.barnet, Scope.BOROUGH_AWARD),
        principal_for(market.acorn, Scope.PROVIDER_SIGN),
    ):
        await forbidden(db, raise_(outsider, market.acorn.id))
    await forbidden(db, raise_(market.barnet_officer, 999_999))  # no such organisation
    await refused(db, raise_(market.barnet_officer, market.ealing.id), "NOT_THE_OTHER_PARTY")
    await refused(db, raise_(market.acorn_staff, market.birch.id), "NOT_THE_OTHER_PARTY")
    await refused(db, raise_(market.barnet_officer, market.wla.id), "NOT_THE_OTHER_PARTY")
    await refused(
        db,
        raise_(market.barnet_officer, market.acorn.id, subject=" ", description=""),
        "SUBJECT_REQUIRED",
        "DESCRIPTION_REQUIRED",
    )
    await refused(db, raise_(market.barnet_officer, market.acorn.id, subject="s" * 201), "TEXT_TOO_LONG")
    assert await count(db, Complaint) == 0

    by_borough = await complaint(db, market.barnet_officer, market.acorn.id)
    assert (by_borough.raised_by, by_borough.authority_id, by_borough.provider_id) == (
        ComplaintParty.BOROUGH,
        market.barnet.id,
        market.acorn.id,
    )
    by_provider = await complaint(
        db, market.acorn_staff, market.ealing.id, kind=ComplaintKind.DISPUTE, subject="Invoice withheld"
    )
    assert (by_provider.raised_by, by_provider.authority_id, by_provider.provider_id, by_provider.kind) == (
        ComplaintParty.PROVIDER,
        market.ealing.id,
        market.acorn.id,
        ComplaintKind.DISPUTE,
    )
    (event,) = await events(db, "Complaint", by_provider.id)
    assert event.action == "complaint.raise" and event.data == {
        "kind": "DISPUTE",
        "raisedBy": "PROVIDER",
        "authorityId": market.ealing.id,
        "providerId": market.acorn.id,
        "requirementId": None,
        "bidId": None,
        "placementId": None,
        "to": "RAISED",
    }
    assert "Invoice" not in str(event.data)

    async with db.transaction() as s:
        first = await complaints.raise_complaint(
            s,
            market.barnet_officer,
            kind=ComplaintKind.COMPLAINT,
            about_id=market.birch.id,
            subject="s",
            description="d",
            idempotency_key="c-1",
        )
    async with db.transaction() as s:
        again = await complaints.raise_complaint(
            s,
            market.barnet_officer,
            kind=ComplaintKind.COMPLAINT,
            about_id=market.birch.id,
            subject="s",
            description="d",
            idempotency_key="c-1",
        )
    assert again.id == first.id and await count(db, Complaint) == 3


async def test_the_related_object_is_one_the_raiser_sees_between_the_two_parties(db, market):
    p = await placed(db, market)  # Barnet placed with acorn; birch was invited too and did not bid
    r, bid, placement = p.requirement, p.bid, p.placement

    def raise_(who, about_id, **related):
        return lambda s: complaints.raise_complaint(
            s, who, kind=ComplaintKind.DISPUTE, about_id=about_id, subject="s", description="d", **related
        )

    # someone else's requirement, bid or placement does not exist for the raiser
    await forbidden(db, raise_(market.ealing_officer, market.acorn.id, requirement_id=r.id))
    await forbidden(db, raise_(market.birch_staff, market.barnet.id, bid_id=bid.id))
    await forbidden(db, raise_(market.birch_staff, market.barnet.id, placement_id=placement.id))
    # seen, but not between these two parties
    outsider = principal_for(market.birch, Scope.PROVIDER)
    await refused(db, raise_(outsider, market.ealing.id, requirement_id=r.id), "NOT_BETWEEN_THE_PARTIES")
    await refused(db, raise_(market.barnet_officer, market.birch.id, bid_id=bid.id), "NOT_BETWEEN_THE_PARTIES")
    await refused(
        db, raise_(market.barnet_officer, market.birch.id, placement_id=placement.id), "NOT_BETWEEN_THE_PARTIES"
    )
    await refused(
        db, raise_(market.barnet_officer, market.acorn.id, requirement_id=r.id, bid_id=bid.id), "ONE_RELATED_OBJECT"
    )

    for related in ({"requirement_id": r.id}, {"bid_id": bid.id}, {"placement_id": placement.id}):
        made = await complaint(db, market.barnet_officer, market.acorn.id, **related)
        assert (made.requirement_id, made.bid_id, made.placement_id) == (
            related.get("requirement_id"),
            related.get("bid_id"),
            related.get("placement_id"),
        )
    # birch was invited to Barnet's requirement: either side may raise about it
    made = await complaint(db, outsider, market.barnet.id, requirement_id=r.id)
    assert made.provider_id == market.birch.id
    made = await complaint(db, market.acorn_staff, market.barnet.id, placement_id=placement.id)
    assert made.raised_by is ComplaintParty.PROVIDER


async def test_a_complaint_is_mediated_then_resolved_by_the_alliance_and_each_step_is_history(db, market):
    c = await complaint(db, market.barnet_officer, market.acorn.id)
    admin = market.admin

    def mediate(who=admin, note=None):
        return lambda s: complaints.mediate(s, who, c.id, note=note)

    def resolve(who=admin, outcome="Apology and a revised plan"):
        return lambda s: complaints.resolve(s, who, c.id, outcome=outcome)

    for outsider in (market.barnet_officer, market.acorn_staff, principal_for(market.wla, Scope.WLA_SAFEGUARDING)):
        await forbidden(db, mediate(outsider))
        await forbidden(db, resolve(outsider))
    await refused(db, resolve(), "INVALID_TRANSITION")  # mediation comes first

    async with db.transaction() as s:
        started = await mediate(note="Meeting both parties on Friday")(s)
    assert started.status is ComplaintStatus.UNDER_MEDIATION and started.mediation_started_at is not None
    await refused(db, mediate(note=" "), "NOTE_REQUIRED")
    async with db.transaction() as s:
        noted = await mediate(note="The provider accepts the delay was its own")(s)
    assert noted.status is ComplaintStatus.UNDER_MEDIATION
    await refused(db, resolve(outcome=" "), "OUTCOME_REQUIRED")
    async with db.transaction() as s:
        resolved = await resolve()(s)
    assert (resolved.status, resolved.outcome) == (ComplaintStatus.RESOLVED, "Apology and a revised plan")
    assert resolved.closed_at is not None
    await refused(db, mediate(note="Late note"), "INVALID_TRANSITION")
    await refused(db, lambda s: complaints.withdraw(s, market.barnet_officer, c.id), "INVALID_TRANSITION")

    history = await rows(
        db, select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id).order_by(ComplaintEvent.id)
    )
    assert [(h.step, h.status, h.organisation_id) for h in history] == [
        (ComplaintStep.RAISED, ComplaintStatus.RAISED, market.barnet.id),
        (ComplaintStep.MEDIATION_STARTED, ComplaintStatus.UNDER_MEDIATION, market.wla.id),
        (ComplaintStep.NOTE_ADDED, ComplaintStatus.UNDER_MEDIATION, market.wla.id),
        (ComplaintStep.RESOLVED, ComplaintStatus.RESOLVED, market.wla.id),
    ]
    assert [h.note for h in history] == [
        None,
        "Meeting both parties on Friday",
        "The provider accepts the delay was its own",
        "Apology and a revised plan",
    ]
    assert history[1].actor_id == "test@wla"
    assert [e.action for e in await events(db, "Complaint", c.id)] == [
        "complaint.raise",
        "complaint.mediate",
        "complaint.mediation_note",
        "complaint.resolve",
    ]


async def test_only_the_raiser_withdraws(db, market):
    c = await complaint(db, market.acorn_staff, market.barnet.id, kind=ComplaintKind.DISPUTE)
    for not_the_raiser in (market.barnet_officer, market.admin, market.birch_staff, market.ealing_officer):
        await forbidden(db, lambda s, who=not_the_raiser: complaints.withdraw(s, who, c.id))
    async with db.transaction() as s:
        await complaints.mediate(s, market.admin, c.id)
    async with db.transaction() as s:
        withdrawn = await complaints.withdraw(s, market.acorn_staff, c.id, note="Settled between us")
    assert withdrawn.status is ComplaintStatus.WITHDRAWN and withdrawn.closed_at is not None
    assert withdrawn.outcome is None
    last = (await events(db, "Complaint", c.id))[-1]
    assert (last.action, last.data["from"], last.data["to"]) == ("complaint.withdraw", "UNDER_MEDIATION", "WITHDRAWN")
    await refused(db, lambda s: complaints.withdraw(s, market.acorn_staff, c.id), "INVALID_TRANSITION")
