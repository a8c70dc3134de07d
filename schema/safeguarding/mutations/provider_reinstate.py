from __future__ import annotations

import strawberry
from strawberry import relay

from api.safeguarding import permissions, suspensions
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.safeguarding.mutations.provider_suspend import ProviderSuspendPayload
from schema.safeguarding.mutations.safeguarding_alert_raise import SafeguardingError
from schema.safeguarding.types import suspension_or_none


@strawberry.input
class ProviderReinstateInput:
    suspension_id: relay.GlobalID
    notes: str | None = strawberry.field(default=None, description="Free text, at most 4,000 characters.")


@mutation(
    permissions.REINSTATE_PROVIDER,
    description="Lift a suspension (not a bar): each membership it covered is ADMITTED again unless "
    "another active suspension covers it, so the provider is invited to the NEXT requirement published. "
    "Invitations withdrawn and bids excluded by the suspension stay withdrawn and excluded.",
)
async def provider_reinstate(info: Info, input: ProviderReinstateInput) -> ProviderSuspendPayload:
    suspension_id = decode_id(input.suspension_id, "Suspension")
    row, errors = await run(
        info, SafeguardingError, lambda s, p: suspensions.reinstate(s, p, suspension_id, notes=input.notes)
    )
    return ProviderSuspendPayload(suspension=suspension_or_none(row), user_errors=errors)
