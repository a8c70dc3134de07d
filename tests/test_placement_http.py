"""The placement search over real HTTP with real tokens from the token endpoint: a borough creates and publishes
a requirement, the invited provider sees its invitation, another borough and an uninvited provider see nothing;
and the live server's own timer runner closes a requirement at its deadline."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from api import clock
from tests.placement_factories import scene
from tests.test_oauth import register, token_for
from tests.test_placement_api import CREATE, PUBLISH, READ, create_input


async def post(live_server: str, token: str, query: str, variables: dict | None = None) -> dict:
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{live_server}/graphql", json={"query": query, "variables": variables or {}},
                            headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return r.json()


async def test_create_publish_and_who_sees_what_over_http(live_server, db, market):
    sc = await scene(db, market, members=3)  # acorn and birch invited, cedar a member not invited
    tokens = {}
    for name, slug, scope in [("barnet", "barnet", "borough"), ("ealing", "ealing", "borough"),
                              ("acorn", "acorn-fostering", "provider"), ("cedar", "cedar-care", "provider")]:
        tokens[name] = await token_for(live_server, await register(db, slug, scope))

    created = await post(live_server, tokens["barnet"], CREATE, create_input(sc.lot.id))
    assert "errors" not in created, created
    requirement = created["data"]["requirementCreate"]["requirement"]
    published = await post(live_server, tokens["barnet"], PUBLISH, {"id": requirement["id"]})
    assert published["data"]["requirementPublish"]["requirement"]["status"] == "OPEN"
    assert {i["provider"]["slug"] for i in published["data"]["requirementPublish"]["invitations"]} == {
        "acorn-fostering", "birch-homes"}

    mine = await post(live_server, tokens["acorn"], """{ invitations(first: 5) { nodes { status match { level }
      requirement { reference urgency responseDeadline child { view courtDirections homePostcodeDistrict } } } } }""")
    (invitation,) = mine["data"]["invitations"]["nodes"]
    assert invitation["status"] == "INVITED" and invitation["match"]["level"] == "FULL"
    assert invitation["requirement"]["reference"] == requirement["reference"]
    assert invitation["requirement"]["child"] == {"view": "SUMMARY", "courtDirections": None,
                                                  "homePostcodeDistrict": "NW10"}

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
        if node["status"] == "CLOSED":
            break
        await asyncio.sleep(0.25)
    assert node["status"] == "CLOSED" and node["closedAt"] >= deadline.isoformat()[:19]
