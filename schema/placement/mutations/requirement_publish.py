from __future__ import annotations

import strawberry
from strawberry import relay

from api.placements import requirements
from auth.principal import Scope
from schema.core.context import Info
from schema.core.mutations import run
from schema.core.nodes import decode_id
from schema.core.permissions import scoped_mutation
from schema.placement.mutations.requirement_create import RequirementError
from schema.placement.types import Invitation, Requirement, requirement_or_none


@strawberry.input
class RequirementPublishInput:
    requirement_id: relay.GlobalID


@strawberry.type
class RequirementPublishPayload:
    requirement: Requirement | None
    invitations: list[Invitation]
    user_errors: list[RequirementError]  # type: ignore[valid-type]


@scoped_mutation(Scope.BOROUGH, description="Publish a DRAFT: it opens until its response deadline (given, or from "
                 "the urgency), and the lot's admitted members whose stage-1 documents are in force are invited, "
                 "each with a match assessment; the other members are recorded with the reason.")
async def requirement_publish(info: Info, input: RequirementPublishInput) -> RequirementPublishPayload:
    result, errors = await run(info, RequirementError, lambda s, p: requirements.publish(
        s, p, decode_id(input.requirement_id, "Requirement")))
    row, invitations = result if result else (None, [])
    return RequirementPublishPayload(requirement=requirement_or_none(row),
                                     invitations=[Invitation.from_row(i) for i in invitations], user_errors=errors)
