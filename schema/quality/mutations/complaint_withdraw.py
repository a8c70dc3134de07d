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
class ComplaintWithdrawInput:
    complaint_id: relay.GlobalID
    note: str | None = None


@strawberry.type
class ComplaintWithdrawPayload:
    complaint: Complaint | None
    user_errors: list[ComplaintError]  # type: ignore[valid-type]


@mutation(
    permissions.WITHDRAW_COMPLAINT,
    description="Withdraw a complaint the caller's organisation raised, while raised or under mediation.",
)
async def complaint_withdraw(info: Info, input: ComplaintWithdrawInput) -> ComplaintWithdrawPayload:
    row, errors = await run(
        info,
        ComplaintError,
        lambda s, p: complaints.withdraw(s, p, decode_id(input.complaint_id, "Complaint"), note=input.note),
    )
    return ComplaintWithdrawPayload(complaint=complaint_or_none(row), user_errors=errors)
