from __future__ import annotations

import strawberry
from strawberry import relay

from api.core.principal import Scope
from api.safeguarding import alerts, suspensions
from api.safeguarding.enums import AlertCategory, AlertSeverity
from schema.core.context import Info
from schema.core.errors import user_error_type
from schema.core.mutations import run
from schema.core.nodes import decode_id
from schema.core.permissions import scoped_mutation
from schema.safeguarding.types import SafeguardingAlert, alert_or_none

SafeguardingError = user_error_type("SafeguardingError", alerts.AlertErrorCode, suspensions.SuspensionErrorCode)


@strawberry.input
class SafeguardingAlertRaiseInput:
    provider_id: relay.GlobalID
    setting_id: relay.GlobalID | None = strawberry.field(
        default=None, description="One of the provider's settings, when the concern is about one."
    )
    category: AlertCategory
    severity: AlertSeverity
    summary: str = strawberry.field(
        description="What happened, 1 to 2,000 characters. It must contain NO child's "
        "name (nor anything else that identifies a child): it is shown to every "
        "participating borough, the alliance and the provider."
    )
    idempotency_key: str | None = None


@strawberry.type
class SafeguardingAlertRaisePayload:
    alert: SafeguardingAlert | None
    user_errors: list[SafeguardingError]  # type: ignore[valid-type]


@scoped_mutation(
    Scope.BOROUGH,
    Scope.WLA,
    Scope.WLA_SAFEGUARDING,
    description="Raise a safeguarding alert on a provider or one of its settings: a participating "
    "borough (one that leads a vehicle or holds an access agreement) or the alliance. Every "
    "participating borough and the alliance see it; the provider sees it without who raised it. "
    "Open HIGH and CRITICAL alerts are shown with the provider's bids in evaluations.",
)
async def safeguarding_alert_raise(info: Info, input: SafeguardingAlertRaiseInput) -> SafeguardingAlertRaisePayload:
    provider_id = decode_id(input.provider_id, "Provider")
    setting_id = decode_id(input.setting_id, "Setting") if input.setting_id is not None else None
    row, errors = await run(
        info,
        SafeguardingError,
        lambda s, p: alerts.raise_alert(
            s,
            p,
            provider_id=provider_id,
            setting_id=setting_id,
            category=input.category,
            severity=input.severity,
            summary=input.summary,
            idempotency_key=input.idempotency_key,
        ),
    )
    return SafeguardingAlertRaisePayload(alert=alert_or_none(row), user_errors=errors)
