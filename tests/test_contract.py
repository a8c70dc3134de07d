"""The contract the portal and the boroughs' systems are written against (frontend-contract/): every operation of
operations/ valid against the schema; the persisted documents graphql-codegen made of them, run by `documentId`
against the live server with real tokens of each role (the provider's client persisted-only), the subscription
included; a persisted-only client refused anything else; and the breaking-change check against the released
schema."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import httpx
from graphql import OperationDefinitionNode, build_schema, parse, validate

from api.core import clock
from api.core.config import PERSISTED_DOCUMENTS
from api.core.principal import Scope
from schema import schema
from schema.core import persisted
from schema.core.contract import problems
from schema.core.limits import DOCUMENTS, Document
from tests.conftest import principal_for
from tests.placement_factories import scene
from tests.test_oauth import _dpv, discover, register, token_for
from tests.test_placement_api import create_input
from tests.ws_client import WsClient

CONTRACT = Path(__file__).resolve().parents[1] / "frontend-contract"
SDL = (CONTRACT / "schema.graphql").read_text()
RELEASED = (CONTRACT / "released" / "schema.graphql").read_text()


def operations_text() -> str:
    return "\n".join(p.read_text() for p in sorted((CONTRACT / "operations").glob("*.graphql")))


def persisted_by_name() -> dict[str, tuple[str, str]]:
    """Each persisted document's operation name -> (its id, its text)."""
    found = {}
    for document_id, text in json.loads(PERSISTED_DOCUMENTS.read_text()).items():
        (operation,) = [d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)]
        found[operation.name.value] = (document_id, text)
    return found


PERSISTED = persisted_by_name()


# --- the documents ---------------------------------------------------------------------------------------------


