"""Errors the domain raises. Resolvers map them: `UserErrors` to the payload, the rest to top-level errors."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class UserError:
    """A rule broken by the caller: reported in the payload, nothing changes.

    `field` names the input at fault in the domain's words: its attribute names, snake_case, as a path
    ("child.age_years", "extras[0].description"); a message that names its field quotes it in backticks. `code` is
    a member of the raising module's own code enum. The schema maps both to the API's names."""

    field: str | None
    code: Enum
    message: str


class UserErrors(Exception):
    def __init__(self, errors: list[UserError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    @classmethod
    def one(cls, field: str | None, code: Enum, message: str) -> UserErrors:
        return cls([UserError(field, code, message)])


class _TopLevel(Exception):
    """Reported as a top-level error; GraphQL copies `extensions` onto it."""

    code = ""

    @property
    def extensions(self) -> dict[str, str]:
        return {"code": self.code}


class Unauthenticated(_TopLevel):
    """No principal where one is needed."""

    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "Authentication required"):
        super().__init__(message)


class Forbidden(_TopLevel):
    """The principal may not do this, or the object is not theirs (or does not exist: the two look alike)."""

    code = "FORBIDDEN"

    def __init__(self, message: str = "Not permitted, or no such object"):
        super().__init__(message)


class TextTooLong(_TopLevel):
    """A text longer than the data model holds (api/core/text_limits.py): the caller's input, refused as a whole."""

    code = "BAD_USER_INPUT"

    def __init__(self, entity: str, attribute: str, length: int):
        words = attribute.replace("_", " ")
        super().__init__(f"Text too long: {entity} {words} holds at most {length} characters")
        self.field = attribute  # the domain's name; the schema gives the GraphQL one (schema/core/errors.py)

    @property
    def extensions(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field}
