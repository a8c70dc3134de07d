from __future__ import annotations

import strawberry
from strawberry import relay

from api.placements import bids, permissions
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.placement.mutations.bid_submit import BidError
from schema.placement.types import Bid, bid_or_none


@strawberry.input
class BidWithdrawInput:
    bid_id: relay.GlobalID


@strawberry.type
class BidWithdrawPayload:
    bid: Bid | None
    user_errors: list[BidError]  # type: ignore[valid-type]


@mutation(
    permissions.WITHDRAW_BID,
    description="Withdraw the provider's own live bid until the deadline (it may bid again afterwards).",
)
async def bid_withdraw(info: Info, input: BidWithdrawInput) -> BidWithdrawPayload:
    row, errors = await run(info, BidError, lambda s, p: bids.withdraw_bid(s, p, decode_id(input.bid_id, "Bid")))
    return BidWithdrawPayload(bid=bid_or_none(row), user_errors=errors)