def test_every_operation_is_valid_against_the_schema_file_and_the_served_schema():
    document = parse(operations_text())
    assert validate(build_schema(SDL), document) == []
    assert validate(schema._schema, document) == []
    names = [d.name.value for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(names) == len(set(names)) >= 20


def test_the_persisted_documents_are_the_operations_each_by_the_sha256_of_its_text():
    names = {d.name.value for d in parse(operations_text()).definitions if isinstance(d, OperationDefinitionNode)}
    assert set(PERSISTED) == names, "frontend-contract: run `npm run generate` after changing operations/"
    generated = (CONTRACT / "generated" / "graphql.ts").read_text()
    for document_id, text in PERSISTED.values():
        assert document_id == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
        assert validate(schema._schema, parse(text)) == []
        assert f'"hash":"{document_id}"' in generated  # the typed document carries the id the server knows


# --- the breaking-change check -----------------------------------------------------------------------------------


def test_the_schema_keeps_the_released_contract():
    assert problems(RELEASED, SDL) == []


def test_a_breaking_change_made_on_purpose_fails_the_check_unless_deprecated_first_with_a_date():
    removed = SDL.replace("  withdrawalReason: String\n", "", 1)
    assert problems(SDL, removed) == ["FIELD_REMOVED: Field Invitation.withdrawalReason was removed."]
    retyped = SDL.replace("  withdrawalReason: String\n", "  withdrawalReason: Int\n", 1)
    assert [p.split(":")[0] for p in problems(SDL, retyped)] == ["FIELD_CHANGED_KIND"]
    no_value = SDL.replace("enum MatchLevel {\n  FULL\n  PARTIAL\n", "enum MatchLevel {\n  FULL\n", 1)
    assert problems(SDL, no_value) == ["VALUE_REMOVED_FROM_ENUM: Enum value MatchLevel.PARTIAL was removed."]

    deprecated = SDL.replace(
        "  withdrawalReason: String\n",
        '  withdrawalReason: String @deprecated(reason: "Read `withdrawal` since 2026-12-03")\n',
        1,
    )
    assert problems(SDL, deprecated) == []  # deprecating is not breaking
    assert problems(deprecated, removed) == []  # removing what was deprecated first is allowed
    undated = SDL.replace("  withdrawalReason: String\n", '  withdrawalReason: String @deprecated(reason: "Old")\n')
    assert problems(SDL, undated) == ["DEPRECATION_WITHOUT_DATE: Invitation.withdrawalReason: 'Old'"]


# --- over HTTP and WebSocket, with real tokens --------------------------------------------------------------------


async def run(live_server: str, token: str, name: str, variables: dict | None = None) -> dict:
    """The named operation by its `documentId`: no errors, its data."""
    async with httpx.AsyncClient() as http:
        r = await http.post(
            f"{live_server}/graphql",
            json={"documentId": PERSISTED[name][0], "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, (name, body)
    return body["data"]


async def test_the_portals_and_the_boroughs_operations_by_document_id_against_the_live_server(live_server, db, market):
    sc = await scene(db, market, members=2)  # barnet leads; acorn (Oak House fits) and birch admitted
    tokens = {}
    for name, slug, scope, only in [
        ("officer", "barnet", "borough", False),
        ("authorised", "barnet", "borough borough:award", False),
        ("acorn", "acorn-fostering", "provider", True),
        ("signer", "acorn-fostering", "provider:sign", True),
        ("birch", "birch-homes", "provider", True),
    ]:
        tokens[name] = await token_for(live_server, await register(db, slug, scope, persisted_only=only))

    # the provider's place in the change feed before anything is published: its subscription resumes from it
    before = (await run(live_server, tokens["acorn"], "Changes"))["changes"]["pageInfo"]["endCursor"]

    # the borough's system posts and publishes a requirement
    created = (await run(live_server, tokens["officer"], "BoroughRequirementCreate", create_input(sc.lot.id)))[
        "requirementCreate"
    ]
    assert created["userErrors"] == [] and created["requirement"]["status"] == "DRAFT"
    requirement = created["requirement"]
    publish = {"input": {"requirementId": requirement["id"]}}
    published = (await run(live_server, tokens["officer"], "BoroughRequirementPublish", publish))["requirementPublish"]
    assert published["userErrors"] == [] and published["requirement"]["status"] == "OPEN"
    assert {i["provider"]["slug"] for i in published["invitations"]} == {"acorn-fostering", "birch-homes"}

    # the portal: the dashboard, the invitation, the bid form
    dashboard = await run(live_server, tokens["acorn"], "ProviderDashboard")
    assert dashboard["viewer"]["organisation"]["slug"] == "acorn-fostering"
    (invitation,) = dashboard["invitations"]["nodes"]
    assert invitation["match"]["level"] == "FULL" and invitation["match"]["setting"]["name"] == "Oak House"
    assert invitation["requirement"]["reference"] == requirement["reference"]
    assert invitation["requirement"]["child"]["view"] == "SUMMARY"
    seen = (await run(live_server, tokens["acorn"], "ProviderInvitation", {"id": invitation["id"]}))["node"]
    assert seen["status"] == "INVITED" and seen["requirement"]["child"]["legalStatus"] == "CARE_ORDER"
    assert seen["requirement"]["bids"]["nodes"] == []
    form = await run(live_server, tokens["acorn"], "ProviderBidForm", {"requirementId": requirement["id"]})
    assert form["requirement"]["lot"]["weeklyRateCap"] is not None
    assert sum(float(w["weight"]) for w in form["requirement"]["lot"]["dpv"]["evaluationWeights"]) == 100
    offered = {s["name"]: s["id"] for s in form["viewer"]["organisation"]["settings"]["nodes"]}
    assert set(offered) == {"Oak House", "Far House"}

    # submit, amend; birch submits, withdraws and bids again
    available = (clock.today() + timedelta(days=3)).isoformat()
    offer = {
        "requirementId": requirement["id"],
        "settingId": offered["Oak House"],
        "corePrice": "900.00",
        "availableFrom": available,
        "needsStatement": "Autism-trained staff",
        "extras": [{"description": "Education", "weeklyPrice": "50.00"}],
    }
    submitted = (await run(live_server, tokens["acorn"], "ProviderBidSubmit", {"input": offer}))["bidSubmit"]
    assert submitted["userErrors"] == [] and submitted["bid"]["status"] == "SUBMITTED"
    acorn_bid = submitted["bid"]["id"]
    amendment = {k: v for k, v in offer.items() if k != "requirementId"} | {"bidId": acorn_bid, "corePrice": "880.00"}
    amended = (await run(live_server, tokens["acorn"], "ProviderBidAmend", {"input": amendment}))["bidAmend"]
    assert amended["userErrors"] == [] and amended["bid"]["corePrice"] == "880.00" and amended["bid"]["amendedAt"]
    birch_form = await run(live_server, tokens["birch"], "ProviderBidForm", {"requirementId": requirement["id"]})
    (birch_setting,) = birch_form["viewer"]["organisation"]["settings"]["nodes"]
    birch_offer = offer | {"settingId": birch_setting["id"], "corePrice": "850.00"}
    first = (await run(live_server, tokens["birch"], "ProviderBidSubmit", {"input": birch_offer}))["bidSubmit"]
    withdrawn = (
        await run(live_server, tokens["birch"], "ProviderBidWithdraw", {"input": {"bidId": first["bid"]["id"]}})
    )["bidWithdraw"]
    assert withdrawn["userErrors"] == [] and withdrawn["bid"]["status"] == "WITHDRAWN"
    again = (await run(live_server, tokens["birch"], "ProviderBidSubmit", {"input": birch_offer}))["bidSubmit"]
    assert again["userErrors"] == []
    birch_bid = again["bid"]["id"]

    # the borough: the requirement with its bids, a score, the evaluation, the award
    mine = (await run(live_server, tokens["officer"], "BoroughRequirement", {"id": requirement["id"]}))["node"]
    assert mine["invitations"]["totalCount"] == 2 and mine["bids"]["totalCount"] == 3  # the withdrawn one too
    scored = (
        await run(
            live_server,
            tokens["officer"],
            "BoroughBidScoreRecord",
            {"input": {"bidId": acorn_bid, "criterion": "CHILD_VIEWS", "score": 4}},
        )
    )["bidScoreRecord"]
    assert scored["userErrors"] == []
    evaluation = (await run(live_server, tokens["officer"], "BoroughEvaluation", {"id": requirement["id"]}))["node"][
        "evaluation"
    ]
    assert [(b["bid"]["id"], b["rank"]) for b in evaluation["rankedBids"]] == [(acorn_bid, 1), (birch_bid, 2)]
    assert all(c["explanation"] for c in evaluation["rankedBids"][0]["criteria"])
    award = {"input": {"bidId": acorn_bid, "rationale": "Meets every need, close to school"}}
    awarded = (await run(live_server, tokens["authorised"], "BoroughAward", award))["bidAccept"]
    assert awarded["userErrors"] == [] and awarded["bid"]["requirement"]["status"] == "AWARDED"
    assert awarded["ipa"]["status"] == "ISSUED"

    # the feedback, then the IPA signed by both parties
    feedback = (await run(live_server, tokens["birch"], "ProviderBidFeedback", {"id": birch_bid}))["node"]
    assert feedback["status"] == "UNSUCCESSFUL" and feedback["feedback"]["rank"] == 2
    assert feedback["feedback"]["reasons"] and feedback["feedback"]["winningPriceBand"]
    ipa = (await run(live_server, tokens["acorn"], "Ipa", {"requirementId": requirement["id"]}))["node"]["ipa"]
    assert ipa["status"] == "ISSUED" and ipa["signatures"] == []
    for party, status in (("signer", "PROVIDER_SIGNED"), ("authorised", "EXECUTED")):
        sign = {"input": {"ipaId": ipa["id"], "documentSha256": ipa["documentSha256"]}}
        signed = (await run(live_server, tokens[party], "IpaSign", sign))["ipaSign"]
        assert signed["userErrors"] == [] and signed["ipa"]["status"] == status
    placed = (await run(live_server, tokens["authorised"], "Ipa", {"requirementId": requirement["id"]}))["node"]
    assert placed["status"] == "PLACED" and placed["ipa"]["placement"]["status"] == "LIVE"

    # settings and vacancies, documents
    settings = (await run(live_server, tokens["acorn"], "ProviderSettings"))["viewer"]["organisation"]["settings"]
    assert settings["totalCount"] == 2
    update = {"input": {"settingId": offered["Far House"], "vacancies": 0}}
    updated = (await run(live_server, tokens["acorn"], "ProviderSettingUpdate", update))["settingUpdate"]
    assert updated["userErrors"] == [] and updated["setting"]["vacancies"] == 0
    new_home = {
        "kind": "FOSTER_HOUSEHOLD",
        "name": "Rowan Household",
        "ageMin": 0,
        "ageMax": 17,
        "sexes": ["FEMALE", "MALE"],
        "places": 2,
        "vacancies": 1,
        "postcodeDistrict": "HA1",
        "location": {"latitude": 51.58, "longitude": -0.34},
    }
    made = (await run(live_server, tokens["acorn"], "ProviderSettingCreate", {"input": new_home}))["settingCreate"]
    assert made["userErrors"] == [] and made["setting"]["name"] == "Rowan Household"
    documents = (await run(live_server, tokens["acorn"], "ProviderDocuments"))["viewer"]["organisation"]
    assert documents["compliance"]["compliant"] is True and documents["documents"]["totalCount"] >= 6
    credit_check = {
        "kind": "CREDIT_CHECK",
        "reference": "CC-2",
        "issuer": "Experian",
        "validFrom": clock.today().isoformat(),
        "validUntil": (clock.today() + timedelta(days=365)).isoformat(),
        "creditCheckOutcome": "PASSED",
    }
    recorded = (await run(live_server, tokens["acorn"], "ProviderDocumentRecord", {"input": credit_check}))[
        "documentRecord"
    ]
    assert recorded["userErrors"] == [] and recorded["document"]["inForce"] is True

    # the borough's change feed: what happened, in order
    feed = (await run(live_server, tokens["officer"], "Changes"))["changes"]["nodes"]
    types = [e["type"] for e in feed]
    for expected in ("requirement.publish", "bid.submit", "bid.accept", "ipa.sign"):
        assert expected in types, types
    assert types.index("requirement.publish") < types.index("bid.accept")

    # the subscription, by the persisted text (a WebSocket's subscribe has a query, no documentId), from the
    # cursor read before the publication: the invitation is replayed to the persisted-only client
    acorn = await WsClient.connect(live_server, tokens["acorn"])
    try:
        await acorn.subscribe(PERSISTED["ProviderRequirementPublished"][1], {"after": before})
        event = (await acorn.next())["requirementPublished"]
        assert event["invitation"]["id"] == invitation["id"]
        assert event["invitation"]["requirement"]["reference"] == requirement["reference"]
    finally:
        await acorn.close()


async def test_a_persisted_only_client_runs_persisted_documents_and_nothing_else(live_server, db, market, database_url):
    done = _dpv(database_url, "client", "create", "--org", "acorn-fostering", "--scope", "provider", "--persisted-only")
    assert done.returncode == 0, done.stderr
    credentials = json.loads(done.stdout)
    meta = await discover(live_server)
    async with httpx.AsyncClient() as http:
        r = await http.post(
            meta["token_endpoint"],
            data={"grant_type": "client_credentials"},
            auth=(credentials["client_id"], credentials["client_secret"]),
        )
        only = r.json()["access_token"]
        free = await token_for(live_server, await register(db, "acorn-fostering", "provider"))
        dashboard = {"documentId": PERSISTED["ProviderDashboard"][0]}
        text = {"query": PERSISTED["ProviderDashboard"][1]}
        other = {"query": "{ viewer { scopes } }"}

        async def post(token: str, body: dict, **headers: str) -> httpx.Response:
            return await http.post(
                f"{live_server}/graphql", json=body, headers={"Authorization": f"Bearer {token}", **headers}
            )

        # served by documentId, and by the persisted text itself; anything else refused before it is parsed
        for body in (dashboard, text):
            r = await post(only, body)
            assert r.status_code == 200 and "errors" not in r.json(), r.text
            assert r.json()["data"]["viewer"]["organisation"]["slug"] == "acorn-fostering"
        for body in (other, {"query": "{ not valid"}):
            refused = (await post(only, body)).json()
            assert refused["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED" and refused["data"] is None
        assert "{ not valid" not in str(DOCUMENTS.cached("{ not valid"))

        # an id no document has, for any client (400 for a client that accepts graphql-response+json)
        for token in (only, free):
            unknown = (await post(token, {"documentId": "sha256:" + "0" * 64})).json()
            assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND" and unknown["data"] is None
        strict = await post(free, {"documentId": "sha256:nope"}, Accept="application/graphql-response+json")
        assert (
            strict.status_code == 400
            and strict.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        )

        # another client runs what it likes, and persisted documents too; by GET as well
        assert (await post(free, other)).json()["data"]["viewer"]["scopes"] == ["provider"]
        assert "errors" not in (await post(free, dashboard)).json()
        got = await http.get(
            f"{live_server}/graphql",
            params={"documentId": PERSISTED["Changes"][0]},
            headers={"Authorization": f"Bearer {only}", "Accept": "application/json"},
        )
        assert got.status_code == 200 and "errors" not in got.json(), got.text

    # over a WebSocket: the persisted text subscribes, any other is refused
    ws = await WsClient.connect(live_server, only)
    try:
        await ws.subscribe("subscription { requirementPublished { cursor } }")
        (error,) = await ws.errors()
        assert error["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
    finally:
        await ws.close()


async def test_a_persisted_document_is_parsed_and_validated_once(gql, db, market):
    """Run in process: the persisted document is kept by its id, not in the cache of query texts."""
    document_id, text = PERSISTED["Changes"]
    store = persisted.documents(PERSISTED_DOCUMENTS)
    assert store.text(document_id) == text
    barnet = principal_for(market.barnet, Scope.BOROUGH)
    for _ in range(2):
        await gql.ok(text, {}, barnet)
    kept = store.document(text, Document)
    assert kept is store.document(text, Document) and kept.validated  # parsed once, its validation kept
    assert DOCUMENTS.cached(text) is None
