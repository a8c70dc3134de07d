from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from api.quality import permissions, reviews
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.quality.mutations.provider_review_schedule import ProviderReviewError
from schema.quality.types import ProviderReview, review_or_none


@strawberry.input
class ProviderReviewRecordInput:
    review_id: relay.GlobalID
    held_on: date = strawberry.field(description="The day it was held: today or earlier.")
    attendees: str = strawberry.field(description="Who attended, as free text.")
    outcome: str
    notes: str | None = strawberry.field(default=None, description="Shared with the provider and the boroughs.")
    internal_notes: str | None = strawberry.field(default=None, description="The alliance's only.")


@strawberry.type
class ProviderReviewRecordPayload:
    review: ProviderReview | None
    user_errors: list[ProviderReviewError]  # type: ignore[valid-type]


@mutation(
    permissions.RECORD_REVIEW,
    description="Record a scheduled review as held: when, who attended, the notes, the outcome. Once only.",
)
async def provider_review_record(info: Info, input: ProviderReviewRecordInput) -> ProviderReviewRecordPayload:
    row, errors = await run(
        info,
        ProviderReviewError,
        lambda s, p: reviews.record_review(
            s,
            p,
            decode_id(input.review_id, "ProviderReview"),
            held_on=input.held_on,
            attendees=input.attendees,
            outcome=input.outcome,
            notes=input.notes,
            internal_notes=input.internal_notes,
        ),
    )
    return ProviderReviewRecordPayload(review=review_or_none(row), user_errors=errors)
