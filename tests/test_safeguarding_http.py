"""The done-when of quality and safeguarding over real HTTP with real tokens from the token endpoint, against the
live server: a HIGH alert raised by Ealing shows in Barnet's evaluation of a bid from that provider; the provider
invited to an open requirement is suspended (its invitation withdrawn, its bid excluded at evaluation, the next
requirement does not invite it) and reinstated (eligible again); and a document whose validity ends in the next
minute suspends its provider by itself, by the live server's own timer runner."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from strawberry.relay import from_base64

from api.core import clock
from api.core.clock import LONDON
from api.market import agreements
from api.safeguarding.models import Suspension
from tests.conftest import gid
from tests.placement_factories import scene
from tests.test_bid_api import EVALUATION, SUBMIT, submit_input
from tests.test_oauth import register, token_for
from tests.test_placement_api import CREATE, PUBLISH, create_input
from tests.test_placement_http import post

RAISE = """mutation($input: SafeguardingAlertRaiseInput!) { safeguardingAlertRaise(input: $input) {
  alert { id severity status raisedBy { slug } provider { slug } } userErrors { field code } } }"""
ALERTS = "{ safeguardingAlerts(first: 10) { totalCount nodes { id severity summary raisedBy { slug } } } }"
ALERTED_EVALUATION = """query($id: ID!) { node(id: $id) { ... on Requirement { evaluation { rankedBids {
  bid { provider { slug } } excluded exclusionReasons
  alerts { severity category alert { raisedBy { slug } } } } } } } }"""
SUSPEND = """mutation($input: ProviderSuspendInput!) { providerSuspend(input: $input) {
  suspension { id kind scope reason active startsOn provider { slug } } userErrors { field code } } }"""
REINSTATE = """mutation($id: ID!) { providerReinstate(input: {suspensionId: $id, notes: "Cleared"}) {
  suspension { id active endsOn } userErrors { code } } }"""
MY_INVITATIONS = "{ invitations(first: 10) { nodes { status withdrawalReason requirement { id } } } }"
SUSPENSIONS = "{ suspensions(first: 10) { nodes { reason active provider { slug } } } }"


async def published(live_server: str, token: str, lot_id: int) -> str:
    created = await post(live_server, token, CREATE, create_input(lot_id))
    rid = created["data"]["requirementCreate"]["requirement"]["id"]
    out = await post(live_server, token, PUBLISH, {"id": rid})
    assert out["data"]["requirementPublish"]["requirement"]["status"] == "OPEN", out
    return rid


async def test_an_alert_shows_in_evaluation_and_a_suspension_withdraws_excludes_and_is_lifted(live_server, db, market):
    sc = await scene(db, market, members=2)
    async with db.transaction() as s:  # Ealing participates: an access agreement to Barnet's vehicle
        await agreements.create_agreement(
            s, market.admin, dpv_id=sc.dpv.id, authority_id=market.ealing.id, starts_on=date(2025, 4, 1)
        )
    tokens = {
        name: await token_for(live_server, await register(db, slug, scope))
        for name, slug, scope in [
            ("barnet", "barnet", "borough"),
            ("ealing", "ealing", "borough"),
            ("acorn", "acorn-fostering", "provider"),
            ("birch", "birch-homes", "provider"),
            ("wla", "wla", "wla"),
            ("lead", "wla", "wla:safeguarding"),
        ]
    }
    rid = await published(live_server, tokens["barnet"], sc.lot.id)
    requirement_id = int(from_base64(rid)[1])
    for who, setting in (("acorn", "Oak House"), ("birch", "Birch Lodge")):
        out = await post(live_server, tokens[who], SUBMIT, submit_input(requirement_id, sc.settings[setting].id))
        assert out["data"]["bidSubmit"]["userErrors"] == [], out

    # Ealing raises a HIGH alert on acorn; Barnet sees it with acorn's bid, and who raised it
    raised = await post(
        live_server,
        tokens["ealing"],
        RAISE,
        {
            "input": {
                "providerId": gid("Provider", market.acorn.id),
                "category": "MISSING_CHILD",
                "severity": "HIGH",
                "summary": "Two missing episodes not reported to the placing authority",
            }
        },
    )
    alert = raised["data"]["safeguardingAlertRaise"]["alert"]
    assert (alert["severity"], alert["status"], alert["raisedBy"]) == ("HIGH", "OPEN", {"slug": "ealing"})
    evaluation = (await post(live_server, tokens["barnet"], ALERTED_EVALUATION, {"id": rid}))["data"]["node"]
    by_provider = {b["bid"]["provider"]["slug"]: b for b in evaluation["evaluation"]["rankedBids"]}
    assert by_provider["acorn-fostering"]["alerts"] == [
        {"severity": "HIGH", "category": "MISSING_CHILD", "alert": {"raisedBy": {"slug": "ealing"}}}
    ]
    assert by_provider["birch-homes"]["alerts"] == [] and not by_provider["acorn-fostering"]["excluded"]
    # the provider sees the alert about itself, not who raised it; another provider sees nothing
    mine = (await post(live_server, tokens["acorn"], ALERTS))["data"]["safeguardingAlerts"]
    assert mine["totalCount"] == 1 and mine["nodes"][0]["raisedBy"] is None
    assert (await post(live_server, tokens["birch"], ALERTS))["data"]["safeguardingAlerts"]["totalCount"] == 0

    # suspending: a borough and `wla` alone are refused, nothing changes; the safeguarding lead suspends
    suspend_input = {
        "input": {
            "providerId": gid("Provider", market.acorn.id),
            "reason": "SAFEGUARDING",
            "notes": "Pending the LADO's enquiry",
        }
    }
    for who in ("ealing", "wla"):
        refused = await post(live_server, tokens[who], SUSPEND, suspend_input)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN" and refused["data"] is None
    assert (await post(live_server, tokens["lead"], SUSPENSIONS))["data"]["suspensions"]["nodes"] == []
    done = (await post(live_server, tokens["lead"], SUSPEND, suspend_input))["data"]["providerSuspend"]
    suspension = done["suspension"]
    assert done["userErrors"] == [] and (suspension["kind"], suspension["scope"], suspension["active"]) == (
        "SUSPENSION",
        "PROVIDER",
        True,
    )

    # its invitation is withdrawn, its bid excluded at evaluation, a new bid refused
    (invitation,) = (await post(live_server, tokens["acorn"], MY_INVITATIONS))["data"]["invitations"]["nodes"]
    assert invitation["status"] == "WITHDRAWN" and "suspended" in invitation["withdrawalReason"]
    ranked = (await post(live_server, tokens["barnet"], EVALUATION, {"id": rid}))["data"]["node"]["evaluation"]
    acorn = next(b for b in ranked["rankedBids"] if b["bid"]["provider"]["slug"] == "acorn-fostering")
    assert acorn["excluded"] and acorn["exclusionReasons"] == ["PROVIDER_SUSPENDED"] and acorn["rank"] is None
    again = await post(live_server, tokens["acorn"], SUBMIT, submit_input(requirement_id, sc.settings["Oak House"].id))
    assert [e["code"] for e in again["data"]["bidSubmit"]["userErrors"]] == ["PROVIDER_SUSPENDED"]

    # the next requirement does not invite it
    nxt = await post(live_server, tokens["barnet"], CREATE, create_input(sc.lot.id))
    out = await post(
        live_server, tokens["barnet"], PUBLISH, {"id": nxt["data"]["requirementCreate"]["requirement"]["id"]}
    )
    assert {i["provider"]["slug"] for i in out["data"]["requirementPublish"]["invitations"]} == {"birch-homes"}

    # reinstated: the one after that invites it again; the withdrawn invitation stays withdrawn
    lifted = (await post(live_server, tokens["lead"], REINSTATE, {"id": suspension["id"]}))["data"]["providerReinstate"]
    assert lifted["userErrors"] == [] and lifted["suspension"]["active"] is False
    after = await post(live_server, tokens["barnet"], CREATE, create_input(sc.lot.id))
    out = await post(
        live_server, tokens["barnet"], PUBLISH, {"id": after["data"]["requirementCreate"]["requirement"]["id"]}
    )
    assert {i["provider"]["slug"] for i in out["data"]["requirementPublish"]["invitations"]} == {
        "acorn-fostering",
        "birch-homes",
    }
    statuses = [
        i["status"] for i in (await post(live_server, tokens["acorn"], MY_INVITATIONS))["data"]["invitations"]["nodes"]
    ]
    assert statuses == ["WITHDRAWN", "INVITED"]


async def test_a_document_ending_in_the_next_minute_suspends_its_provider_by_the_live_servers_runner(
    live_server, db, market, monkeypatch
):
    await scene(db, market, members=3)
    # cedar: admitted, with no public liability insurance on record (one in force would cover this one's end)
    cedar = await token_for(live_server, await register(db, "cedar-care", "provider"))
    last_day = clock.today() + timedelta(days=100)  # before the scene's other documents end (in a year)
    recorded = await post(
        live_server,
        cedar,
        """mutation($input: DocumentRecordInput!) { documentRecord(input: $input) {
      document { id inForce } userErrors { code } } }""",
        {
            "input": {
                "kind": "PUBLIC_LIABILITY_INSURANCE",
                "reference": "PL-2",
                "coverAmount": "5000000.00",
                "validFrom": (last_day - timedelta(days=364)).isoformat(),
                "validUntil": last_day.isoformat(),
            }
        },
    )
    assert recorded["data"]["documentRecord"]["userErrors"] == [], recorded

    def at(instant: datetime) -> None:  # the server's clock, for the test and the live server's runner alike
        monkeypatch.setattr(clock, "now", lambda: instant)
        monkeypatch.setattr(clock, "today", lambda: instant.astimezone(LONDON).date())

    async def suspended() -> list[Suspension]:
        async with db.session() as s:
            return list((await s.execute(select(Suspension))).scalars())

    at(datetime.combine(last_day, time(23, 59), tzinfo=LONDON).astimezone(UTC))  # validity ends in a minute
    await asyncio.sleep(1.5)  # the runner polls every second: nothing is due yet
    assert await suspended() == []
    at(datetime.combine(last_day + timedelta(days=1), time(0, 0, 1), tzinfo=LONDON).astimezone(UTC))
    for _ in range(40):
        if await suspended():
            break
        await asyncio.sleep(0.25)
    (suspension,) = await suspended()
    assert suspension.reason.value == "DOCUMENT_EXPIRED" and suspension.lifted_at is None
    monkeypatch.undo()  # back to real time: real tokens are judged against it

    lead = await token_for(live_server, await register(db, "wla", "wla:safeguarding"))
    nodes = (await post(live_server, lead, SUSPENSIONS))["data"]["suspensions"]["nodes"]
    assert nodes == [{"reason": "DOCUMENT_EXPIRED", "active": True, "provider": {"slug": "cedar-care"}}]
    memberships = await post(
        live_server,
        cedar,
        "{ viewer { organisation { ... on Provider { memberships(first: 5) { nodes { status } } } } } }",
    )
    assert memberships["data"]["viewer"]["organisation"]["memberships"]["nodes"] == [{"status": "SUSPENDED"}]
