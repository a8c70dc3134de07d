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
class ComplaintMediateInput:
    complaint_id: relay.GlobalID
    note: str | None = strawberry.field(
        default=None,
        description="Optional to start mediation; required to add a note to one under mediation. Seen by both parties.",
    )


@strawberry.type
class ComplaintMediatePayload:
    complaint: Complaint | None
    user_errors: list[ComplaintError]  # type: ignore[valid-type]


@mutation(
    permissions.MEDIATE_COMPLAINT,
    description="Start mediating a raised complaint, or add a note to one under mediation.",
)
async def complaint_mediate(info: Info, input: ComplaintMediateInput) -> ComplaintMediatePayload:
    row, errors = await run(
        info,
        ComplaintError,
        lambda s, p: complaints.mediate(s, p, decode_id(input.complaint_id, "Complaint"), note=input.note),
    )
    return ComplaintMediatePayload(complaint=complaint_or_none(row), user_errors=errors)
