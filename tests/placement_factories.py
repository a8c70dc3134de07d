"""Builders for the placement search: a lot with members in every state, a child, a requirement.

Everything goes through the domain functions, except the SUSPENDED and BARRED memberships: no transition leads
there yet (the quality and safeguarding rules are a later issue), so they are set directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from api.core import clock
from api.core.db import Database
from api.core.principal import OrganisationKind, Principal, Scope
from api.market import memberships
from api.market.enums import DocumentKind, MembershipDecision, MembershipStatus, Sex, Specialism
from api.market.models import Dpv, Lot, Membership, Organisation, Setting
from api.placements import bids, requirements
from api.placements.child import ChildDetails
from api.placements.enums import LegalStatus, Urgency
from api.placements.models import Bid, Requirement
from api.placements.pricing import Extra
from tests.conftest import make_org, principal_for
from tests.factories import add_setting, dpv_with_lots, full_documents

# Harlesden (NW10): the child's home in these tests
HOME = (51.5362, -0.2466)


def child(**over) -> ChildDetails:
    values = dict(
        case_reference="MOS-000123",
        age_years=12,
        sex=Sex.FEMALE,
        sibling_group_size=1,
        home_postcode_district="NW10",
        home_latitude=HOME[0],
        home_longitude=HOME[1],
        max_distance_km=20,
        languages=["English", "Somali"],
        needs=[Specialism.AUTISM],
        avoid_areas=["W12"],
        ethnicity="Black British - Somali",
        religion="Muslim",
        education_needs="EHCP: autism, year 7",
        child_views="Wants to stay at her school in Harlesden",
        court_directions="No contact with father",
        legal_status=LegalStatus.INTERIM_CARE_ORDER,
    )
    values.update(over)
    return ChildDetails(**values)


def fields(lot_id: int, **over) -> requirements.RequirementFields:
    values = dict(
        lot_id=lot_id,
        urgency=Urgency.URGENT,
        planned_start=clock.today() + timedelta(days=3),
        expected_duration_weeks=26,
    )
    values.update(over)
    return requirements.RequirementFields(**values)


@dataclass
class Scene:
    """Barnet leads the vehicle; on its lot: acorn (admitted, compliant, a home that meets the child fully),
    birch (admitted, compliant, a home too far and without the specialism), and, unless `members` is 2: cedar
    (admitted, an insurance missing), dove (applied), elm (suspended), fir (barred)."""

    dpv: Dpv
    lot: Lot
    providers: dict[str, Organisation] = field(default_factory=dict)
    settings: dict[str, Setting] = field(default_factory=dict)  # by name: Oak House, Far House, Birch Lodge

    def staff(self, slug: str) -> Principal:
        return principal_for(self.providers[slug], Scope.PROVIDER)


async def member(
    db: Database,
    market,
    org: Organisation,
    lot: Lot,
    status: MembershipStatus,
    documents: bool = True,
    skip: tuple[DocumentKind, ...] = (),
) -> None:
    if documents:
        await full_documents(db, market.admin, org.id, skip=skip)
    async with db.transaction() as s:
        m = await memberships.apply(s, market.admin, provider_id=org.id, lot_id=lot.id)
    if status is MembershipStatus.APPLIED:
        return
    if status is MembershipStatus.ADMITTED and not skip:
        async with db.transaction() as s:
            await memberships.decide(s, market.admin, m.id, decision=MembershipDecision.ADMIT)
        return
    async with db.transaction() as s:  # a member whose documents lapsed later, or suspended or barred
        await s.execute(update(Membership).where(Membership.id == m.id).values(status=status))


async def scene(db: Database, market, *, members: int = 6, rate_caps: list[tuple[int, Decimal]] | None = None) -> Scene:
    dpv, lots = await dpv_with_lots(db, market, lots=1, rate_caps=rate_caps)
    sc = Scene(dpv, lots[0], {"acorn": market.acorn, "birch": market.birch})
    await member(db, market, market.acorn, sc.lot, MembershipStatus.ADMITTED)
    for setting in (
        await add_setting(
            db,
            market.admin,
            market.acorn.id,
            "Oak House",
            specialisms=[Specialism.AUTISM],
            postcode_district="NW10",
            latitude=51.543,
            longitude=-0.245,
        ),
        await add_setting(
            db, market.admin, market.acorn.id, "Far House", postcode_district="CB1", latitude=52.2, longitude=0.12
        ),
    ):
        sc.settings[setting.name] = setting
    await member(db, market, market.birch, sc.lot, MembershipStatus.ADMITTED)
    sc.settings["Birch Lodge"] = await add_setting(
        db, market.admin, market.birch.id, "Birch Lodge", postcode_district="RG1", latitude=51.455, longitude=-0.97
    )
    others = [
        ("cedar-care", MembershipStatus.ADMITTED, (DocumentKind.PUBLIC_LIABILITY_INSURANCE,)),
        ("dove-homes", MembershipStatus.APPLIED, ()),
        ("elm-fostering", MembershipStatus.SUSPENDED, ()),
        ("fir-schools", MembershipStatus.BARRED, ()),
    ]
    for slug, status, skip in others[: max(0, members - 2)]:
        org = await make_org(db, OrganisationKind.PROVIDER, slug)
        sc.providers[slug.split("-")[0]] = org
        await member(db, market, org, sc.lot, status, skip=skip)
    return sc


async def draft(
    db: Database,
    actor: Principal,
    lot_id: int,
    *,
    child_: ChildDetails | None = None,
    now: datetime | None = None,
    **over,
) -> Requirement:
    async with db.transaction() as s:
        return await requirements.create_requirement(
            s, actor, fields_=fields(lot_id, **over), child=child_ or child(), now=now
        )


async def published(db: Database, actor: Principal, lot_id: int, *, now: datetime | None = None, **over) -> Requirement:
    r = await draft(db, actor, lot_id, now=now, **over)
    async with db.transaction() as s:
        r, _ = await requirements.publish(s, actor, r.id, now=now)
    return r


def today() -> date:
    return clock.today()


def offer(setting_id: int, core: str = "900.00", *, extras: tuple[tuple[str, str], ...] = (), **over) -> bids.BidOffer:
    values = dict(
        setting_id=setting_id,
        core_price=Decimal(core),
        available_from=clock.today() + timedelta(days=3),
        needs_statement="Our staff are trained in autism support; a quiet room of her own.",
        extras=[Extra(d, Decimal(p)) for d, p in extras],
        compatibility_statement="Two girls of 13 and 14 live there",
        social_value_statement=None,
    )
    values.update(over)
    return bids.BidOffer(**values)


async def submit(
    db: Database,
    actor: Principal,
    requirement_id: int,
    setting_id: int,
    core: str = "900.00",
    *,
    now: datetime | None = None,
    key: str | None = None,
    **over,
) -> Bid:
    async with db.transaction() as s:
        return await bids.submit_bid(
            s, actor, requirement_id=requirement_id, offer=offer(setting_id, core, **over), idempotency_key=key, now=now
        )
