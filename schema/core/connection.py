"""Relay connections with keyset cursors, capped at 100 per page.

A cursor is the opaque encoding of the row's id (one that could not be a row's id is BAD_USER_INPUT); pages are
`WHERE id > :after ORDER BY id LIMIT n+1`.
Nested connections (a vehicle's lots, a provider's settings) are loaded for all parents in one statement
with a window function, so a list of 100 parents costs what a list of one does.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import strawberry
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from api.core.ids import parse_row_id
from schema.core.errors import BadUserInput

if TYPE_CHECKING:
    from schema.core.context import Info

T = TypeVar("T")
MAX_PAGE = 100
DEFAULT_PAGE = 20


@dataclass(frozen=True)
class PageArgs:
    first: int | None = None
    after: int | None = None
    last: int | None = None
    before: int | None = None

    @property
    def backward(self) -> bool:
        return self.last is not None and self.first is None

    @property
    def limit(self) -> int:
        return (self.last if self.backward else self.first) or DEFAULT_PAGE


def encode_cursor(id_: int) -> str:
    return base64.urlsafe_b64encode(f"k:{id_}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        id_ = parse_row_id(value)
        if prefix != "k" or id_ is None:
            raise ValueError
        return id_
    except (ValueError, UnicodeDecodeError):
        raise BadUserInput(f"Invalid cursor {cursor[:100]!r}") from None


def page_args(first: int | None, after: str | None, last: int | None, before: str | None) -> PageArgs:
    for name, value in (("first", first), ("last", last)):
        if value is not None and not (0 <= value <= MAX_PAGE):
            raise BadUserInput(f"`{name}` must be between 0 and {MAX_PAGE}")
    if first is not None and last is not None:
        raise BadUserInput("Pass `first` or `last`, not both")
    return PageArgs(
        first=first,
        after=decode_cursor(after) if after else None,
        last=last,
        before=decode_cursor(before) if before else None,
    )


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list. `first`/`last` are at most 100; cursors are opaque.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    _total: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The nodes of the edges, in order.")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]

    @strawberry.field(description="How many items the whole list holds (all pages).")
    async def total_count(self) -> int:
        return await self._total()


@dataclass
class Page:
    """Rows of one page, in order, with what the connection needs to know about its neighbours."""

    rows: list[Any]
    has_next: bool
    has_previous: bool
    total: int | None = None


def apply_keyset(stmt: Select, id_col: Any, args: PageArgs) -> Select:
    if args.after is not None:
        stmt = stmt.where(id_col > args.after)
    if args.before is not None:
        stmt = stmt.where(id_col < args.before)
    return stmt.order_by(id_col.desc() if args.backward else id_col).limit(args.limit + 1)


def to_page(rows: list[Any], args: PageArgs) -> Page:
    more = len(rows) > args.limit
    rows = rows[: args.limit]
    if args.backward:
        rows.reverse()
        return Page(rows, has_next=args.before is not None, has_previous=more)
    return Page(rows, has_next=more, has_previous=args.after is not None)


def build_connection(page: Page, to_node: Callable[[Any], Any], total: Callable[[], Awaitable[int]]) -> Connection[Any]:
    edges = [Edge(cursor=encode_cursor(row.id), node=to_node(row)) for row in page.rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _total=total,
    )


def windowed_pages_stmt(model: Any, parent_col: Any, parent_ids: list[int], args: PageArgs, *where: Any) -> Select:
    """One statement for a page of children under each parent, with each parent's total.

    The innermost query counts all children of a parent; the next keeps those past the cursor and numbers
    them; the outer keeps `limit + 1` per parent (the extra row tells whether there is a next page).
    Rows are `(entity, total)`.
    """
    counted = (
        select(model, func.count().over(partition_by=parent_col).label("_total"))
        .where(parent_col.in_(parent_ids), *where)
        .subquery()
    )
    filtered = select(counted)
    if args.after is not None:
        filtered = filtered.where(counted.c.id > args.after)
    if args.before is not None:
        filtered = filtered.where(counted.c.id < args.before)
    order = counted.c.id.desc() if args.backward else counted.c.id
    numbered = filtered.add_columns(
        func.row_number().over(partition_by=counted.c[parent_col.key], order_by=order).label("_rn")
    ).subquery()
    entity = aliased(model, numbered)
    return (
        select(entity, numbered.c._total)
        .where(numbered.c._rn <= args.limit + 1)
        .order_by(numbered.c[parent_col.key], numbered.c._rn)
    )


async def children_connection(
    info: Info,
    model: type,
    parent_col: Any,
    parent_id: int,
    to_node: Any,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[Any]:
    """A page of a parent's children (the `model` rows whose `parent_col` is `parent_id`) as a Connection, through
    the request's loader: the pages of every parent asked for in one statement."""
    args = page_args(first, after, last, before)
    page = await info.context.loaders.children(model, parent_col, args).load(parent_id)

    async def total() -> int:
        return page.total or 0

    return build_connection(page, to_node, total)
