"""Quality: provider reviews, complaints and disputes (api/quality/). Provider reviews: the alliance holds them; it
and the boroughs read all, a provider its own (internal notes: the alliance only). Complaints and disputes: the
borough and the provider between which they are, and the alliance that mediates.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from api.core.permissions import Permission, alliance, borough, reads_own_provider
from api.core.principal import Principal, Scope
from api.market.permissions import provider_visible
from api.quality.enums import ComplaintParty
from api.quality.models import Complaint


def review_visible(principal: Principal | None, provider_id_column) -> ColumnElement[bool]:
    """Provider reviews and their actions: the alliance and the boroughs (commissioners watch the market) see all,
    a provider its own. The alliance's internal notes are the alliance's alone (the schema's guard)."""
    return provider_visible(principal, provider_id_column)


def complaint_party(principal: Principal | None, authority_id: int, provider_id: int):
    """The side of a complaint the principal is on (api/quality/enums.py ComplaintParty), or None: the borough
    (`borough`) or the provider (`provider`) between which it is."""
    if borough(principal) and principal.organisation_id == authority_id:
        return ComplaintParty.BOROUGH
    if reads_own_provider(principal) and principal.organisation_id == provider_id:
        return ComplaintParty.PROVIDER
    return None


def raised(principal: Principal, complaint: Complaint) -> bool:
    """Only the raiser withdraws a complaint; to anyone else who may not see it, it does not exist."""
    return complaint_party(principal, complaint.authority_id, complaint.provider_id) == complaint.raised_by


# --- who may do what: one permission per action (api/core/permissions.py Permission) ---------------------------
# Provider reviews (and their actions) are held, and complaints mediated and resolved, by the alliance (`wla`).
SCHEDULE_REVIEW = Permission("scheduleReview", Scope.WLA)
RECORD_REVIEW = Permission("recordReview", Scope.WLA)
ADD_REVIEW_ACTION = Permission("addReviewAction", Scope.WLA)
UPDATE_REVIEW_ACTION = Permission("updateReviewAction", Scope.WLA)
MEDIATE_COMPLAINT = Permission("mediateComplaint", Scope.WLA)
RESOLVE_COMPLAINT = Permission("resolveComplaint", Scope.WLA)
# A borough (`borough`) or a provider (`provider`) raises a complaint or dispute for itself, about the other kind of
# party; the alliance mediates, it does not raise. Only the raiser withdraws it (over the complaint).
RAISE_COMPLAINT = Permission("raiseComplaint", Scope.BOROUGH, Scope.PROVIDER)
WITHDRAW_COMPLAINT = Permission("withdrawComplaint", Scope.BOROUGH, Scope.PROVIDER, rule=raised)


def complaint_visible(principal: Principal | None, authority_id_column, provider_id_column) -> ColumnElement[bool]:
    """Complaints and disputes: the two parties (the raiser and the one it is about) and the alliance; nobody else."""
    if alliance(principal):
        return true()
    if borough(principal):
        return authority_id_column == principal.organisation_id
    if reads_own_provider(principal):
        return provider_id_column == principal.organisation_id
    return false()
