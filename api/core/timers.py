"""Timers in PostgreSQL: something the service must do by itself at a given instant (a requirement's response
deadline; later a document's expiry, a suspension's end).

- A timer is a row (`kind`, `subject_id`, `due_at`): it survives a restart, and it is scheduled in the same
  transaction as the change that calls for it (publishing schedules the deadline; cancelling cancels it).
- `run_due_timers` takes one due timer at a time with `SELECT ... FOR UPDATE SKIP LOCKED`, runs its handler and
  marks it DONE in the same short transaction: the handler's change, its audit event and the timer's new state
  commit together or not at all. However many workers run, a timer runs once: a second runner skips the row
  the first holds, and finds it DONE afterwards.
- A handler that fails is rolled back (a savepoint), the error and the attempt are recorded, and the timer is
  tried again later (backing off); after MAX_ATTEMPTS it is FAILED and stays for someone to look at.
- Handlers are registered by kind (`@handler("requirement.deadline")`) in the domains' modules, which
  api/domains.py loads, so this module depends on no domain. A runner with no handler registered at all refuses
  to run (the domains were not loaded) rather than fail every timer.
- Every worker runs `run_forever` as a background task of the app's lifespan, polling every
  DPV_TIMER_POLL_SECONDS (1 s by default).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, cast

from sqlalchemy import BigInteger, DateTime, Enum as SAEnum, Index, Integer, String, Text, select, text, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from api.core import clock
from api.core.db import Base, Database, utcnow_column

log = logging.getLogger("dpv.timers")

MAX_ATTEMPTS = 8


class TimerState(str, Enum):
    PENDING = "PENDING"
    DONE = "DONE"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


class Timer(Base):
    __tablename__ = "timer"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[TimerState] = mapped_column(
        SAEnum(
            TimerState,
            name="timer_state",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda x: [m.value for m in x],
            validate_strings=True,
        ),
        default=TimerState.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = utcnow_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # what the runner asks for: the pending timers in due order
        Index("ix_timer_pending_due", "due_at", "id", postgresql_where=text("state = 'PENDING'")),
        # one pending timer per kind and subject: scheduling twice is a bug, not a second run
        Index(
            "uq_timer_pending_kind_subject",
            "kind",
            "subject_id",
            unique=True,
            postgresql_where=text("state = 'PENDING'"),
        ),
    )


Handler = Callable[[AsyncSession, Timer, datetime], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs when a timer of `kind` is due. It gets the session of the timer's
    transaction, the timer, and the instant the runner runs at; it raises to have the timer tried again."""

    def register(fn: Handler) -> Handler:
        if HANDLERS.get(kind, fn) is not fn:
            raise RuntimeError(f"a handler for timer kind {kind!r} is already registered")
        HANDLERS[kind] = fn
        return fn

    return register


def schedule(session: AsyncSession, kind: str, subject_id: int, due_at: datetime) -> Timer:
    """Add a timer to the caller's transaction: it exists only if that transaction commits."""
    timer = Timer(kind=kind, subject_id=subject_id, due_at=due_at, state=TimerState.PENDING, attempts=0)
    session.add(timer)
    return timer


async def cancel(session: AsyncSession, kind: str, subject_id: int) -> int:
    """Cancel the pending timer of `kind` for the subject, in the caller's transaction. Returns how many.

    A timer that a runner holds at this very moment is skipped, not waited for: the runner may itself be waiting
    for the subject the caller has locked (a deadlock otherwise). Its handler then finds the subject changed (it
    locks and checks it) and does nothing."""
    held_by_no_runner = (
        select(Timer.id)
        .where(Timer.kind == kind, Timer.subject_id == subject_id, Timer.state == TimerState.PENDING)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = await session.execute(
        update(Timer)
        .where(Timer.id.in_(held_by_no_runner))
        .values(state=TimerState.CANCELLED, finished_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount or 0  # an UPDATE's result is a CursorResult


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... at most an hour."""
    return min(timedelta(seconds=10 * 2 ** (attempts - 1)), timedelta(hours=1))


async def run_due_timers(db: Database, now: datetime | None = None, *, limit: int = 100) -> int:
    """Run the timers due at `now` (the server's clock by default), each in its own short transaction, at most
    `limit` of them. Returns how many this call took (done or failed and rescheduled)."""
    if not HANDLERS:
        raise RuntimeError("no timer handler is registered: api/domains.py loads them")
    taken = 0
    while taken < limit:
        at = now or clock.now()
        async with db.transaction() as session:
            timer = (
                await session.execute(
                    select(Timer)
                    .where(Timer.state == TimerState.PENDING, Timer.due_at <= at)
                    .order_by(Timer.due_at, Timer.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).scalar_one_or_none()
            if timer is None:
                return taken
            await _run_one(session, timer, at)
        taken += 1
    return taken


async def _run_one(session: AsyncSession, timer: Timer, at: datetime) -> None:
    timer_id, kind, subject_id, attempts = timer.id, timer.kind, timer.subject_id, timer.attempts + 1
    fn = HANDLERS.get(kind)
    try:
        if fn is None:
            raise LookupError(f"no handler for timer kind {kind!r}")
        async with session.begin_nested():
            await fn(session, timer, at)
    except Exception as exc:  # the handler's changes are rolled back with its savepoint; the timer records why
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if attempts >= MAX_ATTEMPTS or fn is None:
            values = dict(state=TimerState.FAILED, finished_at=clock.now())
            log.error("timer %s (%s %s) failed for good: %s", timer_id, kind, subject_id, exc)
        else:
            values = dict(due_at=at + backoff(attempts))
            # The exception itself, not its text: the log shows what api/core/logs.py allows of it.
            log.warning(
                "timer %s (%s %s) failed, trying again at %s: %s", timer_id, kind, subject_id, values["due_at"], exc
            )
        await session.execute(
            update(Timer).where(Timer.id == timer_id).values(attempts=attempts, last_error=error, **values)
        )
        return
    await session.execute(
        update(Timer)
        .where(Timer.id == timer_id)
        .values(attempts=attempts, state=TimerState.DONE, finished_at=clock.now(), last_error=None)
    )


async def run_forever(db: Database, poll_seconds: float) -> None:
    """The background task of one worker: run what is due, then sleep `poll_seconds` (at once again when a
    full batch was taken). Errors (the database restarting...) are logged and the loop goes on."""
    while True:
        try:
            taken = await run_due_timers(db)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the timer runner failed; trying again")
            taken = 0
        if taken < 100:
            await asyncio.sleep(poll_seconds)
