"""Who reviews safeguarding alerts and suspends, reinstates and bars providers, who raises alerts, and who sees
alerts and suspensions (and who raised an alert).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from api.core.permissions import Permission, alliance_any, borough, reads_own_provider
from api.core.principal import Principal, Scope
from api.market.permissions import participating_borough


def alliance_or_participating(principal: Principal, participating: bool) -> bool:
    """A safeguarding alert is raised by the alliance (`wla` or `wla:safeguarding`) or by a participating borough
    (`borough`; `participating` is `participating_borough` evaluated for it). Nobody else: a provider never."""
    return principal.is_alliance or participating


# --- who may do what: one permission per action (api/core/permissions.py Permission) ---------------------------
# Reviewing alerts, suspending, reinstating and barring providers: the alliance's safeguarding leads
# (`wla:safeguarding`; `wla` alone does not suffice).
UPDATE_ALERT = Permission("updateAlert", Scope.WLA_SAFEGUARDING)
SUSPEND_PROVIDER = Permission("suspendProvider", Scope.WLA_SAFEGUARDING)
BAR_PROVIDER = Permission("barProvider", Scope.WLA_SAFEGUARDING)
REINSTATE_PROVIDER = Permission("reinstateProvider", Scope.WLA_SAFEGUARDING)
# Raising an alert: the alliance, or a participating borough (over whether it participates).
RAISE_ALERT = Permission("raiseAlert", Scope.BOROUGH, Scope.WLA, Scope.WLA_SAFEGUARDING, rule=alliance_or_participating)


def safeguarding_visible(principal: Principal | None, provider_id_column) -> ColumnElement[bool]:
    """Safeguarding alerts and suspensions: the alliance (`wla` or `wla:safeguarding`) and every participating
    borough see all of them; a provider those on itself (never who raised an alert: `sees_alert_raiser`); other
    providers nothing."""
    if alliance_any(principal):
        return true()
    if borough(principal):
        return participating_borough(principal)
    if reads_own_provider(principal):
        return provider_id_column == principal.organisation_id
    return false()


def sees_alert_raiser(principal: Principal | None) -> bool:
    """Who raised an alert is not shown to providers (not even to the one it is about)."""
    return principal is not None and not principal.is_provider
