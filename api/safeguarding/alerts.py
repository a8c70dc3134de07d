"""Safeguarding alerts (DOMAIN.md, "Quality and safeguarding").

- Raised (`raise_alert`) by the alliance (`wla` or `wla:safeguarding`) or a participating borough (`borough`,
  api/market/permissions.py `participating_borough`), on a provider or one of its settings: a setting of another
  provider is SETTING_NOT_OF_PROVIDER. A category, a severity and a summary of what happened (1 to 2,000
  characters, never a child's name). Idempotent by key. The service raises one itself (`raise_system_alert`) when Ofsted
  judges a setting Inadequate: HIGH, REGULATORY, raised by the alliance (the service acting for it).
- Reviewed (`update_alert`) by the alliance's safeguarding leads only: TRANSITIONS below, each step with notes
  kept as a history (who, when, before, after). A step that keeps the status adds notes only; a RESOLVED alert is
  final. The alert's row is locked for the step, so two leads' steps are applied one after the other.
- Open alerts (any status but RESOLVED) of severity HIGH or CRITICAL on a bid's provider or on the setting it
  offers are shown with the bid in the evaluation (api/placements/evaluation_queries.py); they are not a gate.
- The audit log keeps the category, severity and statuses, never the summary's or the notes' free text.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock, transitions
from api.core.errors import Forbidden, UserError, UserErrors
from api.core.idempotency import idempotent
from api.core.principal import OrganisationKind, Principal, system_principal
from api.market.enums import OfstedGrade
from api.market.lookups import get_or_forbidden, organisation_of_kind
from api.market.models import OfstedJudgement, Organisation, Setting
from api.market.permissions import participating_borough
from api.market.settings import ofsted_judgement_recorded
from api.safeguarding.enums import AlertCategory, AlertSeverity, AlertStatus
from api.safeguarding.models import NOTES_MAX, SUMMARY_MAX, SafeguardingAlert, SafeguardingAlertUpdate
from api.safeguarding.permissions import ensure_raises_alerts, ensure_safeguarding_lead

TRANSITIONS: dict[AlertStatus, frozenset[AlertStatus]] = {
    AlertStatus.OPEN: frozenset({AlertStatus.UNDER_REVIEW}),
    AlertStatus.UNDER_REVIEW: frozenset({AlertStatus.RESOLVED, AlertStatus.ESCALATED}),
    AlertStatus.ESCALATED: frozenset({AlertStatus.UNDER_REVIEW, AlertStatus.RESOLVED}),
    AlertStatus.RESOLVED: frozenset(),
}
SHOWN_IN_EVALUATION = (AlertSeverity.HIGH, AlertSeverity.CRITICAL)


class AlertErrorCode(Enum):
    """The alerts' codes (NOTES_* also for the suspensions' notes, `notes_errors`); the API shows them with the
    suspensions' as one AlertErrorCode."""

    SUMMARY_REQUIRED = "SUMMARY_REQUIRED"
    SUMMARY_TOO_LONG = "SUMMARY_TOO_LONG"
    SETTING_NOT_OF_PROVIDER = "SETTING_NOT_OF_PROVIDER"
    NOTES_REQUIRED = "NOTES_REQUIRED"
    NOTES_TOO_LONG = "NOTES_TOO_LONG"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


def notes_errors(notes: str | None, *, required: bool, field: str = "notes") -> list[UserError]:
    text = (notes or "").strip()
    if required and not text:
        return [UserError(field, AlertErrorCode.NOTES_REQUIRED, "Notes are required")]
    if len(text) > NOTES_MAX:
        return [UserError(field, AlertErrorCode.NOTES_TOO_LONG, f"At most {NOTES_MAX} characters")]
    return []


def _summary_errors(summary: str) -> list[UserError]:
    if not summary:
        return [UserError("summary", AlertErrorCode.SUMMARY_REQUIRED, "Say what happened (no child's name)")]
    if len(summary) > SUMMARY_MAX:
        return [UserError("summary", AlertErrorCode.SUMMARY_TOO_LONG, f"At most {SUMMARY_MAX} characters")]
    return []


async def _new_alert(
    session: AsyncSession,
    actor: Principal,
    *,
    provider_id: int,
    setting_id: int | None,
    category: AlertCategory,
    severity: AlertSeverity,
    summary: str,
    at: datetime,
    trigger: str | None = None,
    id_: int | None = None,
) -> SafeguardingAlert:
    alert = SafeguardingAlert(
        id=id_,
        provider_id=provider_id,
        setting_id=setting_id,
        category=category,
        severity=severity,
        status=AlertStatus.OPEN,
        summary=summary,
        raised_by_organisation_id=actor.organisation_id,
        raised_by_kind=actor.actor_kind.value,
        raised_by=actor.actor_id or actor.organisation_slug,
        created_at=at,
        updated_at=at,
    )
    session.add(alert)
    await session.flush()
    audit.record(
        session,
        actor,
        "safeguarding_alert.raise",
        "SafeguardingAlert",
        alert.id,
        {
            "providerId": provider_id,
            "settingId": setting_id,
            "category": category,
            "severity": severity,
            "status": AlertStatus.OPEN,
            "trigger": trigger,
        },
    )
    return alert


