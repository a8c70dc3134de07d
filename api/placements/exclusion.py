"""What a provider's suspension or bar does to the placement search (api/safeguarding/suspensions.py, "Suspending"),
in the suspension's transaction, on the lots it covers:
- the provider's INVITED invitations on OPEN requirements of those lots become WITHDRAWN, with the reason, and its
  live (SUBMITTED) bids on them EXCLUDED with PROVIDER_SUSPENDED (PROVIDER_BARRED): the evaluation shows them
  excluded with that reason (its bids on requirements already CLOSED stay SUBMITTED and are excluded by the
  evaluation's gate, which reads the membership);
- its LIVE placements on those lots continue and are flagged for review (Placement.review_flagged_at).
Each requirement is taken FOR SHARE, then its invitation and bids FOR UPDATE, the order a bid change takes them in
(api/placements/bids.py). Reinstating the provider changes none of this.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit
from api.core.principal import Principal
from api.placements import bids as bid_rules
from api.placements.enums import BidStatus, InvitationStatus, PlacementStatus, RequirementStatus
from api.placements.evaluation_rules import ExclusionReason
from api.placements.models import Bid, Invitation, Placement, Requirement
from api.safeguarding.enums import SuspensionKind
from api.safeguarding.models import Suspension
from api.safeguarding.suspensions import provider_suspended


@provider_suspended.handler
async def on_provider_suspended(
    session: AsyncSession, actor: Principal, s: Suspension, lot_ids: list[int], at: datetime
) -> dict[str, list[int]]:
    """The suspension `s` of the provider from `lot_ids`, at `at` (module docstring): the ids of the invitations
    withdrawn, the bids excluded and the placements flagged."""
    changed = await _withdraw_from_open_requirements(session, actor, s, lot_ids, at)
    flagged = await _flag_placements(session, actor, s, lot_ids, at)
    return {**changed, "placements": flagged}


async def _withdraw_from_open_requirements(
    session: AsyncSession, actor: Principal, s: Suspension, lot_ids: list[int], at: datetime
) -> dict[str, list[int]]:
    """The provider's INVITED invitations on OPEN requirements of the lots become WITHDRAWN and its live bids on
    them EXCLUDED (module docstring)."""
    if not lot_ids:
        return {"invitations": [], "bids": []}
    barred = s.kind is SuspensionKind.BAR
    reason = ExclusionReason.PROVIDER_BARRED if barred else ExclusionReason.PROVIDER_SUSPENDED
    why = (
        f"The provider was {'barred' if barred else 'suspended'} ({s.reason.value.replace('_', ' ').lower()}) "
        "while the requirement was open"
    )
    requirement_ids = list(
        (
            await session.execute(
                select(Requirement.id)
                .join(Invitation, Invitation.requirement_id == Requirement.id)
                .where(
                    Requirement.lot_id.in_(lot_ids),
                    Requirement.status == RequirementStatus.OPEN,
                    Invitation.provider_id == s.provider_id,
                    Invitation.status == InvitationStatus.INVITED,
                )
                .order_by(Requirement.id)
            )
        ).scalars()
    )
    withdrawn: list[int] = []
    excluded: list[int] = []
    for requirement_id in requirement_ids:
        requirement = await bid_rules.lock_requirement(session, requirement_id)  # FOR SHARE, like a bid change
        if requirement.status is not RequirementStatus.OPEN:
            continue
        invitation = (
            await session.execute(
                select(Invitation)
                .where(Invitation.requirement_id == requirement_id, Invitation.provider_id == s.provider_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one()
        if invitation.status is InvitationStatus.INVITED:
            invitation.status, invitation.withdrawn_at, invitation.withdrawal_reason = (
                InvitationStatus.WITHDRAWN,
                at,
                why,
            )
            withdrawn.append(invitation.id)
            audit.record(
                session,
                actor,
                "invitation.withdraw",
                "Invitation",
                invitation.id,
                {
                    "requirementId": requirement_id,
                    "providerId": s.provider_id,
                    "from": InvitationStatus.INVITED,
                    "to": InvitationStatus.WITHDRAWN,
                    "suspensionId": s.id,
                    "reason": why,
                },
            )
        for bid in (
            await session.execute(
                select(Bid)
                .where(
                    Bid.requirement_id == requirement_id,
                    Bid.provider_id == s.provider_id,
                    Bid.status == BidStatus.SUBMITTED,
                )
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalars():
            before = bid_rules.move(bid, BidStatus.EXCLUDED)
            bid.exclusion_reason, bid.excluded_at, bid.updated_at = reason, at, at
            excluded.append(bid.id)
            audit.record(
                session,
                actor,
                "bid.exclude",
                "Bid",
                bid.id,
                {
                    "requirementId": requirement_id,
                    "providerId": s.provider_id,
                    "from": before,
                    "to": BidStatus.EXCLUDED,
                    "reason": reason,
                    "suspensionId": s.id,
                },
            )
    return {"invitations": withdrawn, "bids": excluded}


async def _flag_placements(
    session: AsyncSession, actor: Principal, s: Suspension, lot_ids: list[int], at: datetime
) -> list[int]:
    if not lot_ids:
        return []
    barred = s.kind is SuspensionKind.BAR
    why = (
        f"The provider was {'barred' if barred else 'suspended'} "
        f"({s.reason.value.replace('_', ' ').lower()}) on {s.starts_on.isoformat()}: review the placement"
    )
    placements = list(
        (
            await session.execute(
                select(Placement)
                .join(Requirement, Requirement.id == Placement.requirement_id)
                .where(
                    Placement.provider_id == s.provider_id,
                    Placement.status == PlacementStatus.LIVE,
                    Requirement.lot_id.in_(lot_ids),
                )
                .order_by(Placement.id)
                .with_for_update(of=Placement)
                .execution_options(populate_existing=True)
            )
        ).scalars()
    )
    for p in placements:
        p.review_flagged_at, p.review_flag_reason = at, why
        audit.record(
            session,
            actor,
            "placement.flag_for_review",
            "Placement",
            p.id,
            {
                "providerId": s.provider_id,
                "authorityId": p.authority_id,
                "suspensionId": s.id,
                "kind": s.kind,
                "reason": s.reason,
            },
        )
    return [p.id for p in placements]
