"""Who may act for a provider and see the market: providers, their settings, documents and memberships,
organisations, access agreements.

Reads: vehicles, lots, caps and the organisations that lead them are public procurement information (api/visibility.py).
The alliance sees everything; a borough sees the market (providers, settings, memberships) and its own access
agreements (or those on a vehicle it leads); a provider sees only itself. Vehicles, lots, caps, access agreements,
admissions and organisations are the alliance's to administer.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from api.core import clock
from api.core.permissions import Permission, alliance, alliance_any, borough, reads_own_provider
from api.core.principal import OrganisationKind, Principal, Scope
from api.market.models import AccessAgreement, Dpv


def acts_for_provider(principal: Principal, provider_id: int) -> bool:
    """A provider's settings, documents and memberships are changed by the provider itself (with `provider`), or
    by the alliance (with `wla`) for it."""
    return principal.is_alliance or principal.organisation_id == provider_id


def holds_agreement(principal: Principal, authority_id: int) -> bool:
    """An access agreement is ended by the alliance or by the borough that holds it."""
    return principal.is_alliance or principal.organisation_id == authority_id


# --- who may do what: one permission per action (api/core/permissions.py Permission) ---------------------------
# Vehicles, lots, caps, access agreements, admissions and organisations are the alliance's to administer (`wla`).
CREATE_ORGANISATION = Permission("createOrganisation", Scope.WLA)
CREATE_DPV = Permission("createDpv", Scope.WLA)
EXERCISE_EXTENSION = Permission("exerciseExtension", Scope.WLA)
SET_EVALUATION_WEIGHTS = Permission("setEvaluationWeights", Scope.WLA)
CREATE_LOT = Permission("createLot", Scope.WLA)
SET_RATE_CAP = Permission("setRateCap", Scope.WLA)
CREATE_ACCESS_AGREEMENT = Permission("createAccessAgreement", Scope.WLA)
DECIDE_MEMBERSHIP = Permission("decideMembership", Scope.WLA)
# Ending an access agreement: the alliance, or the borough that holds it (over the agreement's authority).
GIVE_NOTICE = Permission("giveNotice", Scope.WLA, Scope.BOROUGH, rule=holds_agreement)
# What a provider does for itself, or the alliance for it (over the provider's id).
APPLY_FOR_MEMBERSHIP = Permission("applyForMembership", Scope.PROVIDER, Scope.WLA, rule=acts_for_provider)
WITHDRAW_MEMBERSHIP = Permission("withdrawMembership", Scope.PROVIDER, Scope.WLA, rule=acts_for_provider)
RECORD_DOCUMENT = Permission("recordDocument", Scope.PROVIDER, Scope.WLA, rule=acts_for_provider)
CREATE_SETTING = Permission("createSetting", Scope.PROVIDER, Scope.WLA, rule=acts_for_provider)
UPDATE_SETTING = Permission("updateSetting", Scope.PROVIDER, Scope.WLA, rule=acts_for_provider)
RECORD_OFSTED_JUDGEMENT = Permission("recordOfstedJudgement", Scope.WLA, Scope.PROVIDER, rule=acts_for_provider)


def participating_borough(principal: Principal | None) -> ColumnElement[bool]:
    """SQL: the principal is a participating borough (DOMAIN.md "Quality and safeguarding"): it leads a vehicle
    or holds an access agreement that has not ended today (in England)."""
    if not borough(principal):
        return false()
    me = principal.organisation_id
    today = clock.today()
    return or_(
        select(Dpv.id).where(Dpv.lead_authority_id == me).exists(),
        select(AccessAgreement.id)
        .where(
            AccessAgreement.authority_id == me,
            AccessAgreement.starts_on <= today,
            or_(AccessAgreement.ends_on.is_(None), AccessAgreement.ends_on > today),
        )
        .exists(),
    )


# --- visibility, as SQL conditions (used by list queries and loaders) ---------------------------------


def _reads_market(principal: Principal | None) -> bool:
    """The alliance (`wla`, or `wla:safeguarding`: its safeguarding leads see the providers and settings they
    review) and the boroughs read the market."""
    return alliance_any(principal) or borough(principal)


def provider_visible(principal: Principal | None, provider_id_column) -> ColumnElement[bool]:
    """Providers, their settings and memberships: the alliance and boroughs see all; a provider itself."""
    if _reads_market(principal):
        return true()
    if reads_own_provider(principal):
        return provider_id_column == principal.organisation_id
    return false()


def documents_visible(principal: Principal | None, provider_id_column) -> ColumnElement[bool]:
    """Stage-1 documents: the alliance and the provider itself."""
    if alliance(principal):
        return true()
    if reads_own_provider(principal):
        return provider_id_column == principal.organisation_id
    return false()


def agreement_visible(principal: Principal | None, authority_id_column, dpv_id_column) -> ColumnElement[bool]:
    """Access agreements: the alliance, the borough that holds one, the lead borough of the vehicle."""
    if alliance(principal):
        return true()
    if borough(principal):
        led = select(Dpv.id).where(Dpv.lead_authority_id == principal.organisation_id)
        return or_(authority_id_column == principal.organisation_id, dpv_id_column.in_(led))
    return false()


def organisation_visible(principal: Principal | None, kind_column, id_column) -> ColumnElement[bool]:
    """The alliance and the boroughs are public (they lead and buy through public vehicles); providers are
    seen as above."""
    return or_(kind_column != OrganisationKind.PROVIDER, provider_visible(principal, id_column))
