"""Who may do what: a `Permission` per action, decided once per operation by the domain action it guards; and what
every domain asks of a principal before its own rules of visibility (a token at all with `require`, and who the
principal acts as: the alliance with `wla`, a borough with `borough`, a provider reading its own with `provider`).

Each domain declares its actions' permissions in its own `permissions` module (api/market/permissions.py,
api/placements/permissions.py, api/safeguarding/permissions.py, api/quality/permissions.py), with the rules of who
sees what; which rule decides the visibility of a row of each table is api/visibility.py. A mutation names the
permission of its action (schema/core/mutations.py `mutation`), and its action decides it, once, when it holds what
the rule needs (the object, loaded and locked in the action's transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeGuard

from api.core.errors import Forbidden, Unauthenticated
from api.core.principal import Principal, Scope

_NOTHING: Any = object()


class Permission:
    """Who may do one action: a principal holding one of `scopes` (a scope is granted only to its kind of
    organisation, api/core/principal.py, so it names the kind too), and, for an action on an object, for whom
    `rule(principal, object)` holds. Refused: UNAUTHENTICATED without a principal, FORBIDDEN without one of the
    scopes, and FORBIDDEN when the rule does not hold (someone else's object looks like no object)."""

    def __init__(self, name: str, *scopes: Scope, rule: Callable[[Principal, Any], bool] | None = None):
        self.name = name
        self.scopes = scopes
        self.rule = rule

    def __repr__(self) -> str:
        return f"Permission({self.name})"

    def admits(self, principal: Principal | None) -> bool:
        """The principal holds one of the scopes (the rule over the object aside)."""
        return principal is not None and any(principal.has(s) for s in self.scopes)

    def decide(self, principal: Principal | None, obj: Any = _NOTHING) -> Principal:
        """The one decision of an operation: the principal, if it may; else UNAUTHENTICATED or FORBIDDEN.
        `obj` is what the rule is over (a permission with a rule must be given it)."""
        decided = _decisions.get()
        if decided is not None:
            decided.append(self)
        if principal is None:
            raise Unauthenticated()
        if not self.admits(principal):
            raise Forbidden("Requires one of the scopes: " + ", ".join(s.value for s in self.scopes))
        if self.rule is not None:
            if obj is _NOTHING:
                raise TypeError(f"{self!r} is decided over an object")
            if not self.rule(principal, obj):
                raise Forbidden()
        return principal


# The permissions decided in the operation running (`deciding`): the schema checks that a mutation decides its one.
_decisions: ContextVar[list[Permission] | None] = ContextVar("permission_decisions", default=None)


@contextmanager
def deciding() -> Iterator[list[Permission]]:
    """Collect the permissions decided inside (in this task and the tasks it starts), in order."""
    decided: list[Permission] = []
    token = _decisions.set(decided)
    try:
        yield decided
    finally:
        _decisions.reset(token)


def require(principal: Principal | None, *any_of: Scope) -> Principal:
    """The principal, if it holds at least one of the scopes; else UNAUTHENTICATED or FORBIDDEN (reads: a query's
    or a subscription's guard)."""
    if principal is None:
        raise Unauthenticated()
    if any_of and not any(principal.has(s) for s in any_of):
        raise Forbidden("Requires one of the scopes: " + ", ".join(s.value for s in any_of))
    return principal


def alliance(principal: Principal | None) -> TypeGuard[Principal]:
    """The alliance, with `wla`."""
    return principal is not None and principal.has(Scope.WLA)


def alliance_any(principal: Principal | None) -> TypeGuard[Principal]:
    """The alliance, with `wla` or `wla:safeguarding` (its safeguarding leads)."""
    return principal is not None and (principal.has(Scope.WLA) or principal.has(Scope.WLA_SAFEGUARDING))


def borough(principal: Principal | None) -> TypeGuard[Principal]:
    """A borough, with `borough`."""
    return principal is not None and principal.has(Scope.BOROUGH)


def reads_own_provider(principal: Principal | None) -> TypeGuard[Principal]:
    """A provider, with `provider` (it reads what is its own)."""
    return principal is not None and principal.has(Scope.PROVIDER)


def sees_event(principal: Principal | None, *, drafting: bool, actor_organisation_id: int | None) -> bool:
    """Whether a viewer who may see an event's object also sees the event itself: always, except for the
    object's drafting (a requirement created and edited before it was published, api/core/events.py), which only
    the organisation that drafted it and the alliance see."""
    if principal is None:
        return False
    return not drafting or principal.is_alliance or principal.organisation_id == actor_organisation_id
