"""The quality rules' free-text fields: cleaned, required, and at most so long (`check_texts`)."""

from __future__ import annotations

from enum import Enum

from api.core.errors import UserError, UserErrors

MAX_TEXT = 8000  # agendas, notes, descriptions, outcomes
MAX_LINE = 200  # a name, a subject


def clean(value: str | None) -> str | None:
    """The text stripped; None when empty."""
    return (value or "").strip() or None


def check_texts(too_long: Enum, fields: dict[str, tuple[str | None, Enum | None, int]]) -> None:
    """Raise one user error per text field that is missing (when its `required` code is given) or longer than its
    limit. `fields`: {input path: (the cleaned value, the code when missing or None if optional, the limit)}."""
    errors = []
    for path, (value, required, limit) in fields.items():
        if value is None:
            if required is not None:
                errors.append(UserError(path, required, f"`{path}` is required"))
        elif len(value) > limit:
            errors.append(UserError(path, too_long, f"`{path}` is at most {limit} characters"))
    if errors:
        raise UserErrors(errors)
