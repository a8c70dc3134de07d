from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from api.market import agreements, permissions
from schema.core.context import Info
from schema.core.errors import user_error_type
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.market.types import AccessAgreement

AccessAgreementError = user_error_type("AccessAgreementError", agreements.AccessAgreementErrorCode)


@strawberry.input
class AccessAgreementCreateInput:
    dpv_id: relay.GlobalID
    authority_id: relay.GlobalID
    starts_on: date | None = strawberry.field(default=None, description="Today by default.")
    idempotency_key: str | None = None


@strawberry.type
class AccessAgreementCreatePayload:
    access_agreement: AccessAgreement | None
    user_errors: list[AccessAgreementError]  # type: ignore[valid-type]


@mutation(permissions.CREATE_ACCESS_AGREEMENT, description="Let a borough buy through a vehicle it does not lead.")
async def access_agreement_create(info: Info, input: AccessAgreementCreateInput) -> AccessAgreementCreatePayload:
    agreement, errors = await run(
        info,
        AccessAgreementError,
        lambda s, p: agreements.create_agreement(
            s,
            p,
            dpv_id=decode_id(input.dpv_id, "Dpv"),
            authority_id=decode_id(input.authority_id, "LocalAuthority"),
            starts_on=input.starts_on,
            idempotency_key=input.idempotency_key,
        ),
    )
    return AccessAgreementCreatePayload(
        access_agreement=AccessAgreement.from_row(agreement) if agreement else None, user_errors=errors
    )