async def raise_alert(
    session: AsyncSession,
    actor: Principal,
    *,
    provider_id: int,
    setting_id: int | None = None,
    category: AlertCategory,
    severity: AlertSeverity,
    summary: str,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> SafeguardingAlert:
    participating = (
        bool((await session.execute(select(participating_borough(actor)))).scalar()) if actor.is_borough else False
    )
    ensure_raises_alerts(actor, participating=participating)
    summary = (summary or "").strip()

    async def create(id_: int | None) -> SafeguardingAlert:
        if await organisation_of_kind(session, provider_id, OrganisationKind.PROVIDER) is None:
            raise Forbidden()
        errors = _summary_errors(summary)
        if setting_id is not None:
            setting = await get_or_forbidden(session, Setting, setting_id)
            if setting.provider_id != provider_id:
                errors.append(
                    UserError(
                        "setting_id",
                        AlertErrorCode.SETTING_NOT_OF_PROVIDER,
                        "The setting is not one of this provider's",
                    )
                )
        if errors:
            raise UserErrors(errors)
        return await _new_alert(
            session,
            actor,
            provider_id=provider_id,
            setting_id=setting_id,
            category=category,
            severity=severity,
            summary=summary,
            at=now or clock.now(),
            id_=id_,
        )

    return await idempotent(
        session,
        actor.organisation_id,
        "safeguardingAlertRaise",
        idempotency_key,
        {
            "provider": provider_id,
            "setting": setting_id,
            "category": category,
            "severity": severity,
            "summary": summary,
        },
        SafeguardingAlert,
        create,
        AlertErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


async def alliance_system_principal(session: AsyncSession, actor_id: str) -> Principal:
    """The service acting for the alliance (the timers, the rules that raise alerts by themselves)."""
    alliance = (
        await session.execute(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.ALLIANCE)
            .order_by(Organisation.id)
            .limit(1)
        )
    ).scalar_one()
    return system_principal(alliance.id, alliance.kind, alliance.slug, actor_id)


async def raise_system_alert(
    session: AsyncSession,
    *,
    actor_id: str,
    provider_id: int,
    setting_id: int | None,
    category: AlertCategory,
    severity: AlertSeverity,
    summary: str,
    trigger: str,
    now: datetime | None = None,
) -> SafeguardingAlert:
    """An alert the service raises itself, in the caller's transaction, raised by the alliance."""
    actor = await alliance_system_principal(session, actor_id)
    return await _new_alert(
        session,
        actor,
        provider_id=provider_id,
        setting_id=setting_id,
        category=category,
        severity=severity,
        summary=summary[:SUMMARY_MAX],
        at=now or clock.now(),
        trigger=trigger,
    )


async def update_alert(
    session: AsyncSession,
    actor: Principal,
    alert_id: int,
    *,
    status: AlertStatus | None,
    notes: str,
    now: datetime | None = None,
) -> SafeguardingAlert:
    """A step of the review: a new status (TRANSITIONS) or the same one (notes only), with notes."""
    ensure_safeguarding_lead(actor)
    alert = await get_or_forbidden(session, SafeguardingAlert, alert_id, lock=True)
    notes = (notes or "").strip()
    to = status or alert.status
    errors = notes_errors(notes, required=True)
    if alert.status is AlertStatus.RESOLVED:
        errors.append(UserError("status", AlertErrorCode.INVALID_TRANSITION, "A resolved alert is final"))
    elif to is not alert.status and to not in TRANSITIONS[alert.status]:
        errors.append(transitions.refusal("status", AlertErrorCode.INVALID_TRANSITION, "An alert", alert.status, to))
    if errors:
        raise UserErrors(errors)
    at = now or clock.now()
    before = alert.status
    alert.status, alert.updated_at = to, at
    session.add(
        SafeguardingAlertUpdate(
            alert_id=alert.id,
            status_before=before,
            status_after=to,
            notes=notes,
            organisation_id=actor.organisation_id,
            actor_kind=actor.actor_kind.value,
            actor_id=actor.actor_id or actor.organisation_slug,
            created_at=at,
        )
    )
    audit.record(
        session,
        actor,
        "safeguarding_alert.update",
        "SafeguardingAlert",
        alert.id,
        {
            "from": before,
            "to": to,
            "providerId": alert.provider_id,
            "settingId": alert.setting_id,
            "severity": alert.severity,
        },
    )
    await session.flush()
    return alert


@ofsted_judgement_recorded.handler
async def on_ofsted_judgement(session: AsyncSession, setting: Setting, grade, inspected_on, judgement_id: int) -> None:
    """Called in the transaction that records an Ofsted judgement (api/market/settings.py, the hook
    `ofsted_judgement_recorded`): an Inadequate one raises a HIGH alert on the setting, raised by the alliance (the
    service acting for it). New bids with the setting are refused by the bid rules (SETTING_INADEQUATE); existing
    ones are excluded by the evaluation."""
    if OfstedGrade(grade) is not OfstedGrade.INADEQUATE:
        return
    latest = (
        await session.execute(
            select(OfstedJudgement.id)
            .where(OfstedJudgement.setting_id == setting.id)
            .order_by(OfstedJudgement.inspected_on.desc(), OfstedJudgement.id.desc())
            .limit(1)
        )
    ).scalar_one()
    if latest != judgement_id:
        return  # an older inspection recorded for the history: a later judgement counts
    await raise_system_alert(
        session,
        actor_id="system:ofsted-judgement",
        provider_id=setting.provider_id,
        setting_id=setting.id,
        category=AlertCategory.REGULATORY,
        severity=AlertSeverity.HIGH,
        summary=f"Ofsted judged {setting.name} Inadequate (inspected {inspected_on.isoformat()}).",
        trigger=f"ofsted_judgement:{judgement_id}",
    )
