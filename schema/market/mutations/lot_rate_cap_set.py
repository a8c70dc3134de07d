from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry import relay

from api.market import dpvs, permissions
from api.market.models import Lot as LotRow
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.market.mutations.dpv_create import DpvError
from schema.market.types import Lot


@strawberry.input
class LotRateCapSetInput:
    lot_id: relay.GlobalID
    financial_year: int
    weekly_rate_cap: Decimal


@strawberry.type
class LotRateCapSetPayload:
    lot: Lot | None
    user_errors: list[DpvError]  # type: ignore[valid-type]


@mutation(permissions.SET_RATE_CAP, description="Set or revise a lot's weekly rate cap for one financial year.")
async def lot_rate_cap_set(info: Info, input: LotRateCapSetInput) -> LotRateCapSetPayload:
    lot_id = decode_id(input.lot_id, "Lot")

    async def action(s, p):
        await dpvs.set_rate_cap(
            s, p, lot_id=lot_id, financial_year=input.financial_year, weekly_rate_cap=input.weekly_rate_cap
        )
        return await s.get(LotRow, lot_id)

    lot, errors = await run(info, DpvError, action)
    return LotRateCapSetPayload(lot=Lot.from_row(lot) if lot else None, user_errors=errors)
