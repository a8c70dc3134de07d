from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry import relay

from api.market import dpvs, permissions
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.market.mutations.dpv_create import DpvError
from schema.market.types import Lot


@strawberry.input
class RateCapInput:
    financial_year: int = strawberry.field(description="The year the financial year starts in: 2026 is 2026/27.")
    weekly_rate_cap: Decimal


@strawberry.input
class LotCreateInput:
    dpv_id: relay.GlobalID
    code: str
    name: str
    description: str = ""
    rate_caps: list[RateCapInput] = strawberry.field(default_factory=list)
    idempotency_key: str | None = None


@strawberry.type
class LotCreatePayload:
    lot: Lot | None
    user_errors: list[DpvError]  # type: ignore[valid-type]


@mutation(permissions.CREATE_LOT, description="Add a lot to a vehicle, with its weekly rate caps per financial year.")
async def lot_create(info: Info, input: LotCreateInput) -> LotCreatePayload:
    lot, errors = await run(
        info,
        DpvError,
        lambda s, p: dpvs.create_lot(
            s,
            p,
            dpv_id=decode_id(input.dpv_id, "Dpv"),
            code=input.code,
            name=input.name,
            description=input.description,
            rate_caps=[(c.financial_year, c.weekly_rate_cap) for c in input.rate_caps],
            idempotency_key=input.idempotency_key,
        ),
    )
    return LotCreatePayload(lot=Lot.from_row(lot) if lot else None, user_errors=errors)
