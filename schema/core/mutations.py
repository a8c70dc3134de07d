"""The one way a mutation runs. Its decorator (`mutation`) names the permission of its action, declared in the
domain's permissions.py (`@mutation(permissions.WITHDRAW_BID, ...)`): the schema's description says who may call
it, and the action decides it, once, in its transaction, when it holds what the rule is over (api/core/permissions.py
Permission). Anonymous callers are refused before the resolver runs (UNAUTHENTICATED: no token, nothing to decide).
The domain call runs in one transaction (with its audit event); a broken rule rolls everything back and becomes
`userErrors`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import UNSET, relay
from strawberry.extensions import FieldExtension

from api.core.errors import Unauthenticated, UserErrors
from api.core.permissions import Permission, deciding
from api.core.principal import Principal
from schema.core.context import Info
from schema.core.errors import to_user_errors
from schema.core.nodes import decode_id
from schema.core.permissions import describe

T = TypeVar("T")


class DecisionsMiscounted(RuntimeError):
    """A mutation whose action did not decide its declared permission exactly once: a fault of the service."""


class Decides(FieldExtension):
    """A mutation's permission: anonymous callers are refused; the action must decide the permission exactly once
    (the decisions of the request are kept in the context, `Context.decided`). An action that returns (its result
    or user errors) without deciding it, decides it twice, or decides another, is a fault; one refused before
    deciding (an ID of another type, no such object) has decided nothing."""

    def __init__(self, permission: Permission):
        self.permission = permission

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any) -> Any:
        if info.context.principal is None:
            raise Unauthenticated()
        with deciding() as decided:
            try:
                result = await next_(source, info, **kwargs)
            except Exception:
                self._count(info, decided, returned=False)
                raise
        self._count(info, decided, returned=True)
        return result

    def _count(self, info: Info, decided: list[Permission], *, returned: bool) -> None:
        info.context.decided.extend(decided)
        once: list[Permission] = [self.permission]
        nothing: list[Permission] = []
        if decided != once and (returned or decided != nothing):
            raise DecisionsMiscounted(f"{info.field_name} declares {self.permission!r} and decided {decided!r}")


def mutation(permission: Permission, *, description: str | None = None, **kwargs: Any) -> Any:
    """A mutation whose action is guarded by `permission` (the domain's permissions.py)."""
    return strawberry.mutation(
        description=describe(permission.scopes, description), extensions=[Decides(permission)], **kwargs
    )


async def run(
    info: Info, error_type: type, action: Callable[[AsyncSession, Principal], Awaitable[T]]
) -> tuple[T | None, list[Any]]:
    principal = info.context.principal
    assert principal is not None, "refused by the mutation's Decides extension"
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
