"""Stage-1 documents expire (DOMAIN.md: "Expired stage-1 documents suspend automatically; warnings go out before
expiry").

A document's validity is a date range (api/market/documents.py: `valid_from` to `valid_until`, both days in
England, no time of day), so it EXPIRES at the start of the day after `valid_until` (00:00 Europe/London), its
EXPIRY DAY. The question every rule here asks is the one of stage 1 (api/market/stage1.py): is a document of
this kind IN FORCE on that day? A document's end matters only when the answer is no: a document whose expiry day
another document of its kind covers (in force that day) warns no one and suspends no one, whichever of the two
was recorded first or starts later. So an old, already expired certificate recorded for the record beside one in
force changes nothing, and a renewal recorded before the old document ends makes the old one's end harmless.

When a document is recorded (`on_document_recorded`, in `documentRecord`'s transaction):
- the timers of the other documents of its kind whose expiry day it covers are cancelled;
- unless another document of its kind covers its own expiry day, an expiry timer is scheduled at its expiry, and
  a warning timer at the first warning still ahead: the start of the day N days before `valid_until` for each N
  of `DPV_DOCUMENT_EXPIRY_WARNING_DAYS` (default 30 and 7). A warning writes the audit event
  `document.expiry_warning` (entity Document) and schedules the next one; warnings already past when the
  document is recorded are not sent late; a document recorded already expired, with none of its kind in force,
  gets its expiry timer due at once;
- if it is in force that day, the DOCUMENT_EXPIRED suspensions set off by a document of its kind are lifted
  (api/safeguarding/suspensions.py `lift_for_replaced_document`); if it starts later, a start timer does the
  same at the start of its first day (a renewal recorded ahead of a gap in cover ends the suspension the gap
  set off).
A warning timer, when due, warns only if no other document of the kind is in force on the document's expiry day
(one recorded meanwhile may cover it). At expiry the timer, as the service acting for the alliance, writes
`document.expire` and, if no document of the kind is in force that day and the provider has an admitted
membership, suspends the provider from the whole market with reason DOCUMENT_EXPIRED (one active suspension per
provider and kind: a second document of the kind expiring meanwhile adds none). A document in force lifts it.

Documents recorded before this existed get their timers from the migration that added it
(migrations/versions/20261124_0008_safeguarding.py), in the same SQL terms as `schedule_for` below.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock, timers
from api.core.clock import LONDON
from api.core.config import get_settings
from api.core.errors import UserErrors
from api.market import documents, stage1
from api.market.models import Document
from api.safeguarding.alerts import alliance_system_principal
from api.safeguarding.enums import SuspensionReason
from api.safeguarding.models import Suspension
from api.safeguarding.suspensions import lift_for_replaced_document, start_of_day, suspend

EXPIRY_TIMER = "document.expiry"
WARNING_TIMER = "document.expiry_warning"
START_TIMER = "document.start"


def expires_at(valid_until: date) -> datetime:
    """The instant a document valid until `valid_until` (inclusive) expires: the start of the next day, London."""
    return start_of_day(valid_until + timedelta(days=1))


def warnings(valid_until: date, days: list[int] | None = None) -> list[tuple[int, datetime]]:
    """(days before, instant) of each warning, earliest first."""
    days = get_settings().document_expiry_warning_days if days is None else days
    return sorted(((n, start_of_day(valid_until - timedelta(days=n))) for n in set(days) if n > 0), key=lambda w: w[1])


def next_warning(valid_until: date, after: datetime) -> tuple[int, datetime] | None:
    return next(((n, t) for n, t in warnings(valid_until) if t > after), None)


def schedule_for(session: AsyncSession, doc: Document, now: datetime) -> None:
    if doc.valid_until is None:
        return
    timers.schedule(session, EXPIRY_TIMER, doc.id, expires_at(doc.valid_until))
    upcoming = next_warning(doc.valid_until, now)
    if upcoming is not None:
        timers.schedule(session, WARNING_TIMER, doc.id, upcoming[1])


def expiry_day(doc: Document) -> date | None:
    """The first day the document is no longer in force (None: it has no end)."""
    return doc.valid_until + timedelta(days=1) if doc.valid_until is not None else None


def covered_on(docs: list[Document], day: date) -> Document | None:
    """The latest of these documents (of one kind) in force on `day` (stage1.in_force), or None when none is."""
    return max(
        (d for d in docs if stage1.in_force(d, day)), key=lambda d: (d.valid_from, d.recorded_at, d.id), default=None
    )


async def _documents_of(session: AsyncSession, provider_id: int, kind) -> list[Document]:
    return list(
        (
            await session.execute(select(Document).where(Document.provider_id == provider_id, Document.kind == kind))
        ).scalars()
    )


@documents.recorded.handler
async def on_document_recorded(session: AsyncSession, doc: Document, *, now: datetime | None = None) -> None:
    """In the transaction that records `doc` (module docstring)."""
    now = now or clock.now()
    today = now.astimezone(LONDON).date()
    docs = await _documents_of(session, doc.provider_id, doc.kind)
    others = [d for d in docs if d.id != doc.id]
    for old in others:
        ends = expiry_day(old)
        if ends is not None and stage1.in_force(doc, ends):  # its end no longer matters
            for kind in (EXPIRY_TIMER, WARNING_TIMER):
                await timers.cancel(session, kind, old.id)
    ends = expiry_day(doc)
    if ends is not None and covered_on(others, ends) is None:
        schedule_for(session, doc, now)
    if doc.valid_from > today:
        timers.schedule(session, START_TIMER, doc.id, start_of_day(doc.valid_from))
    elif stage1.in_force(doc, today):
        await lift_for_replaced_document(session, doc.provider_id, doc.kind, doc.id, now)


@timers.handler(WARNING_TIMER)
async def warn(session: AsyncSession, timer: timers.Timer, at: datetime) -> None:
    doc = await session.get(Document, timer.subject_id)
    if doc is None or doc.valid_until is None:
        return
    others = [d for d in await _documents_of(session, doc.provider_id, doc.kind) if d.id != doc.id]
    if covered_on(others, doc.valid_until + timedelta(days=1)) is not None:
        return  # another document of its kind will be in force when it ends
    due = [(n, t) for n, t in warnings(doc.valid_until) if t <= at]
    days_before = due[-1][0] if due else (doc.valid_until - at.astimezone(LONDON).date()).days
    actor = await alliance_system_principal(session, "timer:" + WARNING_TIMER)
    audit.record(
        session,
        actor,
        "document.expiry_warning",
        "Document",
        doc.id,
        {
            "providerId": doc.provider_id,
            "kind": doc.kind,
            "validUntil": doc.valid_until,
            "daysBefore": days_before,
            "expiresAt": expires_at(doc.valid_until),
            "timerId": timer.id,
        },
    )
    following = next_warning(doc.valid_until, max(at, timer.due_at))
    if following is not None and following[1] < expires_at(doc.valid_until):
        # one pending timer per kind and subject (api/core/timers.py): this one is done before the next is added
        await session.execute(
            update(timers.Timer)
            .where(timers.Timer.id == timer.id)
            .values(state=timers.TimerState.DONE, finished_at=clock.now())
        )
        timers.schedule(session, WARNING_TIMER, doc.id, following[1])
    await session.flush()


@timers.handler(EXPIRY_TIMER)
async def expire(session: AsyncSession, timer: timers.Timer, at: datetime) -> None:
    doc = await session.get(Document, timer.subject_id)
    if doc is None or doc.valid_until is None or expires_at(doc.valid_until) > at:
        return
    day = at.astimezone(LONDON).date()
    in_force = covered_on(await _documents_of(session, doc.provider_id, doc.kind), day)
    actor = await alliance_system_principal(session, "timer:" + EXPIRY_TIMER)
    suspension_id = None
    if in_force is None:
        already = (
            await session.execute(
                select(Suspension.id)
                .join(Document, Document.id == Suspension.document_id)
                .where(
                    Suspension.provider_id == doc.provider_id,
                    Suspension.reason == SuspensionReason.DOCUMENT_EXPIRED,
                    Suspension.lifted_at.is_(None),
                    Document.kind == doc.kind,
                )
                .order_by(Suspension.id)
            )
        ).first()
        suspension_id = already[0] if already else None
        if suspension_id is None:
            try:
                suspension = await suspend(
                    session,
                    actor,
                    provider_id=doc.provider_id,
                    reason=SuspensionReason.DOCUMENT_EXPIRED,
                    document_id=doc.id,
                    notes=f"The {doc.kind.value.replace('_', ' ').lower()} {doc.reference} "
                    f"expired at the end of {doc.valid_until.isoformat()}",
                    now=at,
                )
                suspension_id = suspension.id
            except UserErrors:  # no admitted membership: nothing to suspend (it cannot be admitted without it)
                suspension_id = None
    audit.record(
        session,
        actor,
        "document.expire",
        "Document",
        doc.id,
        {
            "providerId": doc.provider_id,
            "kind": doc.kind,
            "validUntil": doc.valid_until,
            "suspensionId": suspension_id,
            "inForce": in_force.id if in_force is not None else None,
            "timerId": timer.id,
        },
    )
    await session.flush()


@timers.handler(START_TIMER)
async def start(session: AsyncSession, timer: timers.Timer, at: datetime) -> None:
    """The first day of a document recorded ahead of its validity: now in force, it lifts the DOCUMENT_EXPIRED
    suspensions of its kind (a gap in cover between the old document's end and this one's start)."""
    doc = await session.get(Document, timer.subject_id)
    if doc is None or not stage1.in_force(doc, at.astimezone(LONDON).date()):
        return
    await lift_for_replaced_document(session, doc.provider_id, doc.kind, doc.id, at)
