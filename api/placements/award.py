"""The award: an authorised officer accepts one bid, with a rationale (DOMAIN.md, "A placement search", step 7).

- Only an authorised officer (`borough:award`) of the borough that posted the requirement (api/placements/permissions.py
  `ACCEPT_BID`; the `borough` scope alone is FORBIDDEN), with a rationale (RATIONALE_REQUIRED).
- Only once responses are closed: the requirement CLOSED, or OPEN with its deadline passed by the server's
  clock (the timer has not run yet), or OPEN at once for an EMERGENCY requirement. An OPEN one is closed by the
  award itself (closed_at) and its deadline timer cancelled. Before the deadline: DEADLINE_NOT_PASSED.
- The bid must be live (BID_NOT_LIVE) and must pass the gates: the bids are evaluated again in the same
  transaction (api/placements/evaluation_queries.py; who may be awarded is who is evaluated, as
  api/placements/eligibility.py decides, within the cap), and an excluded bid is refused with BID_EXCLUDED and
  its reasons.
  The system ranks; the officer decides: any bid that passes the gates may be accepted, whatever its rank.
- In one transaction, with its audit events: the requirement becomes AWARDED, the bid ACCEPTED (with the
  rationale), every other live bid UNSUCCESSFUL with its feedback (evaluation.feedback_for: reason codes, its
  rank, the winning price band; never the winner's identity or price).
- In the same transaction the IPA is issued from the accepted bid's terms, rendered once (api/placements/ipas.py).
- Two officers accepting two bids at once: both take the requirement FOR UPDATE; the second waits, then finds it
  AWARDED: ALREADY_AWARDED. Bids cannot change meanwhile (a bid change takes the requirement FOR SHARE).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock, timers
from api.core.errors import UserError, UserErrors
from api.core.principal import Principal
from api.placements import evaluation_rules as ev, ipas, permissions
from api.placements.bids import MAX_TEXT, bid_parents, lock_requirement, move
from api.placements.enums import BidStatus, RequirementStatus, Urgency
from api.placements.evaluation_queries import evaluate_one
from api.placements.models import Bid
from api.placements.requirements import DEADLINE_TIMER, TRANSITIONS


class AwardErrorCode(Enum):
    RATIONALE_REQUIRED = "RATIONALE_REQUIRED"
    DEADLINE_NOT_PASSED = "DEADLINE_NOT_PASSED"
    ALREADY_AWARDED = "ALREADY_AWARDED"
    BID_EXCLUDED = "BID_EXCLUDED"
    BID_NOT_LIVE = "BID_NOT_LIVE"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    TEXT_TOO_LONG = "TEXT_TOO_LONG"


def feedback_json(feedback: ev.Feedback) -> dict:
    return {
        "reasons": [r.value for r in feedback.reasons],
        "rank": feedback.rank,
        "winningPriceBand": feedback.winning_price_band,
    }


async def accept_bid(
    session: AsyncSession, actor: Principal, bid_id: int, *, rationale: str, now: datetime | None = None
) -> Bid:
    requirement_id, _ = await bid_parents(session, bid_id)
    requirement = await lock_requirement(session, requirement_id, exclusive=True)
    permissions.ACCEPT_BID.decide(actor, requirement.authority_id)
    at = now or clock.now()
    rationale = (rationale or "").strip()

    status = requirement.status
    if status in (RequirementStatus.AWARDED, RequirementStatus.PLACED):
        raise UserErrors.one(
            "bid_id", AwardErrorCode.ALREADY_AWARDED, "A bid on this requirement has already been accepted"
        )
    errors: list[UserError] = []
    if status is RequirementStatus.OPEN:
        deadline = requirement.response_deadline
        if requirement.urgency is not Urgency.EMERGENCY and (deadline is None or at < deadline):
            errors.append(
                UserError(
                    "bid_id",
                    AwardErrorCode.DEADLINE_NOT_PASSED,
                    f"Bids are accepted once responses close, at {deadline.isoformat()} (at once "
                    "only for an EMERGENCY requirement)"
                    if deadline
                    else "Responses are not closed",
                )
            )
    elif RequirementStatus.AWARDED not in TRANSITIONS[status]:
        errors.append(
            UserError(
                "bid_id", AwardErrorCode.INVALID_TRANSITION, f"A requirement that is {status.value} cannot be awarded"
            )
        )
    if not rationale:
        errors.append(UserError("rationale", AwardErrorCode.RATIONALE_REQUIRED, "Record why this bid is accepted"))
    elif len(rationale) > MAX_TEXT:
        errors.append(UserError("rationale", AwardErrorCode.TEXT_TOO_LONG, f"At most {MAX_TEXT} characters"))
    if errors:
        raise UserErrors(errors)

    evaluated = await evaluate_one(session, requirement)
    bid = evaluated.bids.get(bid_id)
    if bid is None:
        raise UserErrors.one("bid_id", AwardErrorCode.BID_NOT_LIVE, "Only a live bid can be accepted")
    ranked = evaluated.evaluation.bid(bid_id)
    if ranked.excluded:
        reasons = [r.value for r in ranked.exclusion_reasons]
        raise UserErrors.one(
            "bid_id",
            AwardErrorCode.BID_EXCLUDED,
            "The bid is excluded by the evaluation's gates: " + ", ".join(reasons),
        )

    timers_cancelled = 0
    if (
        status is RequirementStatus.OPEN
    ):  # an emergency, or the deadline passed before the timer ran: the award closes it
        requirement.closed_at = at
        timers_cancelled = await timers.cancel(session, DEADLINE_TIMER, requirement.id)
    requirement.status, requirement.awarded_at, requirement.updated_at = RequirementStatus.AWARDED, at, at
    move(bid, BidStatus.ACCEPTED)
    bid.decided_at, bid.updated_at, bid.rationale = at, at, rationale

    unsuccessful: dict[str, dict] = {}
    for other in evaluated.bids.values():
        if other.id == bid_id or other.status is not BidStatus.SUBMITTED:  # an EXCLUDED bid keeps its status and reason
            continue
        feedback = feedback_json(ev.feedback_for(other.id, evaluated.evaluation, bid_id))
        move(other, BidStatus.UNSUCCESSFUL)
        other.decided_at, other.updated_at, other.feedback = at, at, feedback
        unsuccessful[str(other.id)] = feedback
        audit.record(
            session,
            actor,
            "bid.unsuccessful",
            "Bid",
            other.id,
            {
                "requirementId": requirement.id,
                "from": BidStatus.SUBMITTED,
                "to": BidStatus.UNSUCCESSFUL,
                "feedback": feedback,
            },
        )
    audit.record(
        session,
        actor,
        "bid.accept",
        "Bid",
        bid.id,
        {
            "requirementId": requirement.id,
            "from": BidStatus.SUBMITTED,
            "to": BidStatus.ACCEPTED,
            "rationale": rationale,
            "score": ranked.score,
            "rank": ranked.rank,
            "netWeeklyPrice": bid.net_weekly_price,
        },
    )
    audit.record(
        session,
        actor,
        "requirement.award",
        "Requirement",
        requirement.id,
        {
            "from": status,
            "to": RequirementStatus.AWARDED,
            "bidId": bid.id,
            "providerId": bid.provider_id,
            "rationale": rationale,
            "unsuccessful": sorted(int(k) for k in unsuccessful),
            "timersCancelled": timers_cancelled,
        },
    )
    await session.flush()
    await ipas.issue_ipa(session, actor, requirement, bid, at)  # ipas.ipa_of_bid finds it
    return bid
