"""Each speed-up that reaches into a library's internals, measured with it and without it, in one run.

    uv run python bench/internals.py [--shapes subscriber,requests] [--rounds 9] [--subscribers 300] [--seconds 0.3]
        [--only WORDS] [--operations WORDS]

The house rule (docs/benchmarks.md, "Speed-ups on library internals"): a speed-up that reaches into a library's
internals stays only if it saves at least 10% on its bench, behind an upper-bound pin of that library and with a
differential test. This prints, for each one still in the code, the figures to decide by.

Each speed-up has a switch (`_switches`): off puts back the library's own code where ours was installed (the
method, the hook or the function), nothing else. For each speed-up and each shape it is measured on, the answers
are first checked to be the same with it and without it; then rounds alternate (on, off; then off, on: a drift in
the machine's load moves both alike), every other speed-up staying as shipped. It prints the median CPU this
process spends per operation each way and the gain, (off - on) / off, and whether the gain on the speed-up's own
bench (the one it was made for) reaches 10%. The speed-ups that did not are gone, with their switches; their
figures are in docs/benchmarks.md.

The shapes are the project's benches, run in this process:
- `subscriber`: bench/subscriber.py's: one `requirementPublished` event handed to every subscriber (real
  subscriptions of the real schema, each with its own provider's context; no server, no database). CPU per
  subscriber and event (bench/fanout.py's fan-out is made of these).
- `requests`: bench/budget.py's: requests through the whole application (ASGI, the token's check, the budget,
  Strawberry, the resolvers) on the demo market, each with a real borough token: `{ viewer { scopes } }` (the
  floor every authenticated request pays, bench/bids.py), bench/budget.py's page of vehicles, bench/queries.py's
  providers with their settings, and `requirementCreate` (the mutation bench/bids.py sets up with: a nested input).
  CPU of this process per request (the server's side; PostgreSQL's own is not in it).

Uses DATABASE_URL for `requests` (migrated, and the demo loaded into it unless it holds organisations already, so
that a second run reuses the first's), else an embedded PostgreSQL under a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext  # noqa: E402

from schema.core import execution  # noqa: E402

_ABSENT = object()


@dataclass
class Switch:
    name: str
    library: str
    where: str
    shapes: tuple[str, ...]
    decides: str  # the measurement that decides (the start of its label): the bench the speed-up was made for
    off: Callable[[], None]
    on: Callable[[], None]


def _attribute(owner: Any, name: str, plain: Any) -> tuple[Callable[[], None], Callable[[], None]]:
    """Off: `owner.name` is the library's own (`plain`; `_ABSENT`: the attribute is not defined on `owner`, the
    library's is inherited). On: ours, as shipped."""
    ours = owner.__dict__[name]

    def off() -> None:
        if plain is _ABSENT:
            delattr(owner, name)
        else:
            setattr(owner, name, plain)

    def on() -> None:
        setattr(owner, name, ours)

    return off, on


def _switches() -> list[Switch]:
    found = [
        Switch(
            "subfield memo across executions",
            "graphql-core",
            "schema/core/execution.py ExecutionContext.collect_subfields",
            ("subscriber", "requests"),
            "subscriber",  # made for the fan-out (bench/fanout.py)
            *_attribute(
                execution.ExecutionContext, "collect_subfields", StrawberryGraphQLCoreExecutionContext.collect_subfields
            ),
        ),
        Switch(
            "statements on the driver",
            "sqlalchemy, asyncpg",
            "api/core/db.py DriverStatement (auth/tokens.py token_state, api/core/budget.py charge)",
            ("requests",),
            "requests: floor",  # made for what every authenticated request pays (bench/bids.py's floor)
            *_driver_statement(),
        ),
    ]
    return found


def _driver_statement() -> tuple[Callable[[], None], Callable[[], None]]:
    from api.core.db import DriverStatement

    async def through_sqlalchemy(self: DriverStatement, conn: Any, **params: Any) -> Any:
        DriverStatement.runs += 1
        result = await conn.execute(self.statement, params)
        return result.mappings().first() if result.returns_rows else None

    return _attribute(DriverStatement, "fetch_row", through_sqlalchemy)


