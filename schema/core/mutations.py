"""The one way a mutation runs: the caller's scopes were checked by the field's guard; the domain call runs
in one transaction (with its audit event); a broken rule rolls everything back and becomes `userErrors`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import UNSET, relay

from api.core.errors import UserErrors
from api.core.permissions import require
from api.core.principal import Principal
from schema.core.context import Info
from schema.core.errors import to_user_errors
from schema.core.nodes import decode_id

T = TypeVar("T")


async def run(
    info: Info, error_type: type, action: Callable[[AsyncSession, Principal], Awaitable[T]]
) -> tuple[T | None, list[Any]]:
    principal = require(info.context.principal)
    try:
        async with info.context.db.transaction() as session:
            return await action(session, principal), []
    except UserErrors as exc:
        return None, to_user_errors(error_type, exc)


def own_or_given_provider(principal: Principal, provider_id: relay.GlobalID | None) -> int:
    """The provider a provider-side mutation acts for: a provider acts for itself (the organisation comes
    from the token); the alliance names the provider it acts for."""
    if provider_id is None:
        return principal.organisation_id
    return decode_id(provider_id, "Provider")


def sent_fields(input: Any, names: tuple[str, ...], nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a partial-update input actually sent: UNSET ones are left alone, and null clears only the
    fields that may be empty (elsewhere null means "no change")."""
    changes: dict[str, Any] = {}
    for name in names:
        value = getattr(input, name)
        if value is UNSET or (value is None and name not in nullable):
            continue
        changes[name] = list(value) if isinstance(value, list) else value
    return changes
