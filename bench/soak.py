"""Soak bench: one `dpv serve` worker under a fixed request rate of the provider's dashboard read and a bid mix, for
minutes, with its throughput, latency, CPU and memory printed each minute.

    uv run python bench/soak.py [--minutes 10] [--rate R | --probe-seconds 20] [--gc tuned|freeze|default]
                                [--requirements 220] [--bid-share 0.2] [--bidders 8] [--gc-stats]

Set-up (not measured): the demo market (DATABASE_URL, which must name an empty database, else an embedded
PostgreSQL under a temporary directory); Barnet posts and publishes `--requirements` requirements on the standard
fostering lot through the API, as bench/bids.py does; every invited provider gets its token from the real token
endpoint. The first provider with foster homes ("the dashboard provider") is invited to all of them and bids on
every other one, so its dashboard shows invitations with and without its bid (the data of issue 19's read path).

Checks before anything is timed: the dashboard provider's invitations, read whole, hold every requirement once,
open, with the child's summary view, its bid where it bid and none elsewhere; the dashboard read agrees with them.
That answer's `data` is the reference every later answer of the read must equal.

The load is open-loop: requests go out on a fixed schedule (`--rate` a second, evenly spaced) whether or not
earlier ones have been answered, each on a free keep-alive connection (a new one if none is free, up to
`--connections`), so a server that slows down shows as latency (measured from each request's slot, not from when
it went out) and, once it cannot keep up, as fewer answers a second; a request sent more than 50 ms after its slot
is counted `late` (the client's own lag or no free connection). Of the requests, `--bid-share` are bid changes by
`--bidders` other providers on the open requirements (submit where the provider has no live bid, else amend or
withdraw it, never two at once on one provider and requirement) and the rest the dashboard read:

    invitations(first: 20) { totalCount nodes { status match { level } requirement { reference status urgency
      responseDeadline lot { name } child { view ageYears ageBand sex needs siblingGroupSize homePostcodeDistrict }
      bids(first: 1) { nodes { status netWeeklyPrice } } } } }

Without `--rate`, the rate is 55% of what the worker answered of the same mix in a closed loop for
`--probe-seconds` (4 requests in flight): a worker that starts with that headroom keeps up unless it slows down.
To compare runs (collector settings, commits), give them the same `--rate`. After the set-up and the probe the
server is restarted: the soak starts on a freshly started worker, with the data in place.

Each minute (`--period` seconds) it prints the answers a second (offered rate beside it), p50 and p99 latency,
errors, late requests, the server's CPU per answer (what the wall clock on a shared machine hides: a worker that
slows down costs more CPU per answer) and the server process's resident memory (VmRSS from /proc). `--gc-stats`
runs the server through a shim of this file that reports its collector each minute as well: collections per
generation so far, the objects each generation holds, the objects frozen, and over the minute the CPU spent
collecting and the longest collection (by the wall clock; the worker answers nothing meanwhile) and its generation.

At the end: a summary line with the last minute's throughput over the first's and the RSS after warm-up, and
whether the done-when of issue 15 item 9 holds:
- throughput: the last minute's answers a second at least 0.9 of the first minute's;
- memory: warm-up is the first 2 minutes; RSS "stops growing" when its least-squares slope over the minute
  samples from the end of minute 2 to the end of the run is under 1 MiB a minute (needs 3 samples or more).
Then the final check: every bid change the server acknowledged is stored as acknowledged (each bid's status and
core price, read back through `nodes(ids:)` by its provider), and the dashboard read still answers the reference.
Exits non-zero if a check fails or if any request had an error other than a timeout (a wrong answer, a GraphQL
or user error, an HTTP status other than 200, a broken connection). The figures themselves are never judged in
the exit code: this machine's speed moves.

The server's access tokens are given a lifetime covering the whole run (DPV_ACCESS_TOKEN_TTL): fetching new ones
(argon2 on the client secret) would be a load of its own in the middle of the measurement. The budget per client
(DPV_RATE_LIMIT_*) is charged on every request as usual, but with a refill no client of the bench can spend.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bids import LeanHttp, fetch_token, post_graphql, post_requirements  # noqa: E402
from fanout import cpu_ms, free_port, rss_kib, run_fast  # noqa: E402

DASHBOARD = """{ invitations(first: 20) { totalCount nodes { status match { level } requirement { reference status
  urgency responseDeadline lot { name } child { view ageYears ageBand sex needs siblingGroupSize
  homePostcodeDistrict } bids(first: 1) { nodes { status netWeeklyPrice } } } } } }"""
ALL_INVITATIONS = """query($after: String) { invitations(first: 100, after: $after) { totalCount
  pageInfo { hasNextPage endCursor } nodes { status requirement { id reference status child { view }
  bids(first: 1) { nodes { status netWeeklyPrice } } } } } }"""
MY_WORK = """{ viewer { organisation { ... on Provider { slug settings(first: 50) { nodes { id kind active } } } } }
  invitations(first: 1) { totalCount } }"""
SUBMIT = """mutation($input: BidSubmitInput!) { bidSubmit(input: $input) {
  bid { id status corePrice netWeeklyPrice } userErrors { code message } } }"""
AMEND = """mutation($input: BidAmendInput!) { bidAmend(input: $input) {
  bid { id status corePrice } userErrors { code message } } }"""
WITHDRAW = """mutation($input: BidWithdrawInput!) { bidWithdraw(input: $input) {
  bid { id status } userErrors { code message } } }"""
BIDS_BY_ID = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Bid { id status corePrice } } }"""

