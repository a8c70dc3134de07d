from __future__ import annotations

import strawberry
from strawberry import relay

from api.placements import ipas, permissions
from schema.core.context import Info
from schema.core.errors import user_error_type
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.placement.types import Ipa, ipa_or_none

IpaError = user_error_type("IpaError", ipas.IpaErrorCode)


@strawberry.input
class IpaSignInput:
    ipa_id: relay.GlobalID
    document_sha256: str = strawberry.field(
        description="The SHA-256 (hex) of the PDF downloaded: it must be the agreement's `documentSha256`."
    )


@strawberry.type
class IpaSignPayload:
    ipa: Ipa | None
    user_errors: list[IpaError]  # type: ignore[valid-type]


@mutation(
    permissions.SIGN_IPA,
    description="A party signs the IPA's SHA-256: first the "
    "provider of the accepted bid (`provider:sign`: PROVIDER_SIGNED), then an authorised officer of the "
    "borough (`borough:award`: EXECUTED, the requirement PLACED and the placement live). Another digest "
    "is HASH_MISMATCH and changes nothing.",
)
async def ipa_sign(info: Info, input: IpaSignInput) -> IpaSignPayload:
    row, errors = await run(
        info,
        IpaError,
        lambda s, p: ipas.sign_ipa(s, p, decode_id(input.ipa_id, "Ipa"), document_sha256=input.document_sha256),
    )
    return IpaSignPayload(ipa=ipa_or_none(row), user_errors=errors)
