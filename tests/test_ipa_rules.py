"""The IPA and the placement in plain Python against a real PostgreSQL: the terms snapshot (the child only by its
pseudonym), the document rendered once and stored with its SHA-256, the signing rules (order, the exact hash,
once per party, the signing scopes), and the execution: the requirement PLACED and the placement live with its
placement-plan due date."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from api.core import clock
from api.core.audit import AuditEvent
from api.core.errors import Forbidden
from api.core.principal import Scope
from api.placements import award, ipas
from api.placements.deadlines import add_working_days
from api.placements.enums import IpaParty, IpaStatus, PlacementStatus, RequirementStatus, Urgency
from api.placements.models import Ipa, IpaSignature, Placement, Requirement
from tests.conftest import principal_for
from tests.placement_factories import published, scene, submit
from tests.test_bid_rules import events, get, officer_with_award, refused, rows


def next_thursday(after) -> object:
    day = after
    while day.weekday() != 3:
        day += timedelta(days=1)
    return day


async def awarded(db, market):
    sc = await scene(db, market, members=2)
    start = next_thursday(clock.today() + timedelta(days=3))
    r = await published(db, market.barnet_officer, sc.lot.id, urgency=Urgency.EMERGENCY, planned_start=start)
    bid = await submit(db, market.acorn_staff, r.id, sc.settings["Oak House"].id, "900.00", available_from=start)
    async with db.transaction() as s:
        await award.accept_bid(s, officer_with_award(market), bid.id, rationale="Meets every need")
        ipa = await ipas.ipa_of_bid(s, bid.id)
    return sc, r, bid, ipa


def provider_signer(market):
    return principal_for(market.acorn, Scope.PROVIDER_SIGN)


async def test_the_ipa_is_issued_at_the_award_with_the_pseudonym_and_rendered_once(db, market):
    sc, r, bid, ipa = await awarded(db, market)
    assert ipa.status is IpaStatus.ISSUED and ipa.provider_id == market.acorn.id
    assert ipa.authority_id == market.barnet.id and ipa.net_weekly_price == bid.net_weekly_price
    terms = ipa.terms
    assert terms["childReference"].startswith("CH-") and len(terms["childReference"]) == 13
    assert "MOS-000123" not in str(terms) and "Harlesden" not in str(terms)  # no case reference, no child detail
    assert (terms["boroughName"], terms["providerName"]) == (market.barnet.name, market.acorn.name)
    assert (terms["settingName"], terms["settingPostcodeDistrict"]) == ("Oak House", "NW10")
    assert terms["requirementReference"] == r.reference and terms["netWeeklyPrice"] == "900.00"
    assert terms["startDate"] == r.planned_start.isoformat() and terms["vehicleTerms"] == ipas.VEHICLE_TERMS

    async with db.session() as s:
        stored = await ipas.document_for(s, officer_with_award(market), ipa.id)
    assert stored.document.startswith(b"%PDF") and b"MOS-000123" not in stored.document
    assert hashlib.sha256(stored.document).hexdigest() == ipa.document_sha256
    (issued,) = await events(db, "Ipa", ipa.id)
    assert issued.action == "ipa.issue" and issued.data["documentSha256"] == ipa.document_sha256

    # re-reading returns the stored bytes: changing the stored snapshot does not change the document
    async with db.transaction() as s:
        await s.execute(update(Ipa).where(Ipa.id == ipa.id).values(terms={**terms, "netWeeklyPrice": "1.00"}))
    async with db.session() as s:
        again = await ipas.document_for(s, market.acorn_staff, ipa.id)
    assert again.document == stored.document and again.document_sha256 == ipa.document_sha256

    # only the two parties get the document; the alliance, another borough or provider get nothing
    for outsider in (
        market.admin,
        principal_for(market.ealing, Scope.BOROUGH, Scope.BOROUGH_AWARD),
        principal_for(market.birch, Scope.PROVIDER, Scope.PROVIDER_SIGN),
        None,
    ):
        async with db.session() as s:
            assert await ipas.document_for(s, outsider, ipa.id) is None


async def test_signing_rules_then_execution_places_the_child(db, market):
    sc, r, bid, ipa = await awarded(db, market)
    sha = ipa.document_sha256
    officer, signer = officer_with_award(market), provider_signer(market)

    def sign(who, digest=sha):
        return lambda s: ipas.sign_ipa(s, who, ipa.id, document_sha256=digest)

    # the signing scopes: `provider` alone, `borough` alone, another provider, another borough, the alliance
    for outsider in (
        market.acorn_staff,
        market.barnet_officer,
        principal_for(market.birch, Scope.PROVIDER_SIGN),
        principal_for(market.ealing, Scope.BOROUGH_AWARD),
        market.admin,
    ):
        with pytest.raises(Forbidden):
            async with db.transaction() as s:
                await sign(outsider)(s)
    await refused(db, sign(officer), "PROVIDER_SIGNS_FIRST")
    await refused(db, sign(signer, "0" * 64), "HASH_MISMATCH")
    await refused(db, sign(signer, sha[:-1]), "HASH_MISMATCH")
    assert (await get(db, Ipa, ipa.id)).status is IpaStatus.ISSUED
    assert await rows(db, select(IpaSignature)) == [] and len(await events(db, "Ipa", ipa.id)) == 1

    async with db.transaction() as s:
        signed = await sign(signer, sha.upper())(s)  # the hex digest is case-insensitive
    assert signed.status is IpaStatus.PROVIDER_SIGNED
    await refused(db, sign(signer), "ALREADY_SIGNED")
    assert (await get(db, Requirement, r.id)).status is RequirementStatus.AWARDED

    async with db.transaction() as s:
        executed = await sign(officer)(s)
    assert executed.status is IpaStatus.EXECUTED and executed.executed_at is not None
    await refused(db, sign(officer), "ALREADY_SIGNED")
    signatures = await rows(db, select(IpaSignature).order_by(IpaSignature.id))
    assert [(g.party, g.organisation_id, g.signed_sha256) for g in signatures] == [
        (IpaParty.PROVIDER, market.acorn.id, sha),
        (IpaParty.BOROUGH, market.barnet.id, sha),
    ]

    assert (await get(db, Requirement, r.id)).status is RequirementStatus.PLACED
    (placement,) = await rows(db, select(Placement))
    start = r.planned_start  # a Thursday: five working days run over the weekend
    assert placement.status is PlacementStatus.LIVE and placement.starts_on == start
    assert placement.placement_plan_due_on == add_working_days(start, 5)
    assert placement.placement_plan_due_on >= start + timedelta(days=7)
    assert (placement.provider_id, placement.setting_id) == (market.acorn.id, sc.settings["Oak House"].id)
    assert [e.action for e in await events(db, "Ipa", ipa.id)] == ["ipa.issue", "ipa.sign", "ipa.sign"]
    assert [e.action for e in await events(db, "Requirement", r.id)][-1] == "requirement.place"
    (started,) = await events(db, "Placement", placement.id)
    assert started.data["placementPlanDueOn"] == placement.placement_plan_due_on.isoformat()
    assert "MOS-000123" not in str([e.data for e in await rows(db, select(AuditEvent))])
