"""Who may do what, and who may see what. One place decides each rule; the domain and the schema ask here.

Reads: vehicles, lots, caps and the organisations that lead them are public procurement information.
Everything else needs a principal. The alliance sees everything; a borough sees the market (providers,
settings, memberships) and its own access agreements (or those on a vehicle it leads); a provider sees
only itself. Requirements: the alliance sees all (the child masked), a borough its own, a provider those it
is invited to (and only its own invitation on them). Bids are sealed between providers: a provider sees its
own only; the borough sees every bid on its own requirements as they arrive; the alliance sees all. Someone
else's object is invisible: lists leave it out and `node` answers null. Provider reviews: the alliance holds
them; it and the boroughs read all, a provider its own (internal notes: the alliance only). Complaints and
disputes: the borough and the provider between which they are, and the alliance that mediates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, false, or_, select, true

from api.core.errors import Forbidden, Unauthenticated
from api.core.principal import OrganisationKind, Principal, Scope

if TYPE_CHECKING:
    from api.placements.enums import ChildView


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


def acts_for_provider(principal: Principal, provider_id: int) -> bool:
    """May change a provider's settings, documents and memberships: the provider itself, or the alliance."""
    if principal.is_alliance:
        return principal.has(Scope.WLA)
    return principal.is_provider and principal.organisation_id == provider_id and principal.has(Scope.PROVIDER)


def ensure_acts_for_provider(principal: Principal, provider_id: int) -> None:
    if not acts_for_provider(principal, provider_id):
        raise Forbidden()


def ensure_holds_agreement(principal: Principal, authority_id: int) -> None:
    """An access agreement is ended by the alliance or by the borough that holds it."""
    if principal.is_alliance and principal.has(Scope.WLA):
        return
    if principal.is_borough and principal.has(Scope.BOROUGH) and principal.organisation_id == authority_id:
        return
    raise Forbidden()


def ensure_posts_requirements(principal: Principal) -> None:
    """Requirements are posted by a borough, for itself (the authority comes from the token, never the input)."""
    if not (principal.is_borough and principal.has(Scope.BOROUGH)):
        raise Forbidden()


def ensure_owns_requirement(principal: Principal, authority_id: int) -> None:
    """A requirement is changed only by the borough that posted it; anyone else's looks like no requirement."""
    if not (principal.is_borough and principal.has(Scope.BOROUGH) and principal.organisation_id == authority_id):
        raise Forbidden()


def ensure_bids(principal: Principal) -> None:
    """A provider bids for itself (the provider comes from the token): nobody, not even the alliance, bids for it."""
    if not (principal.is_provider and principal.has(Scope.PROVIDER)):
        raise Forbidden()


def ensure_owns_bid(principal: Principal, provider_id: int) -> None:
    """A bid is amended or withdrawn only by its provider; anyone else's looks like no bid."""
    if not (principal.is_provider and principal.has(Scope.PROVIDER) and principal.organisation_id == provider_id):
        raise Forbidden()


def ensure_awards(principal: Principal, authority_id: int) -> None:
    """A bid is accepted by an authorised officer (`borough:award`) of the borough that posted the requirement.
    The `borough` scope alone does not suffice; `borough:award` alone does (it names the officer's authority)."""
    if not (principal.is_borough and principal.has(Scope.BOROUGH_AWARD) and principal.organisation_id == authority_id):
        raise Forbidden()


def ensure_safeguarding_lead(principal: Principal) -> None:
    """Reviewing alerts, suspending, reinstating and barring providers: the alliance's safeguarding leads
    (`wla:safeguarding`; `wla` alone does not suffice)."""
    if not (principal.is_alliance and principal.has(Scope.WLA_SAFEGUARDING)):
        raise Forbidden()


def participating_borough(principal: Principal | None) -> ColumnElement[bool]:
    """SQL: the principal is a participating borough (DOMAIN.md "Quality and safeguarding"): it leads a vehicle
    or holds an access agreement that has not ended today (in England)."""
    from api.core import clock
    from api.market.models import AccessAgreement, Dpv

    if not _borough(principal):
        return false()
    me = principal.organisation_id  # type: ignore[union-attr]
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


def ensure_raises_alerts(principal: Principal, *, participating: bool) -> None:
    """A safeguarding alert is raised by the alliance (`wla` or `wla:safeguarding`) or by a participating borough
    (`borough`; `participating` is `participating_borough` evaluated for it). Nobody else: a provider never."""
    if principal.is_alliance and (principal.has(Scope.WLA) or principal.has(Scope.WLA_SAFEGUARDING)):
        return
    if _borough(principal) and participating:
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
    if _borough(principal):
        return participating_borough(principal)
    if _reads_own_provider(principal):
        return provider_id_column == principal.organisation_id  # type: ignore[union-attr]
    return false()


def sees_alert_raiser(principal: Principal | None) -> bool:
    """Who raised an alert is not shown to providers (not even to the one it is about)."""
    return principal is not None and not principal.is_provider


