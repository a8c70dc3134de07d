from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay

from api.placements import permissions, requirements
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.placement.mutations.requirement_create import RequirementError
from schema.placement.types import Invitation, Requirement, requirement_or_none


@strawberry.input
class RequirementPublishInput:
    requirement_id: relay.GlobalID


def _invitations(root: RequirementPublishPayload) -> list[Invitation]:
    return [Invitation.from_row(i) for i in root.invited]


@strawberry.type
class RequirementPublishPayload:
    requirement: Requirement | None
    # Built only when asked for: a large lot has a thousand invitations, and building them all for a client that
    # asked only for the requirement held the worker up right after the commit, in front of the fan-out of the
    # very event it had just published (bench/fanout.py).
    invitations: list[Invitation] = strawberry.field(resolver=_invitations)
    user_errors: list[RequirementError]  # type: ignore[valid-type]
    invited: strawberry.Private[list[Any]]


@mutation(
    permissions.PUBLISH_REQUIREMENT,
    description="Publish a DRAFT: it opens until its response deadline (given, or from "
    "the urgency), and the lot's admitted members whose stage-1 documents are in force are invited, "
    "each with a match assessment; the other members are recorded with the reason.",
)
async def requirement_publish(info: Info, input: RequirementPublishInput) -> RequirementPublishPayload:
    result, errors = await run(
        info, RequirementError, lambda s, p: requirements.publish(s, p, decode_id(input.requirement_id, "Requirement"))
    )
    row, invitations = result if result else (None, [])
    return RequirementPublishPayload(requirement=requirement_or_none(row), user_errors=errors, invited=invitations)
