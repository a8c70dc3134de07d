"""What every domain asks of a principal before its own rules: a token at all (`require`), and who the principal
acts as (the alliance with `wla`, a borough with `borough`, a provider reading its own with `provider`).

Each domain's rules of who may do and see what are in its own `permissions` module (api/market/permissions.py,
api/placements/permissions.py, api/safeguarding/permissions.py, api/quality/permissions.py), built on these; which
rule decides the visibility of a row of each table is api/visibility.py.
"""

from __future__ import annotations

from typing import TypeGuard

from api.core.errors import Forbidden, Unauthenticated
from api.core.principal import Principal, Scope


def require(principal: Principal | None, *any_of: Scope) -> Principal:
    """The principal, if it holds at least one of the scopes; else UNAUTHENTICATED or FORBIDDEN."""
    if principal is None:
        raise Unauthenticated()
    if any_of and not any(principal.has(s) for s in any_of):
        raise Forbidden("Requires one of the scopes: " + ", ".join(s.value for s in any_of))
    return principal


def ensure_alliance_admin(principal: Principal) -> None:
    """Vehicles, lots, caps, access agreements, admissions and organisations are the alliance's to administer."""
    if not (principal.is_alliance and principal.has(Scope.WLA)):
        raise Forbidden()


def alliance(principal: Principal | None) -> TypeGuard[Principal]:
    """The alliance, with `wla`."""
    return principal is not None and principal.is_alliance and principal.has(Scope.WLA)


def borough(principal: Principal | None) -> TypeGuard[Principal]:
    """A borough, with `borough`."""
    return principal is not None and principal.is_borough and principal.has(Scope.BOROUGH)


def reads_own_provider(principal: Principal | None) -> TypeGuard[Principal]:
    """A provider, with `provider` (it reads what is its own)."""
    return principal is not None and principal.is_provider and principal.has(Scope.PROVIDER)


def sees_event(principal: Principal | None, *, drafting: bool, actor_organisation_id: int | None) -> bool:
    """Whether a viewer who may see an event's object also sees the event itself: always, except for the
    object's drafting (a requirement created and edited before it was published, api/core/events.py), which only
    the organisation that drafted it and the alliance see."""
    if principal is None:
        return False
    return not drafting or principal.is_alliance or principal.organisation_id == actor_organisation_id
