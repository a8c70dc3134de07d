"""Who may post and change requirements, bid, award and sign, and who sees requirements (and their child),
invitations, bids, IPAs and placements.

Requirements: the alliance sees all (the child masked), a borough its own, a provider those it is invited to (and
only its own invitation on them). Bids are sealed between providers: a provider sees its own only; the borough sees
every bid on its own requirements as they arrive; the alliance sees all. Someone else's object is invisible: lists
leave it out and `node` answers null.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true

from api.core.permissions import Permission, alliance, borough, reads_own_provider
from api.core.principal import Principal, Scope
from api.placements.enums import ChildView, IpaParty
from api.placements.models import Invitation, Ipa, Requirement


def owns_requirement(principal: Principal, authority_id: int) -> bool:
    """A requirement is changed only by the borough that posted it; anyone else's looks like no requirement."""
    return principal.organisation_id == authority_id


def owns_bid(principal: Principal, provider_id: int) -> bool:
    """A bid is amended or withdrawn only by its provider; anyone else's looks like no bid."""
    return principal.organisation_id == provider_id


def signs_for_a_party(principal: Principal, ipa: Ipa) -> bool:
    """An IPA is signed by its provider (`provider:sign`) or by an authorised officer of its borough
    (`borough:award`, the scopes that admit to SIGN_IPA); `provider` or `borough` alone does not sign."""
    return ipa_party(principal, ipa.authority_id, ipa.provider_id) is not None


# --- who may do what: one permission per action (api/core/permissions.py Permission) ---------------------------
# Requirements are posted by a borough, for itself (the authority comes from the token, never the input), and
# changed only by it (over the requirement's authority).
CREATE_REQUIREMENT = Permission("createRequirement", Scope.BOROUGH)
UPDATE_REQUIREMENT = Permission("updateRequirement", Scope.BOROUGH, rule=owns_requirement)
PUBLISH_REQUIREMENT = Permission("publishRequirement", Scope.BOROUGH, rule=owns_requirement)
CANCEL_REQUIREMENT = Permission("cancelRequirement", Scope.BOROUGH, rule=owns_requirement)
CLOSE_REQUIREMENT = Permission("closeRequirement", Scope.BOROUGH, rule=owns_requirement)
# A provider bids for itself (the provider comes from the token): nobody, not even the alliance, bids for it; only
# it amends or withdraws its bid (over the bid's provider).
SUBMIT_BID = Permission("submitBid", Scope.PROVIDER)
AMEND_BID = Permission("amendBid", Scope.PROVIDER, rule=owns_bid)
WITHDRAW_BID = Permission("withdrawBid", Scope.PROVIDER, rule=owns_bid)
# The borough scores the bids on its own requirements (over the requirement's authority).
SCORE_BID = Permission("scoreBid", Scope.BOROUGH, rule=owns_requirement)
# A bid is accepted by an authorised officer (`borough:award`) of the borough that posted the requirement. The
# `borough` scope alone does not suffice; `borough:award` alone does (it names the officer's authority).
ACCEPT_BID = Permission("acceptBid", Scope.BOROUGH_AWARD, rule=owns_requirement)
# The IPA's parties sign it (over the IPA); to anyone else it is invisible.
SIGN_IPA = Permission("signIpa", Scope.PROVIDER_SIGN, Scope.BOROUGH_AWARD, rule=signs_for_a_party)


# --- visibility, as SQL conditions (used by list queries and loaders) ---------------------------------


def requirement_visible(principal: Principal | None, id_column, authority_id_column) -> ColumnElement[bool]:
    """Requirements: the alliance sees all (the child masked); a borough its own; a provider those it is
    invited to. Nobody else: another borough's requirement does not exist for it."""
    if alliance(principal):
        return true()
    if borough(principal):
        return authority_id_column == principal.organisation_id
    if reads_own_provider(principal):
        invited = select(Invitation.requirement_id).where(Invitation.provider_id == principal.organisation_id)
        return id_column.in_(invited)
    return false()


def on_own_requirement(principal: Principal | None, requirement_id_column) -> ColumnElement[bool]:
    """Rows under a requirement that only its borough and the alliance read (the members not invited)."""
    if alliance(principal):
        return true()
    if borough(principal):
        return requirement_id_column.in_(
            select(Requirement.id).where(Requirement.authority_id == principal.organisation_id)
        )
    return false()


def invitation_visible(principal: Principal | None, requirement_id_column, provider_id_column) -> ColumnElement[bool]:
    """Invitations: the alliance, the borough of the requirement, the provider invited (its own only)."""
    if reads_own_provider(principal):
        return provider_id_column == principal.organisation_id
    return on_own_requirement(principal, requirement_id_column)


def bid_visible(principal: Principal | None, requirement_id_column, provider_id_column) -> ColumnElement[bool]:
    """Bids are sealed between providers: a provider sees its own only; the borough of the requirement sees every
    bid on it as it arrives (DOMAIN.md step 4; bidReceived pushes them live); the alliance sees all."""
    if reads_own_provider(principal):
        return provider_id_column == principal.organisation_id
    return on_own_requirement(principal, requirement_id_column)


def ipa_party(principal: Principal | None, authority_id: int, provider_id: int):
    """Which party of an IPA the principal acts for (api/placements/enums.py IpaParty), or None: the borough
    that awarded it (`borough` or `borough:award`), the provider of the accepted bid (`provider` or
    `provider:sign`). Reading and downloading the contract need only this; signing needs `SIGN_IPA`."""
    if principal is None:
        return None
    if (
        principal.is_borough
        and principal.organisation_id == authority_id
        and (principal.has(Scope.BOROUGH) or principal.has(Scope.BOROUGH_AWARD))
    ):
        return IpaParty.BOROUGH
    if (
        principal.is_provider
        and principal.organisation_id == provider_id
        and (principal.has(Scope.PROVIDER) or principal.has(Scope.PROVIDER_SIGN))
    ):
        return IpaParty.PROVIDER
    return None


def ipa_visible(principal: Principal | None, authority_id_column, provider_id_column) -> ColumnElement[bool]:
    """IPAs and placements: their two parties, and the alliance (the metadata: the alliance never downloads the
    contract itself, api/placements/ipas.py `document_for`)."""
    if alliance(principal):
        return true()
    if principal is None:
        return false()
    if principal.is_borough and (principal.has(Scope.BOROUGH) or principal.has(Scope.BOROUGH_AWARD)):
        return authority_id_column == principal.organisation_id
    if principal.is_provider and (principal.has(Scope.PROVIDER) or principal.has(Scope.PROVIDER_SIGN)):
        return provider_id_column == principal.organisation_id
    return false()


def child_view(principal: Principal | None, authority_id: int) -> ChildView | None:
    """How much of a visible requirement's child the principal sees (api/placements/child.py): the owning
    borough everything (FULL), the alliance MASKED, an invited provider the SUMMARY; None: nothing."""
    if borough(principal) and principal.organisation_id == authority_id:
        return ChildView.FULL
    if alliance(principal):
        return ChildView.MASKED
    if reads_own_provider(principal):  # the requirement is visible to a provider only when it is invited
        return ChildView.SUMMARY
    return None


def sees_placement_review(principal: Principal | None) -> bool:
    """A placement's review flag (set when its provider is suspended or barred): the owning borough and the
    alliance (the placement's own visibility already limits a borough to its own)."""
    return principal is not None and (principal.is_alliance or principal.is_borough)
