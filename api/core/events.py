"""The event stream: the audit log read in commit-safe order.

Every state change writes an audit event in its own transaction (api/core/audit.py), so the log is the
transactional outbox: an event exists if and only if its change committed. A row's **position** is
`(txid, id)`: the id of the transaction that wrote it, then its own id.

Why not the id alone: ids come from a sequence, taken before commit, so a row with a lower id can become
visible after one with a higher id; a reader that had moved past the higher one would never see it. So the
stream is read only up to the **horizon**, the oldest transaction still running in the statement's snapshot
(`pg_current_snapshot()`): every transaction older than it has ended, so its rows are final, and every
transaction still to write will get a larger txid. Read in `(txid, id)` order below the horizon, the stream only
ever grows at its end. Only this database's transactions count (`HORIZON`): one open in another database on the
same server cannot write here.

The price: a transaction of this database that stays open holds the horizon back and delays (never loses) what
commits after it. The service's own transactions are short; `idle_in_transaction_session_timeout` protects
against others.

Which events are on the stream: those about an object that is a `Node` of the GraphQL schema, except the
actions in `PRIVATE_ACTIONS`. Who sees an event is decided per viewer by whether the viewer may see its node
(the viewer's DataLoaders apply api/visibility.py), except that drafting actions stay with the organisation
that took them (`DRAFTING_ACTIONS`, api/core/permissions.py `sees_event`): the stream never says more than the node.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.core.audit import AuditEvent
from api.core.ids import parse_row_id

CHANNEL = "dpv_events"

# Audit actions that stay in the audit log only: an officer's private scoring of a bid is the borough's
# working, not news for the bidder (who may see the bid).
PRIVATE_ACTIONS = frozenset({"bid.officer_score_record"})

# Actions of an object's drafting, before anyone else could see it (a requirement before it is published): on
# the stream only for the organisation that took them and the alliance, even once others may see the object.
DRAFTING_ACTIONS = frozenset({"requirement.create", "requirement.update"})

# The horizon: every transaction of THIS database below it has ended (read-only transactions do not count).
# It is the statement's own snapshot's xmin, except that a transaction the snapshot saw running is passed over
# when pg_stat_activity shows it running in another database: it cannot write this database's audit table, so
# holding the stream back for it (a long pg_dump, a forgotten transaction of another application on the same
# server) would delay every subscriber for nothing. A running transaction not found there (it ended meanwhile,
# or its database cannot be told) still holds the horizon, so an error of this test only ever delays. The
# snapshot's xids are 64-bit, pg_stat_activity's the 32 bits of the same xid.
HORIZON = text("""(SELECT least(pg_snapshot_xmax(s), (
      SELECT min(x) FROM pg_snapshot_xip(s) AS x
      WHERE NOT EXISTS (
        SELECT FROM pg_stat_activity AS a
        WHERE a.backend_xid IS NOT NULL
          AND a.backend_xid::text::bigint = x::text::bigint % 4294967296
          AND a.datid IS DISTINCT FROM (SELECT d.oid FROM pg_database AS d WHERE d.datname = current_database()))
    ))::text::bigint
  FROM pg_current_snapshot() AS s)""")


@dataclass(frozen=True, order=True)
class Position:
    txid: int
    id: int

    def cursor(self) -> str:
        return base64.urlsafe_b64encode(f"e:{self.txid}:{self.id}".encode()).decode().rstrip("=")

    @classmethod
    def from_cursor(cls, cursor: str) -> Position:
        """Raises ValueError for anything that is not a cursor of this stream."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            prefix, txid_text, id_text = raw.split(":")
            txid, id_ = parse_row_id(txid_text), parse_row_id(id_text)  # both bigints of the database
            if prefix != "e" or txid is None or id_ is None:
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            raise ValueError(f"Invalid event cursor {cursor[:100]!r}") from None
        return cls(txid, id_)


START = Position(0, 0)


@dataclass
class Event:
    """One audit event as the stream carries it. `shared` memoises what every subscriber of one worker needs
    for this event (e.g. all invitations of a published requirement): loaded once per event, never reused
    for another."""

    position: Position
    action: str
    entity_type: str
    entity_id: int
    organisation_id: int | None
    occurred_at: datetime
    data: dict[str, Any]
    _shared: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def cursor(self) -> str:  # once per event, not once per subscriber
        return self.position.cursor()

    def shared(self, key: str, load: Callable[[], Awaitable[Any]]) -> asyncio.Future:
        """The load of `key` for this event, started by the first caller (the hub preparing the event, or the
        first subscriber to read it); every later caller gets the same future."""
        future = self._shared.get(key)
        if future is None:
            future = self._shared[key] = asyncio.ensure_future(load())
            # Its error is each subscriber's to meet when it reads; none left unretrieved if nobody does.
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
        return future


def _event(row: Any) -> Event:
    return Event(
        Position(row.txid, row.id),
        row.action,
        row.entity_type,
        row.entity_id,
        row.organisation_id,
        row.occurred_at,
        row.data or {},
    )


_COLUMNS = (
    AuditEvent.id,
    AuditEvent.txid,
    AuditEvent.action,
    AuditEvent.entity_type,
    AuditEvent.entity_id,
    AuditEvent.organisation_id,
    AuditEvent.occurred_at,
    AuditEvent.data,
)


async def read_after(
    session: AsyncSession | AsyncConnection,
    after: Position,
    limit: int,
    *,
    upto: Position | None = None,
    actions: Iterable[str] | None = None,
    entity_types: Iterable[str] | None = None,
) -> tuple[list[Event], Position]:
    """Final events after `after` (and at most `upto`), in stream order, at most `limit` rows scanned.

    Returns the events and the position reached: the last row scanned (which may be an event filtered out),
    or `after` when there is none. Continue from that position to scan on."""
    where = [tuple_(AuditEvent.txid, AuditEvent.id) > tuple_(after.txid, after.id), AuditEvent.txid < HORIZON]
    if upto is not None:
        where.append(tuple_(AuditEvent.txid, AuditEvent.id) <= tuple_(upto.txid, upto.id))
    if actions is not None:
        where.append(AuditEvent.action.in_(list(actions)))
    if entity_types is not None:
        where.append(AuditEvent.entity_type.in_(list(entity_types)))
    rows = (
        await session.execute(select(*_COLUMNS).where(*where).order_by(AuditEvent.txid, AuditEvent.id).limit(limit))
    ).all()
    events = [_event(r) for r in rows]
    return events, (events[-1].position if events else after)


async def head(session: AsyncSession | AsyncConnection) -> Position:
    """The last final position: where a reader that wants only what happens from now on starts."""
    row = (
        await session.execute(
            select(AuditEvent.txid, AuditEvent.id)
            .where(AuditEvent.txid < HORIZON)
            .order_by(AuditEvent.txid.desc(), AuditEvent.id.desc())
            .limit(1)
        )
    ).first()
    return Position(row.txid, row.id) if row else START


async def horizon(session: AsyncSession) -> int:
    return (await session.execute(select(HORIZON))).scalar_one()


def streamed(event: Event, node_types: frozenset[str]) -> bool:
    """Whether the event belongs on the stream at all (before asking whether a given viewer may see it)."""
    return event.entity_type in node_types and event.action not in PRIVATE_ACTIONS
