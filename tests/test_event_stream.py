"""The event stream read from the outbox (the audit log): commit-safe order, the notification, and the
`changes` feed with who sees what."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import select

from api.core import audit, events
from api.core.audit import AuditEvent
from api.core.events import Position
from tests.conftest import asyncpg_dsn
from tests.placement_factories import published, scene, submit

CHANGES = """query($after: String, $first: Int) { changes(after: $after, first: $first) {
  edges { cursor node { cursor type node { __typename id } } }
  nodes { type } pageInfo { hasNextPage endCursor } } }"""


def _dsn(db) -> str:
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _all(db, after: Position = events.START) -> list[events.Event]:
    async with db.session() as s:
        batch, _ = await events.read_after(s, after, 1000)
    return batch


def test_a_cursor_round_trips_and_nothing_else_is_one():
    p = Position(123456, 42)
    assert Position.from_cursor(p.cursor()) == p
    for bad in ("", "abc", Position(1, 2).cursor()[:-2] + "!!", "ZTotMTox"):  # "e:-1:1"
        with pytest.raises(ValueError):
            Position.from_cursor(bad)


async def test_an_event_is_read_only_once_every_older_transaction_has_ended(db, market):
    """A row of a later transaction that commits first must wait for the open earlier one, or a reader that
    moved past it would never see the earlier row."""
    slow = await asyncpg.connect(_dsn(db))
    try:
        tx = slow.transaction()
        await tx.start()
        await slow.execute(
            "INSERT INTO audit_event (actor_kind, actor_id, action, entity_type, entity_id, data) "
            "VALUES ('SYSTEM', 'test', 'test.slow', 'Organisation', $1, '{}')",
            market.wla.id,
        )
        async with db.transaction() as s:  # a later transaction commits first
            audit.record(s, market.admin, "test.fast", "Organisation", market.wla.id)
        assert [e.action for e in await _all(db)] == []  # held back, not skipped
        await tx.commit()
        for _ in range(50):  # the horizon moves once the slow one has ended
            found = [e.action for e in await _all(db)]
            if found:
                break
            await asyncio.sleep(0.02)
        assert found == ["test.slow", "test.fast"]  # in stream order: the older transaction first
        positions = [e.position for e in await _all(db)]
        assert positions == sorted(positions)
        assert events.Position.from_cursor(positions[0].cursor()) == positions[0]
        after_first = await _all(db, positions[0])
        assert [e.action for e in after_first] == ["test.fast"]
    finally:
        await slow.close()


async def test_a_transaction_open_in_another_database_does_not_hold_the_stream_back(db, market, databases):
    """Only this database's transactions can write its audit table: one that another database on the same server
    holds open (a long pg_dump, another application's forgotten transaction) delays nothing here."""
    other_url = await databases.acreate("dpv_foreign")
    foreign = await asyncpg.connect(**asyncpg_dsn(other_url))
    try:
        tx = foreign.transaction()
        await tx.start()
        await foreign.execute("CREATE TABLE held (id int)")  # takes a transaction id, like any write
        await foreign.execute("INSERT INTO held VALUES (1)")
        async with db.transaction() as s:
            audit.record(s, market.admin, "test.after_the_foreign_one", "Organisation", market.wla.id)
        assert [e.action for e in await _all(db)] == ["test.after_the_foreign_one"]
        await tx.rollback()
    finally:
        await foreign.close()
        await databases.adrop(other_url)


async def test_each_committing_statement_notifies_its_highest_id_and_a_rollback_nothing(db, market):
    listener = await asyncpg.connect(_dsn(db))
    got: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(events.CHANNEL, lambda *a: got.put_nowait(a[-1]))
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as s:
                audit.record(s, market.admin, "test.rolled_back", "Organisation", market.wla.id)
                await s.flush()
                raise RuntimeError
        async with db.transaction() as s:
            for _ in range(3):
                audit.record(s, market.admin, "test.three", "Organisation", market.wla.id)
        payload = await asyncio.wait_for(got.get(), 5)
        async with db.session() as s:
            ids = (await s.execute(select(AuditEvent.id).where(AuditEvent.action == "test.three"))).scalars().all()
        assert int(payload) == max(ids) and len(ids) == 3
        await asyncio.sleep(0.2)
        assert got.empty()  # one notification for the statement, none for the rolled-back one
    finally:
        await listener.close()


async def test_changes_shows_each_viewer_only_what_it_may_see(db, market, gql):
    sc = await scene(db, market, members=2)
    requirement = await published(db, market.barnet_officer, sc.lot.id)
    await submit(db, market.acorn_staff, requirement.id, sc.settings["Oak House"].id)
    await submit(db, market.birch_staff, requirement.id, sc.settings["Birch Lodge"].id)

    def types(data: dict) -> list[tuple[str, str]]:
        return [(e["node"]["type"], e["node"]["node"]["__typename"]) for e in data["changes"]["edges"]]

    # The feed shows an event once every transaction that began before it has ended, anywhere on the PostgreSQL
    # server (api/core/events.py): another connection's open transaction may hold the newest events back a moment.
    async def seen_once(principal, ready) -> list[tuple[str, str]]:
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            seen = types(await gql.ok(CHANGES, {"first": 100}, principal))
            if ready(seen) or asyncio.get_running_loop().time() > deadline:
                return seen
            await asyncio.sleep(0.05)

    barnet = await seen_once(market.barnet_officer, lambda seen: seen.count(("bid.submit", "Bid")) >= 2)
    assert ("requirement.create", "Requirement") in barnet and ("requirement.publish", "Requirement") in barnet
    assert barnet.count(("bid.submit", "Bid")) == 2

    acorn = types(await gql.ok(CHANGES, {"first": 100}, market.acorn_staff))
    assert ("requirement.publish", "Requirement") in acorn  # invited
    assert ("requirement.create", "Requirement") not in acorn  # a draft is the borough's only
    assert acorn.count(("bid.submit", "Bid")) == 1  # its own bid; the rival's is sealed

    ealing = types(await gql.ok(CHANGES, {"first": 100}, market.ealing_officer))
    assert not any(t in ("Requirement", "Bid") for _, t in ealing)

    from api.core.principal import OrganisationKind
    from api.market import organisations  # an organisation's events, under its own node type

    async with db.transaction() as s:
        await organisations.create_organisation(
            s, market.admin, kind=OrganisationKind.PROVIDER, slug="new-homes", name="New Homes"
        )
    admin = await seen_once(market.admin, lambda seen: ("organisation.create", "Provider") in seen)
    assert ("organisation.create", "Provider") in admin

    anonymous = await gql("{ changes { edges { cursor } } }")
    assert anonymous.errors[0].extensions["code"] == "UNAUTHENTICATED"


async def test_changes_pages_forward_from_the_end_cursor_without_gaps_or_repeats(db, market, gql):
    sc = await scene(db, market, members=2)
    for _ in range(3):
        requirement = await published(db, market.barnet_officer, sc.lot.id)
        await submit(db, market.acorn_staff, requirement.id, sc.settings["Oak House"].id)
    everything = (await gql.ok(CHANGES, {"first": 100}, market.barnet_officer))["changes"]
    assert everything["pageInfo"]["hasNextPage"] is False
    expected = [e["cursor"] for e in everything["edges"]]

    seen, after = [], None
    while True:
        page = (await gql.ok(CHANGES, {"first": 2, "after": after}, market.barnet_officer))["changes"]
        seen += [e["cursor"] for e in page["edges"]]
        assert all(e["cursor"] == e["node"]["cursor"] for e in page["edges"])
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert seen == expected

    # nothing new: the same cursor again, an empty page that keeps it
    again = (await gql.ok(CHANGES, {"first": 5, "after": after}, market.barnet_officer))["changes"]
    assert again["edges"] == [] and again["pageInfo"]["endCursor"] == after


async def test_private_actions_stay_off_the_stream(db, market, gql):
    sc = await scene(db, market, members=2)
    requirement = await published(db, market.barnet_officer, sc.lot.id)
    bid = await submit(db, market.acorn_staff, requirement.id, sc.settings["Oak House"].id)
    async with db.transaction() as s:
        audit.record(s, market.barnet_officer, "bid.officer_score_record", "Bid", bid.id)
        audit.record(s, market.admin, "signing_key.create", "SigningKey", 1)  # not a Node
    for who in (market.barnet_officer, market.acorn_staff, market.admin):
        data = await gql.ok(CHANGES, {"first": 100}, who)
        assert not {"bid.officer_score_record", "signing_key.create"} & {n["type"] for n in data["changes"]["nodes"]}


async def test_changes_refuses_a_bad_cursor_and_too_large_a_page(db, market, gql):
    for variables in ({"after": "not-a-cursor"}, {"first": 101}):
        result = await gql(CHANGES, variables, market.barnet_officer)
        assert result.errors and result.errors[0].extensions["code"] == "BAD_USER_INPUT"


async def test_a_subscriber_that_falls_too_far_behind_is_told_to_resume_from_its_cursor(db):
    from graphql import GraphQLError

    from api.core.realtime import QUEUE_LIMIT, Overflow, Subscriber
    from schema.core.errors import should_mask

    subscriber = Subscriber(wants=lambda e: True, since=events.START)
    made = [
        events.Event(Position(1, i), "test.x", "Organisation", 1, None, None, {})  # type: ignore[arg-type]
        for i in range(1, QUEUE_LIMIT + 2)
    ]
    for event in made[:QUEUE_LIMIT]:
        subscriber.put(event)
    assert (await subscriber.next()).position == Position(1, 1)  # within the limit: delivered in order
    subscriber.put(made[QUEUE_LIMIT])
    subscriber.put(made[QUEUE_LIMIT])  # one more than the queue holds
    with pytest.raises(Overflow) as raised:
        await subscriber.next()
    error = GraphQLError(str(raised.value), original_error=raised.value)
    assert not should_mask(error) and raised.value.extensions["code"] == "RESUME_FROM_CURSOR"


async def test_the_hub_queues_an_event_once_its_preparations_are_done_whatever_they_do(db, market, hub):
    sc = await scene(db, market, members=2)

    async def fails() -> None:
        raise RuntimeError("the database went away")

    async def reads() -> str:
        await asyncio.sleep(0.05)
        return "rows"

    def raises(event: events.Event) -> None:
        raise RuntimeError("a bug in a subscription")

    preparations = [lambda e: e.shared("fails", fails), raises, lambda e: e.shared("reads", reads), None]
    subscribers = [await hub.subscribe(lambda e: e.action == "requirement.publish", p) for p in preparations]
    try:
        requirement = await published(db, market.barnet_officer, sc.lot.id)
        got = [await asyncio.wait_for(s.next(), 5) for s in subscribers]
        assert {e.entity_id for e in got} == {requirement.id} and len({id(e) for e in got}) == 1
        shared = got[0]._shared
        assert shared["reads"].result() == "rows"  # done before any subscriber had the event
        assert isinstance(shared["fails"].exception(), RuntimeError)  # left for the subscriber to meet
    finally:
        for s in subscribers:
            hub.unsubscribe(s)


async def test_the_hub_reads_nothing_for_no_one_and_a_newcomer_after_a_pause_starts_from_now(db, market, hub):
    from tests.conftest import StatementCounter

    sc = await scene(db, market, members=2)
    published_now = lambda e: e.action == "requirement.publish"  # noqa: E731
    with StatementCounter(db) as counter:
        during = await published(db, market.barnet_officer, sc.lot.id)
        await asyncio.sleep(0.5)  # notified, and more than two of the hub's polls
    assert [s for s in counter.statements if "FROM audit_event" in s] == []  # not read for no one

    newcomer = await hub.subscribe(published_now)
    try:
        [paused] = [e for e in await _all(db) if published_now(e) and e.entity_id == during.id]
        assert newcomer.since >= paused.position  # what it missed is before it: replayed from a cursor, not live
        later = await published(db, market.barnet_officer, sc.lot.id)
        got = await asyncio.wait_for(newcomer.next(), 5)
        await asyncio.sleep(0.3)
        assert got.entity_id == later.id and newcomer.queue.empty()
    finally:
        hub.unsubscribe(newcomer)

    # Alone again: the hub stops reading, and the next newcomer is brought up to date in its turn.
    await asyncio.sleep(0.5)
    assert not hub.current
    again = await hub.subscribe(published_now)
    hub.unsubscribe(again)
    assert again.since >= got.position
