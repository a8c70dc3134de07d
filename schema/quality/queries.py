"""Queries of quality work: complaints and disputes (the viewer's), a provider's KPIs."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry import relay

from api.core.principal import Scope
from api.quality import models as qm
from api.quality.enums import ComplaintKind, ComplaintParty, ComplaintStatus
from schema.core.connection import Connection
from schema.core.context import Info
from schema.core.nodes import decode_id
from schema.core.permissions import scoped
from schema.market.queries import top_level
from schema.market.types import READ_MARKET
from schema.quality.types import Complaint, ProviderKpis, kpis_of

FROM = Annotated[
    date | None,
    strawberry.argument(
        name="from",
        description="The first day (in England); default: the day after the same day 12 months before `to`.",
    ),
]
TO = Annotated[date | None, strawberry.argument(description="The last day, included (in England); default: today.")]


@strawberry.input(description="Every condition given must hold.")
class ComplaintFilter:
    status: list[ComplaintStatus] | None = None
    kind: list[ComplaintKind] | None = None
    raised_by: ComplaintParty | None = None
    provider_id: relay.GlobalID | None = None
    authority_id: relay.GlobalID | None = None


@strawberry.type
class QualityQuery:
    @scoped(
        Scope.WLA,
        Scope.BOROUGH,
        Scope.PROVIDER,
        description="Complaints and disputes, oldest first: those between the viewer and another party (raised "
        "by it or about it); the alliance all.",
    )
    async def complaints(
        self,
        info: Info,
        filter: ComplaintFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Complaint]:
        where: list[Any] = []
        if filter is not None:
            if filter.status:
                where.append(qm.Complaint.status.in_(filter.status))
            if filter.kind:
                where.append(qm.Complaint.kind.in_(filter.kind))
            if filter.raised_by is not None:
                where.append(qm.Complaint.raised_by == filter.raised_by)
            if filter.provider_id is not None:
                where.append(qm.Complaint.provider_id == decode_id(filter.provider_id, "Provider"))
            if filter.authority_id is not None:
                where.append(qm.Complaint.authority_id == decode_id(filter.authority_id, "LocalAuthority"))
        return await top_level(info, qm.Complaint, Complaint.from_row, where, first, after, last, before)

    @scoped(
        *READ_MARKET,
        description="A provider's KPIs over a period (default: the last 12 months): response rate "
        "and time, bids, placements, alerts, suspensions, complaints. The alliance and the boroughs read any "
        "provider's, a provider its own; null for a provider the viewer may not see.",
    )
    async def provider_kpis(
        self, info: Info, provider_id: relay.GlobalID, from_: FROM = None, to: TO = None
    ) -> ProviderKpis | None:
        return await kpis_of(info, decode_id(provider_id, "Provider"), from_, to)
