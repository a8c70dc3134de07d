"""Builders for quality work: reviews, actions and complaints through the domain functions, and a placement
between Barnet and acorn (through the award and both signatures) for complaints and KPIs to refer to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from api.core import clock
from api.core.db import Database
from api.core.principal import Principal, Scope
from api.placements import ipas
from api.placements.models import Bid, Placement, Requirement
from api.quality import complaints, reviews
from api.quality.enums import ComplaintKind
from api.quality.models import Complaint, ProviderReview, ReviewAction
from tests.conftest import principal_for
from tests.placement_factories import Scene
from tests.test_bid_rules import officer_with_award, rows
from tests.test_ipa_rules import awarded


@dataclass
class Placed:
    scene: Scene
    requirement: Requirement
    bid: Bid
    placement: Placement


async def placed(db: Database, market) -> Placed:
    """Barnet's requirement, acorn's accepted bid, the IPA signed by both: a live placement."""
    sc, r, bid, ipa = await awarded(db, market)
    for who in (principal_for(market.acorn, Scope.PROVIDER_SIGN), officer_with_award(market)):
        async with db.transaction() as s:
            await ipas.sign_ipa(s, who, ipa.id, document_sha256=ipa.document_sha256)
    from sqlalchemy import select

    (placement,) = await rows(db, select(Placement).where(Placement.ipa_id == ipa.id))
    return Placed(sc, r, bid, placement)


async def review(
    db: Database,
    market,
    provider_id: int | None = None,
    *,
    on: date | None = None,
    agenda: str = "Response rates; the Ofsted action plan",
    key: str | None = None,
) -> ProviderReview:
    async with db.transaction() as s:
        return await reviews.schedule_review(
            s,
            market.admin,
            provider_id=provider_id or market.acorn.id,
            scheduled_on=on or clock.today() + timedelta(days=7),
            agenda=agenda,
            idempotency_key=key,
        )


async def held(db: Database, market, review_id: int, **over) -> ProviderReview:
    values = dict(
        held_on=clock.today(),
        attendees="WLA commissioning lead; Acorn's registered manager",
        outcome="Improvement plan agreed",
        notes="Response times improving",
        internal_notes="Watch the missing-episodes trend",
    )
    values.update(over)
    async with db.transaction() as s:
        return await reviews.record_review(s, market.admin, review_id, **values)


async def action(db: Database, market, review_id: int, owner_id: int, **over) -> ReviewAction:
    values = dict(
        description="Send the updated missing-from-care protocol",
        owner_name="Registered manager",
        due_on=clock.today() + timedelta(days=14),
    )
    values.update(over)
    async with db.transaction() as s:
        return await reviews.add_action(s, market.admin, review_id=review_id, owner_organisation_id=owner_id, **values)


async def complaint(
    db: Database,
    raiser: Principal,
    about_id: int,
    *,
    kind: ComplaintKind = ComplaintKind.COMPLAINT,
    subject: str = "Placement plan late",
    description: str = "The placement plan came 3 weeks late.",
    **related,
) -> Complaint:
    async with db.transaction() as s:
        return await complaints.raise_complaint(
            s, raiser, kind=kind, about_id=about_id, subject=subject, description=description, **related
        )
