"""Per-provider KPIs: the period (pure), the figures from real rows (invitations, bids, placements, complaints,
and alerts and suspensions from the audit log), who may read them, and their cost: one statement for any number
of providers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from strawberry.relay import to_base64

from api.core import audit, clock
from api.core.audit import AuditEvent
from api.core.principal import OrganisationKind
from api.market import settings
from api.market.enums import SettingKind
from api.market.models import Organisation
from api.placements import bids
from api.placements.enums import InvitationStatus
from api.placements.models import Invitation
from api.quality import kpis
from api.quality.enums import ComplaintKind
from tests.conftest import StatementCounter
from tests.factories import setting_fields
from tests.placement_factories import published, submit
from tests.quality_factories import action, complaint, placed, review


def test_the_period_defaults_to_the_last_twelve_months_in_england():
    assert kpis.period(None, None, date(2026, 11, 24)) == kpis.Period(date(2025, 11, 25), date(2026, 11, 24))
    assert kpis.period(None, date(2028, 2, 29), date(2030, 1, 1)) == kpis.Period(date(2027, 3, 1), date(2028, 2, 29))
    assert kpis.period(date(2026, 1, 1), None, date(2026, 3, 1)) == kpis.Period(date(2026, 1, 1), date(2026, 3, 1))
    with pytest.raises(kpis.InvalidPeriod):
        kpis.period(date(2026, 3, 2), date(2026, 3, 1), date(2026, 3, 1))
    with pytest.raises(kpis.InvalidPeriod):
        kpis.period(date(2000, 1, 1), date(2026, 3, 1), date(2026, 3, 1))
    # London midnights: GMT in winter, BST in summer
    assert kpis.Period(date(2026, 1, 5), date(2026, 7, 1)).instants == (
        datetime(2026, 1, 5, tzinfo=UTC),
        datetime(2026, 7, 1, 23, tzinfo=UTC),
    )


async def _invited_at(db, requirement_id: int, provider_id: int) -> datetime:
    async with db.session() as s:
        return (
            await s.execute(
                select(Invitation.invited_at).where(
                    Invitation.requirement_id == requirement_id, Invitation.provider_id == provider_id
                )
            )
        ).scalar_one()


async def _scenario(db, market):
    """acorn: invited to 4 requirements, answered 3 (at once, after 2 h, after 4 h then withdrawn), placed once;
    birch: invited to the same 4, answered none, one invitation withdrawn (suspended) before it answered."""
    p = await placed(db, market)
    oak = p.scene.settings["Oak House"].id
    r1, r2, r3 = [await published(db, market.barnet_officer, p.scene.lot.id) for _ in range(3)]
    await submit(
        db, market.acorn_staff, r1.id, oak, now=await _invited_at(db, r1.id, market.acorn.id) + timedelta(hours=2)
    )
    at = await _invited_at(db, r2.id, market.acorn.id) + timedelta(hours=4)
    second = await submit(db, market.acorn_staff, r2.id, oak, now=at)
    async with db.transaction() as s:
        await bids.withdraw_bid(s, market.acorn_staff, second.id, now=at + timedelta(minutes=30))
    async with db.transaction() as s:
        await s.execute(
            update(Invitation)
            .where(Invitation.requirement_id == r3.id, Invitation.provider_id == market.birch.id)
            .values(status=InvitationStatus.WITHDRAWN)
        )

    await complaint(db, market.barnet_officer, market.acorn.id)
    await complaint(db, market.acorn_staff, market.barnet.id, kind=ComplaintKind.DISPUTE)
    await complaint(db, market.ealing_officer, market.birch.id)

    # safeguarding alerts and suspensions as the audit log records them (their tables come with another issue)
    async with db.transaction() as s:
        for provider, entity, act, key in (
            (market.acorn, "SafeguardingAlert", "safeguarding_alert.raise", "provider_id"),
            (market.acorn, "SafeguardingAlert", "safeguarding_alert.raise", "provider_id"),
            (market.acorn, "SafeguardingAlert", "safeguarding_alert.raise", "providerId"),
            (market.acorn, "SafeguardingAlert", "safeguarding_alert.update", "provider_id"),  # not a new alert
            (market.birch, "SafeguardingAlert", "safeguarding_alert.raise", "provider_id"),
            (market.acorn, "Suspension", "provider.suspend", "provider_id"),
        ):
            audit.record(s, market.admin, act, entity, 1, {key: provider.id, "category": "neglect"})
        s.add(
            AuditEvent(
                organisation_id=market.wla.id,
                actor_kind="USER",
                actor_id="x",
                action="provider.suspend",
                entity_type="Suspension",
                entity_id=2,
                data={"provider_id": market.acorn.id},
                occurred_at=clock.now() - timedelta(days=400),
            )
        )  # before the period
    return p


KPIS = """query($id: ID!, $from: Date, $to: Date) { providerKpis(providerId: $id, from: $from, to: $to) {
  from to invitations invitationsResponded responseRate medianSecondsToRespond bidsSubmitted placementsMade alerts
  suspensions complaintsAgainst complaintsRaised provider { slug } } }"""


async def test_kpis_from_real_rows(gql, db, market):
    await _scenario(db, market)
    today = clock.today()
    # bids placed hours after an invitation may fall on tomorrow's date in England
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    acorn = (await gql.ok(KPIS, {"id": to_base64("Provider", market.acorn.id), **period}, market.barnet_officer))[
        "providerKpis"
    ]
    assert acorn == {
        "from": period["from"],
        "to": period["to"],
        "invitations": 4,
        "invitationsResponded": 3,
        "responseRate": 0.75,
        "medianSecondsToRespond": 7200,
        "bidsSubmitted": 3,
        "placementsMade": 1,
        "alerts": 3,
        "suspensions": 1,
        "complaintsAgainst": 1,
        "complaintsRaised": 1,
        "provider": {"slug": "acorn-fostering"},
    }
    birch = (await gql.ok(KPIS, {"id": to_base64("Provider", market.birch.id), **period}, market.admin))["providerKpis"]
    assert {
        k: birch[k]
        for k in (
            "invitations",
            "invitationsResponded",
            "responseRate",
            "medianSecondsToRespond",
            "bidsSubmitted",
            "placementsMade",
            "alerts",
            "suspensions",
            "complaintsAgainst",
            "complaintsRaised",
        )
    } == {
        "invitations": 3,
        "invitationsResponded": 0,
        "responseRate": 0.0,
        "medianSecondsToRespond": None,
        "bidsSubmitted": 0,
        "placementsMade": 0,
        "alerts": 1,
        "suspensions": 0,
        "complaintsAgainst": 1,
        "complaintsRaised": 0,
    }

    # the default period: the last 12 months up to today; the same figures through Provider.kpis
    query = """query($id: ID!) { node(id: $id) { ... on Provider { kpis { from to invitations alerts suspensions } }
      } }"""
    seen = (await gql.ok(query, {"id": to_base64("Provider", market.acorn.id)}, market.acorn_staff))["node"]["kpis"]
    assert (seen["from"], seen["to"]) == (
        (clock.add_months(today, -12) + timedelta(days=1)).isoformat(),
        today.isoformat(),
    )
    assert (seen["invitations"], seen["alerts"], seen["suspensions"]) == (4, 3, 1)  # the old suspension is out
    # a period before anything happened
    empty = (
        await gql.ok(
            KPIS, {"id": to_base64("Provider", market.acorn.id), "from": "2020-01-01", "to": "2020-12-31"}, market.admin
        )
    )["providerKpis"]
    assert (empty["invitations"], empty["responseRate"], empty["bidsSubmitted"], empty["alerts"]) == (0, None, 0, 0)


async def test_who_reads_kpis_and_a_period_the_wrong_way_round(gql, db, market):
    acorn, birch = to_base64("Provider", market.acorn.id), to_base64("Provider", market.birch.id)
    for viewer in (market.admin, market.barnet_officer, market.ealing_officer):
        assert (await gql.ok(KPIS, {"id": birch}, viewer))["providerKpis"]["provider"] == {"slug": "birch-homes"}
    assert (await gql.ok(KPIS, {"id": acorn}, market.acorn_staff))["providerKpis"]["invitations"] == 0
    assert (await gql.ok(KPIS, {"id": birch}, market.acorn_staff))["providerKpis"] is None  # not its own
    borough = to_base64("Provider", market.barnet.id)  # an id that is not a provider's
    assert (await gql.ok(KPIS, {"id": borough}, market.admin))["providerKpis"] is None
    result = await gql(KPIS, {"id": acorn, "from": "2026-03-02", "to": "2026-03-01"}, market.admin)
    assert result.errors[0].extensions["code"] == "BAD_USER_INPUT"
    assert "`from` (2026-03-02) is after `to` (2026-03-01)" in result.errors[0].message


PROVIDERS = """{ providers(first: 100) { totalCount nodes { slug
  kpis { invitations invitationsResponded responseRate medianSecondsToRespond bidsSubmitted placementsMade alerts
    suspensions complaintsAgainst complaintsRaised }
  reviews(first: 5) { totalCount nodes { agenda status actions { description owner { slug } } } } } } }"""


async def test_kpis_and_reviews_of_100_providers_cost_what_those_of_1_do(gql, db, market):
    await _scenario(db, market)
    r = await review(db, market)
    await action(db, market, r.id, market.acorn.id)

    async def cost() -> tuple[int, dict]:
        with StatementCounter(db) as counter:
            data = await gql.ok(PROVIDERS, principal=market.barnet_officer)
        assert sum("percentile_cont" in sql for sql in counter.statements) == 1  # all the KPIs: one statement
        return counter.count, data

    few, data = await cost()
    assert len(data["providers"]["nodes"]) == 2
    async with db.transaction() as s:  # 98 more providers, each with a setting and a review with an action
        for i in range(98):
            org = Organisation(kind=OrganisationKind.PROVIDER, slug=f"more-{i}", name=f"More {i}")
            s.add(org)
            await s.flush()
            await settings.create_setting(
                s, market.admin, provider_id=org.id, kind=SettingKind.CHILDRENS_HOME, fields_=setting_fields(f"H{i}")
            )
    for org_id in [o.id for o in await _providers(db)][:20]:
        rv = await review(db, market, org_id)
        await action(db, market, rv.id, org_id)
    many, data = await cost()
    nodes = data["providers"]["nodes"]
    assert len(nodes) == 100 and nodes[0]["kpis"]["invitations"] == 4
    assert nodes[-1]["kpis"] == {
        "invitations": 0,
        "invitationsResponded": 0,
        "responseRate": None,
        "medianSecondsToRespond": None,
        "bidsSubmitted": 0,
        "placementsMade": 0,
        "alerts": 0,
        "suspensions": 0,
        "complaintsAgainst": 0,
        "complaintsRaised": 0,
    }
    assert sum(n["reviews"]["totalCount"] for n in nodes) == 21
    assert many == few, f"{few} statements for 2 providers, {many} for 100"
    assert few <= 6, few  # providers, their total, the KPIs (one), the reviews, their actions, the owners


async def _providers(db) -> list[Organisation]:
    async with db.session() as s:
        return list(
            (
                await s.execute(
                    select(Organisation).where(Organisation.kind == OrganisationKind.PROVIDER).order_by(Organisation.id)
                )
            ).scalars()
        )