@dataclass
class Figures:
    on: list[float]
    off: list[float]

    def line(self, unit: str, scale: float) -> str:
        on, off = statistics.median(self.on) * scale, statistics.median(self.off) * scale
        return f"without {off:.1f} {unit}, with {on:.1f} {unit}: gain {(off - on) / off:+.1%}"

    @property
    def gain(self) -> float:
        off = statistics.median(self.off)
        return (off - statistics.median(self.on)) / off


async def measure(
    switch: Switch, run: Callable[[], Awaitable[Any]], answer: Callable[[], Awaitable[Any]], rounds: int
) -> Figures:
    """`run` does the shape's operations once and returns the CPU per operation; `answer` gives what a client
    receives, to compare. Rounds alternate their order."""
    switch.off()
    try:
        without = await answer()
    finally:
        switch.on()
    with_it = await answer()
    if with_it != without:
        raise SystemExit(f"{switch.name}: the answers differ with and without it:\n{with_it!r}\n{without!r}")
    figures = Figures([], [])
    for state in ("on", "off"):  # warm both
        (switch.off if state == "off" else switch.on)()
        await run()
    switch.on()
    for n in range(rounds):
        for state in ("on", "off") if n % 2 == 0 else ("off", "on"):
            (switch.off if state == "off" else switch.on)()
            try:
                getattr(figures, state).append(await run())
            finally:
                switch.on()
    return figures


# --- the subscriber shape (bench/subscriber.py) ----------------------------------------------------------------


class SubscriberShape:
    def __init__(self, subscribers: int):
        self.count = subscribers
        self.received: list[str] = []
        self.round = 0

    async def start(self) -> None:
        from fanout import SUBSCRIPTION
        from subscriber import FIRST_PROVIDER  # bench/subscriber.py's subscriptions and events

        from api.core.config import get_settings
        from api.core.events import Position
        from api.core.principal import OrganisationKind, Principal, Scope
        from api.core.realtime import Hub
        from schema import schema
        from schema.core.context import Context

        self.hub = Hub(None, dsn="postgresql://unused")  # type: ignore[arg-type]  # never started: fed below
        self.hub.position, self.hub.current = Position(1, 1), True
        self.providers = range(FIRST_PROVIDER, FIRST_PROVIDER + self.count)
        self.done: asyncio.Queue = asyncio.Queue()
        self.tasks = []
        for provider_id in self.providers:
            principal = Principal(
                organisation_id=provider_id,
                organisation_kind=OrganisationKind.PROVIDER,
                organisation_slug=f"p{provider_id}",
                scopes=frozenset({Scope.PROVIDER}),
            )
            context = Context(db=None, settings=get_settings(), principal=principal, hub=self.hub)  # type: ignore[arg-type]
            stream = await schema.subscribe(SUBSCRIPTION, context_value=context)
            self.tasks.append(asyncio.create_task(self._follow(stream)))
        for _ in range(3):
            await asyncio.sleep(0)
        if len(self.hub.subscribers) != self.count:
            raise SystemExit(f"{len(self.hub.subscribers)} of {self.count} subscribed")

    def _event(self) -> Any:
        """bench/subscriber.py's event, with its requirement and times fixed: events differ only in their position
        (a subscription never takes the same position twice), so that the answers can be compared."""
        from subscriber import REQUIREMENT, _invitation_row, _requirement_row

        from api.core.events import Event, Position
        from api.placements.enums import MatchLevel
        from schema.placement.types import requirement_or_none

        self.round += 1
        at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        requirement = _requirement_row(REQUIREMENT)
        requirement.response_deadline = requirement.published_at = requirement.created_at = at
        invitations = {p: _invitation_row(REQUIREMENT, p) for p in self.providers}
        for invitation in invitations.values():
            invitation.invited_at = at
        event = Event(
            Position(1000 + self.round, 5000 + self.round),
            "requirement.publish",
            "Requirement",
            REQUIREMENT,
            2,
            at,
            {"invited": {str(p): MatchLevel.FULL.value for p in self.providers}},
        )
        shared: asyncio.Future = asyncio.get_running_loop().create_future()
        shared.set_result((requirement_or_none(requirement), invitations))
        event._shared["published"] = shared  # what the hub's preparation leaves (schema/events/subscriptions.py)
        return event

    async def _follow(self, stream: Any) -> None:
        async for result in stream:  # what Strawberry's graphql-transport-ws handler sends, up to the socket
            errors = [e.formatted for e in result.errors] if result.errors else None
            self.received.append(json.dumps({"type": "next", "payload": {"data": result.data, "errors": errors}}))
            await self.done.put(None)

    async def _one_event(self) -> None:
        event = self._event()
        self.received.clear()
        for subscriber in list(self.hub.subscribers):
            if subscriber.wants(event):
                subscriber.put(event)
        for _ in self.providers:
            await asyncio.wait_for(self.done.get(), 60)

    async def run(self) -> float:
        start = time.process_time()
        await self._one_event()
        return (time.process_time() - start) / self.count

    async def answer(self) -> Any:
        await self._one_event()
        answers = [json.loads(text) for text in self.received]
        for answer in answers:  # the event's position: the only difference from one event to the next
            answer["payload"]["data"]["requirementPublished"]["cursor"] = None
        return sorted(json.dumps(answer) for answer in answers)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


