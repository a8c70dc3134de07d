"""The execution context's direct path for basic leaf fields (schema/core/execution.py): every answer, data and
errors alike, is the one graphql-core gives through Strawberry's resolvers, for every kind of value such a field
can hold; fields that are not basic leaves, and every field when a middleware wraps the resolvers, go the usual
way."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import getitem
from typing import Any, NewType

import pytest
import strawberry
from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.schema.config import StrawberryConfig

from schema.core import execution
from schema.core.execution import ExecutionContext, leaf_of


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


def _serialised(value: Any) -> Any:
    return None if value == "unserialisable" else value


Broken = NewType("Broken", str)
CONFIG = StrawberryConfig(scalar_map={Broken: strawberry.scalar(name="Broken", serialize=_serialised, parse_value=str)})


class Closed(BasePermission):
    message = "closed"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


async def _later(value: Any) -> Any:
    await asyncio.sleep(0)
    return value


@strawberry.type
class Leaves:
    text: str
    number: int
    flag: bool
    ratio: float
    money: Decimal
    day: date
    at: datetime
    colour: Colour
    maybe_text: str | None
    maybe_colour: Colour | None
    broken: Broken | None
    broken_required: Broken
    tags: list[str]
    renamed: str = strawberry.field(name="shownAs")
    guarded: str = strawberry.field(permission_classes=[Closed], default="secret")

    @strawberry.field
    def resolved(self) -> str:
        return "resolved"


@strawberry.type
class Holder:
    leaves: Leaves
    maybe_leaves: Leaves | None


def _leaves(**changes: Any) -> Leaves:
    values: dict[str, Any] = dict(
        text="t",
        number=3,
        flag=True,
        ratio=0.5,
        money=Decimal("1.50"),
        day=date(2026, 11, 25),
        at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        colour=Colour.BLUE,
        maybe_text=None,
        maybe_colour=Colour.RED,
        broken=None,
        broken_required="x",
        tags=["a", "b"],
        renamed="r",
    )
    values.update(changes)
    return Leaves(**values)


CASES: dict[str, Any] = {
    "plain values": _leaves(),
    "null into a non-null field": _leaves(text=None),
    "null into a non-null enum": _leaves(colour=None),
    "an exception as the value": _leaves(number=ValueError("no number")),
    "an awaitable as the value": None,  # made per run: a coroutine is awaited once
    "an awaitable null into a non-null field": None,
    "a value the enum does not have": _leaves(colour="green"),
    "a value the scalar cannot take": _leaves(number="three"),
    "a scalar that serialises to null": _leaves(broken="unserialisable"),
    "a scalar that serialises to null, non-null": _leaves(broken_required="unserialisable"),
}


@strawberry.type
class Query:
    @strawberry.field
    def holder(self, case: str) -> Holder:
        # A coroutine is awaited once: only in `leaves`, and only in fields the query selects there.
        if case == "an awaitable as the value":
            return Holder(leaves=_leaves(text=_later("awaited"), maybe_text=_later(None)), maybe_leaves=_leaves())
        if case == "an awaitable null into a non-null field":
            return Holder(leaves=_leaves(text=_later(None)), maybe_leaves=_leaves())
        return Holder(leaves=CASES[case], maybe_leaves=CASES[case])


QUERY = """query($case: String!) { holder(case: $case) {
  leaves { text number flag ratio money day at colour maybeText maybeColour broken tags shownAs resolved }
  maybeLeaves { text number colour brokenRequired guarded } } }"""

direct = strawberry.Schema(query=Query, config=CONFIG, execution_context_class=ExecutionContext)
graphql_core = strawberry.Schema(query=Query, config=CONFIG)


def _answer(result: Any) -> tuple[Any, list[Any]]:
    return result.data, sorted((e.formatted for e in result.errors or ()), key=repr)


@pytest.mark.parametrize("case", list(CASES))
async def test_every_kind_of_leaf_value_is_answered_as_graphql_core_answers_it(case: str) -> None:
    mine = await direct.execute(QUERY, variable_values={"case": case})
    theirs = await graphql_core.execute(QUERY, variable_values={"case": case})
    assert _answer(mine) == _answer(theirs)


async def test_the_answers_are_the_expected_ones() -> None:
    """Not only the same as graphql-core's: right (a sample of the cases, spelled out)."""
    result = await direct.execute(QUERY, variable_values={"case": "plain values"})
    leaves = result.data["holder"]["leaves"]
    assert leaves == {
        "text": "t",
        "number": 3,
        "flag": True,
        "ratio": 0.5,
        "money": "1.50",
        "day": "2026-11-25",
        "at": "2026-11-25T09:30:00+00:00",
        "colour": "BLUE",
        "maybeText": None,
        "maybeColour": "RED",
        "broken": None,
        "tags": ["a", "b"],
        "shownAs": "r",
        "resolved": "resolved",
    }
    assert [e.message for e in result.errors] == ["closed"]

    result = await direct.execute(QUERY, variable_values={"case": "null into a non-null field"})
    assert result.data is None  # the null went up through the non-null fields to the root
    assert ("Cannot return null for non-nullable field Leaves.text.", ("holder", "leaves", "text")) in {
        (e.message, tuple(e.path)) for e in result.errors
    }

    result = await direct.execute(QUERY, variable_values={"case": "an awaitable as the value"})
    assert result.data["holder"]["leaves"]["text"] == "awaited"
    assert result.data["holder"]["leaves"]["maybeText"] is None


