"""The execution context's subfield memo (schema/core/execution.py), against graphql-core's own collection (a schema
with Strawberry's and graphql-core's execution context): the same answers, whatever the variables; remembered across
executions and subscription events; bounded. It overrides a method graphql-core marks private: this is the test to
run again before graphql-core's pin in pyproject.toml moves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry
from graphql import parse
from graphql.execution.collect_fields import CollectedFields, FieldDetails
from strawberry.extensions import ParserCache

from schema.core import execution
from schema.core.execution import ExecutionContext, SubfieldMemo


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


async def test_async_fields_and_subscription_events_are_awaited_as_before() -> None:
    query = "subscription { ticks(n: 5) { id later { a b } } }"
    streams = [await memoised.subscribe(query), await plain.subscribe(query)]
    got = [[r.data["ticks"] async for r in stream] for stream in streams]
    assert got[0] == got[1] == [{"id": i, "later": {"a": -i, "b": "later"}} for i in range(5)]