LATE = 0.05  # seconds after its slot from which a request counts as late
TIMEOUT = 30.0  # seconds from its slot without an answer: a timeout (given up, its connection closed)
WARM_UP = 2  # minutes (periods) before RSS is expected to stop growing
SLOPE = 1.0  # MiB a minute: under this, RSS has stopped growing


class Failed(Exception):
    """A correctness check failed."""


@dataclass
class Bidder:
    """A provider changing its bids: its token, its foster homes and, per requirement, its live bid (if any)."""

    slug: str
    token: str
    homes: list[str]
    live: dict[str, str] = field(default_factory=dict)  # requirement id -> live bid id
    stored: dict[str, tuple[str, Decimal]] = field(default_factory=dict)  # bid id -> acknowledged (status, price)
    busy: set[str] = field(default_factory=set)  # requirements with a change in flight
    unknown: set[str] = field(default_factory=set)  # requirements whose last change got no answer


@dataclass
class Sample:
    done: float  # loop time of the answer
    latency: float  # from the slot
    kind: str  # "read" or "bid"
    error: str | None = None  # None: a right answer; "timeout"; else what was wrong


class Pool:
    """Keep-alive connections (bench/bids.py's lean client): an idle one if any, else a new one up to `cap`,
    else the first to be given back. One idle for `STALE` seconds is replaced before use: uvicorn closes a
    keep-alive connection after 5 s without a request, and a request sent as it closes would be lost."""

    STALE = 2.0

    def __init__(self, host: str, port: int, cap: int):
        self.host, self.port, self.cap = host, port, cap
        self.idle: list[tuple[LeanHttp, float]] = []
        self.opened = 0
        self.waiting: collections.deque[asyncio.Future] = collections.deque()

    async def get(self) -> LeanHttp:
        now = asyncio.get_running_loop().time()
        if self.idle:
            conn, since = self.idle.pop()
            if now - since >= self.STALE:
                await conn.close()  # connected again when used
            return conn
        if self.opened < self.cap:
            self.opened += 1
            return LeanHttp(self.host, self.port)
        waiter = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        return await waiter

    def put(self, conn: LeanHttp, healthy: bool) -> None:
        if not healthy:  # its state is unknown: close it, and a fresh one (connected when used) takes its place
            asyncio.ensure_future(conn.close())
            conn = LeanHttp(self.host, self.port)
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():  # not given up (a timeout)
                waiter.set_result(conn)
                return
        self.idle.append((conn, asyncio.get_running_loop().time()))

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c, _ in self.idle), return_exceptions=True)
        self.idle.clear()
        self.opened = 0


