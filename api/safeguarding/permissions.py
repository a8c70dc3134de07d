"""Who reviews safeguarding alerts and suspends, reinstates and bars providers, who raises alerts, and who sees
alerts and suspensions (and who raised an alert).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from api.core.errors import Forbidden
from api.core.permissions import borough, reads_own_provider
from api.core.principal import Principal, Scope
from api.market.permissions import participating_borough


def ensure_safeguarding_lead(principal: Principal) -> None:
    """Reviewing alerts, suspending, reinstating and barring providers: the alliance's safeguarding leads
    (`wla:safeguarding`; `wla` alone does not suffice)."""
    if not (principal.is_alliance and principal.has(Scope.WLA_SAFEGUARDING)):
        raise Forbidden()


def ensure_raises_alerts(principal: Principal, *, participating: bool) -> None:
    """A safeguarding alert is raised by the alliance (`wla` or `wla:safeguarding`) or by a participating borough
    (`borough`; `participating` is `participating_borough` evaluated for it). Nobody else: a provider never."""
    if principal.is_alliance and (principal.has(Scope.WLA) or principal.has(Scope.WLA_SAFEGUARDING)):
        return
    if borough(principal) and participating:
        return
    raise Forbidden()


def _alliance_any(principal: Principal | None) -> bool:
    return (
        principal is not None
        and principal.is_alliance
        and (principal.has(Scope.WLA) or principal.has(Scope.WLA_SAFEGUARDING))
    )


def safeguarding_visible(principal: Principal | None, provider_id_column) -> ColumnElement[bool]:
    """Safeguarding alerts and suspensions: the alliance (`wla` or `wla:safeguarding`) and every participating
    borough see all of them; a provider those on itself (never who raised an alert: `sees_alert_raiser`); other
    providers nothing."""
    if _alliance_any(principal):
        return true()
    if borough(principal):
        return participating_borough(principal)
    if reads_own_provider(principal):
        return provider_id_column == principal.organisation_id
    return false()


def sees_alert_raiser(principal: Principal | None) -> bool:
    """Who raised an alert is not shown to providers (not even to the one it is about)."""
    return principal is not None and not principal.is_provider