def test_only_basic_leaf_fields_take_the_direct_path() -> None:
    types = direct._schema.type_map
    leaves = types["Leaves"]
    assert leaf_of(leaves, "text").non_null and not leaf_of(leaves, "maybeText").non_null
    assert leaf_of(leaves, "shownAs").python_name == "renamed"
    assert leaf_of(leaves, "resolved") is None  # a resolver of its own
    assert leaf_of(leaves, "guarded") is None  # a permission: a field extension
    assert leaf_of(leaves, "tags") is None  # a list
    assert leaf_of(types["Holder"], "leaves") is None  # an object
    assert leaf_of(types["Query"], "holder") is None


@strawberry.type
class DictQuery:
    @strawberry.field
    def leaves(self) -> Leaves:
        return {"text": "from a dict", "number": 7, "colour": Colour.RED}  # type: ignore[return-value]


async def test_the_configured_default_resolver_reads_the_value() -> None:
    schema = strawberry.Schema(
        query=DictQuery,
        config=StrawberryConfig(default_resolver=getitem, scalar_map={Broken: CONFIG.scalar_map[Broken]}),
        execution_context_class=ExecutionContext,
    )
    result = await schema.execute("{ leaves { text number colour } }")
    assert result.errors is None
    assert result.data == {"leaves": {"text": "from a dict", "number": 7, "colour": "RED"}}


class Shouting(SchemaExtension):
    """A middleware: graphql-core wraps every resolver with it."""

    def resolve(self, _next: Any, root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


async def test_with_a_middleware_every_field_goes_through_it() -> None:
    schema = strawberry.Schema(
        query=Query, extensions=[Shouting], config=CONFIG, execution_context_class=ExecutionContext
    )
    result = await schema.execute(QUERY, variable_values={"case": "plain values"})
    assert result.data["holder"]["leaves"]["text"] == "T"
    assert result.data["holder"]["leaves"]["shownAs"] == "R"
    assert result.data["holder"]["leaves"]["resolved"] == "RESOLVED"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def leaves(self, n: int) -> AsyncGenerator[Leaves, None]:
        for i in range(n):
            yield _leaves(number=i, text=None if i == 1 else f"t{i}")


async def test_subscription_events_take_the_direct_path_with_the_same_answers() -> None:
    query = "subscription { leaves(n: 3) { text number colour } }"
    answers = []
    for schema in (
        strawberry.Schema(
            query=Query, subscription=Subscription, config=CONFIG, execution_context_class=ExecutionContext
        ),
        strawberry.Schema(query=Query, subscription=Subscription, config=CONFIG),
    ):
        stream = await schema.subscribe(query)
        answers.append([_answer(result) async for result in stream])
    assert answers[0] == answers[1]
    assert [data for data, _ in answers[0]] == [
        {"leaves": {"text": "t0", "number": 0, "colour": "BLUE"}},
        None,
        {"leaves": {"text": "t2", "number": 2, "colour": "BLUE"}},
    ]


def test_the_plans_are_made_once_per_field() -> None:
    leaves = direct._schema.type_map["Leaves"]
    assert leaf_of(leaves, "number") is leaf_of(leaves, "number")
    assert (leaves, "number") in execution._leaves
