"""Bids, the evaluation, the award and the history through GraphQL: each mutation refused first (and nothing
changes), then allowed; bids sealed between providers; another borough sees nothing; the alliance sees all."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from sqlalchemy import select

from api.core import clock
from api.core.audit import AuditEvent
from api.core.principal import Scope
from api.placements.models import Bid, BidOfficerScore
from tests.conftest import count, error_code, gid, principal_for
from tests.placement_factories import published, scene, submit

SUBMIT = """mutation($input: BidSubmitInput!) { bidSubmit(input: $input) {
  bid { id status weeklyPrice netWeeklyPrice discounts { kind percent amount } extras { description weeklyPrice }
    submittedAt provider { slug } setting { name } requirement { reference } }
  userErrors { field code message } } }"""

BIDS = """query($id: ID!) { node(id: $id) { ... on Requirement {
  bids(first: 10) { totalCount nodes { id status provider { slug } netWeeklyPrice } } } } }"""

BID = (
    "query($id: ID!) { node(id: $id) { ... on Bid { id status netWeeklyPrice"
    " feedback { reasons rank winningPriceBand } } } }"
)

EVALUATION = """query($id: ID!) { node(id: $id) { ... on Requirement { evaluation { weeklyRateCap marketMedian
  weights { criterion weight }
  rankedBids { bid { id provider { slug } } rank score excluded exclusionReasons alerts { severity }
    criteria { criterion weight score explanation } } } } } }"""

ACCEPT = """mutation($id: ID!, $why: String!) { bidAccept(input: {bidId: $id, rationale: $why}) {
  bid { id status rationale requirement { status awardedAt } } userErrors { field code message } } }"""

HISTORY = """query($id: ID!) { node(id: $id) { ... on Requirement { history(first: 50) { totalCount
  nodes { action occurredAt subjectType subjectId actor { kind id organisation { slug } } data } } } } }"""


def submit_input(requirement_id: int, setting_id: int, core: str = "900.00", **over) -> dict:
    return {
        "input": {
            "requirementId": gid("Requirement", requirement_id),
            "settingId": gid("Setting", setting_id),
            "corePrice": core,
            "extras": [{"description": "Education", "weeklyPrice": "50.00"}],
            "availableFrom": (clock.today() + timedelta(days=3)).isoformat(),
            "needsStatement": "Autism-trained staff",
            **over,
        }
    }


async def test_bid_submit_refused_then_allowed_and_above_the_cap_refused(gql, db, market):
    sc = await scene(db, market, members=3)
    r = await published(db, market.barnet_officer, sc.lot.id, expected_duration_weeks=52)
    variables = submit_input(r.id, sc.settings["Oak House"].id)
    assert error_code(await gql(SUBMIT, variables)) == "UNAUTHENTICATED"
    for who in (
        market.barnet_officer,
        market.admin,
        principal_for(market.acorn, Scope.PROVIDER_SIGN),
        sc.staff("cedar"),  # a member not invited: the requirement does not exist for it
        market.birch_staff,
    ):  # invited, but the setting is acorn's
        result = await gql(SUBMIT, variables, who)
        assert error_code(result) == "FORBIDDEN" and result.data is None
    assert await count(db, Bid) == 0 and await count(db, AuditEvent, AuditEvent.entity_type == "Bid") == 0

    payload = (await gql.ok(SUBMIT, {"input": {**variables["input"], "idempotencyKey": "k1"}}, market.acorn_staff))[
        "bidSubmit"
    ]
    assert payload["userErrors"] == []
    bid = payload["bid"]
    assert bid["status"] == "SUBMITTED" and bid["provider"] == {"slug": "acorn-fostering"}
    assert (bid["weeklyPrice"], bid["netWeeklyPrice"]) == ("950.00", "902.50")  # long-term 5%
    assert bid["discounts"] == [{"kind": "LONG_TERM", "percent": "5", "amount": "47.50"}]
    assert bid["extras"] == [{"description": "Education", "weeklyPrice": "50.00"}]
    assert bid["setting"] == {"name": "Oak House"} and bid["requirement"] == {"reference": r.reference}
    again = (await gql.ok(SUBMIT, {"input": {**variables["input"], "idempotencyKey": "k1"}}, market.acorn_staff))[
        "bidSubmit"
    ]
    assert again["bid"]["id"] == bid["id"] and await count(db, Bid) == 1

    above = (await gql.ok(SUBMIT, submit_input(r.id, sc.settings["Birch Lodge"].id, "5000.00"), market.birch_staff))[
        "bidSubmit"
    ]
    assert above["bid"] is None
    assert [(e["field"], e["code"]) for e in above["userErrors"]] == [(None, "ABOVE_CAP")]
    assert "above the lot's weekly rate cap" in above["userErrors"][0]["message"]
    assert await count(db, Bid) == 1


async def test_bids_are_sealed_between_providers_and_invisible_to_another_borough(gql, db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    oak = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id)
    lodge = await submit(db, market.birch_staff, r.id, sc.settings["Birch Lodge"].id, "850.00")
    req, oak_id = {"id": gid("Requirement", r.id)}, {"id": gid("Bid", oak.id)}

    # a rival provider: acorn's bid does not exist for it, in a list or by id
    rival = (await gql.ok(BIDS, req, market.birch_staff))["node"]["bids"]
    assert rival["totalCount"] == 1 and [n["provider"]["slug"] for n in rival["nodes"]] == ["birch-homes"]
    assert (await gql.ok(BID, oak_id, market.birch_staff))["node"] is None
    nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    assert (await gql.ok(nodes, {"ids": [oak_id["id"], gid("Bid", lodge.id)]}, market.birch_staff))["nodes"] == [
        None,
        {"id": gid("Bid", lodge.id)},
    ]
    # another borough: neither the requirement nor its bids
    assert (await gql.ok(BIDS, req, market.ealing_officer))["node"] is None
    assert (await gql.ok(BID, oak_id, market.ealing_officer))["node"] is None
    # the owning borough sees every bid as it arrives; the alliance sees all
    for viewer in (market.barnet_officer, market.admin):
        seen = (await gql.ok(BIDS, req, viewer))["node"]["bids"]
        assert {n["provider"]["slug"] for n in seen["nodes"]} == {"acorn-fostering", "birch-homes"}
    assert (await gql.ok(BID, oak_id, market.acorn_staff))["node"]["status"] == "SUBMITTED"

    # a provider cannot amend or withdraw another's bid
    for mutation in (
        "bidWithdraw(input: {bidId: $id})",
        'bidAmend(input: {bidId: $id, settingId: "'
        + gid("Setting", sc.settings["Birch Lodge"].id)
        + '", corePrice: "1.00", availableFrom: "2099-01-01", needsStatement: "x"})',
    ):
        result = await gql(
            f"mutation($id: ID!) {{ {mutation} {{ userErrors {{ code }} }} }}", oak_id, market.birch_staff
        )
        assert error_code(result) == "FORBIDDEN"
    assert (await gql.ok(BID, oak_id, market.acorn_staff))["node"]["status"] == "SUBMITTED"


async def test_the_evaluation_for_the_borough_and_the_alliance_only(gql, db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    oak = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id)
    lodge = await submit(db, market.birch_staff, r.id, sc.settings["Birch Lodge"].id, "850.00")
    req = {"id": gid("Requirement", r.id)}
    for provider in (market.acorn_staff, market.birch_staff):
        assert error_code(await gql(EVALUATION, req, provider)) == "FORBIDDEN"

    score = """mutation($id: ID!) { bidScoreRecord(input: {bidId: $id, criterion: CHILD_VIEWS, score: 5}) {
      bid { id } userErrors { field code } } }"""
    for who in (market.ealing_officer, market.acorn_staff):
        assert error_code(await gql(score, {"id": gid("Bid", oak.id)}, who)) == "FORBIDDEN"
    assert await count(db, BidOfficerScore) == 0
    assert (await gql.ok(score, {"id": gid("Bid", oak.id)}, market.barnet_officer))["bidScoreRecord"] == {
        "bid": {"id": gid("Bid", oak.id)},
        "userErrors": [],
    }

    for viewer in (market.barnet_officer, market.admin):
        e = (await gql.ok(EVALUATION, req, viewer))["node"]["evaluation"]
        ranked = e["rankedBids"]
        assert [b["bid"]["id"] for b in ranked] == [gid("Bid", oak.id), gid("Bid", lodge.id)]
        assert [b["rank"] for b in ranked] == [1, 2] and not any(b["excluded"] for b in ranked)
        assert [c["criterion"] for c in ranked[0]["criteria"]] == [
            "NEEDS_AND_SPECIALISMS",
            "DISTANCE",
            "TIMESCALE",
            "QUALITY",
            "PRICE",
            "CHILD_VIEWS",
            "COMPATIBILITY",
            "SOCIAL_VALUE",
        ]
        views = ranked[0]["criteria"][5]
        assert views == {
            "criterion": "CHILD_VIEWS",
            "weight": "10",
            "score": "100.0",
            "explanation": "the officer scored the child's views 5 of 5 (× 20)",
        }
        assert sum(int(w["weight"]) for w in e["weights"]) == 100 and e["marketMedian"] is None
        assert ranked[0]["alerts"] == []
    assert (await gql.ok(EVALUATION, req, market.ealing_officer))["node"] is None


async def test_accept_refused_then_allowed_and_the_unsuccessful_see_their_feedback(gql, db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    oak = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id)
    lodge = await submit(db, market.birch_staff, r.id, sc.settings["Birch Lodge"].id, "850.00")
    await gql.ok(
        "mutation($id: ID!) { requirementClose(input: {requirementId: $id}) { userErrors { code } } }",
        {"id": gid("Requirement", r.id)},
        market.barnet_officer,
    )
    variables = {"id": gid("Bid", oak.id), "why": "Meets every need, near her school"}
    authorised = principal_for(market.barnet, Scope.BOROUGH, Scope.BOROUGH_AWARD)
    assert error_code(await gql(ACCEPT, variables)) == "UNAUTHENTICATED"
    for who in (
        market.barnet_officer,  # `borough` alone is not an authorised officer
        principal_for(market.ealing, Scope.BOROUGH, Scope.BOROUGH_AWARD),
        market.admin,
        market.acorn_staff,
    ):
        assert error_code(await gql(ACCEPT, variables, who)) == "FORBIDDEN"
    assert await count(db, AuditEvent, AuditEvent.action == "bid.accept") == 0

    blank = (await gql.ok(ACCEPT, {**variables, "why": ""}, authorised))["bidAccept"]
    assert blank == {
        "bid": None,
        "userErrors": [
            {"field": "rationale", "code": "RATIONALE_REQUIRED", "message": "Record why this bid is accepted"}
        ],
    }
    done = (await gql.ok(ACCEPT, variables, authorised))["bidAccept"]
    assert done["userErrors"] == [] and done["bid"]["status"] == "ACCEPTED"
    assert done["bid"]["rationale"] == "Meets every need, near her school"
    assert done["bid"]["requirement"]["status"] == "AWARDED" and done["bid"]["requirement"]["awardedAt"]

    mine = (await gql.ok(BID, {"id": gid("Bid", lodge.id)}, market.birch_staff))["node"]
    assert mine["status"] == "UNSUCCESSFUL"
    assert mine["feedback"] == {
        "reasons": ["LOWER_TOTAL_SCORE", "NEEDS_PARTLY_MET", "FURTHER_FROM_HOME"],
        "rank": 2,
        "winningPriceBand": "£750–£999.99",
    }
    rationale = "query($id: ID!) { node(id: $id) { ... on Bid { rationale } } }"
    assert error_code(await gql(rationale, {"id": gid("Bid", oak.id)}, market.acorn_staff)) == "FORBIDDEN"
    # still sealed after the award: the loser does not see the winner
    assert (await gql.ok(BID, {"id": gid("Bid", oak.id)}, market.birch_staff))["node"] is None
    again = (await gql.ok(ACCEPT, {**variables, "id": gid("Bid", lodge.id)}, authorised))["bidAccept"]
    assert [e["code"] for e in again["userErrors"]] == ["ALREADY_AWARDED"]


async def test_the_history_for_the_borough_and_the_alliance_without_the_child(gql, db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    oak = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id)
    await gql.ok(
        "mutation($id: ID!) { bidWithdraw(input: {bidId: $id}) { userErrors { code } } }",
        {"id": gid("Bid", oak.id)},
        market.acorn_staff,
    )
    req = {"id": gid("Requirement", r.id)}
    for provider in (market.acorn_staff, market.birch_staff):
        assert error_code(await gql(HISTORY, req, provider)) == "FORBIDDEN"
    assert (await gql.ok(HISTORY, req, market.ealing_officer))["node"] is None

    history = (await gql.ok(HISTORY, req, market.barnet_officer))["node"]["history"]
    assert history["totalCount"] == 4
    events = history["nodes"]
    assert [(e["action"], e["subjectType"]) for e in events] == [
        ("requirement.create", "Requirement"),
        ("requirement.publish", "Requirement"),
        ("bid.submit", "Bid"),
        ("bid.withdraw", "Bid"),
    ]
    assert events[2]["subjectId"] == gid("Bid", oak.id)
    assert events[2]["actor"] == {
        "kind": "USER",
        "id": "test@acorn-fostering",
        "organisation": {"slug": "acorn-fostering"},
    }
    assert events[0]["data"]["child"].startswith("CH-")  # the pseudonym, to the owning borough
    assert "MOS-000123" not in str(events)  # never the case reference: not in the audit log at all
    async with db.session() as s:
        logged = [e.data for e in (await s.execute(select(AuditEvent))).scalars()]
    assert logged and not any("MOS-000123" in str(d).upper() for d in logged)
    masked = (await gql.ok(HISTORY, req, market.admin))["node"]["history"]["nodes"]
    assert "child" not in masked[0]["data"] and "CH-" not in str(masked)
    assert [e["action"] for e in masked] == [e["action"] for e in events]

    page = """query($id: ID!, $after: String) { node(id: $id) { ... on Requirement {
      history(first: 3, after: $after) { pageInfo { hasNextPage endCursor } nodes { action } } } } }"""
    first = (await gql.ok(page, req, market.barnet_officer))["node"]["history"]
    assert first["pageInfo"]["hasNextPage"] and len(first["nodes"]) == 3
    rest = await gql.ok(page, {**req, "after": first["pageInfo"]["endCursor"]}, market.barnet_officer)
    assert [n["action"] for n in rest["node"]["history"]["nodes"]] == ["bid.withdraw"]


async def test_the_alliance_publishes_a_vehicles_weights(gql, db, market):
    sc = await scene(db, market, members=2)
    mutation = """mutation($input: DpvSetEvaluationWeightsInput!) { dpvSetEvaluationWeights(input: $input) {
      dpv { evaluationWeights { criterion weight } } userErrors { field code } } }"""
    weights = [
        {"criterion": c, "weight": w}
        for c, w in (
            ("NEEDS_AND_SPECIALISMS", "30"),
            ("DISTANCE", "10"),
            ("TIMESCALE", "10"),
            ("QUALITY", "15"),
            ("PRICE", "15"),
            ("CHILD_VIEWS", "10"),
            ("COMPATIBILITY", "5"),
            ("SOCIAL_VALUE", "5"),
        )
    ]
    variables = {"input": {"dpvId": gid("Dpv", sc.dpv.id), "weights": weights}}
    assert error_code(await gql(mutation, variables, market.barnet_officer)) == "FORBIDDEN"
    done = (await gql.ok(mutation, variables, market.admin))["dpvSetEvaluationWeights"]
    assert done["userErrors"] == [] and done["dpv"]["evaluationWeights"][0] == {
        "criterion": "NEEDS_AND_SPECIALISMS",
        "weight": "30",
    }
    bad = (await gql.ok(mutation, {"input": {**variables["input"], "weights": weights[:7]}}, market.admin))[
        "dpvSetEvaluationWeights"
    ]
    assert bad["userErrors"] == [{"field": "weights", "code": "INVALID_WEIGHTS"}]
    public = "query($id: ID!) { dpv(id: $id) { evaluationWeights { weight } } }"
    assert [w["weight"] for w in (await gql.ok(public, {"id": gid("Dpv", sc.dpv.id)}))["dpv"]["evaluationWeights"]] == [
        "30",
        "10",
        "10",
        "15",
        "15",
        "10",
        "5",
        "5",
    ]


def test_the_contract_names_of_bids_and_the_evaluation_exist():
    from schema import schema

    sdl = schema.as_str()
    for name in [
        "bidSubmit(",
        "bidAmend(",
        "bidWithdraw(",
        "bidAccept(",
        "type Bid implements Node",
        "enum BidStatus",
        "weeklyPrice: Decimal!",
        "netWeeklyPrice: Decimal!",
        "availableFrom: Date!",
        "submittedAt: DateTime!",
        "feedback: BidFeedback",
        "winningPriceBand: String!",
        "rankedBids: [RankedBid!]!",
        "exclusionReasons:",
        "alerts:",
        "explanation: String!",
        "bids(first:",
        "evaluation: Evaluation",
        "idempotencyKey: String",
        "needsStatement: String!",
        "compatibilityStatement: String",
        "socialValueStatement: String",
        "rationale: String!",
    ]:
        assert name in sdl, name
    statuses = schema._schema.type_map["BidStatus"].values
    assert list(statuses) == ["SUBMITTED", "WITHDRAWN", "EXCLUDED", "ACCEPTED", "UNSUCCESSFUL"]
    payload = schema._schema.type_map["BidAcceptPayload"].fields
    assert set(payload) == {"bid", "ipa", "userErrors"}


AMEND = """mutation($input: BidAmendInput!) { bidAmend(input: $input) { bid { id weeklyPrice }
  userErrors { field code message } } }"""

LOT_CAP = "query($id: ID!) { node(id: $id) { ... on Lot { weeklyRateCap rateCaps { financialYear weeklyRateCap } } } }"


async def test_a_bid_is_always_checked_against_the_cap_that_applies_and_a_lot_without_one_takes_none(gql, db, market):
    start = clock.today() + timedelta(days=3)
    fy = clock.financial_year(start)
    sc = await scene(db, market, members=2, rate_caps=[(fy - 1, D("1000.00"))])  # none set yet for the start's year
    lot = {"id": gid("Lot", sc.lot.id)}
    assert (await gql.ok(LOT_CAP, lot, market.acorn_staff))["node"] == {
        "weeklyRateCap": "1000.00",
        "rateCaps": [{"financialYear": fy - 1, "weeklyRateCap": "1000.00"}],
    }
    r = await published(db, market.barnet_officer, sc.lot.id, planned_start=start)
    oak = sc.settings["Oak House"].id

    above = (await gql.ok(SUBMIT, submit_input(r.id, oak, "25000.00"), market.acorn_staff))["bidSubmit"]
    assert above["bid"] is None and [(e["field"], e["code"]) for e in above["userErrors"]] == [(None, "ABOVE_CAP")]
    assert "cap of £1,000.00 set for" in above["userErrors"][0]["message"]
    assert await count(db, Bid) == 0 and await count(db, AuditEvent, AuditEvent.entity_type == "Bid") == 0

    bid = (await gql.ok(SUBMIT, submit_input(r.id, oak, "950.00"), market.acorn_staff))["bidSubmit"]["bid"]
    dearer = {k: v for k, v in submit_input(r.id, oak, "25000.00")["input"].items() if k != "requirementId"}
    refused = (await gql.ok(AMEND, {"input": {**dearer, "bidId": bid["id"]}}, market.acorn_staff))["bidAmend"]
    assert refused["bid"] is None and [e["code"] for e in refused["userErrors"]] == ["ABOVE_CAP"]
    assert (await gql.ok(BIDS, {"id": gid("Requirement", r.id)}, market.barnet_officer))["node"]["bids"]["nodes"][0][
        "netWeeklyPrice"
    ] == "1000.00"  # 950 + 50 education, unchanged
    assert await count(db, AuditEvent, AuditEvent.entity_type == "Bid") == 1
    evaluation = (await gql.ok(EVALUATION, {"id": gid("Requirement", r.id)}, market.barnet_officer))["node"]
    assert evaluation["evaluation"]["weeklyRateCap"] == "1000.00"

    bare = await scene(db, market, members=2, rate_caps=[])  # a lot with no cap at all
    assert (await gql.ok(LOT_CAP, {"id": gid("Lot", bare.lot.id)}, market.acorn_staff))["node"] == {
        "weeklyRateCap": None,
        "rateCaps": [],
    }
    r2 = await published(db, market.barnet_officer, bare.lot.id, planned_start=start)
    none = (await gql.ok(SUBMIT, submit_input(r2.id, bare.settings["Oak House"].id, "1.00"), market.acorn_staff))[
        "bidSubmit"
    ]
    assert none["bid"] is None
    assert [(e["field"], e["code"]) for e in none["userErrors"]] == [("requirementId", "NO_RATE_CAP")]
    assert "no weekly rate cap" in none["userErrors"][0]["message"]
    assert await count(db, Bid) == 1 and await count(db, AuditEvent, AuditEvent.entity_type == "Bid") == 1
