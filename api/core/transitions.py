"""Explicit state machines: the one place that moves an object from one status to the next, or says why not.

Each domain keeps its own table (`TRANSITIONS`: status -> the statuses it may become) and its own error code;
this moves `obj.status` along it, or raises the user error `INVALID_TRANSITION` naming both statuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from api.core.errors import UserError, UserErrors

StatusT = TypeVar("StatusT", bound=Enum)


def refusal(field: str, code: Any, noun: str, before: Enum, to: Enum) -> UserError:
    """`noun` with its article, capitalised: "A requirement", "An action"."""
    return UserError(field, code, f"{noun} that is {before.value} cannot become {to.value}")


def move(
    obj: Any, to: StatusT, table: Mapping[StatusT, frozenset[StatusT]], *, field: str, code: Any, noun: str
) -> StatusT:
    """Set `obj.status` to `to` if the table allows it from the current status; return the status before."""
    before = obj.status
    if to not in table[before]:
        raise UserErrors([refusal(field, code, noun, before, to)])
    obj.status = to
    return before
