from __future__ import annotations

import strawberry
from strawberry import relay

from api.placements import permissions, requirements
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.placement.mutations.requirement_create import RequirementError
from schema.placement.types import Requirement, requirement_or_none


@strawberry.input
class RequirementCancelInput:
    requirement_id: relay.GlobalID
    reason: str


@strawberry.type
class RequirementCancelPayload:
    requirement: Requirement | None
    user_errors: list[RequirementError]  # type: ignore[valid-type]


@mutation(
    permissions.CANCEL_REQUIREMENT,
    description="End a search that is no longer needed (a draft, open or closed "
    "requirement of the borough's own), with the reason.",
)
async def requirement_cancel(info: Info, input: RequirementCancelInput) -> RequirementCancelPayload:
    row, errors = await run(
        info,
        RequirementError,
        lambda s, p: requirements.cancel(s, p, decode_id(input.requirement_id, "Requirement"), reason=input.reason),
    )
    return RequirementCancelPayload(requirement=requirement_or_none(row), user_errors=errors)
