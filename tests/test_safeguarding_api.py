"""Quality and safeguarding through GraphQL: denial first (anonymous, the wrong scope, someone else's: nothing
changes), then success; who sees which alert (and who raised it); the review as a history; and the statements a
list of alerts costs."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from api.core import clock, timers
from api.core.audit import AuditEvent
from api.core.principal import Scope
from api.market import agreements
from api.safeguarding import alerts
from api.safeguarding.enums import AlertCategory, AlertSeverity
from api.safeguarding.models import SafeguardingAlert, Suspension
from tests.conftest import StatementCounter, gid, principal_for
from tests.placement_factories import published, scene

RAISE = """mutation($input: SafeguardingAlertRaiseInput!) { safeguardingAlertRaise(input: $input) {
  alert { id category severity status summary raisedBy { slug } provider { slug } setting { name } }
  userErrors { field code } } }"""
UPDATE = """mutation($input: SafeguardingAlertUpdateInput!) { safeguardingAlertUpdate(input: $input) {
  alert { id status updates { statusBefore statusAfter notes by { kind organisation { slug } } } }
  userErrors { field code } } }"""
LIST = """{ safeguardingAlerts(first: 100) { totalCount nodes { id category severity status summary createdAt
  raisedBy { slug } provider { slug } setting { name } updates { statusAfter notes } } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on SafeguardingAlert { id raisedBy { slug } } } }"


async def _count(db, model) -> int:
    async with db.session() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_raising_an_alert_refused_then_raised_and_seen_by_whom_it_concerns(gql, db, market):
    sc = await scene(db, market, members=2)
    variables = {
        "input": {
            "providerId": gid("Provider", market.acorn.id),
            "settingId": gid("Setting", sc.settings["Oak House"].id),
            "category": "RESTRAINT",
            "severity": "CRITICAL",
            "summary": "Prone restraint used twice in a week",
        }
    }
    # denial: anonymous, a provider, a borough that does not participate (Ealing, no agreement yet)
    for principal, code in (
        (None, "UNAUTHENTICATED"),
        (market.birch_staff, "FORBIDDEN"),
        (market.ealing_officer, "FORBIDDEN"),
    ):
        result = await gql(RAISE, variables, principal)
        assert result.errors[0].extensions["code"] == code and result.data is None
    assert await _count(db, SafeguardingAlert) == 0 and await _count(db, AuditEvent) > 0
    # a user error: the setting of another provider
    bad = {"input": {**variables["input"], "settingId": gid("Setting", sc.settings["Birch Lodge"].id)}}
    out = (await gql.ok(RAISE, bad, market.barnet_officer))["safeguardingAlertRaise"]
    assert out == {"alert": None, "userErrors": [{"field": "settingId", "code": "SETTING_NOT_OF_PROVIDER"}]}

    raised = (await gql.ok(RAISE, variables, market.barnet_officer))["safeguardingAlertRaise"]
    assert raised["userErrors"] == []
    alert = raised["alert"]
    assert (alert["status"], alert["raisedBy"], alert["provider"], alert["setting"]) == (
        "OPEN",
        {"slug": "barnet"},
        {"slug": "acorn-fostering"},
        {"name": "Oak House"},
    )

    # who sees it: the alliance and participating boroughs (with who raised it); the provider (without); not birch,
    # not a borough that does not participate
    lead = principal_for(market.wla, Scope.WLA_SAFEGUARDING)
    for viewer, raised_by in (
        (market.admin, {"slug": "barnet"}),
        (lead, {"slug": "barnet"}),
        (market.barnet_officer, {"slug": "barnet"}),
        (market.acorn_staff, None),
    ):
        node = (await gql.ok(NODE, {"id": alert["id"]}, viewer))["node"]
        assert node == {"id": alert["id"], "raisedBy": raised_by}, viewer
    for outsider in (market.birch_staff, market.ealing_officer):
        assert (await gql.ok(NODE, {"id": alert["id"]}, outsider))["node"] is None
        assert (await gql.ok("{ safeguardingAlerts(first: 5) { totalCount } }", None, outsider))["safeguardingAlerts"][
            "totalCount"
        ] == 0
    refused = await gql("{ safeguardingAlerts(first: 5) { nodes { updates { notes } } } }", None, market.acorn_staff)
    assert refused.errors[0].extensions["code"] == "FORBIDDEN"  # the review is not the provider's to read

    # Ealing participates once it holds an access agreement
    async with db.transaction() as s:
        await agreements.create_agreement(
            s, market.admin, dpv_id=sc.dpv.id, authority_id=market.ealing.id, starts_on=date(2025, 4, 1)
        )
    assert (await gql.ok(NODE, {"id": alert["id"]}, market.ealing_officer))["node"]["raisedBy"] == {"slug": "barnet"}


