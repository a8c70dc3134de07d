from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from api.quality import permissions, reviews
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.quality.mutations.provider_review_schedule import ProviderReviewError
from schema.quality.types import ReviewAction, action_or_none


@strawberry.input
class ProviderReviewActionAddInput:
    review_id: relay.GlobalID
    description: str
    owner_id: relay.GlobalID = strawberry.field(description="The alliance or the provider under review.")
    owner_name: str | None = strawberry.field(default=None, description="The person who owns it, if named.")
    due_on: date | None = strawberry.field(default=None, description="Today or later.")
    idempotency_key: str | None = None


@strawberry.type
class ProviderReviewActionAddPayload:
    review_action: ReviewAction | None
    user_errors: list[ProviderReviewError]  # type: ignore[valid-type]


@mutation(
    permissions.ADD_REVIEW_ACTION, description="Add an action to a review, owned by the alliance or the provider."
)
async def provider_review_action_add(info: Info, input: ProviderReviewActionAddInput) -> ProviderReviewActionAddPayload:
    row, errors = await run(
        info,
        ProviderReviewError,
        lambda s, p: reviews.add_action(
            s,
            p,
            review_id=decode_id(input.review_id, "ProviderReview"),
            description=input.description,
            owner_organisation_id=decode_id(input.owner_id, "Alliance", "Provider", "LocalAuthority"),
            owner_name=input.owner_name,
            due_on=input.due_on,
            idempotency_key=input.idempotency_key,
        ),
    )
    return ProviderReviewActionAddPayload(review_action=action_or_none(row), user_errors=errors)
