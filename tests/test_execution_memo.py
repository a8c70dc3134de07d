"""The execution context (schema/core/execution.py). Its subfield memo: the same answers as without it, whatever
the variables; remembered across executions and subscription events; bounded. Its awaitable test: graphql-core's
answers, asked once per type. Its copy per subscription event: the same attributes, then its own."""

from __future__ import annotations

import asyncio
import types
from collections.abc import AsyncGenerator
from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from graphql import parse
from graphql.execution.collect_fields import CollectedFields, FieldDetails
from graphql.pyutils import is_awaitable as graphql_core_is_awaitable
from strawberry.extensions import ParserCache

from schema.core import execution
from schema.core.execution import ExecutionContext, SubfieldMemo, is_awaitable


@strawberry.type
class Inner:
    a: int
    b: str


@strawberry.type
class Outer:
    id: int

    @strawberry.field
    def inner(self) -> Inner:
        return Inner(a=self.id, b=f"b{self.id}")

    @strawberry.field
    async def later(self) -> Inner:
        await asyncio.sleep(0)
        return Inner(a=-self.id, b="later")


@strawberry.type
class Query:
    @strawberry.field
    def outer(self, id: int) -> Outer:
        return Outer(id=id)


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self, n: int) -> AsyncGenerator[Outer, None]:
        for i in range(n):
            yield Outer(id=i)


# As the API's schema: the ParserCache hands every execution of one query the same parsed document.
memoised = strawberry.Schema(
    query=Query,
    subscription=Subscription,
    execution_context_class=ExecutionContext,
    extensions=[lambda: ParserCache(maxsize=100)],
)
plain = strawberry.Schema(query=Query, subscription=Subscription)

WITH_VARIABLE_DIRECTIVE = """query($id: Int!, $withB: Boolean!) {
  outer(id: $id) { id inner { a b @include(if: $withB) } } }"""
WITHOUT = """query($id: Int!) { outer(id: $id) { id inner { a ...B } } } fragment B on Inner { b @skip(if: false) }"""


async def _same(query: str, variables: dict) -> dict:
    got, want = await memoised.execute(query, variables), await plain.execute(query, variables)
    assert got.errors is None and want.errors is None
    assert got.data == want.data
    return got.data


async def test_a_directive_that_takes_a_variable_is_evaluated_for_each_execution() -> None:
    assert (await _same(WITH_VARIABLE_DIRECTIVE, {"id": 1, "withB": True}))["outer"]["inner"] == {"a": 1, "b": "b1"}
    assert (await _same(WITH_VARIABLE_DIRECTIVE, {"id": 2, "withB": False}))["outer"]["inner"] == {"a": 2}
    assert (await _same(WITH_VARIABLE_DIRECTIVE, {"id": 3, "withB": True}))["outer"]["inner"] == {"a": 3, "b": "b3"}


async def test_other_documents_are_collected_once_and_answer_the_same() -> None:
    assert execution.memo.variable_free(parse(WITHOUT).definitions[0], {})
    assert not execution.memo.variable_free(parse(WITH_VARIABLE_DIRECTIVE).definitions[0], {})
    for i in range(3):
        assert (await _same(WITHOUT, {"id": i}))["outer"] == {"id": i, "inner": {"a": i, "b": f"b{i}"}}
    size = len(execution.memo)
    for i in range(20):
        await _same(WITHOUT, {"id": i})
    assert len(execution.memo) == size  # remembered, not added to


async def test_each_event_of_a_subscription_is_answered_with_the_memo_and_adds_nothing_to_it() -> None:
    query = "subscription { ticks(n: 30) { id inner { a b } } }"
    sizes = []
    stream = await memoised.subscribe(query)
    got = []
    async for result in stream:
        assert result.errors is None
        got.append(result.data["ticks"])
        sizes.append(len(execution.memo))
    assert got == [{"id": i, "inner": {"a": i, "b": f"b{i}"}} for i in range(30)]
    assert len(set(sizes[1:])) == 1


def test_the_memo_is_bounded() -> None:
    small = SubfieldMemo(max_entries=2)
    for i in range(5):
        operation = parse(f"{{ outer(id: {i}) {{ id }} }}").definitions[0]
        field = operation.selection_set.selections[0]
        found = small.lookup(memoised._schema.query_type, [FieldDetails(field, None)])
        assert isinstance(found, tuple)
        small.store(found, CollectedFields({}, [], []))
        assert len(small) <= 2


class _Colour(Enum):
    RED = "RED"


class _Awaits:
    def __await__(self):
        return (yield from asyncio.sleep(0).__await__())


class _NotAwaitable:
    pass


@types.coroutine
def _generator_coroutine():
    yield


def _plain_generator():
    yield


async def _native():
    return 1


async def test_values_are_awaitable_exactly_when_graphql_core_says_so() -> None:
    loop = asyncio.get_running_loop()
    native, task = _native(), asyncio.ensure_future(_native())
    values = [
        native,
        task,
        loop.create_future(),
        _Awaits(),
        _generator_coroutine(),
        _plain_generator(),
        None,
        1,
        1.5,
        "s",
        b"b",
        True,
        Decimal("1.5"),
        datetime.now(),
        _Colour.RED,
        [1],
        {"a": 1},
        _NotAwaitable(),
        Inner(a=1, b="b"),
        object(),
    ]
    for _ in range(2):  # the first answer per type is computed, the second remembered
        for value in values:
            assert is_awaitable(value) is graphql_core_is_awaitable(value), value
    native.close()
    await task


def test_the_awaitable_test_remembers_a_bounded_number_of_types() -> None:
    for i in range(execution.MAX_TYPES + 10):
        assert not is_awaitable(type(f"Made{i}", (), {})())
    assert len(execution._awaitable_types) <= execution.MAX_TYPES
    assert is_awaitable(_native_closed()) and not is_awaitable(1)


def _native_closed():
    coroutine = _native()
    coroutine.close()
    return coroutine


async def test_async_fields_and_subscription_events_are_awaited_as_before() -> None:
    query = "subscription { ticks(n: 5) { id later { a b } } }"
    streams = [await memoised.subscribe(query), await plain.subscribe(query)]
    got = [[r.data["ticks"] async for r in stream] for stream in streams]
    assert got[0] == got[1] == [{"id": i, "later": {"a": -i, "b": "later"}} for i in range(5)]


def test_a_copy_shares_the_attributes_and_then_goes_its_own_way() -> None:
    from copy import copy

    context = object.__new__(ExecutionContext)
    context.root_value, context.errors = "root", ["shared"]
    clone = copy(context)
    assert type(clone) is ExecutionContext and clone is not context
    assert clone.__dict__ == context.__dict__ and clone.errors is context.errors  # shallow, as copy.copy
    clone.root_value = "event"
    assert context.root_value == "root"
