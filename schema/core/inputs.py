"""Input objects built from a plan made once per input type, through Strawberry's `from_input` hook.

Without a hook, Strawberry converts an input object's fields anew on every request: for each field it works out
its GraphQL name and resolves its Python type annotation (generic checks included), then converts the value.
For a `bidSubmit` input that was a noticeable part of the server CPU a bid costs (bench/bids.py; the figures,
before and after the plan, are in docs/benchmarks.md). The plan keeps, per input class, what does not change
between requests: each field's GraphQL name, Python name and resolved type, and whether its value needs
converting at all. Values of scalars and enums (and lists and nulls of them) arrive from graphql-core already
parsed and are passed on as they are, exactly as Strawberry passes them; anything else (a GlobalID, a nested
input, a list of inputs, `Maybe`) goes through Strawberry's own conversion
(`InputContext.convert`). The object is then built as Strawberry builds it: fields without a default start as
None, the fields the client sent are set, and the class's own defaults fill the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass
from typing import Any

import strawberry
from strawberry.relay import GlobalID
from strawberry.types.arguments import InputContext, _is_leaf_type
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional
from strawberry.types.enum import has_enum_definition


@dataclass(frozen=True)
class _Field:
    graphql_name: str
    python_name: str
    type_: Any
    as_is: bool  # the value graphql-core parsed is the value Strawberry passes on (a list: a copy of it)
    is_list: bool


@dataclass(frozen=True)
class _Plan:
    nulls: dict[str, None]  # the fields without a default, None until sent
    fields: tuple[_Field, ...]
    # What the plan was made with: a schema's names and scalars (kept, so that the ids in its key stay theirs).
    config: Any
    scalar_registry: Any


_plans: dict[tuple[type, int, int], _Plan] = {}


def _as_is(type_: Any, context: InputContext) -> bool:
    """Whether Strawberry's conversion returns a value of this type unchanged (a list: copied, see `_build`): a
    scalar other than GlobalID, or an enum; optional or not; or a list of them. Never a `Maybe`, which it wraps."""

    def leaf(t: Any, *, in_list: bool) -> bool:
        if isinstance(t, StrawberryMaybe):
            return False
        if isinstance(t, StrawberryOptional):
            t = t.of_type
        if isinstance(t, StrawberryOptional):
            return False
        if isinstance(t, StrawberryList):
            return not in_list and leaf(t.of_type, in_list=True)
        return _is_leaf_type(t, context.scalar_registry, (GlobalID,)) or has_enum_definition(t)

    return leaf(type_, in_list=False)


def _plan(cls: type, context: InputContext) -> _Plan:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    fields = []
    for field in definition.fields:
        type_ = field.resolve_type(type_definition=definition)
        plain = type_.of_type if isinstance(type_, StrawberryOptional) else type_
        fields.append(
            _Field(
                context.config.name_converter.from_field(field),
                field.python_name,
                type_,
                _as_is(type_, context),
                isinstance(plain, StrawberryList),
            )
        )
    nulls = {
        f.python_name: None for f in definition.fields if f.default_value is MISSING and f.default_factory is MISSING
    }
    return _Plan(nulls=nulls, fields=tuple(fields), config=context.config, scalar_registry=context.scalar_registry)


def _build(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
    key = (cls, id(context.config), id(context.scalar_registry))
    plan = _plans.get(key)
    if plan is None or plan.config is not context.config or plan.scalar_registry is not context.scalar_registry:
        plan = _plans[key] = _plan(cls, context)
    kwargs: dict[str, Any] = dict(plan.nulls)
    for field in plan.fields:
        if field.graphql_name in value:
            given = value[field.graphql_name]
            if not field.as_is:
                given = context.convert(given, field.type_, field.graphql_name)
            elif field.is_list and given is not None:  # graphql-core gives every request the same default list
                given = list(given)
            kwargs[field.python_name] = given
    return cls(**kwargs)


def plan_inputs(schema: strawberry.Schema) -> None:
    """Build every input object of `schema` from its plan."""
    for concrete in schema.schema_converter.type_map.values():
        definition = concrete.definition
        if getattr(definition, "is_input", False) and definition.from_input is None:
            definition.from_input = _build
