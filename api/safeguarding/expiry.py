"""Stage-1 documents expire (DOMAIN.md: "Expired stage-1 documents suspend automatically; warnings go out before
expiry").

A document's validity is a date range (api/market/documents.py: `valid_from` to `valid_until`, both days in
England, no time of day), so it EXPIRES at the start of the day after `valid_until` (00:00 Europe/London). When a
document is recorded (`on_document_recorded`, in `documentRecord`'s transaction), if it is the one that counts for
its kind (api/market/stage1.py `current_documents`):
- the timers of the documents of that kind it supersedes are cancelled (their replacement counts now);
- an expiry timer is scheduled at its expiry, and a warning timer at the first warning still ahead: the start of
  the day N days before `valid_until` for each N of `DPV_DOCUMENT_EXPIRY_WARNING_DAYS` (default 30 and 7). A
  warning writes the audit event `document.expiry_warning` (entity Document) and schedules the next one;
  warnings already past when the document is recorded are not sent late; a document recorded already expired
  gets its expiry timer due at once (an expired document suspends, however it came to be the current one);
- if it is in force that day, the DOCUMENT_EXPIRED suspensions set off by an earlier document of its kind are
  lifted (api/safeguarding/suspensions.py `lift_for_replaced_document`).
At expiry the timer, as the service acting for the alliance, writes `document.expire` and, if the document still
counts for its kind (no replacement yet) and the provider has an admitted membership, suspends the provider from
the whole market with reason DOCUMENT_EXPIRED (one suspension per expired document). A replacement lifts it.

Documents recorded before this existed get their timers from the migration that added it
(migrations/versions/20261124_0008_safeguarding.py), in the same SQL terms as `schedule_for` below.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit, clock, timers
from api.clock import LONDON
from api.config import get_settings
from api.errors import UserErrors
from api.market import stage1
from api.market.models import Document
from api.safeguarding.alerts import alliance_system_principal
from api.safeguarding.enums import SuspensionReason
from api.safeguarding.models import Suspension
from api.safeguarding.suspensions import lift_for_replaced_document, start_of_day, suspend

EXPIRY_TIMER = "document.expiry"
WARNING_TIMER = "document.expiry_warning"


def expires_at(valid_until: date) -> datetime:
    """The instant a document valid until `valid_until` (inclusive) expires: the start of the next day, London."""
    return start_of_day(valid_until + timedelta(days=1))


def warnings(valid_until: date, days: list[int] | None = None) -> list[tuple[int, datetime]]:
    """(days before, instant) of each warning, earliest first."""
    days = get_settings().document_expiry_warning_days if days is None else days
    return sorted(((n, start_of_day(valid_until - timedelta(days=n))) for n in set(days) if n > 0),
                  key=lambda w: w[1])


def next_warning(valid_until: date, after: datetime) -> tuple[int, datetime] | None:
    return next(((n, t) for n, t in warnings(valid_until) if t > after), None)


def schedule_for(session: AsyncSession, doc: Document, now: datetime) -> None:
    if doc.valid_until is None:
        return
    timers.schedule(session, EXPIRY_TIMER, doc.id, expires_at(doc.valid_until))
    upcoming = next_warning(doc.valid_until, now)
    if upcoming is not None:
        timers.schedule(session, WARNING_TIMER, doc.id, upcoming[1])


async def _current(session: AsyncSession, provider_id: int, kind) -> tuple[Document | None, list[Document]]:
    docs = list((await session.execute(
        select(Document).where(Document.provider_id == provider_id, Document.kind == kind))).scalars())
    return stage1.current_documents(docs).get(kind), docs


async def on_document_recorded(session: AsyncSession, doc: Document, *, now: datetime | None = None) -> None:
    """In the transaction that records `doc` (module docstring)."""
    now = now or clock.now()
    today = now.astimezone(LONDON).date()
    current, docs = await _current(session, doc.provider_id, doc.kind)
    if current is None or current.id != doc.id:
        return  # an older document recorded for the file: the current one keeps its timers
    for old in docs:
        if old.id != doc.id:
            for kind in (EXPIRY_TIMER, WARNING_TIMER):
                await timers.cancel(session, kind, old.id)
    schedule_for(session, doc, now)
    if doc.valid_from <= today and (doc.valid_until is None or today <= doc.valid_until):
        await lift_for_replaced_document(session, doc.provider_id, doc.kind, doc.id, now)


@timers.handler(WARNING_TIMER)
async def warn(session: AsyncSession, timer: timers.Timer, at: datetime) -> None:
    doc = await session.get(Document, timer.subject_id)
    if doc is None or doc.valid_until is None:
        return
    current, _ = await _current(session, doc.provider_id, doc.kind)
    if current is None or current.id != doc.id:
        return  # superseded meanwhile
    due = [(n, t) for n, t in warnings(doc.valid_until) if t <= at]
    days_before = due[-1][0] if due else (doc.valid_until - at.astimezone(LONDON).date()).days
    actor = await alliance_system_principal(session, "timer:" + WARNING_TIMER)
    audit.record(session, actor, "document.expiry_warning", "Document", doc.id, {
        "providerId": doc.provider_id, "kind": doc.kind, "validUntil": doc.valid_until, "daysBefore": days_before,
        "expiresAt": expires_at(doc.valid_until), "timerId": timer.id})
    following = next_warning(doc.valid_until, max(at, timer.due_at))
    if following is not None and following[1] < expires_at(doc.valid_until):
        # one pending timer per kind and subject (api/timers.py): this one is done before the next is added
        await session.execute(update(timers.Timer).where(timers.Timer.id == timer.id)
                              .values(state=timers.TimerState.DONE, finished_at=clock.now()))
        timers.schedule(session, WARNING_TIMER, doc.id, following[1])
    await session.flush()


@timers.handler(EXPIRY_TIMER)
async def expire(session: AsyncSession, timer: timers.Timer, at: datetime) -> None:
    doc = await session.get(Document, timer.subject_id)
    if doc is None or doc.valid_until is None or expires_at(doc.valid_until) > at:
        return
    current, _ = await _current(session, doc.provider_id, doc.kind)
    if current is None or current.id != doc.id:
        return  # replaced before it expired
    actor = await alliance_system_principal(session, "timer:" + EXPIRY_TIMER)
    already = (await session.execute(select(Suspension.id).where(
        Suspension.document_id == doc.id, Suspension.lifted_at.is_(None)))).first()
    suspension_id = already[0] if already else None
    if suspension_id is None:
        try:
            suspension = await suspend(
                session, actor, provider_id=doc.provider_id, reason=SuspensionReason.DOCUMENT_EXPIRED,
                document_id=doc.id, notes=f"The {doc.kind.value.replace('_', ' ').lower()} {doc.reference} expired "
                f"at the end of {doc.valid_until.isoformat()}", now=at)
            suspension_id = suspension.id
        except UserErrors:  # no admitted membership: nothing to suspend (it cannot be admitted without it)
            suspension_id = None
    audit.record(session, actor, "document.expire", "Document", doc.id, {
        "providerId": doc.provider_id, "kind": doc.kind, "validUntil": doc.valid_until,
        "suspensionId": suspension_id, "timerId": timer.id})
    await session.flush()
