from __future__ import annotations

import strawberry
from strawberry import relay

from api.placements import award
from auth.principal import Scope
from schema.core.context import Info
from schema.core.mutations import run
from schema.core.nodes import decode_id
from schema.core.permissions import scoped_mutation
from schema.placement.mutations.bid_submit import BidError
from schema.placement.types import Bid, bid_or_none


@strawberry.input
class BidAcceptInput:
    bid_id: relay.GlobalID
    rationale: str = strawberry.field(description="Why this bid: recorded with the award.")


@strawberry.type
class BidAcceptPayload:
    bid: Bid | None
    user_errors: list[BidError]  # type: ignore[valid-type]


@scoped_mutation(Scope.BOROUGH_AWARD, description="An authorised officer of the borough that posted the requirement "
                 "accepts a live bid that passes the evaluation's gates, with a rationale: once responses have "
                 "closed (at once for an EMERGENCY requirement). The requirement becomes AWARDED and every other "
                 "live bid UNSUCCESSFUL, with its feedback.")
async def bid_accept(info: Info, input: BidAcceptInput) -> BidAcceptPayload:
    row, errors = await run(info, BidError, lambda s, p: award.accept_bid(
        s, p, decode_id(input.bid_id, "Bid"), rationale=input.rationale))
    return BidAcceptPayload(bid=bid_or_none(row), user_errors=errors)
