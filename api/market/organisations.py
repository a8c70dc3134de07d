"""Organisations: the alliance, local authorities and providers, each with a slug."""

from __future__ import annotations

import re
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit
from api.core.errors import UserError, UserErrors
from api.core.idempotency import idempotent
from api.core.principal import OrganisationKind, Principal
from api.market import permissions
from api.market.models import Organisation, organisation_by_slug

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class OrganisationErrorCode(Enum):
    INVALID_SLUG = "INVALID_SLUG"
    SLUG_TAKEN = "SLUG_TAKEN"
    NAME_REQUIRED = "NAME_REQUIRED"
    ONLY_ONE_ALLIANCE = "ONLY_ONE_ALLIANCE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


async def create_organisation(
    session: AsyncSession,
    actor: Principal,
    *,
    kind: OrganisationKind,
    slug: str,
    name: str,
    idempotency_key: str | None = None,
) -> Organisation:
    permissions.CREATE_ORGANISATION.decide(actor)

    async def create(id_: int | None) -> Organisation:
        errors: list[UserError] = []
        if not SLUG.match(slug) or len(slug) > 80:
            errors.append(
                UserError(
                    "slug",
                    OrganisationErrorCode.INVALID_SLUG,
                    "A slug is lower-case letters and digits joined by single hyphens",
                )
            )
        elif await organisation_by_slug(session, slug) is not None:
            errors.append(UserError("slug", OrganisationErrorCode.SLUG_TAKEN, f"The slug {slug!r} is taken"))
        if not name.strip():
            errors.append(UserError("name", OrganisationErrorCode.NAME_REQUIRED, "A name is required"))
        if kind is OrganisationKind.ALLIANCE:
            errors.append(
                UserError(
                    "kind",
                    OrganisationErrorCode.ONLY_ONE_ALLIANCE,
                    "The market has one alliance; it is created when the database is set up",
                )
            )
        if errors:
            raise UserErrors(errors)
        org = Organisation(id=id_, kind=kind, slug=slug, name=name.strip())
        session.add(org)
        await session.flush()
        audit.record(session, actor, "organisation.create", "Organisation", org.id, {"kind": kind, "slug": slug})
        return org

    return await idempotent(
        session,
        actor.organisation_id,
        "organisationCreate",
        idempotency_key,
        {"kind": kind, "slug": slug, "name": name},
        Organisation,
        create,
        OrganisationErrorCode.IDEMPOTENCY_KEY_REUSED,
    )
