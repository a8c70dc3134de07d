"""Bids and the award under real concurrent transactions (issue 4, item 10), each on its own connection, some
through a second engine (another worker): two officers accepting two bids at once make one award; an amend
racing the deadline is either in (and the requirement closes with it) or refused, never half; a retried
bidSubmit with the same key creates one bid.

Where an interleaving matters, a third transaction holds a row lock so that the contenders are provably waiting
at the same time, then lets them go."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from api.core import timers
from api.core.audit import AuditEvent
from api.core.config import async_url
from api.core.db import Database
from api.core.errors import UserErrors
from api.core.principal import ActorKind, Principal, Scope
from api.placements import award, bids, requirements
from api.placements.enums import BidStatus, RequirementStatus
from api.placements.models import Bid, Requirement
from tests.conftest import count
from tests.placement_factories import offer, published, scene, submit


@pytest.fixture
async def other(database_url):
    """A second engine: another worker's connections."""
    db = Database(create_async_engine(async_url(database_url), pool_size=4))
    yield db
    await db.dispose()


def officer(market, name: str) -> Principal:
    return Principal(
        organisation_id=market.barnet.id,
        organisation_kind=market.barnet.kind,
        organisation_slug="barnet",
        scopes=frozenset({Scope.BOROUGH, Scope.BOROUGH_AWARD}),
        actor_kind=ActorKind.USER,
        actor_id=f"{name}@barnet",
    )


async def outcome(db, action) -> str:
    """ "ok", or the codes of the user errors, of `action` run in its own transaction."""
    try:
        async with db.transaction() as s:
            await action(s)
        return "ok"
    except UserErrors as exc:
        return ",".join(sorted(e.code.value for e in exc.errors))


async def get(db, model, id_):
    async with db.session() as s:
        return await s.get(model, id_)


async def hold(db, stmt):
    """A transaction holding the rows of `stmt` locked until the `async with` ends."""
    tx = db.transaction()
    s = await tx.__aenter__()
    await s.execute(stmt)
    return tx


