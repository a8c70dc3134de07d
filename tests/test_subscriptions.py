"""Subscriptions over graphql-transport-ws against the live server, with real tokens from the token endpoint:
who gets what, replay from a cursor with no gap and no duplicate, a listener connection killed mid-stream,
a token that expires, and the connection's limits."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import pytest
from sqlalchemy import text

from api.core import events
from tests.conftest import server_hub, subscribed
from tests.placement_factories import published, scene, submit
from tests.test_external_issuer import idp_token
from tests.test_oauth import register, token_for
from tests.ws_client import WsClient

PUBLISHED = """subscription($after: String, $min: MatchLevel) { requirementPublished(after: $after, minMatch: $min) {
  cursor invitation { id status match { level } requirement { id reference status child { view } } } } }"""
BIDS = """subscription($id: ID) { bidReceived(requirementId: $id) {
  cursor type bid { id status netWeeklyPrice provider { slug } } } }"""
EVENTS = """subscription($after: String) { events(after: $after) { cursor type node { __typename id } } }"""


async def _tokens(live_server, db, *specs: tuple[str, str]) -> list[str]:
    return [await token_for(live_server, await register(db, slug, scope)) for slug, scope in specs]


async def test_invited_providers_get_a_published_requirement_and_no_one_else(live_server, db, market):
    sc = await scene(db, market, members=3)  # acorn FULL, birch NONE, cedar not invited (an insurance missing)
    acorn_t, birch_t, cedar_t = await _tokens(
        live_server, db, ("acorn-fostering", "provider"), ("birch-homes", "provider"), ("cedar-care", "provider")
    )
    acorn, birch, birch_full, cedar = [
        await WsClient.connect(live_server, t) for t in (acorn_t, birch_t, birch_t, cedar_t)
    ]
    try:
        await acorn.subscribe(PUBLISHED)
        await birch.subscribe(PUBLISHED)
        await birch_full.subscribe(PUBLISHED, {"min": "FULL"})
        await cedar.subscribe(PUBLISHED)
        await subscribed(server_hub(live_server), 4)
        requirement = await published(db, market.barnet_officer, sc.lot.id)

        got = (await acorn.next())["requirementPublished"]
        assert got["invitation"]["status"] == "INVITED" and got["invitation"]["match"]["level"] == "FULL"
        assert got["invitation"]["requirement"]["reference"] == requirement.reference
        assert got["invitation"]["requirement"]["child"]["view"] == "SUMMARY"
        assert (await birch.next())["requirementPublished"]["invitation"]["match"]["level"] != "FULL"
        await birch_full.nothing_for(0.5)
        await cedar.nothing_for(0.5)
        await acorn.nothing_for(0.3)  # exactly once
    finally:
        for c in (acorn, birch, birch_full, cedar):
            await c.close()


async def test_a_provider_resumes_from_its_cursor_with_exactly_what_it_missed(live_server, db, market):
    sc = await scene(db, market, members=2)
    (token,) = await _tokens(live_server, db, ("acorn-fostering", "provider"))
    client = await WsClient.connect(live_server, token)
    await client.subscribe(PUBLISHED)
    await subscribed(server_hub(live_server), 1)
    first = await published(db, market.barnet_officer, sc.lot.id)
    cursor = (await client.next())["requirementPublished"]["cursor"]
    await client.close()

    missed = [await published(db, market.barnet_officer, sc.lot.id) for _ in range(3)]
    client = await WsClient.connect(live_server, token)
    try:
        await client.subscribe(PUBLISHED, {"after": cursor})
        replayed = [(await client.next())["requirementPublished"] for _ in missed]
        assert [r["invitation"]["requirement"]["reference"] for r in replayed] == [m.reference for m in missed]
        later = await published(db, market.barnet_officer, sc.lot.id)  # then live, seamlessly
        live = (await client.next())["requirementPublished"]
        assert live["invitation"]["requirement"]["reference"] == later.reference
        await client.nothing_for(0.5)
        cursors = [r["cursor"] for r in replayed] + [live["cursor"]]
        assert len(set(cursors)) == 4 and first.reference not in {
            r["invitation"]["requirement"]["reference"] for r in replayed
        }
    finally:
        await client.close()


async def test_a_borough_receives_bids_on_its_requirement_and_another_borough_cannot_subscribe(live_server, db, market):
    sc = await scene(db, market, members=2)
    requirement = await published(db, market.barnet_officer, sc.lot.id)
    from strawberry.relay import to_base64

    rid = to_base64("Requirement", requirement.id)
    barnet_t, ealing_t, acorn_t = await _tokens(
        live_server, db, ("barnet", "borough"), ("ealing", "borough"), ("acorn-fostering", "provider")
    )
    barnet = await WsClient.connect(live_server, barnet_t)
    ealing = await WsClient.connect(live_server, ealing_t)
    acorn = await WsClient.connect(live_server, acorn_t)
    try:
        await barnet.subscribe(BIDS, {"id": rid})
        await ealing.subscribe(BIDS, {"id": rid})
        assert (await ealing.errors())[0]["extensions"]["code"] == "FORBIDDEN"
        await acorn.subscribe(BIDS, {"id": rid})  # a provider has no borough scope
        assert (await acorn.errors())[0]["extensions"]["code"] == "FORBIDDEN"

        await subscribed(server_hub(live_server), 1)
        await submit(db, market.acorn_staff, requirement.id, sc.settings["Oak House"].id, "950.00")
        got = (await barnet.next())["bidReceived"]
        assert got["type"] == "bid.submit" and got["bid"]["provider"]["slug"] == "acorn-fostering"
        assert got["bid"]["netWeeklyPrice"] == "950.00"
    finally:
        for c in (barnet, ealing, acorn):
            await c.close()


async def test_events_are_filtered_per_viewer_and_a_killed_listener_loses_nothing(live_server, db, market):
    sc = await scene(db, market, members=2)
    requirement = await published(db, market.barnet_officer, sc.lot.id)
    acorn_t, birch_t = await _tokens(live_server, db, ("acorn-fostering", "provider"), ("birch-homes", "provider"))
    acorn = await WsClient.connect(live_server, acorn_t)
    try:
        await acorn.subscribe(EVENTS)
        await subscribed(server_hub(live_server), 1)
        await submit(db, market.birch_staff, requirement.id, sc.settings["Birch Lodge"].id)  # sealed from acorn
        await submit(db, market.acorn_staff, requirement.id, sc.settings["Oak House"].id)
        got = (await acorn.next())["events"]
        assert got["type"] == "bid.submit" and got["node"]["__typename"] == "Bid"

        # The hub's LISTEN connection is killed; what commits meanwhile still arrives, once, in order.
        async with db.engine.connect() as conn:
            killed = (
                (
                    await conn.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert killed and all(killed)
        others = [await published(db, market.barnet_officer, sc.lot.id) for _ in range(3)]
        seen = [(await acorn.next(timeout=15))["events"] for _ in others]
        assert [e["type"] for e in seen] == ["requirement.publish"] * 3
        assert len({e["cursor"] for e in seen}) == 3
        await acorn.nothing_for(0.5)
    finally:
        await acorn.close()


async def test_the_socket_closes_when_the_token_expires(live_server, db, market, ealing_idp):
    token = idp_token(ealing_idp, exp=int(time.time()) + 2)
    client = await WsClient.connect(live_server, token)
    await client.subscribe(EVENTS)
    started = time.monotonic()
    assert await client.closed_with(timeout=10) == 4403
    assert 0.5 < time.monotonic() - started < 8


async def test_a_bad_cursor_is_a_user_error_and_anonymous_is_refused(live_server, db, market):
    (token,) = await _tokens(live_server, db, ("acorn-fostering", "provider"))
    client = await WsClient.connect(live_server, token)
    anonymous = await WsClient.connect(live_server, None)
    try:
        await client.subscribe(EVENTS, {"after": "nonsense"})
        assert (await client.errors())[0]["extensions"]["code"] == "BAD_USER_INPUT"
        await anonymous.subscribe(EVENTS)
        assert (await anonymous.errors())[0]["extensions"]["code"] == "UNAUTHENTICATED"
    finally:
        await client.close()
        await anonymous.close()


async def test_a_connection_holds_at_most_ten_subscriptions_and_small_messages(live_server, db, market, settings):
    (token,) = await _tokens(live_server, db, ("acorn-fostering", "provider"))
    client = await WsClient.connect(live_server, token)
    try:
        for _ in range(settings.ws_max_subscriptions):
            await client.subscribe(EVENTS)
        await client.subscribe(EVENTS)
        refused = await client.message()
        assert refused["type"] == "error" and "limit" in refused["payload"][0]["message"].lower()
        await client.ws.send(
            json.dumps(
                {"id": "big", "type": "subscribe", "payload": {"query": "#" + "x" * settings.ws_max_message_bytes}}
            )
        )
        assert await client.closed_with() == 1009  # message too big
    finally:
        await client.close()


@pytest.mark.parametrize("payload", [{"authorization": "Bearer nonsense"}])
async def test_a_bad_token_closes_with_4403(live_server, db, market, payload):
    import websockets

    from tests.ws_client import PROTOCOL, ws_url

    async with websockets.connect(ws_url(live_server), subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 4403


# --- in process: what one event costs a worker, and who it reaches -------------------------------------------

LEAN = """subscription($after: String) { requirementPublished(after: $after) {
  cursor invitation { status match { level reasons { criterion met } } requirement { reference } } } }"""


class _Following:
    """A subscription run in process against the test's hub, its results collected as they arrive."""

    def __init__(self, db, settings, hub, principal, variables=None):
        from schema import schema
        from schema.core.context import Context

        self.got: list[dict] = []
        context = Context(db=db, settings=settings, principal=principal, hub=hub)

        async def run() -> None:
            stream = await schema.subscribe(LEAN, variable_values=variables, context_value=context)
            async for result in stream:
                assert result.errors is None, result.errors
                self.got.append(result.data["requirementPublished"])

        self.task = asyncio.create_task(run())

    def references(self) -> list[str]:
        return [g["invitation"]["requirement"]["reference"] for g in self.got]

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def _until(done, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_published_requirement_is_read_once_per_worker_and_checked_for_each_subscriber(
    db, market, settings, hub
):
    from api.core.principal import Scope
    from api.safeguarding import suspensions
    from api.safeguarding.enums import SuspensionReason
    from tests.conftest import StatementCounter, principal_for

    sc = await scene(db, market, members=3)  # acorn FULL, birch PARTIAL, cedar not invited (an insurance missing)
    async with db.session() as s:
        before = (await events.head(s)).cursor()
    cedar = principal_for(sc.providers["cedar"], Scope.PROVIDER)
    acorn, acorn_again, birch, cedar_sub = [
        _Following(db, settings, hub, p) for p in (market.acorn_staff, market.acorn_staff, market.birch_staff, cedar)
    ]
    following = [acorn, acorn_again, birch, cedar_sub]
    try:
        await subscribed(hub, 4)
        with StatementCounter(db) as counter:
            first = await published(db, market.barnet_officer, sc.lot.id)
            await _until(lambda: acorn.got and acorn_again.got and birch.got)
        # One read of the requirement's invitations for the four subscribers, none per subscriber.
        reads = [s for s in counter.statements if s.startswith("SELECT") and "\nFROM invitation" in s]
        assert len(reads) == 1, counter.statements
        assert [g["invitation"]["match"]["level"] for g in acorn.got + birch.got] == ["FULL", "PARTIAL"]
        full, partial = [g["invitation"]["match"]["reasons"] for g in acorn.got + birch.got]
        assert full and all(r["met"] for r in full) and not all(r["met"] for r in partial)
        assert acorn_again.got[0]["invitation"]["match"] == acorn.got[0]["invitation"]["match"]
        assert acorn.references() == acorn_again.references() == birch.references() == [first.reference]

        # Birch is suspended: its invitation is withdrawn and it is not invited to the next requirement.
        async with db.transaction() as s:
            await suspensions.suspend(
                s, market.admin, provider_id=market.birch.id, reason=SuspensionReason.OTHER, notes="Spot check"
            )
        second = await published(db, market.barnet_officer, sc.lot.id)
        await _until(lambda: len(acorn.got) == 2 and len(acorn_again.got) == 2)
        await asyncio.sleep(0.3)
        assert acorn.references() == [first.reference, second.reference]
        assert birch.references() == [first.reference] and cedar_sub.got == []

        # Replayed from before both: acorn gets both once; birch neither (its first invitation is withdrawn now).
        replay_acorn, replay_birch = [
            _Following(db, settings, hub, p, {"after": before}) for p in (market.acorn_staff, market.birch_staff)
        ]
        following += [replay_acorn, replay_birch]
        await _until(lambda: len(replay_acorn.got) == 2)
        await asyncio.sleep(0.3)
        assert replay_acorn.references() == [first.reference, second.reference] and replay_birch.got == []
        assert [g["invitation"]["status"] for g in replay_acorn.got] == ["INVITED", "INVITED"]
    finally:
        for f in following:
            await f.stop()


async def test_an_unexpected_error_in_a_streamed_event_is_masked(db, market, settings, hub, monkeypatch):
    from api.placements import invitations
    from schema import schema
    from schema.core.context import Context

    async def broken(*_args, **_kwargs):
        raise RuntimeError("connection string postgresql://secret@db")

    monkeypatch.setattr(invitations, "requirement_and_invitations", broken)
    sc = await scene(db, market, members=2)
    context = Context(db=db, settings=settings, principal=market.acorn_staff, hub=hub)
    stream = await schema.subscribe(LEAN, context_value=context)
    first = asyncio.ensure_future(stream.__anext__())  # the subscription starts when its first result is asked for
    try:
        await subscribed(hub, 1)
        await published(db, market.barnet_officer, sc.lot.id)
        result = await asyncio.wait_for(first, 5)
        assert [e.message for e in result.errors] == ["Unexpected error."]
        assert not result.extensions
    finally:
        await stream.aclose()
