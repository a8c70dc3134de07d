"""The placement search through GraphQL: each mutation refused first (and nothing changes), then allowed; the
child masked per role; someone else's requirement invisible; every read of the full child recorded."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from api.core import clock
from api.core.audit import AuditEvent
from api.core.principal import Scope
from api.placements.models import ChildDataAccess, Requirement
from schema import schema
from tests.conftest import StatementCounter, count, error_code, gid, principal_for
from tests.placement_factories import HOME, published, scene

CREATE = """mutation($input: RequirementCreateInput!) { requirementCreate(input: $input) {
  requirement { id reference status urgency responseDeadline plannedStart expectedDurationWeeks maxWeeklyBudget
    lot { code } authority { slug } child { view pseudonymousReference ageYears needs } }
  userErrors { field code message } } }"""

PUBLISH = """mutation($id: ID!) { requirementPublish(input: {requirementId: $id}) {
  requirement { id status responseDeadline }
  invitations { provider { slug } match { level reasons { criterion code met message } setting { name } } }
  userErrors { field code } } }"""

READ = """query($id: ID!) { node(id: $id) { ... on Requirement { id reference status
  child { view pseudonymousReference ageYears ageBand sex needs siblingGroupSize homePostcodeDistrict
    homeLocation { latitude longitude } maxDistanceKm avoidAreas languages ethnicity religion educationNeeds
    childViews courtDirections legalStatus }
  invitations(first: 10) { totalCount nodes { provider { slug } match { level } } } } } }"""

READ_START = "query($id: ID!) { node(id: $id) { ... on Requirement { plannedStart } } }"


def create_input(lot_id: int, **over) -> dict:
    child = {
        "caseReference": "MOS-424242",
        "ageYears": 12,
        "sex": "FEMALE",
        "languages": ["English"],
        "needs": ["AUTISM"],
        "siblingGroupSize": 1,
        "homePostcodeDistrict": "NW10",
        "homeLocation": {"latitude": HOME[0], "longitude": HOME[1]},
        "maxDistanceKm": 20,
        "avoidAreas": ["W12"],
        "ethnicity": "White British",
        "religion": "None",
        "educationNeeds": "EHCP",
        "childViews": "Wants to keep her cat",
        "courtDirections": "Supervised contact with mother only",
        "legalStatus": "CARE_ORDER",
    }
    child.update(over.pop("child", {}))
    return {
        "input": {
            "lotId": gid("Lot", lot_id),
            "urgency": "EMERGENCY",
            "plannedStart": (clock.today() + timedelta(days=1)).isoformat(),
            "expectedDurationWeeks": 12,
            "maxWeeklyBudget": "4200.00",
            "child": child,
            **over,
        }
    }


async def test_requirement_create_refused_then_allowed(gql, db, market):
    sc = await scene(db, market, members=2)
    variables = create_input(sc.lot.id)
    assert error_code(await gql(CREATE, variables)) == "UNAUTHENTICATED"
    for who in (market.acorn_staff, market.admin, principal_for(market.barnet, Scope.BOROUGH_AWARD)):
        assert error_code(await gql(CREATE, variables, who)) == "FORBIDDEN"
    assert await count(db, Requirement) == 0
    assert await count(db, AuditEvent, AuditEvent.entity_type == "Requirement") == 0

    payload = (await gql.ok(CREATE, variables, market.barnet_officer))["requirementCreate"]
    assert payload["userErrors"] == []
    r = payload["requirement"]
    assert r["reference"].startswith("BAR-") and r["status"] == "DRAFT" and r["responseDeadline"] is None
    assert r["authority"] == {"slug": "barnet"} and r["maxWeeklyBudget"] == "4200.00"
    assert r["child"]["view"] == "FULL" and r["child"]["pseudonymousReference"].startswith("CH-")

    # Ealing has no access agreement: a user error, nothing created
    refused = (await gql.ok(CREATE, variables, market.ealing_officer))["requirementCreate"]
    assert refused["requirement"] is None
    assert refused["userErrors"] == [
        {
            "field": "lotId",
            "code": "NO_ACCESS_AGREEMENT",
            "message": "The borough has no access agreement for this vehicle (and does not lead it)",
        }
    ]
    bad = create_input(sc.lot.id, child={"ageYears": 40, "caseReference": ""})
    errors = (await gql.ok(CREATE, bad, market.barnet_officer))["requirementCreate"]["userErrors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("child.ageYears", "INVALID_AGE"),
        ("child.caseReference", "CASE_REFERENCE_REQUIRED"),
    }
    assert await count(db, Requirement) == 1


def test_the_case_reference_cannot_be_read_back_and_the_contract_names_exist():
    sdl = schema.as_str()
    child_type = schema._schema.type_map["Child"]
    assert "caseReference" not in child_type.fields and "caseReferenceHash" not in sdl
    for name in [
        "requirements(",
        "invitations(",
        "requirementCreate(",
        "requirementUpdate(",
        "requirementPublish(",
        "requirementCancel(",
        "requirementClose(",
        "type Requirement implements Node",
        "type Invitation implements Node",
        "enum RequirementStatus",
        "enum MatchLevel",
        "enum Urgency",
        "responseDeadline",
        "invitations: [Invitation!]!",
    ]:
        assert name in sdl, name


async def test_publish_refused_then_invites_with_match_and_records_the_uninvited(gql, db, market):
    sc = await scene(db, market)
    r = (await gql.ok(CREATE, create_input(sc.lot.id), market.barnet_officer))["requirementCreate"]["requirement"]
    for who in (market.ealing_officer, market.acorn_staff, market.admin):
        result = await gql(PUBLISH, {"id": r["id"]}, who)
        assert error_code(result) == "FORBIDDEN" and result.data is None
    assert await count(db, AuditEvent, AuditEvent.action == "requirement.publish") == 0

    payload = (await gql.ok(PUBLISH, {"id": r["id"]}, market.barnet_officer))["requirementPublish"]
    assert payload["userErrors"] == [] and payload["requirement"]["status"] == "OPEN"
    assert payload["requirement"]["responseDeadline"] is not None
    invited = {i["provider"]["slug"]: i["match"] for i in payload["invitations"]}
    assert set(invited) == {"acorn-fostering", "birch-homes"}
    assert invited["acorn-fostering"]["level"] == "FULL"
    assert invited["acorn-fostering"]["setting"]["name"] == "Oak House"
    assert invited["birch-homes"]["level"] == "PARTIAL"
    assert {x["code"] for x in invited["birch-homes"]["reasons"] if not x["met"]} == {"TOO_FAR", "SPECIALISMS_MISSING"}

    again = (await gql.ok(PUBLISH, {"id": r["id"]}, market.barnet_officer))["requirementPublish"]
    assert again["userErrors"] == [{"field": "requirementId", "code": "INVALID_TRANSITION"}]

    uninvited = """query($id: ID!) { node(id: $id) { ... on Requirement {
      uninvited(first: 10) { nodes { provider { slug } reason } } } } }"""
    seen = (await gql.ok(uninvited, {"id": r["id"]}, market.barnet_officer))["node"]["uninvited"]["nodes"]
    assert {(u["provider"]["slug"], u["reason"]) for u in seen} == {
        ("cedar-care", "DOCUMENTS_NOT_IN_FORCE"),
        ("dove-homes", "NOT_ADMITTED"),
        ("elm-fostering", "SUSPENDED"),
        ("fir-schools", "BARRED"),
    }
    detail = """query($id: ID!) { node(id: $id) { ... on Requirement {
      uninvited(first: 10) { nodes { detail } } } } }"""
    assert error_code(await gql(detail, {"id": r["id"]}, market.barnet_officer)) == "FORBIDDEN"  # documents: wla's
    assert "insurance" in str((await gql.ok(detail, {"id": r["id"]}, market.admin))["node"])
    assert error_code(await gql(uninvited, {"id": r["id"]}, market.acorn_staff)) == "FORBIDDEN"


async def test_the_child_is_masked_per_role(gql, db, market):
    sc = await scene(db, market, members=2)
    r = await published(db, market.barnet_officer, sc.lot.id)
    variables = {"id": gid("Requirement", r.id)}

    full = (await gql.ok(READ, variables, market.barnet_officer))["node"]["child"]
    assert full["view"] == "FULL" and full["pseudonymousReference"].startswith("CH-")
    assert (
        full["courtDirections"]
        and full["childViews"]
        and full["homeLocation"] == {"latitude": HOME[0], "longitude": HOME[1]}
    )

    summary = (await gql.ok(READ, variables, market.acorn_staff))["node"]["child"]
    assert summary["view"] == "SUMMARY"
    assert summary["pseudonymousReference"] is None and summary["courtDirections"] is None
    assert summary["childViews"] is None and summary["homeLocation"] is None
    assert summary["homePostcodeDistrict"] == "NW10" and summary["ageYears"] == 12 and summary["needs"] == ["AUTISM"]

    masked = (await gql.ok(READ, variables, market.admin))["node"]["child"]
    assert masked["view"] == "MASKED" and masked["ageYears"] is None and masked["ageBand"] == "10-12"
    for free_text in (
        "educationNeeds",
        "childViews",
        "courtDirections",
        "ethnicity",
        "religion",
        "languages",
        "avoidAreas",
        "homeLocation",
        "pseudonymousReference",
    ):
        assert masked[free_text] is None, free_text

    budget = "query($id: ID!) { node(id: $id) { ... on Requirement { maxWeeklyBudget } } }"
    assert error_code(await gql(budget, variables, market.acorn_staff)) == "FORBIDDEN"  # never to providers


async def test_another_borough_and_an_uninvited_provider_see_nothing(gql, db, market):
    sc = await scene(db, market, members=3)  # cedar: a member, not invited
    r = await published(db, market.barnet_officer, sc.lot.id)
    variables = {"id": gid("Requirement", r.id)}
    cedar = sc.staff("cedar")
    listing = "{ requirements(first: 10) { totalCount nodes { id } } }"
    for outsider in (market.ealing_officer, cedar):
        assert (await gql.ok(READ, variables, outsider))["node"] is None
        assert (await gql.ok(listing, principal=outsider))["requirements"]["totalCount"] == 0
    assert (await gql.ok("{ invitations(first: 5) { totalCount } }", principal=cedar))["invitations"]["totalCount"] == 0
    for mutation in (
        'requirementCancel(input: {requirementId: $id, reason: "x"})',
        "requirementClose(input: {requirementId: $id})",
        "requirementUpdate(input: {requirementId: $id, expectedDurationWeeks: 2})",
    ):
        result = await gql(
            f"mutation($id: ID!) {{ {mutation} {{ userErrors {{ code }} }} }}", variables, market.ealing_officer
        )
        assert error_code(result) == "FORBIDDEN"
    assert (await gql.ok(listing, principal=market.barnet_officer))["requirements"]["totalCount"] == 1
    assert (await gql.ok(listing, principal=market.admin))["requirements"]["totalCount"] == 1

    # the invited provider sees the requirement and only its own invitation on it
    seen = (await gql.ok(READ, variables, market.acorn_staff))["node"]
    assert [n["provider"]["slug"] for n in seen["invitations"]["nodes"]] == ["acorn-fostering"]
    mine = "{ invitations(first: 5, filter: {minMatch: FULL}) { nodes { requirement { reference } match { level } } } }"
    assert (await gql.ok(mine, principal=market.acorn_staff))["invitations"]["nodes"] == [
        {"requirement": {"reference": r.reference}, "match": {"level": "FULL"}}
    ]
    assert (await gql.ok(READ, variables, market.barnet_officer))["node"]["invitations"]["totalCount"] == 2


async def test_every_read_of_the_full_child_is_recorded_once_per_request(gql, db, market):
    sc = await scene(db, market, members=2)
    made = [await published(db, market.barnet_officer, sc.lot.id) for _ in range(3)]
    query = "{ requirements(first: 10) { nodes { reference child { ageYears } again: child { sex } } } }"
    with StatementCounter(db) as counter:
        data = await gql.ok(query, principal=market.barnet_officer)
    assert len(data["requirements"]["nodes"]) == 3
    inserts = [st for st in counter.statements if st.startswith("INSERT INTO child_data_access")]
    assert len(inserts) == 1  # one insert for the whole request
    async with db.session() as s:
        reads = list((await s.execute(select(ChildDataAccess).order_by(ChildDataAccess.requirement_id))).scalars())
    assert [a.requirement_id for a in reads] == [r.id for r in made]
    assert {(a.organisation_id, a.actor_kind, a.actor_id, a.view.value) for a in reads} == {
        (market.barnet.id, "USER", "test@barnet", "FULL")
    }

    # the summary and the masked view are not the full details: not recorded
    for viewer in (market.acorn_staff, market.admin):
        await gql.ok(query, principal=viewer)
    # nor is a query that does not ask for the child
    await gql.ok("{ requirements(first: 10) { nodes { reference } } }", principal=market.barnet_officer)
    assert await count(db, ChildDataAccess) == 3


async def test_update_cancel_close_and_the_case_reference_filter(gql, db, market):
    sc = await scene(db, market, members=2)
    r = (await gql.ok(CREATE, create_input(sc.lot.id), market.barnet_officer))["requirementCreate"]["requirement"]
    update = """mutation($input: RequirementUpdateInput!) { requirementUpdate(input: $input) {
      requirement { urgency expectedDurationWeeks maxWeeklyBudget child { ageYears } } userErrors { field code } } }"""
    data = await gql.ok(
        update,
        {
            "input": {
                "requirementId": r["id"],
                "urgency": "PLANNED",
                "expectedDurationWeeks": 60,
                "maxWeeklyBudget": None,
            }
        },
        market.barnet_officer,
    )
    assert data["requirementUpdate"]["requirement"] == {
        "urgency": "PLANNED",
        "expectedDurationWeeks": 60,
        "maxWeeklyBudget": None,
        "child": {"ageYears": 12},
    }

    find = """query($ref: String!) { requirements(first: 5, filter: {caseReference: $ref}) { nodes { id } } }"""
    assert (await gql.ok(find, {"ref": " mos-424242"}, market.barnet_officer))["requirements"]["nodes"] == [
        {"id": r["id"]}
    ]
    assert (await gql.ok(find, {"ref": "MOS-1"}, market.barnet_officer))["requirements"]["nodes"] == []

    await gql.ok(PUBLISH, {"id": r["id"]}, market.barnet_officer)
    late = await gql.ok(
        update, {"input": {"requirementId": r["id"], "expectedDurationWeeks": 2}}, market.barnet_officer
    )
    assert late["requirementUpdate"]["userErrors"] == [{"field": "requirementId", "code": "NOT_A_DRAFT"}]

    close = """mutation($id: ID!) { requirementClose(input: {requirementId: $id, reason: "Enough offers"}) {
      requirement { status closedAt statusReason } userErrors { code } } }"""
    closed = (await gql.ok(close, {"id": r["id"]}, market.barnet_officer))["requirementClose"]["requirement"]
    assert closed["status"] == "CLOSED" and closed["closedAt"] and closed["statusReason"] == "Enough offers"
    cancel = """mutation($id: ID!, $reason: String!) { requirementCancel(input: {requirementId: $id, reason: $reason}) {
      requirement { status } userErrors { field code } } }"""
    refused = await gql.ok(cancel, {"id": r["id"], "reason": ""}, market.barnet_officer)
    assert refused["requirementCancel"]["userErrors"] == [{"field": "reason", "code": "REASON_REQUIRED"}]
    done = await gql.ok(cancel, {"id": r["id"], "reason": "Returned home"}, market.barnet_officer)
    assert done["requirementCancel"]["requirement"] == {"status": "CANCELLED"}
    wla = "{ requirements(first: 5, filter: {status: [CANCELLED]}) { nodes { status statusReason } } }"
    assert (await gql.ok(wla, principal=market.admin))["requirements"]["nodes"] == [
        {"status": "CANCELLED", "statusReason": "Returned home"}
    ]


async def test_a_planned_start_outside_the_vehicles_term_is_refused_and_nothing_is_created(gql, db, market):
    sc = await scene(db, market, members=2)
    after_the_end = create_input(sc.lot.id, plannedStart=(sc.dpv.ends_on + timedelta(days=1)).isoformat())
    refused = (await gql.ok(CREATE, after_the_end, market.barnet_officer))["requirementCreate"]
    assert refused["requirement"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [("plannedStart", "PLANNED_START_OUTSIDE_TERM")]
    assert (
        f"within the vehicle's term, 2025-04-01 to {sc.dpv.ends_on.isoformat()}" in refused["userErrors"][0]["message"]
    )
    assert await count(db, Requirement) == 0
    assert await count(db, AuditEvent, AuditEvent.entity_type == "Requirement") == 0

    made = (await gql.ok(CREATE, create_input(sc.lot.id), market.barnet_officer))["requirementCreate"]["requirement"]
    update = """mutation($input: RequirementUpdateInput!) { requirementUpdate(input: $input) {
      requirement { plannedStart } userErrors { field code } } }"""
    moved = (
        await gql.ok(
            update,
            {"input": {"requirementId": made["id"], "plannedStart": after_the_end["input"]["plannedStart"]}},
            market.barnet_officer,
        )
    )["requirementUpdate"]
    assert moved == {
        "requirement": None,
        "userErrors": [{"field": "plannedStart", "code": "PLANNED_START_OUTSIDE_TERM"}],
    }
    assert (await gql.ok(READ_START, {"id": made["id"]}, market.barnet_officer))["node"] == {
        "plannedStart": made["plannedStart"]
    }
    assert await count(db, AuditEvent, AuditEvent.entity_type == "Requirement") == 1
