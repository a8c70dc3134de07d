"""Queries of quality and safeguarding: alerts and suspensions, filtered by the viewer's visibility."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import or_
from strawberry import relay

from api.core.principal import Scope
from api.safeguarding import enums as se, models as sm
from schema.core.connection import Connection
from schema.core.context import Info
from schema.core.nodes import decode_id
from schema.core.permissions import scoped
from schema.market.queries import top_level
from schema.safeguarding.types import AlertStatus, SafeguardingAlert, Suspension

READERS = (Scope.WLA, Scope.WLA_SAFEGUARDING, Scope.BOROUGH, Scope.PROVIDER)


@strawberry.input(description="Every condition given must hold.")
class SafeguardingAlertFilter:
    provider_id: relay.GlobalID | None = None
    setting_id: relay.GlobalID | None = None
    status: list[AlertStatus] | None = None  # type: ignore[valid-type]
    severity: list[se.AlertSeverity] | None = None
    category: list[se.AlertCategory] | None = None


@strawberry.input(description="Every condition given must hold.")
class SuspensionFilter:
    provider_id: relay.GlobalID | None = None
    kind: list[se.SuspensionKind] | None = None
    active: bool | None = strawberry.field(default=None, description="true: not lifted; false: lifted.")


@strawberry.type
class SafeguardingQuery:
    @scoped(
        *READERS,
        description="Safeguarding alerts, oldest first: all of them for the alliance and every "
        "participating borough (one that leads a vehicle or holds an access agreement); a provider those about "
        "itself (without who raised them); nothing for anyone else.",
    )
    async def safeguarding_alerts(
        self,
        info: Info,
        filter: SafeguardingAlertFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SafeguardingAlert]:
        a = sm.SafeguardingAlert
        where: list[Any] = []
        if filter is not None:
            if filter.provider_id is not None:
                where.append(a.provider_id == decode_id(filter.provider_id, "Provider"))
            if filter.setting_id is not None:
                where.append(a.setting_id == decode_id(filter.setting_id, "Setting"))
            if filter.status:
                where.append(a.status.in_(filter.status))
            if filter.severity:
                where.append(a.severity.in_(filter.severity))
            if filter.category:
                where.append(a.category.in_(filter.category))
        return await top_level(info, a, SafeguardingAlert.from_row, where, first, after, last, before)

    @scoped(
        *READERS,
        description="Suspensions and bars, oldest first: all of them for the alliance and every "
        "participating borough; a provider its own.",
    )
    async def suspensions(
        self,
        info: Info,
        filter: SuspensionFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Suspension]:
        s = sm.Suspension
        where: list[Any] = []
        if filter is not None:
            if filter.provider_id is not None:
                where.append(s.provider_id == decode_id(filter.provider_id, "Provider"))
            if filter.kind:
                where.append(s.kind.in_(filter.kind))
            if filter.active is not None:
                where.append(s.lifted_at.is_(None) if filter.active else or_(s.lifted_at.is_not(None)))
        return await top_level(info, s, Suspension.from_row, where, first, after, last, before)
