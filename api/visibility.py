"""Who may see what: which domain's rule decides whether a row of each table is visible to a principal.

Reads: vehicles, lots, caps and the organisations that lead them are public procurement information.
Everything else needs a principal. The alliance sees everything; a borough sees the market (providers,
settings, memberships) and its own access agreements (or those on a vehicle it leads); a provider sees
only itself. Requirements: the alliance sees all (the child masked), a borough its own, a provider those it
is invited to (and only its own invitation on them). Bids are sealed between providers: a provider sees its
own only; the borough sees every bid on its own requirements as they arrive; the alliance sees all. Someone
else's object is invisible: lists leave it out and `node` answers null. Provider reviews: the alliance holds
them; it and the boroughs read all, a provider its own (internal notes: the alliance only). Complaints and
disputes: the borough and the provider between which they are, and the alliance that mediates.

Each rule is written in its domain's `permissions` module (api/market/permissions.py, api/placements/permissions.py,
api/safeguarding/permissions.py, api/quality/permissions.py), with who may change what; this module only knows
which rule applies to which table, for the schema's loaders and lists (schema/core/loaders.py).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true

from api.core.principal import Principal
from api.market import models as m
from api.market.permissions import agreement_visible, documents_visible, organisation_visible, provider_visible
from api.placements import models as pm
from api.placements.permissions import (
    bid_visible,
    invitation_visible,
    ipa_visible,
    on_own_requirement,
    requirement_visible,
)
from api.quality import models as qm
from api.quality.permissions import complaint_visible, review_visible
from api.safeguarding import models as sm
from api.safeguarding.permissions import safeguarding_visible


def visible(principal: Principal | None, model: type) -> ColumnElement[bool]:
    """The condition under which a row of `model` is visible to the principal."""
    if model in (m.Dpv, m.Lot, m.LotRateCap):
        return true()
    if model is m.Organisation:
        return organisation_visible(principal, m.Organisation.kind, m.Organisation.id)
    if model in (m.Setting, m.Membership):
        return provider_visible(principal, model.provider_id)
    if model is m.Document:
        return documents_visible(principal, m.Document.provider_id)
    if model is m.AccessAgreement:
        return agreement_visible(principal, m.AccessAgreement.authority_id, m.AccessAgreement.dpv_id)

    if model is pm.Requirement:
        return requirement_visible(principal, pm.Requirement.id, pm.Requirement.authority_id)
    if model is pm.RequirementChild:  # reached through its requirement: the same rule
        visible_requirements = select(pm.Requirement.id).where(visible(principal, pm.Requirement))
        return pm.RequirementChild.requirement_id.in_(visible_requirements)
    if model is pm.Invitation:
        return invitation_visible(principal, pm.Invitation.requirement_id, pm.Invitation.provider_id)
    if model is pm.UninvitedMember:
        return on_own_requirement(principal, pm.UninvitedMember.requirement_id)
    if model is pm.Bid:
        return bid_visible(principal, pm.Bid.requirement_id, pm.Bid.provider_id)
    if model in (pm.Ipa, pm.Placement):
        return ipa_visible(principal, model.authority_id, model.provider_id)
    if model is pm.IpaSignature:
        return pm.IpaSignature.ipa_id.in_(select(pm.Ipa.id).where(visible(principal, pm.Ipa)))

    if model in (sm.SafeguardingAlert, sm.Suspension):
        return safeguarding_visible(principal, model.provider_id)

    if model is qm.ProviderReview:
        return review_visible(principal, qm.ProviderReview.provider_id)
    if model is qm.ReviewAction:  # reached through its review: the same rule
        return qm.ReviewAction.review_id.in_(select(qm.ProviderReview.id).where(visible(principal, qm.ProviderReview)))
    if model is qm.Complaint:
        return complaint_visible(principal, qm.Complaint.authority_id, qm.Complaint.provider_id)
    if model is qm.ComplaintEvent:
        return qm.ComplaintEvent.complaint_id.in_(select(qm.Complaint.id).where(visible(principal, qm.Complaint)))
    raise LookupError(f"no visibility rule for {model.__name__}")
