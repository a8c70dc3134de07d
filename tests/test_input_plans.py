"""Input objects built from their plans (schema/core/inputs.py) equal what Strawberry builds without them, for
every shape of field: scalars, enums, optional ones, lists of them, GlobalIDs, nested inputs and lists of them,
`Maybe`, renamed fields and every kind of default."""

import dataclasses
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry import UNSET, relay

from schema import schema as api_schema
from schema.core import inputs
from schema.core.inputs import plan_inputs


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


def make_schema(planned: bool) -> tuple[strawberry.Schema, list[Any]]:
    """A schema with its own input classes (a plan is set on the class), and the inputs its field received."""
    received: list[Any] = []

    @strawberry.input
    class Leaf:
        name: str
        colour: Colour = Colour.RED
        id: relay.GlobalID | None = None

    @strawberry.input
    class Everything:
        text: str
        number: int
        amount: Decimal
        day: date
        colour: Colour
        maybe_text: str | None
        maybe_colour: Colour | None = None
        tags: list[str] = strawberry.field(default_factory=lambda: ["default"])
        colours: list[Colour | None] | None = None
        node: relay.GlobalID
        nodes: list[relay.GlobalID] = strawberry.field(default_factory=list)
        leaf: Leaf | None = None
        leaves: list[Leaf] = strawberry.field(default_factory=list)
        unset_text: str | None = UNSET
        renamed: int = strawberry.field(name="differentName", default=7)
        maybe: strawberry.Maybe[int | None] = None

    @strawberry.type
    class Query:
        @strawberry.field
        def take(self, input: Everything, more: list[Leaf] | None = None) -> str:
            received.append((input, more))
            return "ok"

    built = strawberry.Schema(query=Query)
    if planned:
        plan_inputs(built)
    return built, received


def as_data(value: Any) -> Any:
    """A built input as plain data, with each object's class name (the two schemas have their own classes)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, {f.name: as_data(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, (list, tuple)):
        return type(value)(as_data(v) for v in value)
    if isinstance(value, relay.GlobalID):
        return ("GlobalID", value.type_name, value.node_id)
    if value is UNSET:
        return "UNSET"
    return value


QUERY = """query($input: Everything!, $more: [Leaf!]) { take(input: $input, more: $more) }"""
NODE = relay.to_base64("Thing", 1)
INPUTS = [
    {
        "text": "t",
        "number": 1,
        "amount": "12.50",
        "day": "2026-11-25",
        "colour": "BLUE",
        "maybeText": None,
        "node": NODE,
    },
    {
        "text": "t",
        "number": 2,
        "amount": "0.01",
        "day": "2026-01-01",
        "colour": "RED",
        "maybeText": "x",
        "maybeColour": "BLUE",
        "tags": ["a", "b"],
        "colours": ["RED", None],
        "node": NODE,
        "nodes": [NODE, relay.to_base64("Thing", 2)],
        "leaf": {"name": "l", "id": NODE},
        "leaves": [{"name": "a"}, {"name": "b", "colour": "BLUE", "id": None}],
        "unsetText": None,
        "differentName": 3,
        "maybe": None,
    },
    {
        "text": "t",
        "number": 3,
        "amount": "1",
        "day": "2026-02-02",
        "colour": "RED",
        "maybeText": None,
        "node": NODE,
        "tags": [],
        "colours": None,
        "leaf": None,
        "maybe": 5,
    },
]


async def test_inputs_built_from_plans_equal_strawberry_s_own() -> None:
    (planned, got), (plain, want) = make_schema(True), make_schema(False)
    for variables in [{"input": i} for i in INPUTS] + [{"input": INPUTS[0], "more": [{"name": "m"}]}]:
        for built in (planned, plain):
            result = await built.execute(QUERY, variable_values=variables)
            assert result.errors is None, result.errors
    assert len(got) == len(want) == len(INPUTS) + 1
    assert [as_data(g) for g in got] == [as_data(w) for w in want]
    assert got[0][0].unset_text is UNSET and got[0][0].maybe is None and got[1][0].maybe is not None
    assert {"Everything", "Leaf"} <= {cls.__name__ for cls, *_ in inputs._plans}  # built from the plans


async def test_a_default_list_is_not_shared_between_requests() -> None:
    """graphql-core fills an omitted field with the default the schema publishes: the same list every time."""
    built, got = make_schema(True)
    for _ in range(2):
        assert (await built.execute(QUERY, variable_values={"input": INPUTS[0]})).errors is None
        assert got[-1][0].tags == ["default"]
        got[-1][0].tags.append("changed by the resolver")


async def test_a_bad_global_id_in_an_input_is_still_refused() -> None:
    built, got = make_schema(True)
    bad = dict(INPUTS[0], node="not-an-id")
    result = await built.execute(QUERY, variable_values={"input": bad})
    assert result.errors and not got


def test_every_input_of_the_api_is_built_from_its_plan() -> None:
    inputs = [
        c.definition for c in api_schema.schema_converter.type_map.values() if getattr(c.definition, "is_input", False)
    ]
    assert len(inputs) > 40
    assert all(d.from_input is not None for d in inputs)
