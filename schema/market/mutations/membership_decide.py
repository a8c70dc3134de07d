from __future__ import annotations

import strawberry
from strawberry import relay

from api.market import memberships, permissions
from api.market.enums import MembershipDecision
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.market.mutations.membership_apply import MembershipError
from schema.market.types import Membership


@strawberry.input
class MembershipDecideInput:
    membership_id: relay.GlobalID
    decision: MembershipDecision
    reason: str | None = strawberry.field(default=None, description="Required to reject.")


@strawberry.type
class MembershipDecidePayload:
    membership: Membership | None
    user_errors: list[MembershipError]  # type: ignore[valid-type]


@mutation(
    permissions.DECIDE_MEMBERSHIP,
    description="Admit an applicant that meets stage 1 (each document that falls short "
    "is a user error naming it), or reject it with a reason.",
)
async def membership_decide(info: Info, input: MembershipDecideInput) -> MembershipDecidePayload:
    membership, errors = await run(
        info,
        MembershipError,
        lambda s, p: memberships.decide(
            s, p, decode_id(input.membership_id, "Membership"), decision=input.decision, reason=input.reason
        ),
    )
    return MembershipDecidePayload(
        membership=Membership.from_row(membership) if membership else None, user_errors=errors
    )
