"""Text the caller sends holds no control characters.

Every string that reaches the API, whatever its type (String, ID, a custom scalar, a cursor, a name, a child's
views), is refused when it holds a character that has no place in text: a C0 control other than tab, line feed
and carriage return (NUL among them, which PostgreSQL cannot store in text at all), DEL, a C1 control, or half of
a UTF-16 surrogate pair (JSON can carry one; it is not a character and cannot be encoded to be stored).

The refusal is a request error, before anything runs, with `extensions.code` BAD_USER_INPUT and
`extensions.field` naming where the text was (an argument's path, or a variable's): the same error for a query,
a mutation or a subscription, whichever domain the field belongs to, and nothing is written. It is made in one
place for each way a value arrives: the document's literals when it is validated (`ControlCharactersRule`; the
validation cache keeps the verdict with the document), the variables when they have been coerced
(`variable_errors`, from `ExecutionContext.build` in schema/core/execution.py). The message names the place and
the character's code point, never the text, which may be a child's details.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError, Node, StringValueNode, ValidationRule
from graphql.language import ArgumentNode, DirectiveNode, FieldNode, ObjectFieldNode, VariableDefinitionNode

MAX_ERRORS = 10  # reported for one request's variables (a list of a thousand bad strings is one mistake)
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_character(value: str) -> str | None:
    """The code point (`U+0000`) of the first character `value` may not hold as text, or None."""
    found = _FORBIDDEN.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def text_error(where: str, field: str, code_point: str, nodes: Node | list[Node] | None = None) -> GraphQLError:
    return GraphQLError(
        f"{where} contains a character not allowed in text ({code_point}): control characters other than tab, "
        "line feed and carriage return, and unpaired surrogates, are refused.",
        nodes,
        extensions={"code": "BAD_USER_INPUT", "field": field},
    )


class ControlCharactersRule(ValidationRule):
    """The document's string literals (in arguments, input objects, lists and variables' defaults)."""

    def enter_string_value(
        self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: list[Any]
    ) -> None:
        code_point = forbidden_character(node.value)
        if code_point is not None:
            where, field = _place([*ancestors, parent])
            self.report_error(text_error(where, field, code_point, node))


def _place(ancestors: list[Any]) -> tuple[str, str]:
    """How a literal's place reads in the message, and its path (`input.child.childViews`)."""
    names: list[str] = []
    owner = "the document"
    for node in ancestors:
        if isinstance(node, (ArgumentNode, ObjectFieldNode)):
            names.append(node.name.value)
        elif isinstance(node, FieldNode):
            owner, names = f"field '{node.name.value}'", []
        elif isinstance(node, DirectiveNode):
            owner, names = f"directive '@{node.name.value}'", []
        elif isinstance(node, VariableDefinitionNode):
            owner, names = "the default value", [f"${node.variable.name.value}"]
    field = ".".join(names)
    return (f"Argument '{field}' of {owner}" if field else f"A string of {owner}"), field


def variable_errors(variable_definitions: Any, coerced: dict[str, Any]) -> list[GraphQLError]:
    """The coerced variables' strings that text may not hold, wherever they are in the variables (a key of a
    JSON value too)."""
    nodes = {d.variable.name.value: d for d in variable_definitions or ()}
    errors: list[GraphQLError] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, (name,)) for name, value in coerced.items()]
    while stack and len(errors) < MAX_ERRORS:
        value, path = stack.pop()
        if isinstance(value, str):
            code_point = forbidden_character(value)
            if code_point is not None:
                field = ".".join(str(p) for p in path)
                where = f"Variable '${path[0]}'" + (f" at '{'.'.join(str(p) for p in path[1:])}'" if path[1:] else "")
                errors.append(text_error(where, field, code_point, nodes.get(str(path[0]))))
        elif isinstance(value, dict):
            stack.extend((item, (*path, key)) for key, item in value.items())
            stack.extend((key, (*path, key)) for key in value if isinstance(key, str))
        elif isinstance(value, (list, tuple)):
            stack.extend((item, (*path, index)) for index, item in enumerate(value))
    return errors
