"""Builders for the safeguarding tests: a live placement, the rows a provider leaves on a lot."""

from __future__ import annotations

from sqlalchemy import select

from api.market.models import Membership
from api.placements import ipas
from api.placements.models import Placement
from tests.test_bid_rules import officer_with_award, rows
from tests.test_ipa_rules import awarded, provider_signer


async def live_placement(db, market):
    """acorn's placement with Barnet, live (the IPA signed by both), on the scene's lot."""
    sc, r, bid, ipa = await awarded(db, market)
    async with db.transaction() as s:
        await ipas.sign_ipa(s, provider_signer(market), ipa.id, document_sha256=ipa.document_sha256)
    async with db.transaction() as s:
        await ipas.sign_ipa(s, officer_with_award(market), ipa.id, document_sha256=ipa.document_sha256)
    (placement,) = await rows(db, select(Placement).where(Placement.ipa_id == ipa.id))
    return sc, placement


async def membership_status(db, provider_id: int, lot_id: int):
    (m,) = await rows(db, select(Membership).where(Membership.provider_id == provider_id, Membership.lot_id == lot_id))
    return m.status
