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
class RequirementCloseInput:
    requirement_id: relay.GlobalID
    reason: str | None = None


@strawberry.type
class RequirementClosePayload:
    requirement: Requirement | None
    user_errors: list[RequirementError]  # type: ignore[valid-type]


@mutation(
    permissions.CLOSE_REQUIREMENT,
    description="Close responses to an OPEN requirement of the borough's own before its "
    "deadline (the deadline closes it by itself otherwise).",
)
async def requirement_close(info: Info, input: RequirementCloseInput) -> RequirementClosePayload:
    row, errors = await run(
        info,
        RequirementError,
        lambda s, p: requirements.close(s, p, decode_id(input.requirement_id, "Requirement"), reason=input.reason),
    )
    return RequirementClosePayload(requirement=requirement_or_none(row), user_errors=errors)
