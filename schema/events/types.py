"""What the stream carries: an event (`{ cursor type node }`) and the two specialised events."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from schema.placement.types import Bid, Invitation


@strawberry.type(
    name="Event",
    description="Something that happened to an object the viewer may see. `type` is "
    "the audit log's action (e.g. `requirement.publish`, `bid.submit`, `ipa.sign`); `node` is the "
    "object as the viewer sees it now. `cursor` is its position in the stream: pass it as `after` "
    "to resume.",
)
class StreamEvent:
    cursor: str
    type: str
    occurred_at: datetime
    node: relay.Node


@strawberry.type(description="A requirement the provider is invited to, with its invitation (match and status).")
class RequirementPublishedEvent:
    cursor: str
    invitation: Invitation


@strawberry.type(description="A bid submitted or amended on one of the borough's requirements.")
class BidReceivedEvent:
    cursor: str
    type: str
    bid: Bid


@strawberry.type(
    description="A page of the event stream, oldest first. Forward only: continue from "
    "`pageInfo.endCursor`, which may lie beyond the last edge when events the viewer may not see "
    "were passed over."
)
class EventConnection:
    edges: list[EventEdge]
    page_info: EventPageInfo

    @strawberry.field(description="The events of the edges, in order.")
    def nodes(self) -> list[StreamEvent]:
        return [e.node for e in self.edges]


@strawberry.type(name="EventEdge")
class EventEdge:
    cursor: str
    node: StreamEvent


@strawberry.type(
    name="EventPageInfo",
    description="`hasNextPage` is false when the feed was read up to its end: poll again later from `endCursor`.",
)
class EventPageInfo:
    has_next_page: bool
    end_cursor: str | None
