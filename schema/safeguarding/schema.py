"""Quality and safeguarding's root fields: its queries and one mutation per file under `mutations/`."""

from __future__ import annotations

import strawberry

from schema.safeguarding.mutations.provider_bar import provider_bar
from schema.safeguarding.mutations.provider_reinstate import provider_reinstate
from schema.safeguarding.mutations.provider_suspend import provider_suspend
from schema.safeguarding.mutations.safeguarding_alert_raise import safeguarding_alert_raise
from schema.safeguarding.mutations.safeguarding_alert_update import safeguarding_alert_update
from schema.safeguarding.queries import SafeguardingQuery


@strawberry.type
class SafeguardingMutation:
    safeguarding_alert_raise = safeguarding_alert_raise
    safeguarding_alert_update = safeguarding_alert_update
    provider_suspend = provider_suspend
    provider_reinstate = provider_reinstate
    provider_bar = provider_bar


__all__ = ["SafeguardingMutation", "SafeguardingQuery"]
