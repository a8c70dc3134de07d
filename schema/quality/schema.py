"""Quality work's root fields: its queries and one mutation per file under `mutations/`."""

from __future__ import annotations

import strawberry

from schema.quality.mutations.complaint_mediate import complaint_mediate
from schema.quality.mutations.complaint_raise import complaint_raise
from schema.quality.mutations.complaint_resolve import complaint_resolve
from schema.quality.mutations.complaint_withdraw import complaint_withdraw
from schema.quality.mutations.provider_review_action_add import provider_review_action_add
from schema.quality.mutations.provider_review_action_update import provider_review_action_update
from schema.quality.mutations.provider_review_record import provider_review_record
from schema.quality.mutations.provider_review_schedule import provider_review_schedule
from schema.quality.queries import QualityQuery


@strawberry.type
class QualityMutation:
    provider_review_schedule = provider_review_schedule
    provider_review_record = provider_review_record
    provider_review_action_add = provider_review_action_add
    provider_review_action_update = provider_review_action_update
    complaint_raise = complaint_raise
    complaint_withdraw = complaint_withdraw
    complaint_mediate = complaint_mediate
    complaint_resolve = complaint_resolve


__all__ = ["QualityMutation", "QualityQuery"]
