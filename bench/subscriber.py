"""What one subscriber's share of a fan-out costs, in this process: no server, no network, no database.

    uv run python bench/subscriber.py [--subscribers 1000] [--rounds 7]

bench/fanout.py measures the fan-out end to end, but on a shared 2-core machine its figures move by a third from
run to run. This measures the part of it that grows with the number of subscribers and that is ours to make
cheaper: for each subscriber of `requirementPublished` (bench/fanout.py's subscription), taking the event from its
queue, our generator, Strawberry's stream and extensions, graphql-core's execution of the selection set, and the
JSON text of the `next` message (what Strawberry's graphql-transport-ws handler sends; the WebSocket frame and
the socket write are not included). It prints the CPU time per subscriber and event: the best and the median of
`--rounds` rounds of one event to every subscriber.

The subscriptions are real ones of the real schema, each with its own provider principal and context, following
a real event hub (api/core/realtime.py) that is not started: the events are handed to it as its drain would hand them
out, with the requirement and the invitations already read, as the hub's preparation would have left them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fanout import SUBSCRIPTION  # noqa: E402  # the subscription bench/fanout.py measures (bench/ is on the path)

from api.core.config import get_settings  # noqa: E402
from api.core.events import Event, Position  # noqa: E402
from api.core.principal import OrganisationKind, Principal, Scope  # noqa: E402
from api.core.realtime import Hub  # noqa: E402
from api.placements.enums import InvitationStatus, MatchLevel, RequirementStatus, Urgency  # noqa: E402
from schema import schema  # noqa: E402
from schema.core.context import Context  # noqa: E402
from schema.placement.types import requirement_or_none  # noqa: E402

FIRST_PROVIDER = 1000
REQUIREMENT = 42


def _requirement_row(requirement_id: int) -> SimpleNamespace:
    now = datetime.now(UTC)
    return SimpleNamespace(
        id=requirement_id,
        reference=f"REQ-{requirement_id:05d}",
        status=RequirementStatus.OPEN,
        urgency=Urgency.PLANNED,
        response_deadline=now,
        planned_start=date.today(),
        expected_duration_weeks=26,
        published_at=now,
        closed_at=None,
        awarded_at=None,
        created_at=now,
        lot_id=1,
        authority_id=2,
        max_weekly_budget=None,
        status_reason=None,
    )


def _invitation_row(requirement_id: int, provider_id: int) -> SimpleNamespace:
    return SimpleNamespace(
        id=provider_id * 10,
        requirement_id=requirement_id,
        provider_id=provider_id,
        status=InvitationStatus.INVITED,
        invited_at=datetime.now(UTC),
        match_level=MatchLevel.FULL,
        matched_setting_id=None,
        match_reasons="[]",
        withdrawn_at=None,
        withdrawal_reason=None,
    )


def _event(n: int, providers: range) -> Event:
    event = Event(
        Position(1000 + n, 5000 + n),
        "requirement.publish",
        "Requirement",
        REQUIREMENT + n,
        2,
        datetime.now(UTC),
        {"invited": {str(p): MatchLevel.FULL.value for p in providers}},
    )
    shared: asyncio.Future = asyncio.get_running_loop().create_future()
    shared.set_result(
        (
            requirement_or_none(_requirement_row(REQUIREMENT + n)),
            {p: _invitation_row(REQUIREMENT + n, p) for p in providers},
        )
    )
    event._shared["published"] = shared  # what the hub's preparation leaves (schema/events/subscriptions.py)
    return event


async def _follow(stream: object, received: list[int], done: asyncio.Queue) -> None:
    """What Strawberry's graphql-transport-ws handler does with each result, up to the socket."""
    async for result in stream:  # type: ignore[attr-defined]
        if result.errors:
            raise RuntimeError(result.errors)
        json.dumps({"id": "1", "type": "next", "payload": {"data": result.data}})
        received.append(1)
        await done.put(None)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    settings = get_settings()
    hub = Hub(None, dsn="postgresql://unused")  # type: ignore[arg-type]  # never started: fed below
    hub.position, hub.current = Position(1, 1), True  # as if it had read up to there
    providers = range(FIRST_PROVIDER, FIRST_PROVIDER + args.subscribers)
    received: list[int] = []
    done: asyncio.Queue = asyncio.Queue()
    tasks = []
    for provider_id in providers:
        principal = Principal(
            organisation_id=provider_id,
            organisation_kind=OrganisationKind.PROVIDER,
            organisation_slug=f"p{provider_id}",
            scopes=frozenset({Scope.PROVIDER}),
        )
        context = Context(db=None, settings=settings, principal=principal, hub=hub)  # type: ignore[arg-type]
        stream = await schema.subscribe(SUBSCRIPTION, context_value=context)
        tasks.append(asyncio.create_task(_follow(stream, received, done)))
    for _ in range(3):  # every subscription registers with the hub on its first turn
        await asyncio.sleep(0)
    if len(hub.subscribers) != args.subscribers:
        raise SystemExit(f"{len(hub.subscribers)} of {args.subscribers} subscribed")

    per_subscriber = []
    for n in range(args.rounds + 1):  # the first round warms the caches: not counted
        event = _event(n, providers)
        received.clear()
        start = time.process_time()
        for subscriber in list(hub.subscribers):  # as the hub's drain hands an event out
            if subscriber.wants(event):
                subscriber.put(event)
        for _ in providers:  # a subscription that failed never reports: give up rather than wait for ever
            await asyncio.wait_for(done.get(), 30)
        spent = time.process_time() - start
        if len(received) != args.subscribers:
            raise SystemExit(f"{len(received)} of {args.subscribers} received the event")
        if n:
            per_subscriber.append(spent / args.subscribers * 1e6)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(
        f"{args.subscribers} subscribers, {args.rounds} events: CPU per subscriber and event "
        f"best {min(per_subscriber):.1f} µs, median {statistics.median(per_subscriber):.1f} µs "
        f"(queue, generator, Strawberry, graphql-core, JSON; no socket)"
    )


if __name__ == "__main__":
    asyncio.run(main())
