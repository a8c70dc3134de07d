"""No N+1: a list of 100 parents with their children costs the same statements as a list of one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from api.core.principal import OrganisationKind
from api.market import dpvs, settings
from api.market.enums import DpvCategory, LegalBasis, OfstedGrade, SettingKind
from api.market.models import Organisation
from tests.conftest import StatementCounter
from tests.factories import setting_fields

DPVS = """{ dpvs(first: 100) { totalCount nodes { id name status endsOn leadAuthority { slug }
  lots(first: 20) { totalCount nodes { id code name weeklyRateCap rateCaps { financialYear weeklyRateCap } } } } } }"""

PROVIDERS = """{ providers(first: 100) { totalCount nodes { id slug name
  settings(first: 20) { totalCount nodes { id kind name ageMin ageMax sexes specialisms places vacancies
    location { postcodeDistrict latitude longitude } latestOfstedJudgement { grade inspectedOn } } } } } }"""


async def _vehicles(db, market, n: int) -> None:
    async with db.transaction() as s:
        for i in range(n):
            dpv = await dpvs.create_dpv(
                s,
                market.admin,
                name=f"DPV {i}",
                category=DpvCategory.SEN_SCHOOLS,
                lead_authority_id=market.barnet.id,
                legal_basis=LegalBasis.PA_2023_DYNAMIC_MARKET,
                starts_on=date(2025, 4, 1),
            )
            for code in ("A", "B"):
                await dpvs.create_lot(
                    s, market.admin, dpv_id=dpv.id, code=code, name=code, rate_caps=[(2026, Decimal("900.00"))]
                )


async def _providers(db, market, n: int) -> None:
    async with db.transaction() as s:
        for i in range(n):
            org = Organisation(kind=OrganisationKind.PROVIDER, slug=f"provider-{i}", name=f"Provider {i}")
            s.add(org)
            await s.flush()
            for j in range(2):
                setting = await settings.create_setting(
                    s,
                    market.admin,
                    provider_id=org.id,
                    kind=SettingKind.CHILDRENS_HOME,
                    fields_=setting_fields(f"Home {i}-{j}"),
                )
                await settings.record_ofsted_judgement(
                    s, market.admin, setting_id=setting.id, grade=OfstedGrade.GOOD, inspected_on=date(2025, 1, 1)
                )


async def _count(gql, db, query, principal=None) -> tuple[int, dict]:
    with StatementCounter(db) as counter:
        data = await gql.ok(query, principal=principal)
    return counter.count, data


async def test_dpvs_with_lots_cost_the_same_for_1_and_100(gql, db, market):
    await _vehicles(db, market, 1)
    one, data = await _count(gql, db, DPVS)
    assert len(data["dpvs"]["nodes"]) == 1
    await _vehicles(db, market, 99)
    hundred, data = await _count(gql, db, DPVS)
    assert len(data["dpvs"]["nodes"]) == 100 and data["dpvs"]["nodes"][99]["lots"]["totalCount"] == 2
    assert hundred == one, f"{one} statements for 1 vehicle, {hundred} for 100"
    assert one <= 5


async def test_providers_with_settings_cost_the_same_for_1_and_100(gql, db, market):
    await _providers(db, market, 1)
    one, _ = await _count(gql, db, PROVIDERS, market.barnet_officer)
    await _providers_more(db, market)
    hundred, data = await _count(gql, db, PROVIDERS, market.barnet_officer)
    nodes = data["providers"]["nodes"]
    assert len(nodes) == 100 and nodes[-1]["settings"]["nodes"][0]["latestOfstedJudgement"]["grade"] == "GOOD"
    assert hundred == one, f"{one} statements for 1 provider, {hundred} for 100"
    assert one <= 5


async def _providers_more(db, market) -> None:
    # the market fixture has two providers and _providers(1) added one: 97 more fill the page of 100
    async with db.transaction() as s:
        for i in range(1, 98):
            org = Organisation(kind=OrganisationKind.PROVIDER, slug=f"more-{i}", name=f"More {i}")
            s.add(org)
            await s.flush()
            setting = await settings.create_setting(
                s, market.admin, provider_id=org.id, kind=SettingKind.CHILDRENS_HOME, fields_=setting_fields(f"H{i}")
            )
            await settings.record_ofsted_judgement(
                s, market.admin, setting_id=setting.id, grade=OfstedGrade.GOOD, inspected_on=date(2025, 1, 1)
            )


REQUIREMENTS = """{ requirements(first: 100) { totalCount nodes { id reference status lot { code } authority { slug }
  invitations(first: 20) { totalCount nodes { provider { name }
  match { level reasons { code } setting { name } } } } } } }"""


async def test_requirements_with_invitations_cost_the_same_for_1_and_many(gql, db, market):
    from tests.placement_factories import published, scene

    sc = await scene(db, market, members=2)
    await published(db, market.barnet_officer, sc.lot.id)
    one, data = await _count(gql, db, REQUIREMENTS, market.barnet_officer)
    assert len(data["requirements"]["nodes"][0]["invitations"]["nodes"]) == 2
    for _ in range(11):
        await published(db, market.barnet_officer, sc.lot.id)
    many, data = await _count(gql, db, REQUIREMENTS, market.barnet_officer)
    nodes = data["requirements"]["nodes"]
    assert len(nodes) == 12 and nodes[-1]["invitations"]["nodes"][0]["provider"]["name"] == "Acorn Fostering"
    assert many == one, f"{one} statements for 1 requirement, {many} for 12"
    assert one <= 7


BIDS_AND_EVALUATION = """query($id: ID!) { node(id: $id) { ... on Requirement {
  bids(first: 20) { totalCount nodes { provider { name } setting { name } discounts { kind } } }
  evaluation { rankedBids { bid { id } criteria { criterion } } } } } }"""


async def test_a_requirements_bids_and_evaluation_cost_the_same_for_1_and_10_bids(gql, db, market):
    from strawberry.relay import to_base64

    from api.core.principal import Scope
    from api.market.enums import MembershipStatus
    from tests.conftest import make_org, principal_for
    from tests.factories import add_setting
    from tests.placement_factories import member, published, scene, submit

    sc = await scene(db, market, members=2)
    bidders = [(market.acorn_staff, sc.settings["Oak House"].id)]
    for i in range(9):  # nine more members of the lot, each with a setting
        org = await make_org(db, OrganisationKind.PROVIDER, f"bidder-{i}")
        await member(db, market, org, sc.lot, MembershipStatus.ADMITTED)
        setting = await add_setting(db, market.admin, org.id, f"Home {i}")
        bidders.append((principal_for(org, Scope.PROVIDER), setting.id))

    async def cost(n: int) -> int:
        r = await published(db, market.barnet_officer, sc.lot.id, expected_duration_weeks=60)
        for who, setting_id in bidders[:n]:
            await submit(db, who, r.id, setting_id, "900.00")
        with StatementCounter(db) as counter:
            data = await gql.ok(BIDS_AND_EVALUATION, {"id": to_base64("Requirement", r.id)}, market.barnet_officer)
        node = data["node"]
        assert node["bids"]["totalCount"] == n and len(node["evaluation"]["rankedBids"]) == n
        assert node["bids"]["nodes"][0]["discounts"] == [{"kind": "LONG_TERM"}]
        assert len(node["evaluation"]["rankedBids"][-1]["criteria"]) == 8
        return counter.count

    one, ten = await cost(1), await cost(10)
    assert ten == one, f"{one} statements for 1 bid, {ten} for 10"
    assert one <= 9, one  # the requirement, the bids, their providers, their settings; the evaluation: 5


# --- the bid path: what one bidSubmit costs ---------------------------------------------------------------------

BID_SUBMIT = """mutation($input: BidSubmitInput!) { bidSubmit(input: $input) { bid { id status netWeeklyPrice }
  userErrors { code } } }"""


async def test_one_bid_submit_costs_a_fixed_few_statements(gql, db, market):
    """The hot path of issue 4's benchmark: the idempotency claim, the locks with everything the rules read, the
    live-bid check with the insert and its audit event. Counted without the token (see the next test)."""
    from strawberry.relay import to_base64

    from tests.placement_factories import published, scene

    sc = await scene(db, market, members=2)
    counts = []
    for key in (None, "k-1"):
        r = await published(db, market.barnet_officer, sc.lot.id, expected_duration_weeks=60)
        variables = {
            "input": {
                "requirementId": to_base64("Requirement", r.id),
                "settingId": to_base64("Setting", sc.settings["Oak House"].id),
                "corePrice": "900.00",
                "availableFrom": date.today().replace(year=date.today().year + 1).isoformat(),
                "needsStatement": "Autism-trained staff",
                "idempotencyKey": key,
            }
        }
        with StatementCounter(db) as counter:
            data = await gql.ok(BID_SUBMIT, variables, market.acorn_staff)
        assert data["bidSubmit"]["userErrors"] == [] and data["bidSubmit"]["bid"]["status"] == "SUBMITTED"
        counts.append(counter.count)
    # The locks with what the rules read, then the bid with its audit event; with a key, its claim, which
    # reserves the bid's id (nothing is written back to the key afterwards).
    assert counts == [2, 3], (counts, counter.statements)
