from __future__ import annotations

import strawberry
from strawberry import relay

from api.core.principal import Scope
from api.placements import officer_scores
from api.placements.enums import OfficerCriterion
from schema.core.context import Info
from schema.core.mutations import run
from schema.core.nodes import decode_id
from schema.core.permissions import scoped_mutation
from schema.placement.mutations.bid_submit import BidError
from schema.placement.types import Bid, bid_or_none


@strawberry.input
class BidScoreRecordInput:
    bid_id: relay.GlobalID
    criterion: OfficerCriterion
    score: int = strawberry.field(description="0 to 5; the evaluation counts it × 20.")


@strawberry.type
class BidScoreRecordPayload:
    bid: Bid | None
    user_errors: list[BidError]  # type: ignore[valid-type]


@scoped_mutation(
    Scope.BOROUGH,
    description="The officer's score of a live bid on a requirement of the borough's own "
    "(open or closed, not yet awarded) for the child's views, compatibility or social value, 0 to 5. "
    "Scoring again replaces the score.",
)
async def bid_score_record(info: Info, input: BidScoreRecordInput) -> BidScoreRecordPayload:
    row, errors = await run(
        info,
        BidError,
        lambda s, p: officer_scores.record_officer_score(
            s, p, decode_id(input.bid_id, "Bid"), criterion=input.criterion, score=input.score
        ),
    )
    return BidScoreRecordPayload(bid=bid_or_none(row), user_errors=errors)
