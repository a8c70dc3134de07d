"""Quality and safeguarding on the event stream (issues 5 and 6): a suspension's withdrawal of an invitation
reaches the provider's stream, an alert reaches every participating borough's, and a suspended provider's
`requirementPublished` stream gets no new requirement."""

from __future__ import annotations

from api.safeguarding import alerts, suspensions
from api.safeguarding.enums import AlertCategory, AlertSeverity, SuspensionReason
from tests.conftest import server_hub, subscribed
from tests.placement_factories import published, scene
from tests.test_oauth import register, token_for
from tests.test_subscriptions import EVENTS, PUBLISHED
from tests.ws_client import WsClient


async def test_a_suspension_reaches_the_providers_stream_and_stops_its_new_requirements(live_server, db, market):
    sc = await scene(db, market, members=2)
    requirement = await published(db, market.barnet_officer, sc.lot.id)
    token = await token_for(live_server, await register(db, "acorn-fostering", "provider"))
    events = await WsClient.connect(live_server, token)
    requirements = await WsClient.connect(live_server, token)
    try:
        await events.subscribe(EVENTS)
        await requirements.subscribe(PUBLISHED)
        await subscribed(server_hub(live_server), 2)
        async with db.transaction() as s:
            await suspensions.suspend(
                s,
                market.admin,
                provider_id=market.acorn.id,
                reason=SuspensionReason.OTHER,
                notes="Spot check found staffing below the registered ratio",
            )
        seen = {}
        for _ in range(10):
            try:
                got = (await events.next(timeout=3))["events"]
            except TimeoutError:
                break
            seen[got["type"]] = got["node"]["__typename"]
        assert seen.get("invitation.withdraw") == "Invitation"
        assert seen.get("provider.suspend") == "Suspension"

        await published(db, market.barnet_officer, sc.lot.id)  # acorn is not invited: nothing arrives
        await requirements.nothing_for(1.0)
        assert requirement.id
    finally:
        await events.close()
        await requirements.close()


async def test_an_alert_raised_by_one_borough_reaches_another_boroughs_stream(live_server, db, market):
    sc = await scene(db, market, members=2)
    await published(db, market.barnet_officer, sc.lot.id)  # Barnet leads the vehicle: it participates
    from api.market import agreements

    async with db.transaction() as s:  # Ealing buys through Barnet's vehicle
        await agreements.create_agreement(
            s, market.admin, dpv_id=sc.dpv.id, authority_id=market.ealing.id, starts_on=sc.dpv.starts_on
        )
    token = await token_for(live_server, await register(db, "barnet", "borough"))
    barnet = await WsClient.connect(live_server, token)
    try:
        await barnet.subscribe(EVENTS)
        await subscribed(server_hub(live_server), 1)
        async with db.transaction() as s:
            await alerts.raise_alert(
                s,
                market.ealing_officer,
                provider_id=market.acorn.id,
                category=AlertCategory.OTHER,
                severity=AlertSeverity.HIGH,
                summary="Concern about supervision at night",
            )
        got = (await barnet.next())["events"]
        assert (got["type"], got["node"]["__typename"]) == ("safeguarding_alert.raise", "SafeguardingAlert")
    finally:
        await barnet.close()
