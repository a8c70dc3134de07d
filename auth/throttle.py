"""Backoff after failed authentications: the rules, and their records in PostgreSQL (`login_throttle`).

Used by the sign-in (auth/signin.py: keys `email:<address>` and `ip:<address>`) and by client authentication at
the token, revocation and introspection endpoints (auth/client_auth.py: `client:<client_id>` and
`client-ip:<address>`). Counted in the database, since several workers serve.

After `max_failures` failures within `window`, a key is locked for `first_delay`; once a key has been locked,
every further failure locks it again for twice as long (up to `max_delay`). While a key is locked, attempts are
refused without looking at the secret, and are not counted. A record left quiet for `MEMORY` is forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import LoginThrottle

MEMORY = timedelta(days=1)  # a quiet record is forgotten after this


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    window: timedelta
    first_delay: timedelta
    max_delay: timedelta

    def delay(self, lockouts: int) -> timedelta:
        return min(self.first_delay * 2 ** max(lockouts - 1, 0), self.max_delay)


@dataclass(frozen=True)
class ThrottleState:
    failures: int = 0
    window_started_at: datetime | None = None
    lockouts: int = 0
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def after_failure(state: ThrottleState, now: datetime, policy: ThrottlePolicy) -> ThrottleState:
    """The state after one more failure (not called while locked: a refused attempt is not counted)."""
    if state.lockouts:  # locked before: every failure locks again, for longer
        lockouts = state.lockouts + 1
        return ThrottleState(0, None, lockouts, now + policy.delay(lockouts))
    if state.window_started_at is None or now - state.window_started_at >= policy.window:
        failures, started = 1, now
    else:
        failures, started = state.failures + 1, state.window_started_at
    if failures >= policy.max_failures:
        return ThrottleState(0, None, 1, now + policy.delay(1))
    return replace(state, failures=failures, window_started_at=started)


# --- the records --------------------------------------------------------------------------------------------------


def state(row: LoginThrottle | None) -> ThrottleState:
    if row is None:
        return ThrottleState()
    return ThrottleState(row.failures, row.window_started_at, row.lockouts, row.locked_until)


async def forget_quiet_records(session: AsyncSession, now: datetime) -> None:
    """Delete the records quiet for `MEMORY` and not locked. A record another attempt holds is skipped, not waited
    for: an attempt never waits here while holding a record another one waits for."""
    quiet = (
        select(LoginThrottle.id)
        .where(
            LoginThrottle.updated_at < now - MEMORY,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
        .with_for_update(skip_locked=True)
    )
    await session.execute(delete(LoginThrottle).where(LoginThrottle.id.in_(quiet)))


async def lock_records(session: AsyncSession, keys: list[str]) -> dict[str, LoginThrottle]:
    """The records of `keys`, made if missing and locked for this transaction (in key order: no deadlock), so that
    parallel attempts on one key are counted one after the other."""
    keys = sorted(keys)
    await session.execute(
        insert(LoginThrottle)
        .values([{"key": k, "failures": 0, "lockouts": 0} for k in keys])
        .on_conflict_do_nothing(index_elements=[LoginThrottle.key])
    )
    rows = await session.execute(
        select(LoginThrottle)
        .where(LoginThrottle.key.in_(keys))
        .order_by(LoginThrottle.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {r.key: r for r in rows.scalars()}


async def read_records(session: AsyncSession, keys: list[str]) -> dict[str, LoginThrottle]:
    """The records of `keys` that exist, as they are now (no lock)."""
    rows = await session.execute(
        select(LoginThrottle).where(LoginThrottle.key.in_(keys)).execution_options(populate_existing=True)
    )
    return {r.key: r for r in rows.scalars()}


def retry_after(rows: list[LoginThrottle], now: datetime) -> int | None:
    """Whole seconds until the last of these records' locks ends; None when none is locked."""
    locked = [r.locked_until for r in rows if r.locked_until is not None and state(r).locked(now)]
    if not locked:
        return None
    return int((max(locked) - now).total_seconds()) + 1


def count_failure(row: LoginThrottle, policy: ThrottlePolicy, now: datetime) -> bool:
    """Count one failure on a (locked) record; True when it starts a new lockout (to be audited)."""
    before = state(row)
    after = after_failure(before, now, policy)
    row.failures, row.window_started_at = after.failures, after.window_started_at
    row.lockouts, row.locked_until, row.updated_at = after.lockouts, after.locked_until, now
    return after.lockouts > before.lockouts