async def test_the_review_is_the_safeguarding_leads_and_kept_as_a_history(gql, db, market):
    await scene(db, market, members=2)
    async with db.transaction() as s:
        alert = await alerts.raise_alert(
            s,
            market.barnet_officer,
            provider_id=market.acorn.id,
            category=AlertCategory.STAFFING,
            severity=AlertSeverity.HIGH,
            summary="Agency staff without DBS checks",
        )
    step = {
        "input": {
            "alertId": gid("SafeguardingAlert", alert.id),
            "status": "UNDER_REVIEW",
            "notes": "Provider asked for its staffing records",
        }
    }
    before = await _count(db, AuditEvent)
    for principal in (None, principal_for(market.wla, Scope.WLA), market.barnet_officer, market.acorn_staff):
        result = await gql(UPDATE, step, principal)
        assert result.errors and result.data is None
    assert await _count(db, AuditEvent) == before
    lead = principal_for(market.wla, Scope.WLA_SAFEGUARDING)
    wrong = {"input": {**step["input"], "status": "RESOLVED"}}
    assert (await gql.ok(UPDATE, wrong, lead))["safeguardingAlertUpdate"]["userErrors"] == [
        {"field": "status", "code": "INVALID_TRANSITION"}
    ]
    out = (await gql.ok(UPDATE, step, lead))["safeguardingAlertUpdate"]
    assert out["alert"]["status"] == "UNDER_REVIEW" and out["alert"]["updates"] == [
        {
            "statusBefore": "OPEN",
            "statusAfter": "UNDER_REVIEW",
            "notes": "Provider asked for its staffing records",
            "by": {"kind": "USER", "organisation": {"slug": "wla"}},
        }
    ]


async def test_a_list_of_alerts_costs_the_same_for_1_and_40(gql, db, market):
    sc = await scene(db, market, members=2)

    async def add(n: int) -> None:
        async with db.transaction() as s:
            for i in range(n):
                a = await alerts.raise_alert(
                    s,
                    market.barnet_officer,
                    provider_id=market.acorn.id,
                    setting_id=sc.settings["Oak House"].id if i % 2 == 0 else None,
                    category=AlertCategory.OTHER,
                    severity=AlertSeverity.MEDIUM,
                    summary=f"Concern {i}",
                )
                await alerts.update_alert(
                    s, principal_for(market.wla, Scope.WLA_SAFEGUARDING), a.id, status=None, notes="Noted"
                )

    async def cost() -> tuple[int, dict]:
        with StatementCounter(db) as counter:
            data = await gql.ok(LIST, None, market.barnet_officer)
        return counter.count, data

    await add(1)
    one, data = await cost()
    assert data["safeguardingAlerts"]["totalCount"] == 1
    await add(39)
    forty, data = await cost()
    nodes = data["safeguardingAlerts"]["nodes"]
    assert (
        len(nodes) == 40
        and nodes[1]["setting"] == {"name": "Oak House"}
        and nodes[2]["setting"] is None
        and nodes[0]["updates"][0]["notes"]
    )
    assert forty == one, f"{one} statements for 1 alert, {forty} for 40"
    assert one <= 6, one  # the page, its total, the providers, the raisers (one loader), the settings, the updates


async def test_an_old_expired_insurance_recorded_beside_one_in_force_suspends_no_one(gql, db, market):
    sc = await scene(db, market, members=2)  # acorn's insurances run for another year
    record = """mutation($input: DocumentRecordInput!) { documentRecord(input: $input) {
      document { reference inForce } userErrors { field code } } }"""
    provider = """{ viewer { organisation { ... on Provider { compliance { compliant shortfalls { kind code } }
      memberships(first: 5) { nodes { status } } } } } }"""
    old = {
        "kind": "EMPLOYERS_LIABILITY_INSURANCE",
        "reference": "EL-2025",
        "coverAmount": "10000000.00",
        "validFrom": (clock.today() - timedelta(days=300)).isoformat(),
        "validUntil": (clock.today() - timedelta(days=1)).isoformat(),
    }
    recorded = (await gql.ok(record, {"input": old}, market.acorn_staff))["documentRecord"]
    assert recorded == {"document": {"reference": "EL-2025", "inForce": False}, "userErrors": []}

    await timers.run_due_timers(db)  # a document expired with none of its kind in force would suspend at once
    assert await _count(db, Suspension) == 0
    assert (await gql.ok(provider, principal=market.acorn_staff))["viewer"]["organisation"] == {
        "compliance": {"compliant": True, "shortfalls": []},
        "memberships": {"nodes": [{"status": "ADMITTED"}]},
    }
    published_ = await published(db, market.barnet_officer, sc.lot.id)
    invitations = (
        await gql.ok(
            """query($id: ID!) { node(id: $id) { ... on Requirement {
      invitations(first: 5) { nodes { provider { slug } } } } } }""",
            {"id": gid("Requirement", published_.id)},
            market.barnet_officer,
        )
    )["node"]["invitations"]["nodes"]
    assert {"provider": {"slug": "acorn-fostering"}} in invitations