class Load:
    """The mix: what each request is, how it is sent and how its answer is judged."""

    def __init__(
        self,
        pool: Pool,
        reader_token: str,
        reference: dict,
        bidders: list[Bidder],
        requirement_ids: list[str],
        prices: list[str],
        bid_share: float,
        seed: int = 1,
    ):
        self.pool, self.reader_token, self.reference = pool, reader_token, reference
        self.bidders, self.requirement_ids, self.prices = bidders, requirement_ids, prices
        self.bid_share = bid_share
        self.random = random.Random(seed)
        self.keys = itertools.count()
        self.samples: list[Sample] = []
        self.failures: collections.Counter[str] = collections.Counter()  # the first few kept in `examples`
        self.examples: list[str] = []
        self.late = 0

    def kind(self, i: int) -> str:
        """Request i of the schedule: a bid change whenever the share's running total passes a whole number."""
        return "bid" if int((i + 1) * self.bid_share) > int(i * self.bid_share) else "read"

    async def _post(self, query: str, variables: dict, token: str, slot: float) -> dict:
        conn = await self.pool.get()
        if asyncio.get_running_loop().time() - slot > LATE:
            self.late += 1
        healthy = False
        try:
            body = json.dumps({"query": query, "variables": variables}).encode()
            status, raw = await conn.post("/graphql", body, {"Authorization": f"Bearer {token}"})
            if status != 200:
                raise Failed(f"HTTP {status}: {raw[:200]!r}")
            answer = json.loads(raw)
            healthy = True
        finally:
            self.pool.put(conn, healthy)
        if answer.get("errors"):
            raise Failed(f"errors: {json.dumps(answer['errors'])[:300]}")
        return answer["data"]

    async def one(self, slot: float, kind: str) -> None:
        error = None
        try:
            async with asyncio.timeout_at(slot + TIMEOUT):
                if kind == "read":
                    data = await self._post(DASHBOARD, {}, self.reader_token, slot)
                    if data != self.reference:
                        raise Failed(f"the dashboard read answered something else: {json.dumps(data)[:300]}")
                else:
                    await self.change_a_bid(slot)
        except TimeoutError:
            error = "timeout"
        except Failed as e:
            error = str(e)
        except (OSError, asyncio.IncompleteReadError, ValueError) as e:
            error = f"connection: {type(e).__name__}: {e}"
        except Exception as e:  # an answer of an unexpected shape
            error = f"{type(e).__name__}: {e}"
        if error and error != "timeout":
            self.failures[kind] += 1
            if len(self.examples) < 5:
                self.examples.append(f"{kind}: {error}")
        self.samples.append(
            Sample(asyncio.get_running_loop().time(), asyncio.get_running_loop().time() - slot, kind, error)
        )

    async def change_a_bid(self, slot: float) -> None:
        """Submit where the provider has no live bid, else amend or withdraw it (half and half)."""
        bidder = self.random.choice(self.bidders)
        free = [r for r in self.requirement_ids if r not in bidder.busy and r not in bidder.unknown]
        rid = self.random.choice(free)
        bidder.busy.add(rid)
        answered = False
        try:
            bid_id = bidder.live.get(rid)
            price = self.random.choice(self.prices)
            offer = {
                "settingId": self.random.choice(bidder.homes),
                "corePrice": price,
                "extras": [],
                "availableFrom": (date.today() + timedelta(days=7)).isoformat(),
                "needsStatement": "Experienced carers; school place arranged.",
            }
            if bid_id is None:
                data = await self._post(
                    SUBMIT,
                    {
                        "input": {
                            **offer,
                            "requirementId": rid,
                            "idempotencyKey": f"soak-{bidder.slug}-{next(self.keys)}",
                        }
                    },
                    bidder.token,
                    slot,
                )
                payload, status = data["bidSubmit"], "SUBMITTED"
            elif self.random.random() < 0.5:
                data = await self._post(AMEND, {"input": {**offer, "bidId": bid_id}}, bidder.token, slot)
                payload, status = data["bidAmend"], "SUBMITTED"
            else:
                data = await self._post(WITHDRAW, {"input": {"bidId": bid_id}}, bidder.token, slot)
                payload, status = data["bidWithdraw"], "WITHDRAWN"
            answered = True
            if payload["userErrors"] or payload["bid"]["status"] != status:
                raise Failed(f"bid change refused: {payload}")
            bid = payload["bid"]
            previous = bidder.stored.get(bid["id"], (status, Decimal(price)))[1]
            bidder.stored[bid["id"]] = (status, Decimal(bid["corePrice"]) if "corePrice" in bid else previous)
            if status == "SUBMITTED":
                bidder.live[rid] = bid["id"]
            else:
                bidder.live.pop(rid, None)
        finally:
            bidder.busy.discard(rid)
            if not answered:  # it may or may not have been applied: leave this pair alone from now on
                bidder.unknown.add(rid)


