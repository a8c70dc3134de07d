"""Timers in PostgreSQL (api/core/timers.py): the deadline closes a requirement by itself, once, however many
runners race for it (CLOSED with live bids, UNFILLED without); a timer survives a restart; a failing handler
is retried, then given up on."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from api.core import clock, timers
from api.core.audit import AuditEvent
from api.core.config import async_url
from api.core.db import Database
from api.core.timers import Timer, TimerState
from api.placements.enums import RequirementStatus
from api.placements.models import Requirement
from api.placements.requirements import DEADLINE_TIMER, TIMER_ACTOR_ID
from tests.conftest import waiting_for_locks
from tests.placement_factories import published, scene, submit


async def with_a_bid(db, market, sc) -> Requirement:
    """A published requirement with a live bid from acorn: its deadline closes it (CLOSED, not UNFILLED)."""
    r = await published(db, market.barnet_officer, sc.lot.id)
    await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id)
    return r


async def one(db, model, id_):
    async with db.session() as s:
        return await s.get(model, id_)


async def deadline_events(db, requirement_id: int) -> list[AuditEvent]:
    async with db.session() as s:
        return list(
            (
                await s.execute(
                    select(AuditEvent).where(
                        AuditEvent.entity_type == "Requirement",
                        AuditEvent.entity_id == requirement_id,
                        AuditEvent.action == "requirement.deadline_passed",
                    )
                )
            ).scalars()
        )


async def test_nothing_runs_before_the_deadline(db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    assert await timers.run_due_timers(db, now=r.response_deadline - timedelta(seconds=1)) == 0
    assert (await one(db, Requirement, r.id)).status is RequirementStatus.OPEN


async def test_two_runners_racing_for_a_due_deadline_close_the_requirement_once(db, market, database_url):
    sc = await scene(db, market, members=2)
    r = await with_a_bid(db, market, sc)
    after = r.response_deadline + timedelta(seconds=1)
    # the second runner is another "worker": its own engine and connections
    other = Database(create_async_engine(async_url(database_url), pool_size=2))
    try:
        # An officer's transaction holds the requirement: the first runner takes the timer and waits for it;
        # the second runs meanwhile, skips the locked timer and finds nothing else to do.
        async with db.transaction() as officer:
            await officer.execute(select(Requirement).where(Requirement.id == r.id).with_for_update())
            first = asyncio.create_task(timers.run_due_timers(db, now=after))
            await waiting_for_locks(db, 1)
            assert not first.done()
            assert await timers.run_due_timers(other, now=after) == 0
        assert await first == 1
        # and once it is done, neither finds it again
        assert await asyncio.gather(timers.run_due_timers(db, now=after), timers.run_due_timers(other, now=after)) == [
            0,
            0,
        ]
    finally:
        await other.dispose()

    closed = await one(db, Requirement, r.id)
    assert closed.status is RequirementStatus.CLOSED and closed.closed_at == after
    (event,) = await deadline_events(db, r.id)
    assert (event.actor_kind, event.actor_id, event.organisation_id) == ("SYSTEM", TIMER_ACTOR_ID, market.barnet.id)
    assert event.data["from"] == "OPEN" and event.data["to"] == "CLOSED" and event.data["liveBids"] == 1
    async with db.session() as s:
        (timer,) = (await s.execute(select(Timer).where(Timer.kind == DEADLINE_TIMER))).scalars()
    assert (timer.state, timer.attempts, timer.last_error) == (TimerState.DONE, 1, None)


async def test_two_runners_share_many_due_timers_and_each_runs_once(db, market):
    sc = await scene(db, market, members=2)
    made = [await with_a_bid(db, market, sc) for _ in range(6)]
    after = max(r.response_deadline for r in made) + timedelta(seconds=1)
    counts = await asyncio.gather(timers.run_due_timers(db, now=after), timers.run_due_timers(db, now=after))
    assert sum(counts) == 6
    for r in made:
        assert (await one(db, Requirement, r.id)).status is RequirementStatus.CLOSED
        assert len(await deadline_events(db, r.id)) == 1


async def test_a_timer_survives_a_restart(db, market, database_url):
    sc = await scene(db, market, members=2)
    r = await with_a_bid(db, market, sc)
    restarted = Database(create_async_engine(async_url(database_url)))  # a new process: nothing in memory
    try:
        assert await timers.run_due_timers(restarted, now=r.response_deadline) == 1
    finally:
        await restarted.dispose()
    assert (await one(db, Requirement, r.id)).status is RequirementStatus.CLOSED


async def test_without_a_live_bid_the_deadline_leaves_the_requirement_unfilled(db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    withdrawn = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id)
    async with db.transaction() as s:  # a bid that was withdrawn is no offer
        from api.placements import bids

        await bids.withdraw_bid(s, market.acorn_staff, withdrawn.id)
    after = r.response_deadline + timedelta(seconds=1)
    assert await timers.run_due_timers(db, now=after) == 1
    ended = await one(db, Requirement, r.id)
    assert ended.status is RequirementStatus.UNFILLED and ended.closed_at == after and ended.ended_at == after
    (event,) = await deadline_events(db, r.id)
    assert (event.data["from"], event.data["to"], event.data["liveBids"]) == ("OPEN", "UNFILLED", 0)
    assert event.actor_id == TIMER_ACTOR_ID


async def test_a_cancelled_requirement_has_no_timer_left_to_run(db, market):
    from api.placements import requirements

    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    async with db.transaction() as s:
        await requirements.cancel(s, market.barnet_officer, r.id, reason="No longer needed")
    assert await timers.run_due_timers(db, now=r.response_deadline + timedelta(days=1)) == 0
    assert (await one(db, Requirement, r.id)).status is RequirementStatus.CANCELLED
    assert await deadline_events(db, r.id) == []


calls: list[int] = []
# Timers of these tests are due a day from now, run with `now=`: the live test server's own runner (real time)
# leaves them alone.
LATER = timedelta(days=1)


@timers.handler("test.flaky")
async def _flaky(session, timer, at) -> None:
    """Fails on its first two runs, after writing something its failure must roll back."""
    calls.append(timer.subject_id)
    await session.execute(
        text("UPDATE requirement SET status_reason = 'half done' WHERE id = :id"), {"id": timer.subject_id}
    )
    if len(calls) <= 2:
        raise RuntimeError("the mail server is down")


async def test_a_failing_handler_is_rolled_back_retried_with_backoff_then_succeeds(db, market):
    calls.clear()
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    now = clock.now() + LATER
    async with db.transaction() as s:
        timers.schedule(s, "test.flaky", r.id, now)
    assert await timers.run_due_timers(db, now=now) == 1
    async with db.session() as s:
        timer = (await s.execute(select(Timer).where(Timer.kind == "test.flaky"))).scalar_one()
    assert (timer.state, timer.attempts, timer.last_error) == (
        TimerState.PENDING,
        1,
        "RuntimeError: the mail server is down",
    )
    assert timer.due_at == now + timers.backoff(1)
    assert (await one(db, Requirement, r.id)).status_reason is None  # the handler's write was rolled back

    assert await timers.run_due_timers(db, now=now + timedelta(seconds=5)) == 0  # not due again yet
    assert await timers.run_due_timers(db, now=now + timedelta(seconds=10)) == 1  # second failure
    assert await timers.run_due_timers(db, now=now + timedelta(minutes=5)) == 1  # third run succeeds
    async with db.session() as s:
        timer = await s.get(Timer, timer.id)
    assert (timer.state, timer.attempts, timer.last_error) == (TimerState.DONE, 3, None)
    assert (await one(db, Requirement, r.id)).status_reason == "half done"


async def test_a_timer_without_a_handler_fails_for_good(db, market):
    now = clock.now() + LATER
    async with db.transaction() as s:
        timers.schedule(s, "test.unknown", 1, now)
    assert await timers.run_due_timers(db, now=now) == 1
    async with db.session() as s:
        timer = (await s.execute(select(Timer))).scalar_one()
    assert timer.state is TimerState.FAILED and "no handler" in timer.last_error
    assert DEADLINE_TIMER in timers.HANDLERS


async def test_closing_by_hand_while_a_runner_holds_the_due_timer_neither_deadlocks_nor_closes_twice(db, market):
    from api.placements import requirements

    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    after = r.response_deadline + timedelta(seconds=1)
    async with db.transaction() as officer:
        # the officer's close has locked the requirement; a runner takes the due timer and waits for it...
        await officer.execute(select(Requirement).where(Requirement.id == r.id).with_for_update())
        runner = asyncio.create_task(timers.run_due_timers(db, now=after))
        await waiting_for_locks(db, 1)
        # ...and the close, which cancels the timer, must not wait for the runner in turn
        # (PostgreSQL would find the deadlock after deadlock_timeout, 1 s, and abort one of the two)
        await asyncio.wait_for(requirements.close(officer, market.barnet_officer, r.id), timeout=0.5)
    assert await runner == 1  # the handler found the requirement closed and left it
    async with db.session() as s:
        (timer,) = (await s.execute(select(Timer).where(Timer.kind == DEADLINE_TIMER))).scalars()
    assert (timer.state, timer.attempts, timer.last_error) == (TimerState.DONE, 1, None)
    assert (await one(db, Requirement, r.id)).status is RequirementStatus.CLOSED
    assert await deadline_events(db, r.id) == []
    async with db.session() as s:
        actions = [
            e.action
            for e in (
                await s.execute(
                    select(AuditEvent).where(AuditEvent.entity_id == r.id, AuditEvent.entity_type == "Requirement")
                )
            ).scalars()
        ]
    assert actions.count("requirement.close") == 1
