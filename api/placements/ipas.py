"""The IPA (Individual Placement Agreement) and the placement (DOMAIN.md, "A placement search", steps 8 and 9).

Issue (`issue_ipa`, called inside `bidAccept`'s transaction, api/placements/award.py)
- The terms snapshot: the parties (the borough's and the provider's names), the child's PSEUDONYMOUS reference
  (`CH-...`, api/placements/child.py; never the case reference, which is not stored, nor any other detail of the
  child), the setting's name and postcode district, the vehicle and the lot, the start, the core price, the
  extras, gross, the discounts and the net weekly price (all as priced and stored with the bid), the vehicle's
  terms (VEHICLE_TERMS), the requirement's reference and the time of issue.
- The start is the later of the requirement's planned start and the bid's `availableFrom`: a provider cannot be
  bound to start before it said it could.
- Rendered ONCE (api/placements/ipa_document.py); the bytes and their SHA-256 are stored. Nothing renders it
  again: downloads return the stored bytes.

Sign (`sign_ipa`, `ipaSign`)
- The provider of the accepted bid (`provider:sign`) first: ISSUED -> PROVIDER_SIGNED; then the borough that
  awarded it (`borough:award`): PROVIDER_SIGNED -> EXECUTED. Anyone else, or a party without the signing scope:
  FORBIDDEN (api/placements/permissions.py `signing_party`).
- The SHA-256 sent must be the stored document's (HASH_MISMATCH: nothing changes); the borough before the
  provider is PROVIDER_SIGNS_FIRST; a party signing again is ALREADY_SIGNED; a TERMINATED IPA is
  INVALID_TRANSITION.
- The IPA's row is taken FOR UPDATE, so two signatures of one party at once give one signature (the other finds
  it and is ALREADY_SIGNED). On execution, in the same transaction: the requirement AWARDED -> PLACED (its row FOR
  UPDATE) and the placement created LIVE with its placement-plan due date, 5 working days in England and Wales
  after the start (api/placements/deadlines.py). Every step is audited.

Download (`document_for`, GET /ipas/{id}.pdf): the two parties only. The alliance reads the IPA's metadata in
GraphQL but not the contract itself (it carries the parties' commercial terms; the alliance's oversight needs
the status, the price and the dates, not the document); to anyone but the parties it does not exist.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock
from api.core.errors import Forbidden, UserErrors
from api.core.principal import Principal
from api.market.models import Dpv, Lot, Organisation, Setting
from api.placements import child as child_rules
from api.placements.deadlines import add_working_days
from api.placements.enums import IpaParty, IpaStatus, PlacementStatus, RequirementStatus
from api.placements.ipa_document import IpaTerms, render_ipa
from api.placements.models import Bid, Ipa, IpaSignature, Placement, Requirement, RequirementChild
from api.placements.permissions import ipa_party, signing_party
from api.placements.pricing import Discount, DiscountKind, Extra
from api.placements.requirements import TRANSITIONS

PLACEMENT_PLAN_WORKING_DAYS = 5

VEHICLE_TERMS = (
    "This agreement is a call-off contract under the vehicle named above. The vehicle's terms and conditions, as "
    "published by the West London Alliance and in force on the date of issue, apply to it and prevail over "
    "anything else said between the parties.\n\n"
    "The Provider keeps the placement under review with the Borough, notifies the Borough at once of any "
    "safeguarding concern, and invoices the net weekly price four-weekly in arrears. Either party may end the "
    "placement on the notice the vehicle's terms give; an emergency move of the child is not a breach."
)

IpaErrorCode = Enum(
    "IpaErrorCode",
    [
        (c, c)
        for c in (
            "HASH_MISMATCH",
            "PROVIDER_SIGNS_FIRST",
            "ALREADY_SIGNED",
            "INVALID_TRANSITION",
        )
    ],
)


async def issue_ipa(session: AsyncSession, actor: Principal, requirement: Requirement, bid: Bid, at: datetime) -> Ipa:
    """Snapshot the terms of the accepted bid, render the agreement once and store it, ISSUED. Called by the award,
    in its transaction, with the requirement locked."""
    borough, provider = (
        await session.get(Organisation, requirement.authority_id),
        await session.get(Organisation, bid.provider_id),
    )
    setting = await session.get(Setting, bid.setting_id)
    lot = await session.get(Lot, requirement.lot_id)
    dpv = await session.get(Dpv, lot.dpv_id)
    child_row = await session.get(RequirementChild, requirement.id)
    terms = IpaTerms(
        requirement_reference=requirement.reference,
        borough_name=borough.name,
        provider_name=provider.name,
        child_reference=child_rules.pseudonym(child_row.case_reference_hash),
        setting_name=setting.name,
        setting_postcode_district=setting.postcode_district,
        vehicle_name=dpv.name,
        lot_name=lot.name,
        start_date=max(requirement.planned_start, bid.available_from),
        expected_duration_weeks=requirement.expected_duration_weeks,
        core_weekly_price=bid.core_price,
        extras=tuple(Extra(e["description"], Decimal(e["weeklyPrice"])) for e in bid.extras),
        gross_weekly_price=bid.weekly_price,
        discounts=tuple(
            Discount(DiscountKind(d["kind"]), Decimal(d["percent"]), Decimal(d["amount"])) for d in bid.discounts
        ),
        net_weekly_price=bid.net_weekly_price,
        vehicle_terms=VEHICLE_TERMS,
        issued_at=at,
    )
    rendered = render_ipa(terms)
    ipa = Ipa(
        requirement_id=requirement.id,
        bid_id=bid.id,
        authority_id=requirement.authority_id,
        provider_id=bid.provider_id,
        status=IpaStatus.ISSUED,
        terms=terms.snapshot(),
        document=rendered.pdf,
        document_sha256=rendered.sha256,
        net_weekly_price=bid.net_weekly_price,
        issued_at=at,
    )
    session.add(ipa)
    await session.flush()
    audit.record(
        session,
        actor,
        "ipa.issue",
        "Ipa",
        ipa.id,
        {
            "requirementId": requirement.id,
            "bidId": bid.id,
            "to": IpaStatus.ISSUED,
            "documentSha256": rendered.sha256,
            "termsFingerprint": terms.terms_fingerprint(),
            "netWeeklyPrice": bid.net_weekly_price,
        },
    )
    return ipa


async def ipa_of_bid(session: AsyncSession, bid_id: int) -> Ipa | None:
    return (await session.execute(select(Ipa).where(Ipa.bid_id == bid_id))).scalar_one_or_none()


async def _lock_ipa(session: AsyncSession, ipa_id: int) -> Ipa:
    ipa = (
        await session.execute(
            select(Ipa).where(Ipa.id == ipa_id).with_for_update().execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if ipa is None:
        raise Forbidden()
    return ipa


def _same_hash(sent: str, stored: str) -> bool:
    return hmac.compare_digest((sent or "").strip().lower().encode(), stored.encode())


async def sign_ipa(
    session: AsyncSession, actor: Principal, ipa_id: int, *, document_sha256: str, now: datetime | None = None
) -> Ipa:
    ipa = await _lock_ipa(session, ipa_id)
    party = signing_party(actor, ipa.authority_id, ipa.provider_id)
    at = now or clock.now()
    signed = set((await session.execute(select(IpaSignature.party).where(IpaSignature.ipa_id == ipa.id))).scalars())
    if ipa.status is IpaStatus.TERMINATED:
        raise UserErrors.one("ipa_id", IpaErrorCode.INVALID_TRANSITION, "The agreement has been terminated")
    if party in signed:
        raise UserErrors.one("ipa_id", IpaErrorCode.ALREADY_SIGNED, f"The {party.value.lower()} has already signed")
    if party is IpaParty.BOROUGH and IpaParty.PROVIDER not in signed:
        raise UserErrors.one("ipa_id", IpaErrorCode.PROVIDER_SIGNS_FIRST, "The provider signs first, then the borough")
    if not _same_hash(document_sha256, ipa.document_sha256):
        raise UserErrors.one(
            "document_sha256",
            IpaErrorCode.HASH_MISMATCH,
            "This is not the SHA-256 of the agreement as issued: download it and sign its digest",
        )

    session.add(
        IpaSignature(
            ipa_id=ipa.id,
            party=party,
            organisation_id=actor.organisation_id,
            actor_kind=actor.actor_kind.value,
            actor_id=actor.actor_id or actor.organisation_slug,
            signed_sha256=ipa.document_sha256,
            signed_at=at,
        )
    )
    before = ipa.status
    ipa.status = IpaStatus.PROVIDER_SIGNED if party is IpaParty.PROVIDER else IpaStatus.EXECUTED
    audit.record(
        session,
        actor,
        "ipa.sign",
        "Ipa",
        ipa.id,
        {
            "requirementId": ipa.requirement_id,
            "party": party,
            "from": before,
            "to": ipa.status,
            "documentSha256": ipa.document_sha256,
        },
    )
    if ipa.status is IpaStatus.EXECUTED:
        ipa.executed_at = at
        await _place(session, actor, ipa, at)
    await session.flush()
    return ipa


async def _place(session: AsyncSession, actor: Principal, ipa: Ipa, at: datetime) -> Placement:
    requirement = (
        await session.execute(
            select(Requirement)
            .where(Requirement.id == ipa.requirement_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if RequirementStatus.PLACED not in TRANSITIONS[requirement.status]:
        raise UserErrors.one(
            "ipa_id",
            IpaErrorCode.INVALID_TRANSITION,
            f"A requirement that is {requirement.status.value} cannot be placed",
        )
    before = requirement.status
    requirement.status, requirement.updated_at = RequirementStatus.PLACED, at
    bid = await session.get(Bid, ipa.bid_id)
    starts_on = IpaTerms.from_snapshot(ipa.terms).start_date
    placement = Placement(
        ipa_id=ipa.id,
        requirement_id=requirement.id,
        authority_id=ipa.authority_id,
        provider_id=ipa.provider_id,
        setting_id=bid.setting_id,
        starts_on=starts_on,
        net_weekly_price=ipa.net_weekly_price,
        status=PlacementStatus.LIVE,
        placement_plan_due_on=add_working_days(starts_on, PLACEMENT_PLAN_WORKING_DAYS),
    )
    session.add(placement)
    await session.flush()
    audit.record(
        session,
        actor,
        "requirement.place",
        "Requirement",
        requirement.id,
        {"from": before, "to": RequirementStatus.PLACED, "ipaId": ipa.id, "placementId": placement.id},
    )
    audit.record(
        session,
        actor,
        "placement.start",
        "Placement",
        placement.id,
        {
            "requirementId": requirement.id,
            "ipaId": ipa.id,
            "providerId": ipa.provider_id,
            "settingId": bid.setting_id,
            "startsOn": starts_on,
            "to": PlacementStatus.LIVE,
            "placementPlanDueOn": placement.placement_plan_due_on,
            "netWeeklyPrice": ipa.net_weekly_price,
        },
    )
    return placement


async def document_for(session: AsyncSession, principal: Principal | None, ipa_id: int) -> Ipa | None:
    """The IPA with its document, for one of its two parties; None for anyone else (it does not exist for them)."""
    ipa = (
        await session.execute(select(Ipa).where(Ipa.id == ipa_id).execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if ipa is None or ipa_party(principal, ipa.authority_id, ipa.provider_id) is None:
        return None
    await session.refresh(ipa, ["document"])
    return ipa