def _pct(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)


class GcStats:
    """The server's collector, through the shim (`--gc-stats`): SIGUSR1 makes it write its figures to a file."""

    def __init__(self, pid: int, path: Path):
        self.pid, self.path = pid, path

    async def read(self) -> str:
        self.path.unlink(missing_ok=True)
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                s = json.loads(self.path.read_text())
                return (
                    f"; gc: collections {'/'.join(str(c) for c in s['collections'])}, objects "
                    f"{'/'.join(str(c) for c in s['objects'])}, frozen {s['frozen']}, CPU collecting "
                    f"{s['cpu'] * 1000:.0f} ms, longest {s['longest'] * 1000:.0f} ms (generation "
                    f"{s['longest_generation']})"
                )
            await asyncio.sleep(0.05)
        return "; gc: no answer"


async def soak(
    load: Load, rate: float, seconds: float, period: float, server_pid: int, gc_stats: GcStats | None, label: str
) -> tuple[list[dict], int]:
    """The open-loop schedule, with a line each period. Returns the periods' figures and how many answers came
    after the last period."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    n = int(seconds * rate)
    tasks: set[asyncio.Task] = set()
    periods: list[dict] = []

    async def schedule() -> None:
        for i in range(n):
            slot = t0 + i / rate
            if (delay := slot - loop.time()) > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(load.one(slot, load.kind(i)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def report() -> None:
        cpu, seen, late = sum(cpu_ms(server_pid)), 0, 0
        for k in itertools.count(1):
            end = t0 + min(k * period, seconds)
            await asyncio.sleep(max(0.0, end - loop.time()))
            now_cpu = sum(cpu_ms(server_pid))
            rss = rss_kib(server_pid) / 1024
            fresh = load.samples[seen:]
            seen = len(load.samples)
            span = end - (t0 + (k - 1) * period)
            answered = [s for s in fresh if s.error != "timeout"]
            latencies = [s.latency * 1000 for s in answered]
            errors = sum(1 for s in fresh if s.error)
            figures = {
                "minute": k,
                "throughput": len(answered) / span,
                "p50": _pct(latencies, 50),
                "p99": _pct(latencies, 99),
                "errors": errors,
                "late": load.late - late,
                "rss": rss,
                "cpu": (now_cpu - cpu) / max(1, len(answered)),
                "reads": sum(1 for s in answered if s.kind == "read") / span,
                "bids": sum(1 for s in answered if s.kind == "bid") / span,
            }
            late, cpu = load.late, now_cpu
            periods.append(figures)
            extra = await gc_stats.read() if gc_stats else ""
            name = "minute" if period == 60 else f"period of {period:g} s"
            print(
                f"{label} {name} {k:>2}: {figures['throughput']:5.1f} answers/s (offered {rate:.1f}: reads "
                f"{figures['reads']:.1f}, bids {figures['bids']:.1f}), p50 {figures['p50']:6.0f} ms, p99 "
                f"{figures['p99']:6.0f} ms, errors {errors}, late {figures['late']}, server CPU "
                f"{figures['cpu']:5.1f} ms/answer, RSS {rss:6.1f} MiB{extra}",
                flush=True,
            )
            if end >= t0 + seconds:
                return

    reporter = asyncio.create_task(report())
    await schedule()
    await reporter
    if tasks:  # the stragglers (each ends by its slot + TIMEOUT): their answers came after the last minute
        await asyncio.wait(set(tasks))
    return periods, sum(1 for s in load.samples if s.done > t0 + seconds)


def summary(label: str, rate: float, periods: list[dict], period: float) -> str:
    first, last = periods[0], periods[-1]
    ratio = last["throughput"] / first["throughput"] if first["throughput"] else float("nan")
    rss = [(p["minute"] * period / 60, p["rss"]) for p in periods]
    after = [(m, r) for m, r in rss if m >= WARM_UP - 1e-9]
    if len(after) >= 3:
        slope = _slope(after)
        memory = (
            f"RSS {rss[0][1]:.0f} MiB after minute 1, {after[0][1]:.0f} at the end of warm-up (minute "
            f"{WARM_UP}), {rss[-1][1]:.0f} at the end: {rss[-1][1] - after[0][1]:+.1f} MiB after warm-up, "
            f"slope {slope:+.2f} MiB/min"
        )
        stops = f"{'yes' if slope < SLOPE else 'NO'} (slope < {SLOPE:g} MiB/min after minute {WARM_UP})"
    else:
        memory = f"RSS {rss[0][1]:.0f} -> {rss[-1][1]:.0f} MiB"
        stops = f"n/a (fewer than 3 minutes after a {WARM_UP}-minute warm-up)"
    keeps = "yes" if ratio >= 0.9 else "NO"
    span = f"{len(periods)} minute(s)" if period == 60 else f"{len(periods)} periods of {period:g} s"
    return (
        f"{label} summary: offered {rate:.1f}/s for {span}; throughput last/first {ratio:.2f} "
        f"({first['throughput']:.1f} -> {last['throughput']:.1f} answers/s); p99 {first['p99']:.0f} -> "
        f"{last['p99']:.0f} ms (worst minute {max(p['p99'] for p in periods):.0f}); server CPU "
        f"{first['cpu']:.1f} -> {last['cpu']:.1f} ms/answer; {memory}. Done-when: throughput >= 0.9x first: "
        f"{keeps}; RSS stops growing: {stops}"
    )


async def probe(load: Load, seconds: float, in_flight: int = 4) -> float:
    """Closed loop: `in_flight` requests at a time of the same mix for `seconds`; answers a second."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    counter = itertools.count()
    before = len(load.samples)

    async def sender() -> None:
        while loop.time() < end:
            await load.one(loop.time(), load.kind(next(counter)))

    started = loop.time()
    await asyncio.gather(*(sender() for _ in range(in_flight)))
    return (len(load.samples) - before) / (loop.time() - started)


