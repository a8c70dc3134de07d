from __future__ import annotations

from enum import Enum

import strawberry

from api.core.principal import OrganisationKind
from api.market import organisations, permissions
from schema.core.context import Info
from schema.core.errors import user_error_type
from schema.core.mutations import mutation, run
from schema.market.types import Organisation, organisation_from_row

OrganisationError = user_error_type("OrganisationError", organisations.OrganisationErrorCode)


@strawberry.enum
class NewOrganisationKind(Enum):
    LOCAL_AUTHORITY = "LOCAL_AUTHORITY"
    PROVIDER = "PROVIDER"


@strawberry.input
class OrganisationCreateInput:
    kind: NewOrganisationKind
    slug: str
    name: str
    idempotency_key: str | None = None


@strawberry.type
class OrganisationCreatePayload:
    organisation: Organisation | None
    user_errors: list[OrganisationError]  # type: ignore[valid-type]


@mutation(
    permissions.CREATE_ORGANISATION,
    description="Register a borough that joins, or a provider before it applies to lots.",
)
async def organisation_create(info: Info, input: OrganisationCreateInput) -> OrganisationCreatePayload:
    org, errors = await run(
        info,
        OrganisationError,
        lambda s, p: organisations.create_organisation(
            s,
            p,
            kind=OrganisationKind(input.kind.value),
            slug=input.slug,
            name=input.name,
            idempotency_key=input.idempotency_key,
        ),
    )
    return OrganisationCreatePayload(organisation=organisation_from_row(org) if org else None, user_errors=errors)
