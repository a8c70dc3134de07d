"""The budget of each client over time, spent in cost points (the cost of an operation: schema/core/cost.py).

Like Shopify's leaky bucket per app: each client has a bucket that holds at most `DPV_RATE_LIMIT_BURST` points and
refills at `DPV_RATE_LIMIT_POINTS_PER_SECOND`. An operation is admitted when the bucket holds its cost, which is
then taken out; otherwise it is refused before it runs (HTTP 429 with `Retry-After`, the whole seconds until the
bucket holds its cost, and `extensions.code` RATE_LIMITED) and nothing is taken. Only operations that run are
charged, at least one point each: a document refused as invalid or too costly runs nothing and costs nothing.
`DPV_RATE_LIMIT=false` turns the budget off. It applies to callers over the network (HTTP and WebSocket); code
that runs operations in process (the tests' `gql`, the command line) has no budget.

**Who is a client.** An authenticated caller is its token's actor within the token's organisation: the OAuth
client of a client-credentials token, the person of a token from the authorization-code flow (the people using
one portal do not share the portal's budget), whoever issued the token. An anonymous caller is its remote
address as the ASGI server reports it. uvicorn puts the address from `X-Forwarded-For` there only when the
connection comes from an address in its `--forwarded-allow-ips` (`FORWARDED_ALLOW_IPS`; by default 127.0.0.1, a
proxy on the same host): anyone else's header is ignored. Behind a load balancer, set it to the balancer's
addresses. An IPv6 address counts by its /64, the block one subscriber is usually given, so that stepping
through one's own addresses gives no fresh budget.

**Where it lives, and why.** In PostgreSQL, the one store the service has: the workers are separate processes
behind a load balancer, so a budget in a worker's memory would give a client one budget per worker, and a new
store (Redis, a broker) would be one more thing to run and secure. The table `rate_budget` has one row per
client, and each operation takes one atomic statement: an `INSERT ... ON CONFLICT DO UPDATE` that refills the
bucket for the time passed, decides, and takes the cost, under the row's lock. Two workers serving one client at
once therefore take turns on its row and never spend the same points twice. The database's clock (`now()`)
measures the time, so the workers' clocks need not agree.

- The table is UNLOGGED: its writes skip the write-ahead log, so a request's charge waits for no log flush. A
  crash empties it, which only gives every client a full bucket; a standby does not have it, and needs none
  until it is promoted.
- Its only index is the primary key, so each charge is a HOT update with no index to maintain.
- A row is keyed by the SHA-256 of who the client is: the table holds no address, no client id, no name.
- A row whose bucket has been full again for a minute tells no more than no row: each worker deletes such rows
  once a minute, so the table holds the clients of the last few minutes.
- The statement runs on a pooled connection, outside any transaction, on the driver (api/core/db.py
  `DriverStatement`), like the token's state that every authenticated request reads (auth/tokens.py).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Double, LargeBinary, bindparam, case, cast, delete, func, literal_column
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from api.core.db import Base, Database, DriverStatement
from api.core.principal import Principal

PRUNE_EVERY_SECONDS = 60.0
FULL_FOR_SECONDS = 60.0  # how long a bucket stays full before its row is forgotten


class RateBudget(Base):
    __tablename__ = "rate_budget"
    __table_args__ = {"prefixes": ["UNLOGGED"]}

    client: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)  # SHA-256 of `client_key`'s text
    points: Mapped[float] = mapped_column(Double)  # in the bucket at `updated_at`, after that operation
    admitted: Mapped[bool] = mapped_column(Boolean)  # whether the last operation was admitted
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Charge:
    admitted: bool
    remaining: int  # whole points left in the bucket (after this operation's cost, when admitted)
    retry_after: int | None  # when refused: whole seconds until the bucket holds the cost


def client_key(principal: Principal | None, address: str | None) -> bytes:
    """Who spends the budget (see the module's docstring), as the row's key."""
    if principal is not None:
        who = f"actor:{principal.organisation_id}:{principal.actor_kind.value}:{principal.actor_id}"
    else:
        who = f"address:{_address(address)}"
    return hashlib.sha256(who.encode()).digest()


def _address(address: str | None) -> str:
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an IP address (a Unix socket's path, a test client's name)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _charge_statement():
    table = RateBudget.__table__
    cost, rate, burst = (bindparam(name, type_=Double) for name in ("cost", "rate", "burst"))
    elapsed = func.greatest(literal_column("0.0"), cast(func.extract("epoch", func.now() - table.c.updated_at), Double))
    refilled = func.least(burst, table.c.points + rate * elapsed)
    statement = insert(table).values(
        client=bindparam("client", type_=LargeBinary),
        points=case((burst >= cost, burst - cost), else_=burst),
        admitted=burst >= cost,
        updated_at=func.now(),
    )
    return statement.on_conflict_do_update(
        index_elements=[table.c.client],
        set_={
            "points": case((refilled >= cost, refilled - cost), else_=refilled),
            "admitted": refilled >= cost,
            "updated_at": func.greatest(table.c.updated_at, func.now()),
        },
    ).returning(table.c.points, table.c.admitted)


def _prune_statement():
    table = RateBudget.__table__
    idle = bindparam("idle_seconds", type_=Double)
    return delete(table).where(table.c.updated_at < func.now() - idle * literal_column("interval '1 second'"))


_CHARGE = DriverStatement(_charge_statement())
_PRUNE = DriverStatement(_prune_statement())
_next_prune = 0.0


async def charge(db: Database, client: bytes, cost: int, *, points_per_second: float, burst: int) -> Charge:
    """Take `cost` points from the client's bucket if it holds them: one statement (see the module's docstring)."""
    global _next_prune
    async with db.reading() as conn:
        row = await _CHARGE.fetch_row(
            conn, client=client, cost=float(cost), rate=float(points_per_second), burst=float(burst)
        )
        if time.monotonic() >= _next_prune:
            _next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
            await _PRUNE.fetch_row(conn, idle_seconds=burst / points_per_second + FULL_FOR_SECONDS)
    points, admitted = row["points"], row["admitted"]
    if admitted:
        return Charge(admitted=True, remaining=math.floor(points), retry_after=None)
    wait = max(1, math.ceil((cost - points) / points_per_second))
    return Charge(admitted=False, remaining=math.floor(points), retry_after=wait)
