from __future__ import annotations

import strawberry
from strawberry import relay

from api.safeguarding import alerts, permissions
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.safeguarding.mutations.safeguarding_alert_raise import SafeguardingError
from schema.safeguarding.types import AlertStatus, SafeguardingAlert, alert_or_none


@strawberry.input
class SafeguardingAlertUpdateInput:
    alert_id: relay.GlobalID
    status: AlertStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The new status; null (or the current one) adds notes only."
    )
    notes: str = strawberry.field(
        description="What the review found or did, 1 to 4,000 characters; kept in the alert's history. No child's name."
    )


@strawberry.type
class SafeguardingAlertUpdatePayload:
    alert: SafeguardingAlert | None
    user_errors: list[SafeguardingError]  # type: ignore[valid-type]


@mutation(
    permissions.UPDATE_ALERT,
    description="A step of the alliance's review of an alert, with notes: OPEN → UNDER_REVIEW → RESOLVED "
    "or ESCALATED; ESCALATED → UNDER_REVIEW or RESOLVED; RESOLVED is final.",
)
async def safeguarding_alert_update(info: Info, input: SafeguardingAlertUpdateInput) -> SafeguardingAlertUpdatePayload:
    alert_id = decode_id(input.alert_id, "SafeguardingAlert")
    row, errors = await run(
        info,
        SafeguardingError,
        lambda s, p: alerts.update_alert(s, p, alert_id, status=input.status, notes=input.notes),
    )
    return SafeguardingAlertUpdatePayload(alert=alert_or_none(row), user_errors=errors)
