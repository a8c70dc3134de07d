"""The contract's breaking-change check: the schema against the last released one (frontend-contract/released/).

graphql-core's `find_breaking_changes` lists what a client written against the released schema could trip on.
A removal is allowed only when what is removed was deprecated in the released schema (a field, an argument, an
input field or an enum value; a type when every field, argument and input field that used it was); anything
else is a breaking change and fails (tests/test_contract.py, in CI). Every deprecation of the schema says since
when: its reason carries the date (`... since 2026-12-03`), so that one can tell when it may go.
"""

from __future__ import annotations

import re

from graphql import (
    BreakingChange,
    BreakingChangeType,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    get_named_type,
)

DEPRECATED_SINCE = re.compile(r"\bsince \d{4}-\d{2}-\d{2}\b")

# graphql-core's words for the removals (graphql/utilities/find_schema_changes.py).
_FIELD_REMOVED = re.compile(r"^Field (\w+)\.(\w+) was removed\.$")
_ARG_REMOVED = re.compile(r"^Argument (\w+)\.(\w+)\((\w+):\) was removed\.$")
_VALUE_REMOVED = re.compile(r"^Enum value (\w+)\.(\w+) was removed\.$")
_TYPE_REMOVED = re.compile(r"^(\w+) was removed\.$")


def problems(released_sdl: str, current_sdl: str) -> list[str]:
    """What is wrong with the current schema against the released one: each breaking change not deprecated
    first, and each deprecation without a date. Empty: the contract holds."""
    released, current = build_schema(released_sdl), build_schema(current_sdl)
    found = [
        f"{change.type.name}: {change.description}"
        for change in find_breaking_changes(released, current)
        if not _deprecated_first(released, change)
    ]
    return found + [f"DEPRECATION_WITHOUT_DATE: {where}" for where in undated_deprecations(current)]


def _deprecated_first(released: GraphQLSchema, change: BreakingChange) -> bool:
    kind, text = change.type, change.description
    if kind is BreakingChangeType.FIELD_REMOVED and (m := _FIELD_REMOVED.match(text)):
        owner = released.get_type(m[1])
        if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            field = owner.fields.get(m[2])
            return field is not None and field.deprecation_reason is not None
    if kind is BreakingChangeType.ARG_REMOVED and (m := _ARG_REMOVED.match(text)):
        owner = released.get_type(m[1])
        if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType):
            field = owner.fields.get(m[2])
            arg = field.args.get(m[3]) if field is not None else None
            return arg is not None and arg.deprecation_reason is not None
    if kind is BreakingChangeType.VALUE_REMOVED_FROM_ENUM and (m := _VALUE_REMOVED.match(text)):
        owner = released.get_type(m[1])
        if isinstance(owner, GraphQLEnumType):
            value = owner.values.get(m[2])
            return value is not None and value.deprecation_reason is not None
    if kind is BreakingChangeType.TYPE_REMOVED and (m := _TYPE_REMOVED.match(text)):
        return _only_deprecated_uses(released, m[1])
    return False


def _only_deprecated_uses(schema: GraphQLSchema, type_name: str) -> bool:
    """Every field, argument and input field of the schema that has the type is deprecated."""
    for owner in schema.type_map.values():
        if not isinstance(owner, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            continue
        for field in owner.fields.values():
            if get_named_type(field.type).name == type_name and field.deprecation_reason is None:
                return False
            for arg in getattr(field, "args", {}).values():
                if get_named_type(arg.type).name == type_name and arg.deprecation_reason is None:
                    return False
    return True


def undated_deprecations(schema: GraphQLSchema) -> list[str]:
    """Where a deprecation's reason does not say since when (`since YYYY-MM-DD`)."""
    found: list[str] = []

    def check(where: str, reason: str | None) -> None:
        if reason is not None and not DEPRECATED_SINCE.search(reason):
            found.append(f"{where}: {reason!r}")

    for name, owner in schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(owner, GraphQLEnumType):
            for value_name, value in owner.values.items():
                check(f"{name}.{value_name}", value.deprecation_reason)
        if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in owner.fields.items():
                check(f"{name}.{field_name}", field.deprecation_reason)
                for arg_name, arg in getattr(field, "args", {}).items():
                    check(f"{name}.{field_name}({arg_name})", arg.deprecation_reason)
    return found