# --- the requests shape (bench/budget.py's, on the demo market) -------------------------------------------------

VEHICLES = "{ dpvs(first: 10) { nodes { name lots(first: 20) { nodes { code weeklyRateCap } } } } }"
CREATE = """mutation($input: RequirementCreateInput!) { requirementCreate(input: $input) {
  requirement { status urgency expectedDurationWeeks } userErrors { field code message } } }"""


class RequestsShape:
    def __init__(self, url: str, seconds: float):
        self.url, self.seconds = url, seconds

    async def start(self) -> None:
        from budget import InProcess
        from queries import PROVIDERS

        from api.core.config import get_settings
        from api.core.db import Database
        from api.demo import load_demo
        from api.web.app import create_app
        from auth.clients import register_client_as_system
        from auth.keys import ensure_active_key

        get_settings.cache_clear()
        # The budget on, as configured by default, and never refusing: its charge runs on every request.
        settings = get_settings().model_copy(
            update={
                "database_url": self.url,
                "timer_poll_seconds": 0,
                "event_poll_seconds": 0,
                "rate_limit": True,
                "rate_limit_burst": 10**9,
                "rate_limit_points_per_second": 10.0**9,
                "access_token_ttl": 24 * 3600,  # the run outlasts the default lifetime
            }
        )
        self.db = Database.from_settings(settings)
        async with self.db.transaction() as s:
            await load_demo(s)
        async with self.db.transaction() as s:
            await ensure_active_key(s)
            reg = await register_client_as_system(s, "bench", organisation_slug="barnet", scopes="borough")
        self.app = create_app(settings, self.db)
        self.lifespan = self.app.router.lifespan_context(self.app)
        self.client = InProcess(self.app, await self.lifespan.__aenter__())
        form = f"grant_type=client_credentials&client_id={reg.client.client_id}&client_secret={reg.client_secret}"
        status, body = await self.client.post(
            "/oauth/token", form.encode(), [(b"content-type", b"application/x-www-form-urlencoded")]
        )
        assert status == 200, body
        self.headers = [
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {json.loads(body)['access_token']}".encode()),
        ]
        dpvs = await self.post("{ dpvs(first: 10) { nodes { category lots(first: 20) { nodes { id code } } } } }")
        lot = next(
            lot_
            for d in dpvs["data"]["dpvs"]["nodes"]
            if d["category"] == "INDEPENDENT_FOSTERING"
            for lot_ in d["lots"]["nodes"]
            if lot_["code"] == "IFA-STD"
        )
        child = {
            "caseReference": "BENCH-1",
            "ageYears": 9,
            "sex": "FEMALE",
            "languages": ["English"],
            "needs": [],
            "siblingGroupSize": 1,
            "homePostcodeDistrict": "NW10",
            "homeLocation": {"latitude": 51.543, "longitude": -0.245},
            "maxDistanceKm": 200,
            "avoidAreas": [],
        }
        create = {
            "lotId": lot["id"],
            "urgency": "PLANNED",
            "plannedStart": (date.today() + timedelta(days=14)).isoformat(),
            "expectedDurationWeeks": 26,
            "child": child,
        }
        self.operations = {
            "floor { viewer { scopes } }": ("{ viewer { scopes } }", None),
            "page of vehicles (bench/budget.py)": (VEHICLES, None),
            "providers with settings (bench/queries.py)": (PROVIDERS, None),
            "requirementCreate (bench/bids.py's set-up)": (CREATE, {"input": create}),
        }

    async def post(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables}).encode()
        status, answer = await self.client.post("/graphql", body, self.headers)
        assert status == 200, answer[:300]
        decoded = json.loads(answer)
        assert "errors" not in decoded, decoded["errors"]
        return decoded

    async def shape(self, label: str) -> tuple[Callable[[], Awaitable[float]], Callable[[], Awaitable[Any]]]:
        """The operation's run: as many requests as take about `self.seconds` of CPU."""
        query, variables = self.operations[label]
        start = time.process_time()
        for _ in range(3):
            await self.post(query, variables)
        count = max(3, round(self.seconds / ((time.process_time() - start) / 3)))

        async def run() -> float:
            start = time.process_time()
            for _ in range(count):
                await self.post(query, variables)
            return (time.process_time() - start) / count

        async def answer() -> Any:
            decoded = await self.post(query, variables)
            decoded.get("extensions", {}).get("cost", {}).pop("remaining", None)  # the budget's, per request
            return decoded

        return run, answer

    async def stop(self) -> None:
        await self.lifespan.__aexit__(None, None, None)
        await self.db.dispose()


