"""Errors on the wire.

- A rule broken by the caller: the payload's `userErrors { field code message }`, a code enum per domain.
- No principal, a missing scope, someone else's object: a top-level error with `extensions.code`
  UNAUTHENTICATED or FORBIDDEN (the domain raises them; graphql-core copies their `extensions`).
- Anything unexpected is masked; parse and validation errors are not.
"""

import re
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import MaskErrors
from strawberry.relay import GlobalIDValueError
from strawberry.utils.str_converters import to_camel_case

from api.core.errors import Forbidden, TextTooLong, Unauthenticated, UserErrors
from api.core.realtime import Overflow


class BadUserInput(Exception):
    """A query argument out of bounds (e.g. `first: 500`)."""

    extensions = {"code": "BAD_USER_INPUT"}


_SHOWN = (Forbidden, Unauthenticated, BadUserInput, TextTooLong, Overflow, StrawberryInputCoercionError)


def should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None:  # parse and validation errors, and GraphQLErrors raised on purpose
        return False
    if isinstance(original, _SHOWN):
        return False
    # strawberry's own input-coercion errors (a malformed global ID...) are the caller's
    return not type(original).__module__.startswith(("strawberry", "graphql"))


# Strawberry's refusals of a value the caller sent: a global ID that is not one (not base64, no colon, a type the
# schema does not have). They are shown, and coded BAD_USER_INPUT like the API's own.
_CALLERS_INPUT = (GlobalIDValueError, StrawberryInputCoercionError)


class _MaskErrors(MaskErrors):
    """Strawberry's MaskErrors, with the check for errors on a result made by attribute rather than by
    `isinstance` against a runtime-checkable Protocol: that check ran for every result a subscription streams,
    once per event and subscriber, and cost more than the masking (bench/fanout.py). Same behaviour, and
    Strawberry's own input errors get `extensions.code` BAD_USER_INPUT; a text too long names its field as the API
    does."""

    def _process_result(self, result: object) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if isinstance(error.original_error, _CALLERS_INPUT) and not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}
            elif isinstance(error.original_error, TextTooLong):
                error.extensions = {**(error.extensions or {}), "field": graphql_path(error.original_error.field)}
        return processed


def mask_errors() -> MaskErrors:
    return _MaskErrors(should_mask_error=should_mask, error_message="Unexpected error.")


_error_types: dict[str, type] = {}
_codes_of: dict[type, type[Enum]] = {}


def user_error_type(name: str, *code_enums: type[Enum]) -> type:
    """The `userErrors` element type of one domain: `{ field code message }`, its code enum (`<name>Code`) made of
    the codes of the domain's modules, in their order (a code two modules share is one value)."""
    if name in _error_types:
        return _error_types[name]
    values = dict.fromkeys(member.value for codes in code_enums for member in codes)
    gql_enum = strawberry.enum(Enum(f"{name}Code", [(v, v) for v in values]), name=f"{name}Code")  # type: ignore[misc]

    @strawberry.type(name=name, description=f"A rule broken by the caller; `code` is a {name}Code.")
    class _UserError:
        field: str | None = strawberry.field(description="The input field at fault, as a path, if one is.")
        code: gql_enum  # type: ignore[valid-type]
        message: str

    _error_types[name] = _UserError
    _codes_of[_UserError] = gql_enum
    return _UserError


# A domain names a field by its own attribute, snake_case, as a path ("child.age_years", "extras[0].description",
# "documents.OFSTED_JUDGEMENT"); the API names it as the schema does (Strawberry's auto camel case).
_DOMAIN_NAME = re.compile(r"(?<![A-Za-z0-9_])[a-z][a-z0-9_]*")


def graphql_path(path: str) -> str:
    """The GraphQL name of a domain's field path: each snake_case name camel-cased, the rest (indexes, enum
    values) kept."""
    return _DOMAIN_NAME.sub(lambda name: to_camel_case(name.group()), path)


def _graphql_message(message: str, field: str | None, path: str | None) -> str:
    """A message quotes its own field in backticks by the domain's name; the API quotes it by the GraphQL one."""
    if field is None or field == path:
        return message
    return message.replace(f"`{field}`", f"`{path}`")


def to_user_errors(error_type: type, exc: UserErrors) -> list[Any]:
    """The domain's user errors as `userErrors`: fields and codes by their GraphQL names."""
    codes = _codes_of[error_type]
    errors = []
    for e in exc.errors:
        path = None if e.field is None else graphql_path(e.field)
        message = _graphql_message(e.message, e.field, path)
        errors.append(error_type(field=path, code=codes(e.code.value), message=message))
    return errors
