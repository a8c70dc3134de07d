"""The officer's scores of the bids (DOMAIN.md, "A placement search", step 6): what the evaluation
(api/placements/evaluation_rules.py) counts for the criteria scored by hand.

The owning borough scores a live bid on a hand-scored criterion, 0 to 5, while the requirement is OPEN or CLOSED
(not once awarded: ALREADY_AWARDED; otherwise REQUIREMENT_NOT_OPEN); only a live bid (BID_NOT_LIVE); a score is a
whole number from 0 to 5 (INVALID_SCORE). Scoring again replaces the score, and the audit log keeps before and
after. The requirement is taken FOR SHARE, like a bid change, so that an award (FOR UPDATE) judges a settled set
of scores.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock
from api.core.errors import UserErrors
from api.core.principal import Principal
from api.placements.bids import bid_parents, lock_bid, lock_requirement
from api.placements.enums import BidStatus, OfficerCriterion, RequirementStatus
from api.placements.models import Bid, BidOfficerScore
from api.placements.permissions import ensure_owns_requirement


class OfficerScoreErrorCode(Enum):
    ALREADY_AWARDED = "ALREADY_AWARDED"
    REQUIREMENT_NOT_OPEN = "REQUIREMENT_NOT_OPEN"
    BID_NOT_LIVE = "BID_NOT_LIVE"
    INVALID_SCORE = "INVALID_SCORE"


async def record_officer_score(
    session: AsyncSession,
    actor: Principal,
    bid_id: int,
    *,
    criterion: OfficerCriterion,
    score: int,
    now: datetime | None = None,
) -> Bid:
    requirement_id, _ = await bid_parents(session, bid_id)
    requirement = await lock_requirement(session, requirement_id)
    ensure_owns_requirement(actor, requirement.authority_id)
    bid = await lock_bid(session, bid_id)
    at = now or clock.now()
    if requirement.status in (RequirementStatus.AWARDED, RequirementStatus.PLACED):
        raise UserErrors.one(
            "bid_id", OfficerScoreErrorCode.ALREADY_AWARDED, "The requirement is awarded: its evaluation is final"
        )
    if requirement.status not in (RequirementStatus.OPEN, RequirementStatus.CLOSED):
        raise UserErrors.one(
            "bid_id",
            OfficerScoreErrorCode.REQUIREMENT_NOT_OPEN,
            f"The requirement is {requirement.status.value}: its bids are not evaluated",
        )
    if bid.status is not BidStatus.SUBMITTED:
        raise UserErrors.one(
            "bid_id", OfficerScoreErrorCode.BID_NOT_LIVE, f"Only a live bid is scored; this one is {bid.status.value}"
        )
    if isinstance(score, bool) or not 0 <= score <= 5:
        raise UserErrors.one(
            "score", OfficerScoreErrorCode.INVALID_SCORE, "An officer's score is a whole number from 0 to 5"
        )
    row = (
        await session.execute(
            select(BidOfficerScore).where(BidOfficerScore.bid_id == bid_id, BidOfficerScore.criterion == criterion)
        )
    ).scalar_one_or_none()
    before = row.score if row is not None else None
    if row is None:
        row = BidOfficerScore(bid_id=bid_id, criterion=criterion)
        session.add(row)
    row.score, row.entered_at = score, at
    row.organisation_id, row.entered_by_kind = actor.organisation_id, actor.actor_kind.value
    row.entered_by = actor.actor_id or actor.organisation_slug
    audit.record(
        session,
        actor,
        "bid.officer_score_record",
        "Bid",
        bid_id,
        {"requirementId": requirement_id, "criterion": criterion, "before": before, "after": score},
    )
    await session.flush()
    return bid