def sees_placement_review(principal: Principal | None) -> bool:
    """A placement's review flag (set when its provider is suspended or barred): the owning borough and the
    alliance (the placement's own visibility already limits a borough to its own)."""
    return principal is not None and (principal.is_alliance or principal.is_borough)


# --- visibility, as SQL conditions (used by list queries and loaders) ---------------------------------


def _reads_market(principal: Principal | None) -> bool:
    """The alliance (`wla`, or `wla:safeguarding`: its safeguarding leads see the providers and settings they
    review) and the boroughs read the market."""
    return principal is not None and (
        (principal.is_alliance and (principal.has(Scope.WLA) or principal.has(Scope.WLA_SAFEGUARDING)))
        or (principal.is_borough and principal.has(Scope.BOROUGH))
    )


def _reads_own_provider(principal: Principal | None) -> bool:
    return principal is not None and principal.is_provider and principal.has(Scope.PROVIDER)


def provider_visible(principal: Principal | None, provider_id_column) -> ColumnElement[bool]:
    """Providers, their settings and memberships: the alliance and boroughs see all; a provider itself."""
    if _reads_market(principal):
        return true()
    if _reads_own_provider(principal):
        return provider_id_column == principal.organisation_id
    return false()


def documents_visible(principal: Principal | None, provider_id_column) -> ColumnElement[bool]:
    """Stage-1 documents: the alliance and the provider itself."""
    if principal is not None and principal.is_alliance and principal.has(Scope.WLA):
        return true()
    if _reads_own_provider(principal):
        return provider_id_column == principal.organisation_id
    return false()


def agreement_visible(principal: Principal | None, authority_id_column, dpv_id_column) -> ColumnElement[bool]:
    """Access agreements: the alliance, the borough that holds one, the lead borough of the vehicle."""
    from api.market.models import Dpv

    if principal is not None and principal.is_alliance and principal.has(Scope.WLA):
        return true()
    if principal is not None and principal.is_borough and principal.has(Scope.BOROUGH):
        led = select(Dpv.id).where(Dpv.lead_authority_id == principal.organisation_id)
        return or_(authority_id_column == principal.organisation_id, dpv_id_column.in_(led))
    return false()


def organisation_visible(principal: Principal | None, kind_column, id_column) -> ColumnElement[bool]:
    """The alliance and the boroughs are public (they lead and buy through public vehicles); providers are
    seen as above."""
    return or_(kind_column != OrganisationKind.PROVIDER, provider_visible(principal, id_column))


def _alliance(principal: Principal | None) -> bool:
    return principal is not None and principal.is_alliance and principal.has(Scope.WLA)


def _borough(principal: Principal | None) -> bool:
    return principal is not None and principal.is_borough and principal.has(Scope.BOROUGH)


def requirement_visible(principal: Principal | None, id_column, authority_id_column) -> ColumnElement[bool]:
    """Requirements: the alliance sees all (the child masked); a borough its own; a provider those it is
    invited to. Nobody else: another borough's requirement does not exist for it."""
    from api.placements.models import Invitation

    if _alliance(principal):
        return true()
    if _borough(principal):
        return authority_id_column == principal.organisation_id
    if _reads_own_provider(principal):
        invited = select(Invitation.requirement_id).where(Invitation.provider_id == principal.organisation_id)
        return id_column.in_(invited)
    return false()


def on_own_requirement(principal: Principal | None, requirement_id_column) -> ColumnElement[bool]:
    """Rows under a requirement that only its borough and the alliance read (the members not invited)."""
    from api.placements.models import Requirement

    if _alliance(principal):
        return true()
    if _borough(principal):
        return requirement_id_column.in_(
            select(Requirement.id).where(Requirement.authority_id == principal.organisation_id)
        )
    return false()


def invitation_visible(principal: Principal | None, requirement_id_column, provider_id_column) -> ColumnElement[bool]:
    """Invitations: the alliance, the borough of the requirement, the provider invited (its own only)."""
    if _reads_own_provider(principal):
        return provider_id_column == principal.organisation_id
    return on_own_requirement(principal, requirement_id_column)


def bid_visible(principal: Principal | None, requirement_id_column, provider_id_column) -> ColumnElement[bool]:
    """Bids are sealed between providers: a provider sees its own only; the borough of the requirement sees every
    bid on it as it arrives (DOMAIN.md step 4; bidReceived pushes them live); the alliance sees all."""
    if _reads_own_provider(principal):
        return provider_id_column == principal.organisation_id
    return on_own_requirement(principal, requirement_id_column)


def ipa_party(principal: Principal | None, authority_id: int, provider_id: int):
    """Which party of an IPA the principal acts for (api/placements/enums.py IpaParty), or None: the borough
    that awarded it (`borough` or `borough:award`), the provider of the accepted bid (`provider` or
    `provider:sign`). Reading and downloading the contract need only this; signing needs `signing_party`."""
    from api.placements.enums import IpaParty

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


