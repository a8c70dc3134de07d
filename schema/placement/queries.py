"""Queries of the placement search: requirements (filtered by the viewer's visibility) and invitations."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from api.core.principal import Scope
from api.placements import child as child_rules, models as pm
from api.placements.enums import InvitationStatus, MatchLevel, RequirementStatus, Urgency
from schema.core.connection import Connection
from schema.core.context import Info
from schema.core.nodes import decode_id
from schema.core.permissions import scoped
from schema.market.queries import top_level
from schema.placement.types import Invitation, Requirement

AT_LEAST: dict[MatchLevel, tuple[MatchLevel, ...]] = {
    MatchLevel.FULL: (MatchLevel.FULL,),
    MatchLevel.PARTIAL: (MatchLevel.FULL, MatchLevel.PARTIAL),
    MatchLevel.NONE: (MatchLevel.FULL, MatchLevel.PARTIAL, MatchLevel.NONE),
}


@strawberry.input(description="Every condition given must hold.")
class RequirementFilter:
    status: list[RequirementStatus] | None = None
    urgency: list[Urgency] | None = None
    lot_id: relay.GlobalID | None = None
    case_reference: str | None = strawberry.field(
        default=None,
        description="A borough finds its own requirements for a child by its case reference "
        "(hashed for the search, as it is stored; never kept).",
    )


@strawberry.input
class InvitationFilter:
    status: list[InvitationStatus] | None = None
    min_match: MatchLevel | None = strawberry.field(default=None, description="FULL; or PARTIAL and better.")


@strawberry.type
class PlacementQuery:
    @scoped(
        Scope.BOROUGH,
        Scope.WLA,
        Scope.PROVIDER,
        description="Requirements, newest last: a borough its own; the alliance all (the child masked); a "
        "provider those it is invited to.",
    )
    async def requirements(
        self,
        info: Info,
        filter: RequirementFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Requirement]:
        where: list[Any] = []
        if filter is not None:
            if filter.status:
                where.append(pm.Requirement.status.in_(filter.status))
            if filter.urgency:
                where.append(pm.Requirement.urgency.in_(filter.urgency))
            if filter.lot_id is not None:
                where.append(pm.Requirement.lot_id == decode_id(filter.lot_id, "Lot"))
            if filter.case_reference is not None:
                p = info.context.principal
                assert p is not None
                digest = child_rules.hash_reference(filter.case_reference, p.organisation_id)
                where.append(
                    pm.Requirement.id.in_(
                        select(pm.RequirementChild.requirement_id).where(
                            pm.RequirementChild.case_reference_hash == digest
                        )
                    )
                )
        return await top_level(info, pm.Requirement, Requirement.from_row, where, first, after, last, before)

    @scoped(Scope.PROVIDER, Scope.WLA, description="Invitations, newest last: a provider's own; the alliance all.")
    async def invitations(
        self,
        info: Info,
        filter: InvitationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Invitation]:
        where: list[Any] = []
        if filter is not None:
            if filter.status:
                where.append(pm.Invitation.status.in_(filter.status))
            if filter.min_match is not None:
                where.append(pm.Invitation.match_level.in_(AT_LEAST[filter.min_match]))
        return await top_level(info, pm.Invitation, Invitation.from_row, where, first, after, last, before)
