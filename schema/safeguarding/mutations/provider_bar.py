from __future__ import annotations

import strawberry
from strawberry import relay

from api.safeguarding import permissions, suspensions
from api.safeguarding.enums import SuspensionReason
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.safeguarding.mutations.provider_suspend import ProviderSuspendPayload, target
from schema.safeguarding.mutations.safeguarding_alert_raise import SafeguardingError
from schema.safeguarding.types import suspension_or_none


@strawberry.input
class ProviderBarInput:
    provider_id: relay.GlobalID
    dpv_id: relay.GlobalID | None = strawberry.field(default=None, description="From one vehicle only.")
    lot_id: relay.GlobalID | None = strawberry.field(default=None, description="From one lot only.")
    reason: SuspensionReason
    notes: str | None = strawberry.field(default=None, description="Free text, at most 4,000 characters.")
    idempotency_key: str | None = None


@mutation(
    permissions.BAR_PROVIDER,
    description="Bar a provider for good from the whole market, a vehicle or a lot: its memberships there "
    "become BARRED (final), with the same effects as a suspension; a bar is never lifted.",
)
async def provider_bar(info: Info, input: ProviderBarInput) -> ProviderSuspendPayload:
    where = target(input)
    row, errors = await run(
        info,
        SafeguardingError,
        lambda s, p: suspensions.bar(
            s, p, reason=input.reason, notes=input.notes, idempotency_key=input.idempotency_key, **where
        ),
    )
    return ProviderSuspendPayload(suspension=suspension_or_none(row), user_errors=errors)
