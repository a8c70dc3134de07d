"""GraphQL types of quality and safeguarding. Who sees what is decided in api/safeguarding/permissions.py
(`safeguarding_visible`,
`sees_alert_raiser`); related objects resolve through the request's DataLoaders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay

from api.core.clock import LONDON
from api.core.principal import ActorKind, Scope
from api.market import models as m
from api.safeguarding import enums as se, models as sm
from api.safeguarding.permissions import sees_alert_raiser
from schema.core.context import Info
from schema.core.nodes import ModelNode
from schema.core.permissions import scoped
from schema.market.types import Actor, Document, Dpv, Lot, Organisation, Provider, Setting, organisation_by_id

strawberry.enum(se.AlertSeverity)
strawberry.enum(se.AlertCategory, description="What a safeguarding alert is about.")
AlertStatus = strawberry.enum(
    se.AlertStatus,
    name="SafeguardingAlertStatus",
    description="OPEN, then UNDER_REVIEW by the alliance, then RESOLVED (final) or "
    "ESCALATED (back to UNDER_REVIEW, or RESOLVED).",
)
strawberry.enum(se.SuspensionKind, description="SUSPENSION (until a date or until lifted) or BAR (for good).")
strawberry.enum(se.SuspensionScope, description="The whole market (PROVIDER), one vehicle (DPV) or one lot (LOT).")
strawberry.enum(
    se.SuspensionReason,
    description="Why, under the Suspension & Barring Policy. DOCUMENT_EXPIRED is "
    "set by the service only, when a stage-1 document expires.",
)

REVIEWERS = (Scope.WLA, Scope.WLA_SAFEGUARDING, Scope.BOROUGH)


@strawberry.type(
    description="One step of the alliance's review of an alert: who, when, the status before and after, the notes."
)
class SafeguardingAlertUpdate:
    status_before: AlertStatus  # type: ignore[valid-type]
    status_after: AlertStatus  # type: ignore[valid-type]
    notes: str
    created_at: datetime
    actor_kind: strawberry.Private[str]
    actor_id: strawberry.Private[str]
    organisation_id: strawberry.Private[int]

    @strawberry.field(description="Who made the step.")
    def by(self) -> Actor:
        return Actor(kind=ActorKind(self.actor_kind), id=self.actor_id, organisation_id=self.organisation_id)


@strawberry.type(
    description="A safeguarding concern about a provider or one of its settings, raised by a "
    "participating borough or the alliance (or by the service itself: an Inadequate Ofsted judgement). "
    "Seen by the alliance and every participating borough; the provider sees those about itself, but "
    "not who raised them."
)
class SafeguardingAlert(ModelNode):
    _model = sm.SafeguardingAlert
    id: relay.NodeID[int]
    category: se.AlertCategory
    severity: se.AlertSeverity
    status: AlertStatus  # type: ignore[valid-type]
    summary: str = strawberry.field(description="What happened. Never a child's name.")
    created_at: datetime
    updated_at: datetime
    provider_id: strawberry.Private[int]
    setting_id: strawberry.Private[int | None]
    raised_by_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: sm.SafeguardingAlert) -> SafeguardingAlert:
        return cls(
            id=row.id,
            category=row.category,
            severity=row.severity,
            status=row.status,
            summary=row.summary,
            created_at=row.created_at,
            updated_at=row.updated_at,
            provider_id=row.provider_id,
            setting_id=row.setting_id,
            raised_by_id=row.raised_by_organisation_id,
        )

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await organisation_by_id(info, self.provider_id)

    @strawberry.field(description="The setting, when the alert is about one.")
    async def setting(self, info: Info) -> Setting | None:
        if self.setting_id is None:
            return None
        row = await info.context.loaders.by_id(m.Setting).load(self.setting_id)
        return Setting.from_row(row) if row is not None else None

    @strawberry.field(
        description="The borough or the alliance that raised it (the alliance for an alert the "
        "service raised). Null for a provider: providers never see who raised an alert."
    )
    async def raised_by(self, info: Info) -> Organisation | None:
        if not sees_alert_raiser(info.context.principal):
            return None
        return await organisation_by_id(info, self.raised_by_id)

    @scoped(*REVIEWERS, description="The review so far, oldest first (not shown to providers).")
    async def updates(self, info: Info) -> list[SafeguardingAlertUpdate] | None:
        rows = await info.context.loaders.grouped(
            sm.SafeguardingAlertUpdate,
            sm.SafeguardingAlertUpdate.alert_id,
            sm.SafeguardingAlertUpdate.id,
            check_visible=False,
        ).load(self.id)
        return [
            SafeguardingAlertUpdate(
                status_before=r.status_before,
                status_after=r.status_after,
                notes=r.notes,
                created_at=r.created_at,
                actor_kind=r.actor_kind,
                actor_id=r.actor_id,
                organisation_id=r.organisation_id,
            )
            for r in rows
        ]


def alert_or_none(row: Any) -> SafeguardingAlert | None:
    return SafeguardingAlert.from_row(row) if row is not None else None


@strawberry.type(
    description="A provider suspended (until a date, or until lifted) or barred (for good) from the "
    "whole market, one vehicle or one lot. While active, the memberships it covers are SUSPENDED "
    "(BARRED): the provider is not invited, cannot bid, its invitations on open requirements were "
    "withdrawn and its bids on them excluded; its running placements continue, flagged for review. "
    "Reinstatement makes it eligible for the NEXT requirement; withdrawn invitations and excluded bids "
    "stay so. Seen by the alliance and every participating borough; the provider sees its own."
)
class Suspension(ModelNode):
    _model = sm.Suspension
    id: relay.NodeID[int]
    kind: se.SuspensionKind
    scope: se.SuspensionScope
    reason: se.SuspensionReason
    notes: str | None
    starts_on: date
    until: date | None = strawberry.field(
        description="Lifted by the service at the start of this day (London); "
        "null: until lifted by hand (or for good, for a bar)."
    )
    ends_on: date | None = strawberry.field(
        description="The day it ended (lifted) or will end (`until`); null while it has no end."
    )
    active: bool = strawberry.field(description="Not lifted (a bar is always active).")
    lifted_at: datetime | None
    lift_notes: str | None
    created_at: datetime
    provider_id: strawberry.Private[int]
    dpv_id: strawberry.Private[int | None]
    lot_id: strawberry.Private[int | None]
    document_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: sm.Suspension) -> Suspension:
        ends = row.lifted_at.astimezone(LONDON).date() if row.lifted_at is not None else row.until
        return cls(
            id=row.id,
            kind=row.kind,
            scope=row.scope,
            reason=row.reason,
            notes=row.notes,
            starts_on=row.starts_on,
            until=row.until,
            ends_on=ends,
            active=row.lifted_at is None,
            lifted_at=row.lifted_at,
            lift_notes=row.lift_notes,
            created_at=row.created_at,
            provider_id=row.provider_id,
            dpv_id=row.dpv_id,
            lot_id=row.lot_id,
            document_id=row.document_id,
        )

    @strawberry.field
    async def provider(self, info: Info) -> Provider | None:
        return await organisation_by_id(info, self.provider_id)

    @strawberry.field(description="The vehicle, when the scope is DPV.")
    async def dpv(self, info: Info) -> Dpv | None:
        return Dpv.from_row(await info.context.loaders.by_id(m.Dpv).load(self.dpv_id)) if self.dpv_id else None

    @strawberry.field(description="The lot, when the scope is LOT.")
    async def lot(self, info: Info) -> Lot | None:
        return Lot.from_row(await info.context.loaders.by_id(m.Lot).load(self.lot_id)) if self.lot_id else None

    @strawberry.field(
        description="The expired document, for DOCUMENT_EXPIRED (seen by the alliance and the "
        "provider, like every stage-1 document)."
    )
    async def document(self, info: Info) -> Document | None:
        if self.document_id is None:
            return None
        row = await info.context.loaders.by_id(m.Document).load(self.document_id)
        return Document.from_row(row) if row is not None else None


def suspension_or_none(row: Any) -> Suspension | None:
    return Suspension.from_row(row) if row is not None else None
