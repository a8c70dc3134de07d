from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from api.placements import bids, permissions
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.placement.mutations.bid_submit import BidError, BidExtraInput, offer_of
from schema.placement.types import Bid, bid_or_none


@strawberry.input(
    description="The whole offer again: it replaces the bid's setting, prices, availability and "
    "statements (an unset optional statement is removed)."
)
class BidAmendInput:
    bid_id: relay.GlobalID
    setting_id: relay.GlobalID
    core_price: Decimal
    available_from: date
    needs_statement: str
    extras: list[BidExtraInput] = strawberry.field(default_factory=list)
    compatibility_statement: str | None = None
    social_value_statement: str | None = None


@strawberry.type
class BidAmendPayload:
    bid: Bid | None
    user_errors: list[BidError]  # type: ignore[valid-type]


@mutation(
    permissions.AMEND_BID,
    description="Change the provider's own live bid until the deadline, under the rules "
    "of bidSubmit; the bid keeps its id and its receipt time, and records when it was amended.",
)
async def bid_amend(info: Info, input: BidAmendInput) -> BidAmendPayload:
    row, errors = await run(
        info, BidError, lambda s, p: bids.amend_bid(s, p, decode_id(input.bid_id, "Bid"), offer_of(input))
    )
    return BidAmendPayload(bid=bid_or_none(row), user_errors=errors)
