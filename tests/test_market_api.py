"""The market through GraphQL: each mutation is first refused without the scope (and changes nothing),
then succeeds with it; broken rules are userErrors with stable codes; someone else's data is invisible."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from strawberry.relay import to_base64

from api.core.audit import AuditEvent
from api.market.models import Dpv, Lot, Setting
from tests.conftest import count, error_code, gid
from tests.factories import add_setting, dpv_with_lots, full_documents

DPV_CREATE = """mutation($input: DpvCreateInput!) { dpvCreate(input: $input) {
  dpv { id name category legalBasis status startsOn endsOn leadAuthority { slug } }
  userErrors { field code message } } }"""


def dpv_input(market, **over) -> dict:
    return {
        "input": {
            "name": "WLA IFA DPV",
            "category": "INDEPENDENT_FOSTERING",
            "leadAuthorityId": gid("LocalAuthority", market.barnet.id),
            "legalBasis": "PA_2023_DYNAMIC_MARKET",
            "startsOn": "2025-04-01",
            **over,
        }
    }


async def test_dpv_create_denied_then_allowed(gql, db, market):
    assert error_code(await gql(DPV_CREATE, dpv_input(market))) == "UNAUTHENTICATED"
    assert error_code(await gql(DPV_CREATE, dpv_input(market), market.barnet_officer)) == "FORBIDDEN"
    assert error_code(await gql(DPV_CREATE, dpv_input(market), market.acorn_staff)) == "FORBIDDEN"
    assert await count(db, Dpv) == 0 and await count(db, AuditEvent) == 0

    data = await gql.ok(DPV_CREATE, dpv_input(market), market.admin)
    payload = data["dpvCreate"]
    assert payload["userErrors"] == []
    assert payload["dpv"]["endsOn"] == "2028-03-31" and payload["dpv"]["leadAuthority"]["slug"] == "barnet"
    assert payload["dpv"]["status"] == "ACTIVE"


async def test_dpv_create_user_errors_change_nothing(gql, db, market):
    data = await gql.ok(DPV_CREATE, dpv_input(market, legalBasis="PCR_2015_DPS", name=" "), market.admin)
    codes = {(e["field"], e["code"]) for e in data["dpvCreate"]["userErrors"]}
    assert codes == {("name", "NAME_REQUIRED"), ("legalBasis", "LEGAL_BASIS_MISMATCH")}
    assert data["dpvCreate"]["dpv"] is None
    assert await count(db, Dpv) == 0 and await count(db, AuditEvent) == 0


async def test_dpv_create_is_idempotent_by_key(gql, db, market):
    variables = dpv_input(market, idempotencyKey="create-ifa-1")
    first = await gql.ok(DPV_CREATE, variables, market.admin)
    second = await gql.ok(DPV_CREATE, variables, market.admin)
    assert first["dpvCreate"]["dpv"]["id"] == second["dpvCreate"]["dpv"]["id"]
    assert await count(db, Dpv) == 1


async def test_lot_create_and_rate_caps(gql, db, market):
    dpv, _ = await dpv_with_lots(db, market, lots=0)
    query = """mutation($input: LotCreateInput!) { lotCreate(input: $input) {
      lot { code name weeklyRateCap(financialYear: 2026) rateCaps { financialYear weeklyRateCap } }
      userErrors { field code } } }"""
    variables = {
        "input": {
            "dpvId": gid("Dpv", dpv.id),
            "code": "ifa-std",
            "name": "Standard fostering",
            "rateCaps": [
                {"financialYear": 2026, "weeklyRateCap": "950.00"},
                {"financialYear": 2027, "weeklyRateCap": "978.50"},
            ],
        }
    }
    assert error_code(await gql(query, variables, market.acorn_staff)) == "FORBIDDEN"
    assert await count(db, Lot) == 0
    lot = (await gql.ok(query, variables, market.admin))["lotCreate"]["lot"]
    assert lot["code"] == "IFA-STD" and lot["weeklyRateCap"] == "950.00"
    assert lot["rateCaps"] == [
        {"financialYear": 2026, "weeklyRateCap": "950.00"},
        {"financialYear": 2027, "weeklyRateCap": "978.50"},
    ]
    again = await gql.ok(query, variables, market.admin)
    assert again["lotCreate"]["userErrors"] == [{"field": "code", "code": "LOT_CODE_TAKEN"}]
    bad = {"input": {**variables["input"], "code": "X", "rateCaps": [{"financialYear": 2026, "weeklyRateCap": "-1"}]}}
    assert (await gql.ok(query, bad, market.admin))["lotCreate"]["userErrors"][0]["code"] == "INVALID_RATE_CAP"


async def test_dpv_exercise_extension(gql, db, market):
    dpv, _ = await dpv_with_lots(db, market, lots=0)
    query = """mutation($id: ID!) { dpvExerciseExtension(input: {dpvId: $id}) {
      dpv { endsOn extensionsExercised } userErrors { code } } }"""
    assert error_code(await gql(query, {"id": gid("Dpv", dpv.id)}, market.barnet_officer)) == "FORBIDDEN"
    data = await gql.ok(query, {"id": gid("Dpv", dpv.id)}, market.admin)
    assert data["dpvExerciseExtension"]["dpv"] == {"endsOn": "2029-03-31", "extensionsExercised": 1}


async def test_access_agreements_visible_to_their_parties_only(gql, db, market):
    dpv, _ = await dpv_with_lots(db, market, lots=0)
    create = """mutation($input: AccessAgreementCreateInput!) { accessAgreementCreate(input: $input) {
      accessAgreement { id status authority { slug } } userErrors { field code } } }"""
    variables = {"input": {"dpvId": gid("Dpv", dpv.id), "authorityId": gid("LocalAuthority", market.ealing.id)}}
    assert error_code(await gql(create, variables, market.ealing_officer)) == "FORBIDDEN"
    agreement = (await gql.ok(create, variables, market.admin))["accessAgreementCreate"]["accessAgreement"]
    assert agreement["status"] == "ACTIVE"

    lead = {"input": {**variables["input"], "authorityId": gid("LocalAuthority", market.barnet.id)}}
    assert (await gql.ok(create, lead, market.admin))["accessAgreementCreate"]["userErrors"] == [
        {"field": "authorityId", "code": "LEAD_AUTHORITY"}
    ]

    read = (
        "query($id: ID!) { dpv(id: $id) { accessAgreements(first: 10) { totalCount nodes { authority { slug } } } } }"
    )
    for who, expected in [(market.admin, 1), (market.ealing_officer, 1), (market.barnet_officer, 1)]:
        data = await gql.ok(read, {"id": gid("Dpv", dpv.id)}, who)
        assert data["dpv"]["accessAgreements"]["totalCount"] == expected
    third = await gql(read, {"id": gid("Dpv", dpv.id)}, market.acorn_staff)
    assert error_code(third) == "FORBIDDEN" and third.data["dpv"]["accessAgreements"] is None

    notice = """mutation($id: ID!) { accessAgreementGiveNotice(input: {accessAgreementId: $id}) {
      accessAgreement { status noticeGivenOn endsOn } userErrors { code } } }"""
    assert error_code(await gql(notice, {"id": agreement["id"]}, market.barnet_officer)) == "FORBIDDEN"
    given = (await gql.ok(notice, {"id": agreement["id"]}, market.ealing_officer))["accessAgreementGiveNotice"]
    assert given["accessAgreement"]["status"] == "NOTICE_GIVEN"
    notice_on = date.fromisoformat(given["accessAgreement"]["noticeGivenOn"])
    assert given["accessAgreement"]["endsOn"] == notice_on.replace(year=notice_on.year + 1).isoformat()
    again = (await gql.ok(notice, {"id": agreement["id"]}, market.ealing_officer))["accessAgreementGiveNotice"]
    assert again["userErrors"] == [{"code": "NOTICE_ALREADY_GIVEN"}]


MEMBERSHIP_APPLY = """mutation($lot: ID!) { membershipApply(input: {lotId: $lot}) {
  membership { id status provider { slug } lot { code } } userErrors { code } } }"""
MEMBERSHIP_DECIDE = """mutation($id: ID!, $decision: MembershipDecision!, $reason: String) {
  membershipDecide(input: {membershipId: $id, decision: $decision, reason: $reason}) {
    membership { status decisionReason } userErrors { field code message } } }"""


async def test_membership_apply_and_decide(gql, db, market):
    _, lots = await dpv_with_lots(db, market, lots=1)
    lot = gid("Lot", lots[0].id)
    assert error_code(await gql(MEMBERSHIP_APPLY, {"lot": lot})) == "UNAUTHENTICATED"
    assert error_code(await gql(MEMBERSHIP_APPLY, {"lot": lot}, market.barnet_officer)) == "FORBIDDEN"
    applied = (await gql.ok(MEMBERSHIP_APPLY, {"lot": lot}, market.acorn_staff))["membershipApply"]["membership"]
    assert applied["status"] == "APPLIED" and applied["provider"]["slug"] == "acorn-fostering"

    admit = {"id": applied["id"], "decision": "ADMIT"}
    assert error_code(await gql(MEMBERSHIP_DECIDE, admit, market.acorn_staff)) == "FORBIDDEN"
    refused = (await gql.ok(MEMBERSHIP_DECIDE, admit, market.admin))["membershipDecide"]
    assert refused["membership"] is None
    assert {e["field"] for e in refused["userErrors"]} == {
        "documents.OFSTED_REGISTRATION",
        "documents.OFSTED_JUDGEMENT",
        "documents.CREDIT_CHECK",
        "documents.EMPLOYERS_LIABILITY_INSURANCE",
        "documents.PUBLIC_LIABILITY_INSURANCE",
        "documents.PROFESSIONAL_INDEMNITY_INSURANCE",
    }
    assert {e["code"] for e in refused["userErrors"]} == {"DOCUMENT_MISSING"}

    await full_documents(db, market.acorn_staff, market.acorn.id)
    admitted = (await gql.ok(MEMBERSHIP_DECIDE, admit, market.admin))["membershipDecide"]
    assert admitted == {"membership": {"status": "ADMITTED", "decisionReason": None}, "userErrors": []}


async def test_reject_needs_a_reason(gql, db, market):
    _, lots = await dpv_with_lots(db, market, lots=1)
    applied = await gql.ok(MEMBERSHIP_APPLY, {"lot": gid("Lot", lots[0].id)}, market.birch_staff)
    mid = applied["membershipApply"]["membership"]["id"]
    bare = await gql.ok(MEMBERSHIP_DECIDE, {"id": mid, "decision": "REJECT"}, market.admin)
    assert bare["membershipDecide"]["userErrors"][0]["code"] == "REASON_REQUIRED"
    done = await gql.ok(MEMBERSHIP_DECIDE, {"id": mid, "decision": "REJECT", "reason": "Outside area"}, market.admin)
    assert done["membershipDecide"]["membership"] == {"status": "REJECTED", "decisionReason": "Outside area"}


async def test_document_record(gql, db, market):
    query = """mutation($input: DocumentRecordInput!) { documentRecord(input: $input) {
      document { kind coverAmount inForce provider { slug } } userErrors { field code } } }"""
    insurance = {
        "kind": "PUBLIC_LIABILITY_INSURANCE",
        "reference": "PL-9",
        "validFrom": "2026-01-01",
        "validUntil": "2030-01-01",
        "coverAmount": "5000000.00",
    }
    assert error_code(await gql(query, {"input": insurance}, market.barnet_officer)) == "FORBIDDEN"
    other = {**insurance, "providerId": gid("Provider", market.birch.id)}
    assert error_code(await gql(query, {"input": other}, market.acorn_staff)) == "FORBIDDEN"
    doc = (await gql.ok(query, {"input": insurance}, market.acorn_staff))["documentRecord"]["document"]
    assert doc == {
        "kind": "PUBLIC_LIABILITY_INSURANCE",
        "coverAmount": "5000000.00",
        "inForce": True,
        "provider": {"slug": "acorn-fostering"},
    }
    missing = {**insurance, "coverAmount": None, "validUntil": None}
    errors = (await gql.ok(query, {"input": missing}, market.acorn_staff))["documentRecord"]["userErrors"]
    assert {e["code"] for e in errors} == {"COVER_REQUIRED", "VALIDITY_REQUIRED"}
    on_behalf = (await gql.ok(query, {"input": other}, market.admin))["documentRecord"]["document"]
    assert on_behalf["provider"]["slug"] == "birch-homes"


SETTING_CREATE = """mutation($input: SettingCreateInput!) { settingCreate(input: $input) {
  setting { id kind name vacancies location { postcodeDistrict } provider { slug } } userErrors { field code } } }"""


def setting_input(**over) -> dict:
    return {
        "input": {
            "kind": "CHILDRENS_HOME",
            "name": "Willow House",
            "ageMin": 10,
            "ageMax": 17,
            "sexes": ["FEMALE"],
            "specialisms": ["SELF_HARM", "MISSING_EPISODES"],
            "places": 3,
            "vacancies": 1,
            "postcodeDistrict": "ha1",
            "location": {"latitude": 51.58, "longitude": -0.34},
            "ofstedUrn": "SC654321",
            **over,
        }
    }


async def test_setting_create_and_update(gql, db, market):
    assert error_code(await gql(SETTING_CREATE, setting_input())) == "UNAUTHENTICATED"
    assert error_code(await gql(SETTING_CREATE, setting_input(), market.barnet_officer)) == "FORBIDDEN"
    assert await count(db, Setting) == 0
    created = (await gql.ok(SETTING_CREATE, setting_input(), market.birch_staff))["settingCreate"]
    assert created["userErrors"] == [] and created["setting"]["location"]["postcodeDistrict"] == "HA1"
    assert created["setting"]["provider"]["slug"] == "birch-homes"

    bad = (
        await gql.ok(
            SETTING_CREATE, setting_input(vacancies=5, postcodeDistrict="HA1 2AB", ofstedUrn=None), market.birch_staff
        )
    )["settingCreate"]
    assert {e["code"] for e in bad["userErrors"]} == {
        "VACANCIES_EXCEED_PLACES",
        "INVALID_POSTCODE_DISTRICT",
        "OFSTED_URN_REQUIRED",
    }

    update = """mutation($input: SettingUpdateInput!) { settingUpdate(input: $input) {
      setting { vacancies places name } userErrors { field code } } }"""
    sid = created["setting"]["id"]
    assert (
        error_code(await gql(update, {"input": {"settingId": sid, "vacancies": 0}}, market.acorn_staff)) == "FORBIDDEN"
    )
    done = (await gql.ok(update, {"input": {"settingId": sid, "vacancies": 0}}, market.birch_staff))["settingUpdate"]
    assert done["setting"] == {"vacancies": 0, "places": 3, "name": "Willow House"}
    too_many = await gql.ok(update, {"input": {"settingId": sid, "vacancies": 9}}, market.birch_staff)
    assert too_many["settingUpdate"]["userErrors"] == [{"field": "vacancies", "code": "VACANCIES_EXCEED_PLACES"}]
    async with db.session() as s:
        actions = (
            await s.execute(
                select(AuditEvent.action, AuditEvent.data)
                .where(AuditEvent.entity_type == "Setting")
                .order_by(AuditEvent.id)
            )
        ).all()
    assert [a for a, _ in actions] == ["setting.create", "setting.update"]
    assert actions[1][1] == {"vacancies": {"before": 1, "after": 0}}


async def test_ofsted_history_and_latest_judgement(gql, db, market):
    setting = await add_setting(db, market.admin, market.birch.id)
    record = """mutation($input: OfstedJudgementRecordInput!) { ofstedJudgementRecord(input: $input) {
      setting { latestOfstedJudgement { grade inspectedOn } ofstedJudgements { grade } } userErrors { code } } }"""
    sid = gid("Setting", setting.id)
    for grade, on in [("GOOD", "2023-05-01"), ("REQUIRES_IMPROVEMENT", "2025-02-01"), ("ADEQUATE", "2012-01-01")]:
        data = await gql.ok(record, {"input": {"settingId": sid, "grade": grade, "inspectedOn": on}}, market.admin)
    result = data["ofstedJudgementRecord"]["setting"]
    assert result["latestOfstedJudgement"] == {"grade": "REQUIRES_IMPROVEMENT", "inspectedOn": "2025-02-01"}
    assert [j["grade"] for j in result["ofstedJudgements"]] == ["REQUIRES_IMPROVEMENT", "GOOD", "ADEQUATE"]


async def test_someone_elses_data_is_invisible(gql, db, market):
    acorn_home = await add_setting(db, market.admin, market.acorn.id, "Acorn Lodge")
    await add_setting(db, market.admin, market.birch.id, "Birch House")
    await full_documents(db, market.admin, market.acorn.id)
    providers = "{ providers(first: 10) { totalCount nodes { slug settings(first: 5) { nodes { name } } } } }"

    mine = (await gql.ok(providers, principal=market.birch_staff))["providers"]
    assert mine["totalCount"] == 1 and mine["nodes"][0]["slug"] == "birch-homes"
    assert mine["nodes"][0]["settings"]["nodes"] == [{"name": "Birch House"}]
    assert (await gql.ok(providers, principal=market.barnet_officer))["providers"]["totalCount"] == 2

    node = "query($id: ID!) { node(id: $id) { ... on Setting { name location { postcodeDistrict } } } }"
    assert (await gql.ok(node, {"id": gid("Setting", acorn_home.id)}, market.birch_staff))["node"] is None
    assert (await gql.ok(node, {"id": gid("Setting", acorn_home.id)}))["node"] is None
    assert (await gql.ok(node, {"id": gid("Setting", acorn_home.id)}, market.barnet_officer))["node"][
        "name"
    ] == "Acorn Lodge"

    provider_node = "query($id: ID!) { node(id: $id) { ... on Provider { slug } } }"
    assert (await gql.ok(provider_node, {"id": gid("Provider", market.acorn.id)}, market.birch_staff))["node"] is None

    documents = "query($id: ID!) { node(id: $id) { ... on Provider { documents(first: 10) { totalCount } } } }"
    borough = await gql(documents, {"id": gid("Provider", market.acorn.id)}, market.barnet_officer)
    assert error_code(borough) == "FORBIDDEN"
    own = await gql.ok(documents, {"id": gid("Provider", market.acorn.id)}, market.acorn_staff)
    assert own["node"]["documents"]["totalCount"] == 6

    compliance = "{ viewer { organisation { ... on Provider { compliance { compliant shortfalls { kind } } } } } }"
    assert (await gql.ok(compliance, principal=market.acorn_staff))["viewer"]["organisation"]["compliance"] == {
        "compliant": True,
        "shortfalls": [],
    }


async def test_viewer_and_keyset_pagination(gql, db, market):
    await dpv_with_lots(db, market, lots=5)
    viewer = "{ viewer { scopes organisation { slug name } } }"
    assert (await gql.ok(viewer))["viewer"] == {"scopes": [], "organisation": None}
    assert (await gql.ok(viewer, principal=market.admin))["viewer"] == {
        "scopes": ["wla", "wla:safeguarding"],
        "organisation": {"slug": "wla", "name": "West London Alliance"},
    }

    page = """query($after: String, $before: String, $first: Int, $last: Int) { dpvs(first: 1) { nodes {
      lots(first: $first, after: $after, last: $last, before: $before) { totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { code } } } } }"""

    async def lots(**kw):
        return (await gql.ok(page, kw))["dpvs"]["nodes"][0]["lots"]

    first = await lots(first=2)
    assert [n["code"] for n in first["nodes"]] == ["L1", "L2"] and first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    second = await lots(first=2, after=first["pageInfo"]["endCursor"])
    assert [n["code"] for n in second["nodes"]] == ["L3", "L4"] and second["totalCount"] == 5
    last = await lots(last=2)
    assert [n["code"] for n in last["nodes"]] == ["L4", "L5"] and last["pageInfo"]["hasPreviousPage"]
    before = await lots(last=2, before=last["pageInfo"]["startCursor"])
    assert [n["code"] for n in before["nodes"]] == ["L2", "L3"]
    too_many = await gql(page, {"first": 101})
    assert error_code(too_many) == "BAD_USER_INPUT"


async def test_organisation_create(gql, db, market):
    query = """mutation($input: OrganisationCreateInput!) { organisationCreate(input: $input) {
      organisation { __typename slug } userErrors { field code } } }"""
    variables = {"input": {"kind": "PROVIDER", "slug": "cedar-care", "name": "Cedar Care"}}
    assert error_code(await gql(query, variables, market.barnet_officer)) == "FORBIDDEN"
    made = (await gql.ok(query, variables, market.admin))["organisationCreate"]
    assert made == {"organisation": {"__typename": "Provider", "slug": "cedar-care"}, "userErrors": []}
    taken = (await gql.ok(query, variables, market.admin))["organisationCreate"]
    assert taken["userErrors"] == [{"field": "slug", "code": "SLUG_TAKEN"}]


@pytest.mark.parametrize("bad_id", ["not-base64", to_base64("Dpv", "abc")])
async def test_malformed_ids_are_refused_without_a_crash(gql, db, market, bad_id):
    query = "mutation($id: ID!) { dpvExerciseExtension(input: {dpvId: $id}) { userErrors { code } } }"
    result = await gql(query, {"id": bad_id}, market.admin)
    assert result.errors and result.errors[0].message != "Unexpected error."
