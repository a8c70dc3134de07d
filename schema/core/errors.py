"""Errors on the wire.

- A rule broken by the caller: the payload's `userErrors { field code message }`, a code enum per domain.
- No principal, a missing scope, someone else's object: a top-level error with `extensions.code`
  UNAUTHENTICATED or FORBIDDEN (the domain raises them; graphql-core copies their `extensions`).
- Anything unexpected is masked; parse and validation errors are not.
"""

from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import MaskErrors
from strawberry.relay import GlobalIDValueError

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
    """Strawberry's MaskErrors, with Strawberry's own input errors given `extensions.code` BAD_USER_INPUT."""

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if isinstance(error.original_error, _CALLERS_INPUT) and not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}
        return processed


def mask_errors() -> MaskErrors:
    return _MaskErrors(should_mask_error=should_mask, error_message="Unexpected error.")


_error_types: dict[str, type] = {}


def user_error_type(name: str, code_enum: type[Enum]) -> type:
    """The `userErrors` element type of one domain: `{ field code message }` with that domain's code enum."""
    if name in _error_types:
        return _error_types[name]
    gql_enum = strawberry.enum(code_enum, name=f"{name}Code")

    @strawberry.type(name=name, description=f"A rule broken by the caller; `code` is a {name}Code.")
    class _UserError:
        field: str | None = strawberry.field(description="The input field at fault, as a path, if one is.")
        code: gql_enum  # type: ignore[valid-type]
        message: str

    _error_types[name] = _UserError
    return _UserError


def to_user_errors(error_type: type, exc: UserErrors) -> list[Any]:
    return [error_type(field=e.field, code=e.code, message=e.message) for e in exc.errors]
