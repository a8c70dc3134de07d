from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from api.market import dpvs, permissions
from api.market.enums import DpvCategory, LegalBasis
from schema.core.context import Info
from schema.core.errors import user_error_type
from schema.core.mutations import mutation, run
from schema.core.nodes import decode_id
from schema.market.types import Dpv

DpvError = user_error_type("DpvError", dpvs.DpvErrorCode)


@strawberry.input
class DpvCreateInput:
    name: str
    category: DpvCategory
    lead_authority_id: relay.GlobalID
    legal_basis: LegalBasis
    starts_on: date
    initial_term_years: int = 3
    extension_options: int = 3
    idempotency_key: str | None = None


@strawberry.type
class DpvCreatePayload:
    dpv: Dpv | None
    user_errors: list[DpvError]  # type: ignore[valid-type]


@mutation(permissions.CREATE_DPV, description="Set up a vehicle: category, lead borough, legal basis and term.")
async def dpv_create(info: Info, input: DpvCreateInput) -> DpvCreatePayload:
    dpv, errors = await run(
        info,
        DpvError,
        lambda s, p: dpvs.create_dpv(
            s,
            p,
            name=input.name,
            category=input.category,
            lead_authority_id=decode_id(input.lead_authority_id, "LocalAuthority"),
            legal_basis=input.legal_basis,
            starts_on=input.starts_on,
            initial_term_years=input.initial_term_years,
            extension_options=input.extension_options,
            idempotency_key=input.idempotency_key,
        ),
    )
    return DpvCreatePayload(dpv=Dpv.from_row(dpv) if dpv else None, user_errors=errors)
