"""Following the stream for one viewer: replay from a cursor, then live, each event checked for this viewer.

`follow` registers with the worker's hub first, then replays from the database up to the position the hub had
reached at that moment, then takes live events after it: no gap and no duplicate at the seam. Each event is
yielded with fresh DataLoaders, so what a subscriber is shown is read for that event, never from an earlier one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from graphql import GraphQLObjectType
from strawberry import relay

from api.core import events
from api.core.events import Event, Position
from api.core.permissions import sees_event
from schema.core.context import Info
from schema.core.errors import BadUserInput
from schema.core.loaders import Loaders
from schema.events.types import StreamEvent
from schema.market.types import organisation_by_id

REPLAY_BATCH = 200
ORGANISATION = "Organisation"  # the audit log's name for alliance, borough and provider rows
_node_types: dict[int, frozenset[str]] = {}


def parse_after(after: str | None) -> Position | None:
    if after is None:
        return None
    try:
        return Position.from_cursor(after)
    except ValueError as exc:
        raise BadUserInput(str(exc)) from None


def node_types(info: Info) -> frozenset[str]:
    """The audit log's entity types whose events can be on the stream: the schema's Node types, and
    Organisation (shown as the Node type of its kind)."""
    gql_schema = info._raw_info.schema
    names = _node_types.get(id(gql_schema))
    if names is None:
        names = _node_types[id(gql_schema)] = frozenset(
            name
            for name, t in gql_schema.type_map.items()
            if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)
        ) | {ORGANISATION}
    return names


def fresh_loaders(info: Info) -> None:
    info.context.loaders = Loaders(info.context.db, info.context.principal)


async def follow(
    info: Info,
    after: Position | None,
    wants: Callable[[Event], bool],
    *,
    actions: Iterable[str] | None = None,
    prepare: Callable[[Event], Awaitable[object] | None] | None = None,
) -> AsyncIterator[Event]:
    """The events `wants` accepts after `after` (from now on when None): replayed, then live. `prepare` starts,
    for a live event, what the caller will read of it for every subscriber alike (`Event.shared`): the
    hub runs it before it queues the event (api/core/realtime.py)."""
    hub = info.context.hub
    if hub is None:
        raise RuntimeError("subscriptions need the event hub (api/core/realtime.py) of a running server")
    subscriber = await hub.subscribe(wants, prepare)
    try:
        last = after if after is not None else subscriber.since
        while last < subscriber.since:
            async with info.context.db.reading() as conn:
                batch, reached = await events.read_after(
                    conn, last, REPLAY_BATCH, upto=subscriber.since, actions=actions
                )
            for event in batch:
                if wants(event):
                    fresh_loaders(info)
                    yield event
            if len(batch) < REPLAY_BATCH:
                break
            last = reached
        last = max(last, subscriber.since)
        while True:
            event = await subscriber.next()
            if event.position <= last:  # a cursor from a worker that had read further than this one
                continue
            last = event.position
            fresh_loaders(info)
            yield event
    finally:
        hub.unsubscribe(subscriber)


async def as_seen_by_viewer(info: Info, event: Event) -> StreamEvent | None:
    """The event with its node as the viewer sees it; None when the viewer may not see the node (or, for a
    drafting action, the event)."""
    if not sees_event(
        info.context.principal,
        drafting=event.action in events.DRAFTING_ACTIONS,
        actor_organisation_id=event.organisation_id,
    ):
        return None
    if event.entity_type == ORGANISATION:  # one table, three node types (Alliance, LocalAuthority, Provider)
        node = await organisation_by_id(info, event.entity_id)
    else:
        node = await relay.GlobalID(event.entity_type, str(event.entity_id)).resolve_node(info, required=False)
    if node is None:
        return None
    return StreamEvent(cursor=event.cursor, type=event.action, occurred_at=event.occurred_at, node=node)


async def visible_events(info: Info, batch: list[Event]) -> list[StreamEvent]:
    """Those of `batch` the viewer may see, in order; node loads are batched per type by the DataLoaders."""
    names = node_types(info)
    candidates = [e for e in batch if events.streamed(e, names)]
    seen = await asyncio.gather(*(as_seen_by_viewer(info, e) for e in candidates))
    return [s for s in seen if s is not None]


def streamed_filter(info: Info) -> Callable[[Event], bool]:
    names = node_types(info)
    return lambda event: events.streamed(event, names)
