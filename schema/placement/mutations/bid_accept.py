from __future__ import annotations

import strawberry
from strawberry import relay

from api.placements import award, ipas, permissions
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.placement.mutations.bid_submit import BidError
from schema.placement.types import Bid, Ipa, bid_or_none, ipa_or_none


@strawberry.input
class BidAcceptInput:
    bid_id: relay.GlobalID
    rationale: str = strawberry.field(description="Why this bid: recorded with the award.")


@strawberry.type
class BidAcceptPayload:
    bid: Bid | None
    ipa: Ipa | None = strawberry.field(description="The IPA issued for the accepted bid, ready to sign.")
    user_errors: list[BidError]  # type: ignore[valid-type]


@mutation(
    permissions.ACCEPT_BID,
    description="An authorised officer of the borough that posted the requirement "
    "accepts a live bid that passes the evaluation's gates, with a rationale: once responses have "
    "closed (at once for an EMERGENCY requirement). The requirement becomes AWARDED and every other "
    "live bid UNSUCCESSFUL, with its feedback. The IPA is issued (rendered once) in the same transaction.",
)
async def bid_accept(info: Info, input: BidAcceptInput) -> BidAcceptPayload:
    async def accept(s, p):
        bid = await award.accept_bid(s, p, decode_id(input.bid_id, "Bid"), rationale=input.rationale)
        return bid, await ipas.ipa_of_bid(s, bid.id)

    rows, errors = await run(info, BidError, accept)
    bid, ipa = rows or (None, None)
    return BidAcceptPayload(bid=bid_or_none(bid), ipa=ipa_or_none(ipa), user_errors=errors)
