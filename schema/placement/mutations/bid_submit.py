from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from api.core.principal import Scope
from api.placements import award, bids, officer_scores, pricing
from api.placements.pricing import Extra
from schema.core.context import Info
from schema.core.errors import user_error_type
from schema.core.mutations import run
from schema.core.nodes import decode_id
from schema.core.permissions import scoped_mutation
from schema.placement.types import Bid, bid_or_none

BidError = user_error_type(
    "BidError",
    bids.BidErrorCode,
    pricing.PricingErrorCode,
    award.AwardErrorCode,
    officer_scores.OfficerScoreErrorCode,
    bids.EligibilityErrorCode,
)


@strawberry.input(description="An extra on top of the core price, e.g. 10 hours of 1:1 support a week.")
class BidExtraInput:
    description: str
    weekly_price: Decimal


@strawberry.input
class BidSubmitInput:
    requirement_id: relay.GlobalID
    setting_id: relay.GlobalID = strawberry.field(description="One of the provider's own active settings.")
    core_price: Decimal = strawberry.field(description="Pounds a week, before extras and discounts.")
    available_from: date
    needs_statement: str = strawberry.field(description="How the child's needs will be met.")
    extras: list[BidExtraInput] = strawberry.field(default_factory=list)
    compatibility_statement: str | None = strawberry.field(
        default=None, description="How the child would fit with the young people already there."
    )
    social_value_statement: str | None = None
    idempotency_key: str | None = None


def offer_of(input: object) -> bids.BidOffer:
    """The offer of a bidSubmit or bidAmend input."""
    return bids.BidOffer(
        setting_id=decode_id(input.setting_id, "Setting"),
        core_price=input.core_price,  # type: ignore[attr-defined]
        available_from=input.available_from,
        needs_statement=input.needs_statement,  # type: ignore[attr-defined]
        extras=[Extra(e.description, e.weekly_price) for e in input.extras],  # type: ignore[attr-defined]
        compatibility_statement=input.compatibility_statement,  # type: ignore[attr-defined]
        social_value_statement=input.social_value_statement,
    )  # type: ignore[attr-defined]


@strawberry.type
class BidSubmitPayload:
    bid: Bid | None
    user_errors: list[BidError]  # type: ignore[valid-type]


@scoped_mutation(
    Scope.PROVIDER,
    description="Bid on a requirement the provider is invited to, on one of its own "
    "active settings, while it is open and before its deadline by the server's clock. One live bid "
    "per provider per requirement; the gross weekly price at most the lot's cap; the discounts and the "
    "net weekly price are computed by the system.",
)
async def bid_submit(info: Info, input: BidSubmitInput) -> BidSubmitPayload:
    row, errors = await run(
        info,
        BidError,
        lambda s, p: bids.submit_bid(
            s,
            p,
            requirement_id=decode_id(input.requirement_id, "Requirement"),
            offer=offer_of(input),
            idempotency_key=input.idempotency_key,
        ),
    )
    return BidSubmitPayload(bid=bid_or_none(row), user_errors=errors)
