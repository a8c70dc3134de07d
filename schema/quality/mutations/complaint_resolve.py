from __future__ import annotations

import strawberry
from strawberry import relay

from api.quality import complaints, permissions
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.quality.mutations.complaint_raise import ComplaintError
from schema.quality.types import Complaint, complaint_or_none


@strawberry.input
class ComplaintResolveInput:
    complaint_id: relay.GlobalID
    outcome: str = strawberry.field(description="How it was resolved; seen by both parties.")


@strawberry.type
class ComplaintResolvePayload:
    complaint: Complaint | None
    user_errors: list[ComplaintError]  # type: ignore[valid-type]


@mutation(permissions.RESOLVE_COMPLAINT, description="Resolve a complaint under mediation, with the outcome.")
async def complaint_resolve(info: Info, input: ComplaintResolveInput) -> ComplaintResolvePayload:
    row, errors = await run(
        info,
        ComplaintError,
        lambda s, p: complaints.resolve(s, p, decode_id(input.complaint_id, "Complaint"), outcome=input.outcome),
    )
    return ComplaintResolvePayload(complaint=complaint_or_none(row), user_errors=errors)
