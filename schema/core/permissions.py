"""Every query field declares who may call it; the declaration is enforced and shown in its description in the
schema (like Saleor's PermissionsField). A mutation names its action's permission instead (schema/core/mutations.py
`mutation`), shown the same way."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension

from api.core.permissions import require
from api.core.principal import Scope

PUBLIC = "Public: no token needed."


def describe(scopes: tuple[Scope, ...], description: str | None) -> str:
    need = "Requires a token with one of the scopes: " + ", ".join(f"`{s.value}`" for s in scopes) + "."
    return f"{description}\n\n{need}" if description else need


class HasScope(BasePermission):
    """Raises UNAUTHENTICATED without a principal and FORBIDDEN without one of the scopes."""

    def __init__(self, *scopes: Scope):
        self.scopes = scopes

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        require(info.context.principal, *self.scopes)
        return True


def _guard(scopes: tuple[Scope, ...]) -> PermissionExtension:
    return PermissionExtension(permissions=[HasScope(*scopes)], use_directives=False)


def scoped(*scopes: Scope, description: str | None = None, **kwargs: Any) -> Any:
    """A field or mutation that needs a token with one of `scopes`."""
    return strawberry.field(description=describe(scopes, description), extensions=[_guard(scopes)], **kwargs)


def public_description(description: str | None = None) -> str:
    return f"{description}\n\n{PUBLIC}" if description else PUBLIC


def public(description: str | None = None, **kwargs: Any) -> Any:
    """A field anyone may read (what it returns is still filtered by the viewer's visibility)."""
    return strawberry.field(description=public_description(description), **kwargs)
