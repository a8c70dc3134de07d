from __future__ import annotations

import strawberry
from strawberry import relay

from api.core.principal import Scope
from api.market import memberships, stage1
from schema.core.context import Info
from schema.core.errors import user_error_type
from schema.core.mutations import own_or_given_provider, run
from schema.core.nodes import decode_id
from schema.core.permissions import scoped_mutation
from schema.market.types import Membership

MembershipError = user_error_type("MembershipError", memberships.MembershipErrorCode, stage1.ShortfallCode)


@strawberry.input
class MembershipApplyInput:
    lot_id: relay.GlobalID
    provider_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only the alliance names a provider; a provider applies for itself."
    )
    idempotency_key: str | None = None


@strawberry.type
class MembershipApplyPayload:
    membership: Membership | None
    user_errors: list[MembershipError]  # type: ignore[valid-type]


@scoped_mutation(Scope.PROVIDER, Scope.WLA, description="Apply to join a lot; any provider may, at any time.")
async def membership_apply(info: Info, input: MembershipApplyInput) -> MembershipApplyPayload:
    membership, errors = await run(
        info,
        MembershipError,
        lambda s, p: memberships.apply(
            s,
            p,
            provider_id=own_or_given_provider(p, input.provider_id),
            lot_id=decode_id(input.lot_id, "Lot"),
            idempotency_key=input.idempotency_key,
        ),
    )
    return MembershipApplyPayload(
        membership=Membership.from_row(membership) if membership else None, user_errors=errors
    )