async def prepare(
    base: str, clients: dict, n: int, bidders_wanted: int
) -> tuple[Bidder, list[Bidder], list[str], list[str], dict]:
    """The requirements, the dashboard provider's bids on half of them, the bidders and the reference answer."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        barnet = await fetch_token(http, clients["barnet"])
        dpvs = await post_graphql(
            http,
            barnet,
            "{ dpvs(first: 10) { nodes { category lots(first: 20) { nodes { id code weeklyRateCap } } } } }",
        )
        lot = next(
            lt
            for d in dpvs["dpvs"]["nodes"]
            if d["category"] == "INDEPENDENT_FOSTERING"
            for lt in d["lots"]["nodes"]
            if lt["code"] == "IFA-STD"
        )
        started = time.perf_counter()
        ids = await post_requirements(http, barnet, lot["id"], n)
        print(f"set-up: {n} requirements created and published in {time.perf_counter() - started:.1f} s", flush=True)
        cap = Decimal(lot["weeklyRateCap"])
        prices = [f"{cap * Decimal(f):.2f}" for f in ("0.80", "0.82", "0.85", "0.88")]

        providers: list[Bidder] = []
        for slug, credentials in sorted(clients.items()):
            if "provider" not in credentials.get("scope", "").split():
                continue
            token = await fetch_token(http, credentials)
            work = await post_graphql(http, token, MY_WORK)
            org = work["viewer"]["organisation"]
            homes = [
                s["id"]
                for s in (org or {}).get("settings", {}).get("nodes", [])
                if s["kind"] == "FOSTER_HOUSEHOLD" and s["active"]
            ]
            if homes and work["invitations"]["totalCount"] >= n:
                providers.append(Bidder(slug, token, homes))
                if len(providers) > bidders_wanted:  # enough: each token costs the server an argon2 hash
                    break
        if len(providers) < 2:
            raise Failed(f"only {len(providers)} provider(s) with foster homes invited to the requirements")
        reader, bidders = providers[0], providers[1 : 1 + bidders_wanted]

        mine: dict[str, str] = {}  # requirement id -> the dashboard provider's net weekly price
        for rid in ids[::2]:
            data = await post_graphql(
                http,
                reader.token,
                SUBMIT,
                {
                    "input": {
                        "requirementId": rid,
                        "settingId": reader.homes[0],
                        "corePrice": prices[2],
                        "extras": [],
                        "availableFrom": (date.today() + timedelta(days=7)).isoformat(),
                        "needsStatement": "Experienced carers; school place arranged.",
                        "idempotencyKey": f"soak-reader-{rid}",
                    }
                },
            )
            if data["bidSubmit"]["userErrors"]:
                raise Failed(f"the dashboard provider's bid was refused: {data}")
            mine[rid] = data["bidSubmit"]["bid"]["netWeeklyPrice"]
        reference = await check_reader(http, reader.token, ids, mine)
        print(
            f"set-up: {reader.slug} invited to all and bidding on {len(mine)}; bidders "
            f"{', '.join(b.slug for b in bidders)}; checked: the dashboard read answers what is stored",
            flush=True,
        )
        return reader, bidders, ids, prices, reference


async def check_reader(http: httpx.AsyncClient, token: str, ids: list[str], mine: dict[str, str]) -> dict:
    """The dashboard provider's invitations, read whole, are what the set-up made, and the dashboard read agrees
    with them: returns the dashboard read's `data`, the reference."""
    by_reference: dict[str, dict] = {}
    seen: list[str] = []
    after = None
    while True:
        page = (await post_graphql(http, token, ALL_INVITATIONS, {"after": after}))["invitations"]
        total = page["totalCount"]
        for node in page["nodes"]:
            req = node["requirement"]
            by_reference[req["reference"]] = node
            seen.append(req["id"])
            if req["id"] in ids:
                bids = req["bids"]["nodes"]
                expected = [{"status": "SUBMITTED", "netWeeklyPrice": mine[req["id"]]}] if req["id"] in mine else []
                if (
                    node["status"] != "INVITED"
                    or req["status"] != "OPEN"
                    or req["child"]["view"] != "SUMMARY"
                    or [{k: b[k] for k in ("status", "netWeeklyPrice")} for b in bids] != expected
                ):
                    raise Failed(f"invitation to {req['reference']} is not as set up: {node}")
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    if len(seen) != total or len(set(seen)) != total or not set(ids) <= set(seen):
        raise Failed(
            f"invitations: {total} counted, {len(seen)} listed ({len(set(seen))} distinct), "
            f"{len(set(ids) - set(seen))} of the set-up's missing"
        )
    dashboard = await post_graphql(http, token, DASHBOARD)
    page = dashboard["invitations"]
    if page["totalCount"] != total or len(page["nodes"]) != min(20, total):
        raise Failed(f"the dashboard read counts {page['totalCount']} with {len(page['nodes'])} nodes, not {total}")
    for node in page["nodes"]:
        whole = by_reference.get(node["requirement"]["reference"])
        if (
            whole is None
            or node["status"] != whole["status"]
            or node["requirement"]["status"] != whole["requirement"]["status"]
            or node["requirement"]["child"]["view"] != "SUMMARY"
            or node["requirement"]["bids"]["nodes"] != whole["requirement"]["bids"]["nodes"]
        ):
            raise Failed(f"the dashboard read disagrees with the invitations: {node}")
    return dashboard


