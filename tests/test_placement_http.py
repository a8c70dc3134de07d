"""The placement search over real HTTP with real tokens from the token endpoint: a borough creates and publishes
a requirement, the invited provider sees its invitation, another borough and an uninvited provider see nothing;
providers bid, the evaluation ranks them, an authorised officer accepts one and the others read their feedback;
both parties download the IPA and sign its hash, the requirement is PLACED and the placement live;
and the live server's own timer runner closes a requirement at its deadline."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import httpx
from strawberry.relay import from_base64

from api.core import clock
from api.core.principal import OrganisationKind
from api.market.enums import MembershipStatus
from tests.conftest import make_org
from tests.factories import add_setting
from tests.placement_factories import member, scene
from tests.test_bid_api import ACCEPT, BID, BIDS, EVALUATION, SUBMIT, submit_input
from tests.test_oauth import register, token_for
from tests.test_placement_api import CREATE, PUBLISH, READ, create_input


async def post(live_server: str, token: str, query: str, variables: dict | None = None) -> dict:
    async with httpx.AsyncClient() as http:
        r = await http.post(
            f"{live_server}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert r.status_code == 200, r.text
    return r.json()


async def test_create_publish_and_who_sees_what_over_http(live_server, db, market):
    sc = await scene(db, market, members=3)  # acorn and birch invited, cedar a member not invited
    tokens = {}
    for name, slug, scope in [
        ("barnet", "barnet", "borough"),
        ("ealing", "ealing", "borough"),
        ("acorn", "acorn-fostering", "provider"),
        ("cedar", "cedar-care", "provider"),
    ]:
        tokens[name] = await token_for(live_server, await register(db, slug, scope))

    created = await post(live_server, tokens["barnet"], CREATE, create_input(sc.lot.id))
    assert "errors" not in created, created
    requirement = created["data"]["requirementCreate"]["requirement"]
    published = await post(live_server, tokens["barnet"], PUBLISH, {"id": requirement["id"]})
    assert published["data"]["requirementPublish"]["requirement"]["status"] == "OPEN"
    assert {i["provider"]["slug"] for i in published["data"]["requirementPublish"]["invitations"]} == {
        "acorn-fostering",
        "birch-homes",
    }

    mine = await post(
        live_server,
        tokens["acorn"],
        """{ invitations(first: 5) { nodes { status match { level }
      requirement { reference urgency responseDeadline child { view courtDirections homePostcodeDistrict } } } } }""",
    )
    (invitation,) = mine["data"]["invitations"]["nodes"]
    assert invitation["status"] == "INVITED" and invitation["match"]["level"] == "FULL"
    assert invitation["requirement"]["reference"] == requirement["reference"]
    assert invitation["requirement"]["child"] == {
        "view": "SUMMARY",
        "courtDirections": None,
        "homePostcodeDistrict": "NW10",
    }

    # another borough: the requirement does not exist for it; an uninvited provider likewise
    for outsider in ("ealing", "cedar"):
        seen = await post(live_server, tokens[outsider], READ, {"id": requirement["id"]})
        assert seen["data"]["node"] is None
    refused = await post(live_server, tokens["ealing"], PUBLISH, {"id": requirement["id"]})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN" and refused["data"] is None
    empty = await post(live_server, tokens["cedar"], "{ invitations(first: 5) { totalCount } }")
    assert empty["data"]["invitations"]["totalCount"] == 0


async def test_the_live_servers_runner_closes_a_requirement_at_its_deadline(live_server, db, market):
    sc = await scene(db, market, members=2)
    token = await token_for(live_server, await register(db, "barnet", "borough"))
    deadline = clock.now() + timedelta(seconds=2)
    created = await post(live_server, token, CREATE, create_input(sc.lot.id, responseDeadline=deadline.isoformat()))
    requirement = created["data"]["requirementCreate"]["requirement"]
    published = await post(live_server, token, PUBLISH, {"id": requirement["id"]})
    assert published["data"]["requirementPublish"]["requirement"]["status"] == "OPEN"

    status = "query($id: ID!) { node(id: $id) { ... on Requirement { status closedAt } } }"
    for _ in range(40):  # the runner polls every second; the deadline is two seconds away
        node = (await post(live_server, token, status, {"id": requirement["id"]}))["data"]["node"]
        if node["status"] != "OPEN":
            break
        await asyncio.sleep(0.25)
    # nobody bid: the search ended unfilled (with a live bid it is CLOSED: tests/test_timers.py)
    assert node["status"] == "UNFILLED" and node["closedAt"] >= deadline.isoformat()[:19]


async def test_bids_evaluation_award_and_feedback_over_http(live_server, db, market):
    sc = await scene(db, market, members=2)
    hazel = await make_org(db, OrganisationKind.PROVIDER, "hazel-homes")
    await member(db, market, hazel, sc.lot, MembershipStatus.ADMITTED)
    hazel_home = await add_setting(db, market.admin, hazel.id, "Hazel House")
    tokens = {}
    for name, slug, scope in [
        ("officer", "barnet", "borough"),
        ("authorised", "barnet", "borough borough:award"),
        ("acorn", "acorn-fostering", "provider"),
        ("birch", "birch-homes", "provider"),
        ("hazel", "hazel-homes", "provider"),
        ("signer", "acorn-fostering", "provider:sign"),
        ("ealing", "ealing", "borough borough:award"),
        ("wla", "wla", "wla"),
    ]:
        tokens[name] = await token_for(live_server, await register(db, slug, scope))

    created = await post(live_server, tokens["officer"], CREATE, create_input(sc.lot.id))  # an EMERGENCY
    requirement = created["data"]["requirementCreate"]["requirement"]
    await post(live_server, tokens["officer"], PUBLISH, {"id": requirement["id"]})
    rid = int(from_base64(requirement["id"])[1])

    offers = {
        "acorn": (sc.settings["Oak House"].id, "900.00"),
        "birch": (sc.settings["Birch Lodge"].id, "850.00"),
        "hazel": (hazel_home.id, "4999.00"),
    }
    made = {}
    for name, (setting_id, price) in offers.items():
        made[name] = (await post(live_server, tokens[name], SUBMIT, submit_input(rid, setting_id, price)))["data"][
            "bidSubmit"
        ]
    assert [e["code"] for e in made["hazel"]["userErrors"]] == ["ABOVE_CAP"] and made["hazel"]["bid"] is None
    acorn_bid, birch_bid = made["acorn"]["bid"]["id"], made["birch"]["bid"]["id"]

    # sealed: birch sees its own bid only; the borough sees both
    seen = (await post(live_server, tokens["birch"], BIDS, {"id": requirement["id"]}))["data"]["node"]["bids"]
    assert [n["id"] for n in seen["nodes"]] == [birch_bid]
    assert (await post(live_server, tokens["birch"], BID, {"id": acorn_bid}))["data"]["node"] is None
    ranked = (await post(live_server, tokens["officer"], EVALUATION, {"id": requirement["id"]}))["data"]["node"][
        "evaluation"
    ]["rankedBids"]
    assert [(b["bid"]["id"], b["rank"]) for b in ranked] == [(acorn_bid, 1), (birch_bid, 2)]
    assert all(c["explanation"] for c in ranked[0]["criteria"])

    why = {"id": acorn_bid, "why": "Meets every need"}
    refused = await post(live_server, tokens["officer"], ACCEPT, why)  # `borough` alone
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN" and refused["data"] is None
    accepted = (await post(live_server, tokens["authorised"], ACCEPT_WITH_IPA, why))["data"]["bidAccept"]
    assert accepted["userErrors"] == [] and accepted["bid"]["requirement"]["status"] == "AWARDED"
    ipa = accepted["ipa"]
    assert (
        ipa["status"] == "ISSUED"
        and ipa["netWeeklyPrice"] == made["acorn"]["bid"]["netWeeklyPrice"]
        and ipa["signatures"] == []
    )
    feedback = (await post(live_server, tokens["birch"], BID, {"id": birch_bid}))["data"]["node"]
    assert feedback["status"] == "UNSUCCESSFUL" and feedback["feedback"]["rank"] == 2
    assert feedback["feedback"]["winningPriceBand"] == "£750–£999.99"

    # both parties download the PDF (the exact bytes of its hash); nobody else can, and no token is 401
    pdfs = {}
    for party in ("signer", "authorised"):
        r = await download(live_server, ipa["downloadUrl"], tokens[party])
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert r.headers["etag"] == f'"{ipa["documentSha256"]}"' and r.content.startswith(b"%PDF")
        pdfs[party] = hashlib.sha256(r.content).hexdigest()
    assert pdfs == {"signer": ipa["documentSha256"], "authorised": ipa["documentSha256"]}
    for outsider in ("birch", "ealing", "wla"):
        assert (await download(live_server, ipa["downloadUrl"], tokens[outsider])).status_code == 404
    assert (await download(live_server, ipa["downloadUrl"], None)).status_code == 401

    # both sign the hash they downloaded: `provider` alone cannot, a wrong hash changes nothing
    sign = {"id": ipa["id"], "sha": pdfs["signer"]}
    assert (await post(live_server, tokens["acorn"], SIGN, sign))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    wrong = (await post(live_server, tokens["signer"], SIGN, {**sign, "sha": "0" * 64}))["data"]["ipaSign"]
    assert [e["code"] for e in wrong["userErrors"]] == ["HASH_MISMATCH"] and wrong["ipa"] is None
    early = (await post(live_server, tokens["authorised"], SIGN, sign))["data"]["ipaSign"]
    assert [e["code"] for e in early["userErrors"]] == ["PROVIDER_SIGNS_FIRST"]
    signed = (await post(live_server, tokens["signer"], SIGN, sign))["data"]["ipaSign"]
    assert signed["userErrors"] == [] and signed["ipa"]["status"] == "PROVIDER_SIGNED"
    executed = (await post(live_server, tokens["authorised"], SIGN, {**sign, "sha": pdfs["authorised"]}))["data"][
        "ipaSign"
    ]
    assert executed["userErrors"] == [] and executed["ipa"]["status"] == "EXECUTED"
    assert [g["party"] for g in executed["ipa"]["signatures"]] == ["PROVIDER", "BOROUGH"]

    # the placement is live; the provider sees it too; another borough nothing; the alliance with the child masked
    placed = (await post(live_server, tokens["officer"], PLACED, {"id": requirement["id"]}))["data"]["node"]
    assert placed["status"] == "PLACED" and placed["ipa"]["status"] == "EXECUTED"
    live = placed["ipa"]["placement"]
    assert live["status"] == "LIVE" and live["provider"]["slug"] == "acorn-fostering"
    assert live["setting"]["name"] == "Oak House" and live["placementPlanDueOn"] > live["startsOn"]
    assert (await post(live_server, tokens["acorn"], PLACED, {"id": requirement["id"]}))["data"]["node"]["ipa"][
        "placement"
    ]["placementPlanDueOn"] == live["placementPlanDueOn"]
    assert (await post(live_server, tokens["ealing"], PLACED, {"id": requirement["id"]}))["data"]["node"] is None
    seen_by_wla = (await post(live_server, tokens["wla"], PLACED, {"id": requirement["id"]}))["data"]["node"]
    assert seen_by_wla["child"] == {"view": "MASKED", "pseudonymousReference": None}
    assert seen_by_wla["ipa"]["status"] == "EXECUTED"
    # a rival provider still cannot see the winner's bid
    assert (await post(live_server, tokens["birch"], BID, {"id": acorn_bid}))["data"]["node"] is None


ACCEPT_WITH_IPA = """mutation($id: ID!, $why: String!) { bidAccept(input: {bidId: $id, rationale: $why}) {
  bid { id status requirement { status } } ipa { id status documentSha256 downloadUrl netWeeklyPrice
  signatures { party signedAt } } userErrors { code } } }"""

SIGN = """mutation($id: ID!, $sha: String!) { ipaSign(input: {ipaId: $id, documentSha256: $sha}) {
  ipa { status signatures { party } } userErrors { code } } }"""

PLACED = """query($id: ID!) { node(id: $id) { ... on Requirement { status child { view pseudonymousReference }
  ipa { status placement { status startsOn placementPlanDueOn provider { slug } setting { name } } } } } }"""


async def download(live_server: str, url: str, token: str | None) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.get(f"{live_server}{url}", headers={"Authorization": f"Bearer {token}"} if token else {})
