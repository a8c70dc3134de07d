from __future__ import annotations

import strawberry
from strawberry import relay

from api.quality import permissions, reviews
from api.quality.enums import ReviewActionStatus
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.quality.mutations.provider_review_schedule import ProviderReviewError
from schema.quality.types import ReviewAction, action_or_none


@strawberry.input
class ProviderReviewActionUpdateInput:
    action_id: relay.GlobalID
    status: ReviewActionStatus = strawberry.field(description="DONE or CANCELLED (an OPEN action only).")
    note: str | None = strawberry.field(default=None, description="What was done; required to cancel (why).")


@strawberry.type
class ProviderReviewActionUpdatePayload:
    review_action: ReviewAction | None
    user_errors: list[ProviderReviewError]  # type: ignore[valid-type]


@mutation(
    permissions.UPDATE_REVIEW_ACTION, description="Close an open review action: DONE, or CANCELLED with the reason."
)
async def provider_review_action_update(
    info: Info, input: ProviderReviewActionUpdateInput
) -> ProviderReviewActionUpdatePayload:
    row, errors = await run(
        info,
        ProviderReviewError,
        lambda s, p: reviews.update_action(
            s, p, decode_id(input.action_id, "ReviewAction"), status=input.status, note=input.note
        ),
    )
    return ProviderReviewActionUpdatePayload(review_action=action_or_none(row), user_errors=errors)