async def check_bids(base: str, bidders: list[Bidder]) -> str:
    """Every acknowledged bid change is stored: each bid's status and core price as last acknowledged."""
    checked = 0
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for bidder in bidders:
            unsure = {bidder.live.get(r) for r in bidder.unknown}
            expected = {b: v for b, v in bidder.stored.items() if b not in unsure}
            ids = sorted(expected)
            for i in range(0, len(ids), 100):
                nodes = (await post_graphql(http, bidder.token, BIDS_BY_ID, {"ids": ids[i : i + 100]}))["nodes"]
                for bid_id, node in zip(ids[i : i + 100], nodes, strict=True):
                    status, price = expected[bid_id]
                    if (
                        not node
                        or node["id"] != bid_id
                        or node["status"] != status
                        or Decimal(node["corePrice"]) != price
                    ):
                        raise Failed(f"{bidder.slug}'s bid {bid_id}: acknowledged {status} at {price}, stored {node}")
                    checked += 1
    unknown = sum(len(b.unknown) for b in bidders)
    return f"{checked} acknowledged bids stored as acknowledged ({unknown} changes without an answer left out)"


class Server:
    """`dpv serve`, one worker, on the bench's database and data directory; through the collector-stats shim
    with `gc_stats`."""

    def __init__(self, port: int, env: dict[str, str], gc_stats: Path | None):
        self.port, self.env, self.gc_stats = port, env, gc_stats
        self.process: subprocess.Popen | None = None

    def start(self, demo: bool = False) -> int:
        head = (
            [sys.executable, __file__, "--shim", str(self.gc_stats)]
            if self.gc_stats
            else [sys.executable, "-m", "api.cli"]
        )
        self.process = subprocess.Popen(
            [*head, "serve", *(["--demo"] if demo else []), "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL if not demo else None,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Failed(f"the server exited with {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz").status_code == 200:
                    return self.process.pid
            time.sleep(0.2)
        raise Failed("the server did not become ready in 120 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def _shim(path: str, argv: list[str]) -> int:
    """The server with a SIGUSR1 handler that writes its collector's counts to `path` (`--gc-stats`): collections
    per generation and the objects each holds, and since the last report the CPU spent collecting and the
    longest collection by the wall clock (the worker answers nothing meanwhile)."""
    from api.cli import main as dpv

    began = [0.0, 0.0]  # wall, CPU
    spent = {"cpu": 0.0, "longest": 0.0, "longest_generation": -1}

    def timed(phase: str, info: dict) -> None:
        if phase == "start":
            began[:] = [time.perf_counter(), time.thread_time()]
            return
        wall = time.perf_counter() - began[0]
        spent["cpu"] += time.thread_time() - began[1]
        if wall > spent["longest"]:
            spent.update(longest=wall, longest_generation=info["generation"])

    def dump(*_: object) -> None:
        stats = {
            "collections": [s["collections"] for s in gc.get_stats()],
            "objects": [len(gc.get_objects(g)) for g in range(3)],
            "frozen": gc.get_freeze_count(),
            **spent,
        }
        spent.update(cpu=0.0, longest=0.0, longest_generation=-1)
        tmp = Path(path).with_suffix(".tmp")
        tmp.write_text(json.dumps(stats))
        tmp.replace(path)

    gc.callbacks.append(timed)
    signal.signal(signal.SIGUSR1, dump)
    return dpv(argv)


def main() -> int:
    if sys.argv[1:2] == ["--shim"]:
        return _shim(sys.argv[2], sys.argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=None, help="requests a second (default: 55%% of a probe)")
    parser.add_argument("--probe-seconds", type=float, default=20)
    parser.add_argument(
        "--gc",
        choices=("tuned", "freeze", "default"),
        default=None,
        help="DPV_GC for the server (default: the environment's DPV_GC, else the app's default)",
    )
    parser.add_argument("--requirements", type=int, default=220)
    parser.add_argument("--bid-share", type=float, default=0.2)
    parser.add_argument("--bidders", type=int, default=8)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--period", type=float, default=60, help="seconds a line covers (a minute; less for tests)")
    parser.add_argument("--gc-stats", action="store_true", help="report the server's collector each minute")
    args = parser.parse_args()

    from api.core.config import Settings
    from api.core.embedded import database_url

    seconds = args.minutes * 60
    label = f"[gc={args.gc or Settings().gc_mode}]"  # DPV_GC as the server will read it
    with tempfile.TemporaryDirectory() as tmp, database_url(os.environ.get("DATABASE_URL"), Path(tmp)) as url:
        port = free_port()
        env = {
            **os.environ,
            "DPV_DATA_DIR": tmp,
            "DATABASE_URL": url,
            "DPV_ISSUER": f"http://127.0.0.1:{port}",
            "DPV_ACCESS_TOKEN_TTL": str(int(seconds + args.probe_seconds + 1800)),
            # The budget per client is charged as usual but never spent: the dashboard provider alone sends
            # most of the load, far more than one person would.
            "DPV_RATE_LIMIT_POINTS_PER_SECOND": "1000000000",
            "DPV_RATE_LIMIT_BURST": "1000000000",
        }
        if args.gc:
            env["DPV_GC"] = args.gc
        server = Server(port, env, Path(tmp) / "gc-stats.json" if args.gc_stats else None)
        base = f"http://127.0.0.1:{port}"
        try:
            server.start(demo=True)
            clients = json.loads((Path(tmp) / "demo-clients.json").read_text())["clients"]

            async def run() -> None:
                reader, bidders, ids, prices, reference = await prepare(base, clients, args.requirements, args.bidders)
                pool = Pool("127.0.0.1", port, args.connections)
                load = Load(pool, reader.token, reference, bidders, ids, prices, args.bid_share)
                rate = args.rate
                if rate is None:
                    capacity = await probe(load, args.probe_seconds)
                    rate = round(0.55 * capacity, 1)
                    print(
                        f"probe: {capacity:.1f} answers/s closed-loop (4 in flight, {args.probe_seconds:g} s); "
                        f"offering 55%: --rate {rate}",
                        flush=True,
                    )
                    if load.failures:
                        raise Failed(f"probe: {sum(load.failures.values())} errors: {load.examples}")
                await pool.close()
                server.stop()
                pid = server.start()
                load.samples.clear()
                load.late = 0
                gc.collect()
                gc.freeze()  # the bench's own set-up out of its collector's way
                print(
                    f"{label} soak: one fresh worker (pid {pid}, RSS {rss_kib(pid) / 1024:.1f} MiB), {rate:.1f} "
                    f"requests/s ({args.bid_share:.0%} bid changes by {len(bidders)} providers, the rest the "
                    f"dashboard read of {reader.slug}) for {args.minutes:g} min; load average "
                    f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
                    flush=True,
                )
                periods, late_answers = await soak(
                    load,
                    rate,
                    seconds,
                    args.period,
                    pid,
                    GcStats(pid, server.gc_stats) if server.gc_stats else None,
                    label,
                )
                print(
                    f"{label} load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
                    f"timeouts {sum(1 for s in load.samples if s.error == 'timeout')}; answered after the last "
                    f"minute: {late_answers}",
                    flush=True,
                )
                print(summary(label, rate, periods, args.period), flush=True)
                await pool.close()
                stored = await check_bids(base, bidders)
                async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                    if await post_graphql(http, reader.token, DASHBOARD) != reference:
                        raise Failed("the dashboard read no longer answers the reference")
                if load.failures:
                    raise Failed(
                        f"{sum(load.failures.values())} requests failed ({dict(load.failures)}): {load.examples}"
                    )
                print(f"check: {stored}; every dashboard read answered the reference: passed", flush=True)

            run_fast(run())
        except Failed as e:
            print(f"check FAILED: {e}", file=sys.stderr, flush=True)
            return 1
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
