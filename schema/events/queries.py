"""`changes(after, first)`: the event stream as a feed for integrations that poll instead of holding a socket."""

from __future__ import annotations

import strawberry

from api.core import events
from api.core.principal import Scope
from schema.core.connection import DEFAULT_PAGE, MAX_PAGE
from schema.core.context import Info
from schema.core.errors import BadUserInput
from schema.core.permissions import scoped
from schema.events.stream import parse_after, visible_events
from schema.events.types import EventConnection, EventEdge, EventPageInfo

# Rows read per call at most: a viewer who may see few of the market's events still gets an answer quickly,
# and goes on from `endCursor`.
SCAN_LIMIT = 1000


@strawberry.type
class EventQuery:
    @scoped(
        *Scope,
        description="The events the viewer may see after `after` (from the start when omitted), "
        "oldest first, at most `first` (default 20, at most 100). The same stream as the `events` "
        "subscription. Poll from `pageInfo.endCursor`; an event appears here only once every transaction "
        "before it has ended, so no later poll can find an earlier event.",
    )
    async def changes(self, info: Info, after: str | None = None, first: int | None = None) -> EventConnection:
        if first is not None and not (0 <= first <= MAX_PAGE):
            raise BadUserInput(f"`first` must be between 0 and {MAX_PAGE}")
        want = DEFAULT_PAGE if first is None else first
        position = parse_after(after) or events.START
        edges: list[EventEdge] = []
        scanned, more = 0, True
        while len(edges) < want and scanned < SCAN_LIMIT:
            chunk = min(max(2 * (want - len(edges)), 20), SCAN_LIMIT - scanned)
            async with info.context.db.session() as session:
                batch, _ = await events.read_after(session, position, chunk)
            scanned += len(batch)
            more = len(batch) == chunk
            seen = await visible_events(info, batch)
            by_cursor = {e.cursor: e for e in seen}
            for event in batch:  # keep the position exactly at the last event handed out or passed over
                if len(edges) == want:
                    more = True
                    break
                position = event.position
                if (shown := by_cursor.get(event.cursor)) is not None:
                    edges.append(EventEdge(cursor=shown.cursor, node=shown))
            if not more:
                break
        end = position.cursor() if position != events.START else (after or None)
        return EventConnection(edges=edges, page_info=EventPageInfo(has_next_page=more, end_cursor=end))
