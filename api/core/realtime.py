"""The event hub of one worker: one LISTEN connection, one reader of the outbox, many subscribers.

- **Listening.** One dedicated asyncpg connection (not from the pool: it is held for the worker's life) LISTENs
  on `dpv_events`. Notifications are only wake-ups; the hub always reads the table. When the connection
  drops (network, restart, `pg_terminate_backend`) it reconnects by itself with backoff and reads everything
  it missed: nothing is lost, because the position it has read up to lives here, not in the notifications.
- **Reading.** On a wake-up, and at least every `poll_seconds` anyway, the hub reads the final events after
  its position (api/core/events.py) and hands each to the subscribers that want it. A notification for a row
  still beyond the horizon (an older transaction is still open) makes it look again shortly after.
- **Only for someone.** While no one subscribes, the hub reads nothing: a worker that only answers HTTP requests
  does not read each event its own writes announce (a cost on every bid, bench/bids.py), nor poll. The
  first subscriber after such a pause brings it up to date: its position becomes the stream's head, as at
  start, since the events before it were nobody's to deliver here.
- **Subscribers.** Each has a bounded queue. One that falls too far behind is ended with `Overflow` rather
  than letting a slow client grow the worker's memory: it reconnects and resumes from its cursor.
- **Preparing.** A subscriber may say what every subscriber like it will read for an event (`prepare`: e.g. a
  published requirement's invitations, read once for all of them). The hub starts that before it queues the
  event and waits for it, at most `PREPARE_SECONDS`: the subscribers then wake once, with the data there,
  instead of each waking to find the read still running and waking again when it is done. The read is the
  subscriber's own code and its outcome its own business: the hub never fails or stalls longer for it.

Several workers each run their own hub against the same table: an event committed through any worker reaches
the subscribers of all of them. No broker but PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg

from api.core import events, metrics
from api.core.db import Database
from api.core.events import Event, Position

log = logging.getLogger("dpv.realtime")

BATCH = 500
QUEUE_LIMIT = 1000
STALE_SECONDS = 2.0  # a notified row still unread after this is left to the regular poll
PREPARE_SECONDS = 1.0  # the longest the hub waits for subscribers' preparations before queuing an event anyway


class Overflow(Exception):
    """The subscriber fell more than QUEUE_LIMIT events behind. Shown to the client (not masked) with this
    code: it resubscribes with the last cursor it received and replays what it missed."""

    extensions = {"code": "RESUME_FROM_CURSOR"}


@dataclass(eq=False)
class Subscriber:
    wants: Callable[[Event], bool]
    since: Position  # the hub's position when it registered: live events are all after it
    # Called for each event it wants before the event is queued; an awaitable returned is awaited by the hub
    # (bounded), its result or error left for the subscriber to take (see the module's doc).
    prepare: Callable[[Event], Awaitable[object] | None] | None = None
    # None wakes the reader of a subscriber that overflowed.
    queue: asyncio.Queue[Event | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    overflowed: bool = False

    def put(self, event: Event) -> None:
        """Queue an event it wants (the hub asked `wants`)."""
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            # Drop what it had queued and wake its reader, which ends the subscription with Overflow.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    async def next(self) -> Event:
        event = await self.queue.get()
        if event is None or self.overflowed:
            raise Overflow("The subscriber fell behind: resume from the last cursor received")
        return event


class Hub:
    def __init__(self, db: Database, *, poll_seconds: float = 1.0, dsn: str | None = None):
        self.db = db
        self.poll_seconds = poll_seconds
        self.dsn = dsn or db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.position = events.START
        # Whether `position` is as far as the hub has read for its subscribers; False while it has none and so
        # reads nothing (the module's doc).
        self.current = False
        self._catching_up = asyncio.Lock()
        self.subscribers: set[Subscriber] = set()
        self.listening = asyncio.Event()  # set while the LISTEN connection is up
        self.connection: asyncpg.Connection | None = None
        self._wake = asyncio.Event()
        self._notified: dict[int, float] = {}  # ids notified but not read yet -> when first notified
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        self.delivered = 0
        self.reconnects = 0

    # --- life ---------------------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="dpv-listen"),
            asyncio.create_task(self._pump(), name="dpv-events"),
        ]

    async def stop(self) -> None:
        # The flag as well as the cancellation: on Python 3.11 `asyncio.wait_for` can swallow a cancellation
        # that arrives as the awaited event is set, and the loops would go on.
        self._stopping = True
        self._wake.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def subscribe(
        self, wants: Callable[[Event], bool], prepare: Callable[[Event], Awaitable[object] | None] | None = None
    ) -> Subscriber:
        """Register for the live events after the hub's position, which the subscriber is given as `since`."""
        if not self.current:
            async with self._catching_up:  # also keeps a drain from reading from the old position meanwhile
                if not self.current:
                    async with self.db.reading() as conn:
                        self.position = await events.head(conn)
                    self.current = True
        # No await from here to the registration: a drain sees this subscriber, or had not started yet.
        subscriber = Subscriber(wants=wants, since=self.position, prepare=prepare)
        self.subscribers.add(subscriber)
        metrics.SUBSCRIPTIONS.inc()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber in self.subscribers:
            self.subscribers.discard(subscriber)
            metrics.SUBSCRIPTIONS.dec()

    # --- listening ----------------------------------------------------------------------------------------------

    async def _listen(self) -> None:
        backoff = 0.05
        while not self._stopping:
            lost = asyncio.Event()
            try:
                connection = await asyncpg.connect(self.dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("LISTEN connection failed (%s); retrying in %.2fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            try:
                connection.add_termination_listener(lambda _c, lost=lost: lost.set())  # this connection's own event
                await connection.add_listener(events.CHANNEL, self._on_notify)
                self.connection = connection
                self.listening.set()
                backoff = 0.05
                self._wake.set()  # read whatever committed while nobody was listening
                await lost.wait()
                log.warning("LISTEN connection lost; reconnecting")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("LISTEN connection failed (%s); reconnecting", exc)
            finally:
                self.listening.clear()
                self.connection = None
                self.reconnects += 1
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(connection.close(), timeout=1)
                if not lost.is_set():
                    await asyncio.sleep(backoff)

    def _on_notify(self, _connection: object, _pid: int, _channel: str, payload: object) -> None:
        with contextlib.suppress(ValueError):
            self._notified.setdefault(int(str(payload)), time.monotonic())  # asyncpg's payload is a str
        self._wake.set()

    # --- reading ------------------------------------------------------------------------------------------------

    async def _pump(self) -> None:
        retry = 0.0
        while not self._stopping:
            timeout = retry or self.poll_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
            self._wake.clear()
            if self._stopping:
                return
            try:
                await self.drain()
            except Exception:  # the database restarts, say: keep the position, try again
                log.exception("reading the event stream failed")
                retry = min((retry or 0.05) * 2, self.poll_seconds)
                continue
            # A notified row not read yet belongs to a transaction beyond the horizon: look again soon.
            retry = 0.01 if self._notified else 0.0

    async def drain(self) -> None:
        """Read and hand out every final event after the hub's position; read nothing while no one subscribes."""
        async with self._catching_up:
            if not self.subscribers:
                self.current = False
                self._notified.clear()
                metrics.stream_read(-1)  # nothing to read for anyone: no lag
                return
            await self._drain()
            metrics.stream_read(self.position.id)

    async def _drain(self) -> None:
        while True:
            async with self.db.reading() as conn:  # one statement: no transaction around it
                batch, reached = await events.read_after(conn, self.position, BATCH)
            for event in batch:
                self._notified.pop(event.position.id, None)
                # Who gets it is settled here: one that subscribes from now on has this position as its `since`
                # and replays the event from the table instead.
                self.position = event.position
                wanting = await self._prepare(event)
                for subscriber in wanting:
                    subscriber.put(event)
                self.delivered += 1
            self.position = reached
            if len(batch) < BATCH:
                break
        if self._notified:
            stale = [i for i, at in self._notified.items() if time.monotonic() - at > STALE_SECONDS]
            for i in stale:  # behind a long transaction (the poll still reads it), or its table was truncated
                self._notified.pop(i, None)

    async def _prepare(self, event: Event) -> list[Subscriber]:
        """The subscribers that want the event, once what they prepare for it is there (or PREPARE_SECONDS
        passed). A preparation is started as soon as the first of them asks for it, and given a turn of the loop
        to send its query, so the database works while the others are asked."""
        wanting: list[Subscriber] = []
        pending: set[asyncio.Future] = set()
        for subscriber in list(self.subscribers):
            if subscriber.overflowed or not subscriber.wants(event):
                continue
            wanting.append(subscriber)
            if subscriber.prepare is None:
                continue
            try:
                started = subscriber.prepare(event)
            except Exception:  # the subscriber meets it again when it reads
                log.exception("preparing an event for its subscribers failed")
                continue
            if started is None:
                continue
            future = asyncio.ensure_future(started)
            if not future.done() and future not in pending:
                pending.add(future)
                await asyncio.sleep(0)
        if pending:
            await asyncio.wait(pending, timeout=PREPARE_SECONDS)
        return wanting
