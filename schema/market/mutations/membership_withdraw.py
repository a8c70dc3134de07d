from __future__ import annotations

import strawberry
from strawberry import relay

from api.market import memberships, permissions
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.market.mutations.membership_apply import MembershipError
from schema.market.types import Membership


@strawberry.input
class MembershipWithdrawInput:
    membership_id: relay.GlobalID
    reason: str | None = None


@strawberry.type
class MembershipWithdrawPayload:
    membership: Membership | None
    user_errors: list[MembershipError]  # type: ignore[valid-type]


@mutation(permissions.WITHDRAW_MEMBERSHIP, description="Withdraw an application or leave a lot.")
async def membership_withdraw(info: Info, input: MembershipWithdrawInput) -> MembershipWithdrawPayload:
    membership, errors = await run(
        info,
        MembershipError,
        lambda s, p: memberships.withdraw(s, p, decode_id(input.membership_id, "Membership"), reason=input.reason),
    )
    return MembershipWithdrawPayload(
        membership=Membership.from_row(membership) if membership else None, user_errors=errors
    )