async def main_async(args: argparse.Namespace, url: str | None) -> None:
    switches = _switches()
    if args.only:
        switches = [s for s in switches if any(word in s.name for word in args.only.split(","))]
    shapes = args.shapes.split(",")
    results: list[tuple[Switch, str, Figures, str, float]] = []
    if "subscriber" in shapes:
        subscriber = SubscriberShape(args.subscribers)
        await subscriber.start()
        try:
            for switch in switches:
                if "subscriber" in switch.shapes:
                    figures = await measure(switch, subscriber.run, subscriber.answer, args.rounds)
                    label = f"subscriber ({args.subscribers} subscribers, one event), CPU per subscriber and event"
                    results.append((switch, label, figures, "µs", 1e6))
                    print(f"{switch.name} | {label} | {figures.line('µs', 1e6)}", flush=True)
        finally:
            await subscriber.stop()
    if "requests" in shapes:
        assert url is not None
        requests = RequestsShape(url, args.seconds)
        await requests.start()
        try:
            for switch in switches:
                if "requests" not in switch.shapes:
                    continue
                for label in requests.operations:
                    if args.operations and not any(word in label for word in args.operations.split(",")):
                        continue
                    run, answer = await requests.shape(label)
                    figures = await measure(switch, run, answer, args.rounds)
                    line = f"requests: {label}, CPU per request"
                    results.append((switch, line, figures, "µs", 1e6))
                    print(f"{switch.name} | {line} | {figures.line('µs', 1e6)}", flush=True)
        finally:
            await requests.stop()
    print()
    print(f"{args.rounds} rounds each way, medians; gain = (without - with) / without; keep at >= 10% on its bench")
    for switch in switches:
        mine = [r for r in results if r[0] is switch]
        if not mine:
            continue
        deciding = [r[2].gain for r in mine if r[1].startswith(switch.decides)]
        verdict = "keep" if deciding and min(deciding) >= 0.10 else "remove"
        print(
            f"- {switch.name} [{switch.library}] ({switch.where}): on its bench ({switch.decides}) "
            f"{', '.join(f'{g:+.1%}' for g in deciding)}: {verdict}"
        )
        for _, label, figures, unit, scale in mine:
            print(f"    {label}: {figures.line(unit, scale)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default="subscriber,requests")
    parser.add_argument("--only", default="", help="comma-separated words: only the speed-ups whose name has one")
    parser.add_argument("--operations", default="", help="comma-separated words: only the requests whose label has one")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--subscribers", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=0.3, help="CPU per round and way, for `requests`")
    args = parser.parse_args()
    if "requests" not in args.shapes:
        asyncio.run(main_async(args, None))
        return
    from api.core import migrate
    from api.core.embedded import database_url

    with tempfile.TemporaryDirectory() as tmp, database_url(os.environ.get("DATABASE_URL"), Path(tmp)) as url:
        migrate.upgrade(url)
        asyncio.run(main_async(args, url))


if __name__ == "__main__":
    main()