async def waiting(db, n: int, *tasks: asyncio.Task) -> None:
    """Until `n` transactions of this database wait for a lock (pg_stat_activity), and none of `tasks` is done."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(250):
        async with db.session() as s:
            if (await s.execute(query)).scalar_one() >= n:
                break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError(f"{n} transactions never waited for a lock")
    assert not any(t.done() for t in tasks), "a contender did not wait for the held lock"


# --- (a) two accepts at once ----------------------------------------------------------------------------------


async def test_two_officers_accepting_two_bids_at_once_make_exactly_one_award(db, other, market):
    sc = await scene(db, market, members=2)
    for attempt in range(4):
        r = await published(db, market.barnet_officer, sc.lot.id)
        oak = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id)
        lodge = await submit(db, market.birch_staff, r.id, sc.settings["Birch Lodge"].id)
        async with db.transaction() as s:
            await requirements.close(s, market.barnet_officer, r.id)

        def accept(bid_id, who):
            return lambda s: award.accept_bid(s, who, bid_id, rationale=f"{who.actor_id} prefers {bid_id}")

        contenders = [(db, accept(oak.id, officer(market, "ann"))), (other, accept(lodge.id, officer(market, "bob")))]
        random.shuffle(contenders)
        if attempt == 0:  # both provably waiting for the requirement when it is released
            tx = await hold(db, select(Requirement).where(Requirement.id == r.id).with_for_update())
            tasks = [asyncio.create_task(outcome(d, a)) for d, a in contenders]
            await waiting(db, 2, *tasks)
            await tx.__aexit__(None, None, None)
            results = await asyncio.gather(*tasks)
        else:  # or simply at once
            results = await asyncio.gather(*(outcome(d, a) for d, a in contenders))

        assert sorted(results) == ["ALREADY_AWARDED", "ok"], results
        assert (await get(db, Requirement, r.id)).status is RequirementStatus.AWARDED
        statuses = sorted([(await get(db, Bid, oak.id)).status.value, (await get(db, Bid, lodge.id)).status.value])
        assert statuses == ["ACCEPTED", "UNSUCCESSFUL"]
        assert await count(db, AuditEvent, AuditEvent.action == "requirement.award", AuditEvent.entity_id == r.id) == 1


# --- (b) an amend racing the deadline ------------------------------------------------------------------------


async def _racing_scene(db, market, sc):
    r = await published(db, market.barnet_officer, sc.lot.id)
    bid = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id, "900.00")
    return r, bid


def _amend(who: Principal, bid: Bid, r: Requirement, core: str = "800.00"):
    before = r.response_deadline - timedelta(milliseconds=1)  # by the server's clock, just in time
    return lambda s: bids.amend_bid(s, who, bid.id, offer(bid.setting_id, core), now=before)


async def _assert_whole(db, result: str, r: Requirement, bid: Bid) -> None:
    """Either the amend is in and the requirement closed with it, or it was refused and nothing of it is."""
    after, stored = await get(db, Requirement, r.id), await get(db, Bid, bid.id)
    assert (
        after.status is RequirementStatus.CLOSED and after.closed_at == r.response_deadline
    )  # the bid was live either way
    async with db.session() as s:
        actions = [
            a
            for (a,) in (
                await s.execute(
                    select(AuditEvent.action)
                    .where(
                        AuditEvent.action.in_(["bid.amend", "requirement.deadline_passed"]),
                        AuditEvent.entity_id.in_([r.id, bid.id]),
                    )
                    .order_by(AuditEvent.id)
                )
            ).all()
        ]
    if result == "ok":
        assert stored.weekly_price == 800 and stored.amended_at is not None
        # the amend was written before the deadline closed the requirement, not after
        assert actions == ["bid.amend", "requirement.deadline_passed"]
    else:
        assert result == "DEADLINE_PASSED"
        assert stored.weekly_price == 900 and stored.amended_at is None
        assert actions == ["requirement.deadline_passed"]


async def test_an_amend_racing_the_deadline_is_either_in_or_refused_never_half(db, other, market):
    sc = await scene(db, market, members=2)
    acorn = market.acorn_staff

    def close_at(r):
        return timers.run_due_timers(other, now=r.response_deadline)

    # 1. the timer holds the requirement first: the amend waits, then finds responses closed
    r, bid = await _racing_scene(db, market, sc)
    tx = await hold(db, select(Requirement).where(Requirement.id == r.id).with_for_update())
    timer = asyncio.create_task(close_at(r))
    await waiting(db, 1, timer)
    amend = asyncio.create_task(outcome(db, _amend(acorn, bid, r)))
    await waiting(db, 2, timer, amend)
    await tx.__aexit__(None, None, None)
    assert await timer == 1
    assert await amend == "DEADLINE_PASSED"
    await _assert_whole(db, "DEADLINE_PASSED", r, bid)

    # 2. the amend is under way (it holds the requirement FOR SHARE, and waits for its bid) when the timer comes:
    #    the timer waits for it, and closes the requirement with the amended bid in it
    r, bid = await _racing_scene(db, market, sc)
    tx = await hold(db, select(Bid).where(Bid.id == bid.id).with_for_update())
    amend = asyncio.create_task(outcome(db, _amend(acorn, bid, r)))
    await waiting(db, 1, amend)
    timer = asyncio.create_task(close_at(r))
    await waiting(db, 2, amend, timer)
    await tx.__aexit__(None, None, None)
    assert await amend == "ok"
    assert await timer == 1
    await _assert_whole(db, "ok", r, bid)

    # 3. a withdrawal under way is counted too: the requirement ends UNFILLED, not CLOSED with no live bid
    r, bid = await _racing_scene(db, market, sc)
    tx = await hold(db, select(Bid).where(Bid.id == bid.id).with_for_update())
    withdraw = asyncio.create_task(
        outcome(
            db,
            lambda s: bids.withdraw_bid(
                s, market.acorn_staff, bid.id, now=r.response_deadline - timedelta(milliseconds=1)
            ),
        )
    )
    await waiting(db, 1, withdraw)
    timer = asyncio.create_task(close_at(r))
    await waiting(db, 2, withdraw, timer)
    await tx.__aexit__(None, None, None)
    assert (await withdraw, await timer) == ("ok", 1)
    assert (await get(db, Requirement, r.id)).status is RequirementStatus.UNFILLED

    # 4. and many free races, in whichever order they come
    seen = set()
    for _ in range(12):
        r, bid = await _racing_scene(db, market, sc)

        async def later(coro, delay):
            await asyncio.sleep(delay)
            return await coro

        result, _ = await asyncio.gather(
            later(outcome(db, _amend(acorn, bid, r)), random.uniform(0, 0.01)),
            later(close_at(r), random.uniform(0, 0.01)),
        )
        seen.add(result)
        await _assert_whole(db, result, r, bid)
    assert seen <= {"ok", "DEADLINE_PASSED"}


# --- (c) a retried bidSubmit ------------------------------------------------------------------------------------


async def test_a_retried_bid_submit_sent_concurrently_with_the_same_key_creates_one_bid(db, other, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    oak = sc.settings["Oak House"].id

    # the first retry to claim the key waits (the requirement is held); the others wait for the key
    tx = await hold(db, select(Requirement).where(Requirement.id == r.id).with_for_update())
    tasks = [
        asyncio.create_task(submit(d, market.acorn_staff, r.id, oak, key="portal-retry-7"))
        for d in (db, other, db, other)
    ]
    await waiting(db, 4, *tasks)
    await tx.__aexit__(None, None, None)
    made = await asyncio.gather(*tasks)
    assert len({b.id for b in made}) == 1
    assert await count(db, Bid) == 1
    assert await count(db, AuditEvent, AuditEvent.action == "bid.submit") == 1

    # without a key, two submissions at once from the same provider: one bid, the other ALREADY_BID
    r2 = await published(db, market.barnet_officer, sc.lot.id)
    results = await asyncio.gather(
        *(
            outcome(d, lambda s: bids.submit_bid(s, market.acorn_staff, requirement_id=r2.id, offer=offer(oak)))
            for d in (db, other)
        )
    )
    assert sorted(results) == ["ALREADY_BID", "ok"]
    assert await count(db, Bid, Bid.requirement_id == r2.id, Bid.status == BidStatus.SUBMITTED) == 1
