"""schema/core/errors.py's MaskErrors finds the errors of a result by attribute where Strawberry's asks `isinstance`
against a runtime-checkable Protocol (its private `_process_result`): for every kind of result an operation or a
stream can give, it masks exactly what Strawberry's own MaskErrors masks. This is the test to run again before
Strawberry's pin in pyproject.toml moves."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from graphql import ExecutionResult as GraphQLExecutionResult, GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionResult

from schema.core.errors import mask_errors


class _Slotted:
    __slots__ = ("errors",)

    def __init__(self, errors: Any) -> None:
        self.errors = errors


class _Property:
    def __init__(self, errors: Any) -> None:
        self._errors = errors

    @property
    def errors(self) -> Any:
        return self._errors

    @errors.setter
    def errors(self, value: Any) -> None:
        self._errors = value


def _errors() -> list[GraphQLError]:
    return [
        GraphQLError("unexpected", original_error=RuntimeError("boom")),  # masked
        GraphQLError("on purpose"),  # shown
    ]


RESULTS = {
    "graphql-core's result": lambda errors: GraphQLExecutionResult(data=None, errors=errors),
    "Strawberry's result": lambda errors: ExecutionResult(data=None, errors=errors),
    "a streamed result": lambda errors: SimpleNamespace(data={"a": 1}, errors=errors),
    "a result with slots": _Slotted,
    "errors as a property": _Property,
    "no errors attribute": lambda errors: SimpleNamespace(data={"a": 1}),
    "not a result": lambda errors: object(),
}


def _messages(result: Any) -> Any:
    errors = getattr(result, "errors", "absent")
    return errors if not isinstance(errors, list) else [e.message for e in errors]


@pytest.mark.parametrize("kind", RESULTS)
@pytest.mark.parametrize("errors", ["some", "none", "empty"])
def test_a_result_is_masked_as_strawberry_masks_it(kind: str, errors: str) -> None:
    ours = mask_errors()
    theirs = MaskErrors(should_mask_error=ours.should_mask_error, error_message=ours.error_message)
    given = {"some": _errors, "none": lambda: None, "empty": list}[errors]
    mine, strawberry_s = RESULTS[kind](given()), RESULTS[kind](given())
    ours._process_result(mine)
    theirs._process_result(strawberry_s)
    assert _messages(mine) == _messages(strawberry_s)
    if errors == "some" and kind not in ("no errors attribute", "not a result"):
        assert _messages(mine) == ["Unexpected error.", "on purpose"]
