from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import strawberry
from strawberry import relay

from api.safeguarding import permissions, suspensions
from api.safeguarding.enums import SuspensionReason
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.safeguarding.mutations.safeguarding_alert_raise import SafeguardingError
from schema.safeguarding.types import Suspension, suspension_or_none

if TYPE_CHECKING:  # for type checkers only: provider_bar imports this module
    from schema.safeguarding.mutations.provider_bar import ProviderBarInput


def target(input: ProviderSuspendInput | ProviderBarInput) -> dict:
    dpv, lot = input.dpv_id, input.lot_id
    return {
        "provider_id": decode_id(input.provider_id, "Provider"),
        "dpv_id": decode_id(dpv, "Dpv") if dpv is not None else None,
        "lot_id": decode_id(lot, "Lot") if lot is not None else None,
    }


@strawberry.input
class ProviderSuspendInput:
    provider_id: relay.GlobalID
    dpv_id: relay.GlobalID | None = strawberry.field(default=None, description="From one vehicle only.")
    lot_id: relay.GlobalID | None = strawberry.field(default=None, description="From one lot only.")
    reason: SuspensionReason
    notes: str | None = strawberry.field(default=None, description="Free text, at most 4,000 characters.")
    until: date | None = strawberry.field(
        default=None, description="Lifted by the service at the start of this day (London); null: until lifted by hand."
    )
    idempotency_key: str | None = None


@strawberry.type
class ProviderSuspendPayload:
    suspension: Suspension | None
    user_errors: list[SafeguardingError]  # type: ignore[valid-type]


@mutation(
    permissions.SUSPEND_PROVIDER,
    description="Suspend a provider from the whole market, a vehicle (dpvId) or a lot (lotId), until a "
    "date or until lifted. In one transaction: its memberships there become SUSPENDED (it receives no "
    "new requirements and cannot bid), its invitations on open requirements are withdrawn and its live "
    "bids on them excluded, and its running placements are flagged for review.",
)
async def provider_suspend(info: Info, input: ProviderSuspendInput) -> ProviderSuspendPayload:
    where = target(input)
    row, errors = await run(
        info,
        SafeguardingError,
        lambda s, p: suspensions.suspend(
            s,
            p,
            reason=input.reason,
            notes=input.notes,
            until=input.until,
            idempotency_key=input.idempotency_key,
            **where,
        ),
    )
    return ProviderSuspendPayload(suspension=suspension_or_none(row), user_errors=errors)