def signing_party(principal: Principal, authority_id: int, provider_id: int):
    """The party the principal signs an IPA for: the provider with `provider:sign`, the borough with
    `borough:award` (`provider` or `borough` alone does not sign). Anyone else: FORBIDDEN (the IPA is invisible)."""
    party = ipa_party(principal, authority_id, provider_id)
    from api.placements.enums import IpaParty

    needed = {IpaParty.BOROUGH: Scope.BOROUGH_AWARD, IpaParty.PROVIDER: Scope.PROVIDER_SIGN}
    if party is None or not principal.has(needed[party]):
        raise Forbidden()
    return party


def ipa_visible(principal: Principal | None, authority_id_column, provider_id_column) -> ColumnElement[bool]:
    """IPAs and placements: their two parties, and the alliance (the metadata: the alliance never downloads the
    contract itself, api/placements/ipas.py `document_for`)."""
    if _alliance(principal):
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
    from api.placements.enums import ChildView

    if _borough(principal) and principal.organisation_id == authority_id:  # type: ignore[union-attr]
        return ChildView.FULL
    if _alliance(principal):
        return ChildView.MASKED
    if _reads_own_provider(principal):  # the requirement is visible to a provider only when it is invited
        return ChildView.SUMMARY
    return None


# --- quality: provider reviews, complaints and disputes (api/quality/) --------------------------------------


def ensure_manages_quality(principal: Principal) -> None:
    """Provider reviews (and their actions) are held, and complaints mediated and resolved, by the alliance (`wla`)."""
    if not (principal.is_alliance and principal.has(Scope.WLA)):
        raise Forbidden()


def review_visible(principal: Principal | None, provider_id_column) -> ColumnElement[bool]:
    """Provider reviews and their actions: the alliance and the boroughs (commissioners watch the market) see all,
    a provider its own. The alliance's internal notes are the alliance's alone (the schema's guard)."""
    return provider_visible(principal, provider_id_column)


def complaint_party(principal: Principal | None, authority_id: int, provider_id: int):
    """The side of a complaint the principal is on (api/quality/enums.py ComplaintParty), or None: the borough
    (`borough`) or the provider (`provider`) between which it is."""
    from api.quality.enums import ComplaintParty

    if _borough(principal) and principal.organisation_id == authority_id:  # type: ignore[union-attr]
        return ComplaintParty.BOROUGH
    if _reads_own_provider(principal) and principal.organisation_id == provider_id:  # type: ignore[union-attr]
        return ComplaintParty.PROVIDER
    return None


def ensure_raises_complaints(principal: Principal):
    """A borough (`borough`) or a provider (`provider`) raises a complaint or dispute for itself, about the other
    kind of party; the alliance mediates, it does not raise. Returns the raiser's side."""
    from api.quality.enums import ComplaintParty

    if _borough(principal):
        return ComplaintParty.BOROUGH
    if _reads_own_provider(principal):
        return ComplaintParty.PROVIDER
    raise Forbidden()


def ensure_raised(principal: Principal, raised_by, authority_id: int, provider_id: int) -> None:
    """Only the raiser withdraws a complaint; to anyone else who may not see it, it does not exist."""
    if complaint_party(principal, authority_id, provider_id) != raised_by:
        raise Forbidden()


def complaint_visible(principal: Principal | None, authority_id_column, provider_id_column) -> ColumnElement[bool]:
    """Complaints and disputes: the two parties (the raiser and the one it is about) and the alliance; nobody else."""
    if _alliance(principal):
        return true()
    if _borough(principal):
        return authority_id_column == principal.organisation_id  # type: ignore[union-attr]
    if _reads_own_provider(principal):
        return provider_id_column == principal.organisation_id  # type: ignore[union-attr]
    return false()


def visible(principal: Principal | None, model: type) -> ColumnElement[bool]:
    """The condition under which a row of `model` is visible to the principal."""
    from api.market import models as m

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
    from api.placements import models as pm

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
    from api.safeguarding import models as sm

    if model in (sm.SafeguardingAlert, sm.Suspension):
        return safeguarding_visible(principal, model.provider_id)

    from api.quality import models as qm

    if model is qm.ProviderReview:
        return review_visible(principal, qm.ProviderReview.provider_id)
    if model is qm.ReviewAction:  # reached through its review: the same rule
        return qm.ReviewAction.review_id.in_(select(qm.ProviderReview.id).where(visible(principal, qm.ProviderReview)))
    if model is qm.Complaint:
        return complaint_visible(principal, qm.Complaint.authority_id, qm.Complaint.provider_id)
    if model is qm.ComplaintEvent:
        return qm.ComplaintEvent.complaint_id.in_(select(qm.Complaint.id).where(visible(principal, qm.Complaint)))
    raise LookupError(f"no visibility rule for {model.__name__}")


def sees_event(principal: Principal | None, *, drafting: bool, actor_organisation_id: int | None) -> bool:
    """Whether a viewer who may see an event's object also sees the event itself: always, except for the
    object's drafting (a requirement created and edited before it was published, api/core/events.py), which only
    the organisation that drafted it and the alliance see."""
    if principal is None:
        return False
    return not drafting or principal.is_alliance or principal.organisation_id == actor_organisation_id
