from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from api.quality import permissions, reviews
from schema.core.context import Info
from schema.core.errors import user_error_type
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.quality.types import ProviderReview, review_or_none

ProviderReviewError = user_error_type("ProviderReviewError", reviews.ProviderReviewErrorCode)


@strawberry.input
class ProviderReviewScheduleInput:
    provider_id: relay.GlobalID
    scheduled_on: date
    agenda: str
    idempotency_key: str | None = None


@strawberry.type
class ProviderReviewSchedulePayload:
    review: ProviderReview | None
    user_errors: list[ProviderReviewError]  # type: ignore[valid-type]


@mutation(permissions.SCHEDULE_REVIEW, description="Schedule a review meeting with a provider, with its agenda.")
async def provider_review_schedule(info: Info, input: ProviderReviewScheduleInput) -> ProviderReviewSchedulePayload:
    row, errors = await run(
        info,
        ProviderReviewError,
        lambda s, p: reviews.schedule_review(
            s,
            p,
            provider_id=decode_id(input.provider_id, "Provider"),
            scheduled_on=input.scheduled_on,
            agenda=input.agenda,
            idempotency_key=input.idempotency_key,
        ),
    )
    return ProviderReviewSchedulePayload(review=review_or_none(row), user_errors=errors)
