"""The subscriptions: `requirementPublished` (providers), `bidReceived` (boroughs), `events` (everyone).

Each checks the caller's scope when it starts and every event for that caller: a provider gets a requirement
only while it holds an INVITED invitation to it; a borough gets bids on its own requirements; `events` gives
what the viewer may see of each event's node (api/visibility.py through the DataLoaders).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry import relay

from api.core.errors import Forbidden
from api.core.events import Event
from api.core.permissions import require
from api.core.principal import Scope
from api.placements import invitations, models as pm
from api.placements.enums import InvitationStatus, MatchLevel
from schema.core.context import Info
from schema.core.nodes import decode_id
from schema.core.permissions import describe
from schema.events.stream import as_seen_by_viewer, follow, parse_after, streamed_filter
from schema.events.types import BidReceivedEvent, RequirementPublishedEvent, StreamEvent
from schema.placement.queries import AT_LEAST
from schema.placement.types import Bid, Invitation, Requirement, requirement_or_none

PUBLISH = "requirement.publish"
BID_ARRIVALS = ("bid.submit", "bid.amend")


async def _published(info: Info, requirement_id: int) -> tuple[Requirement | None, dict[int, Any]]:
    """The requirement (as the API shows it: one object for all) and every invitation to it, by provider, as
    plain rows: loaded once per event for all subscribers of this worker. Each subscriber takes only its own
    invitation, and sees the requirement only through it (a provider with an invitation may see the requirement:
    api/placements/permissions.py requirement_visible), so no visibility rule is bypassed; what the requirement's
    fields read further (its lot, its child as a provider sees it) each subscriber reads through its own
    DataLoaders. Its two statements need not share a snapshot (in the session they had before, at READ COMMITTED, they
    did not either): in autocommit, without the BEGIN and ROLLBACK around them."""
    async with info.context.db.reading() as conn:
        row, by_provider = await invitations.requirement_and_invitations(conn, requirement_id)
    return requirement_or_none(row), by_provider


@strawberry.type
class EventSubscription:
    @strawberry.subscription(
        description=describe(
            (Scope.PROVIDER,),
            "Requirements the provider is invited to as they are published, each with its "
            "invitation; with `after`, those published after that cursor first, then live. `minMatch` keeps "
            "invitations matching at least that well. A provider that is suspended is not invited, so its stream "
            "gets no new ones.",
        )
    )
    async def requirement_published(
        self, info: Info, after: str | None = None, min_match: MatchLevel | None = None
    ) -> AsyncGenerator[RequirementPublishedEvent, None]:
        principal = require(info.context.principal, Scope.PROVIDER)
        start = parse_after(after)
        me = principal.organisation_id
        invited_key = str(me)  # the event's data names the invited providers by id, as JSON keys
        levels = {level.value for level in AT_LEAST[min_match]} if min_match is not None else None

        def wants(event: Event) -> bool:
            if event.action != PUBLISH or event.entity_type != "Requirement":
                return False
            level = (event.data.get("invited") or {}).get(invited_key)
            return level is not None and (levels is None or level in levels)

        def published(event: Event) -> asyncio.Future:
            """Read once per event for all subscribers of this worker; the hub starts it before it queues a live
            event, so it is usually there when this subscriber wakes."""
            return event.shared("published", lambda: _published(info, event.entity_id))

        async for event in follow(info, start, wants, actions=[PUBLISH], prepare=published):
            # Shielded: this subscriber leaving must not cancel the others' read.
            requirement, invitations = await asyncio.shield(published(event))
            row = invitations.get(me)
            if requirement is None or row is None or row.status != InvitationStatus.INVITED:  # withdrawn since
                continue
            yield RequirementPublishedEvent(
                cursor=event.cursor, invitation=Invitation.from_row(row, requirement=requirement)
            )

    @strawberry.subscription(
        description=describe(
            (Scope.BOROUGH, Scope.WLA),
            "Bids as they are submitted or amended on the borough's requirements (one requirement with "
            "`requirementId`); with `after`, those after that cursor first, then live.",
        )
    )
    async def bid_received(
        self, info: Info, requirement_id: relay.GlobalID | None = None, after: str | None = None
    ) -> AsyncGenerator[BidReceivedEvent, None]:
        require(info.context.principal, Scope.BOROUGH, Scope.WLA)
        start = parse_after(after)
        only: int | None = None
        if requirement_id is not None:
            only = decode_id(requirement_id, "Requirement")
            if await info.context.loaders.by_id(pm.Requirement).load(only) is None:
                raise Forbidden()

        def wants(event: Event) -> bool:
            return (
                event.entity_type == "Bid"
                and event.action in BID_ARRIVALS
                and (only is None or event.data.get("requirementId") == only)
            )

        async for event in follow(info, start, wants, actions=BID_ARRIVALS):
            row = await info.context.loaders.by_id(pm.Bid).load(event.entity_id)
            if row is None:  # not the viewer's to see
                continue
            yield BidReceivedEvent(cursor=event.cursor, type=event.action, bid=Bid.from_row(row))

    @strawberry.subscription(
        description=describe(
            tuple(Scope),
            "Everything the viewer may see, as it happens: each event with its node as the viewer "
            "sees it. With `after`, the events after that cursor first, then live (the same stream as `changes`).",
        )
    )
    async def events(self, info: Info, after: str | None = None) -> AsyncGenerator[StreamEvent, None]:
        require(info.context.principal, *Scope)
        start = parse_after(after)
        async for event in follow(info, start, streamed_filter(info)):
            seen = await as_seen_by_viewer(info, event)
            if seen is not None:
                yield seen
