from __future__ import annotations

import strawberry
from strawberry import relay

from api.market import agreements, permissions
from schema.core.context import Info
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.market.mutations.access_agreement_create import AccessAgreementError
from schema.market.types import AccessAgreement


@strawberry.input
class AccessAgreementGiveNoticeInput:
    access_agreement_id: relay.GlobalID


@strawberry.type
class AccessAgreementGiveNoticePayload:
    access_agreement: AccessAgreement | None
    user_errors: list[AccessAgreementError]  # type: ignore[valid-type]


@mutation(
    permissions.GIVE_NOTICE,
    description="Give twelve months' notice: the agreement ends on today's date next year. "
    "A borough gives notice on its own agreements.",
)
async def access_agreement_give_notice(
    info: Info, input: AccessAgreementGiveNoticeInput
) -> AccessAgreementGiveNoticePayload:
    agreement, errors = await run(
        info,
        AccessAgreementError,
        lambda s, p: agreements.give_notice(s, p, decode_id(input.access_agreement_id, "AccessAgreement")),
    )
    return AccessAgreementGiveNoticePayload(
        access_agreement=AccessAgreement.from_row(agreement) if agreement else None, user_errors=errors
    )
