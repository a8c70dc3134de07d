"""Who is invited when a requirement is published, with a match assessment each (DOMAIN.md step 3).

Every provider with a membership of the lot is either invited or recorded as not invited, with the reason, as
api/placements/eligibility.py decides (`to_invite`): invited when its membership is ADMITTED and its stage-1
documents are in force that day (`stage1.assess` finds no shortfall); else NOT_ADMITTED (applied, rejected,
withdrawn), SUSPENDED, BARRED or DOCUMENTS_NOT_IN_FORCE.
Three statements whatever the lot's size: the memberships, the documents of the admitted members, the active
settings of the invited ones.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.core.config import get_settings
from api.market import stage1
from api.market.enums import MembershipStatus, Sex, Specialism
from api.market.models import Document, Membership, Setting
from api.placements import eligibility, matching
from api.placements.eligibility import Ineligible
from api.placements.enums import InvitationStatus, NotInvitedReason
from api.placements.models import Invitation, Requirement, RequirementChild, UninvitedMember

_REQUIREMENT = select(Requirement.__table__)
# The match reasons as their JSON text: decoding a thousand of them was much of the statement's time, and a
# subscriber decodes its own only if it asks for them (schema/placement/types.py Match).
_INVITATIONS = select(*(c if c.key != "match_reasons" else cast(c, Text).label(c.key) for c in Invitation.__table__.c))


NOT_INVITED_REASONS = {
    Ineligible.PROVIDER_SUSPENDED: NotInvitedReason.SUSPENDED,
    Ineligible.PROVIDER_BARRED: NotInvitedReason.BARRED,
    Ineligible.PROVIDER_NOT_ADMITTED: NotInvitedReason.NOT_ADMITTED,
    Ineligible.DOCUMENTS_NOT_IN_FORCE: NotInvitedReason.DOCUMENTS_NOT_IN_FORCE,
}


def not_invited_reason(status: MembershipStatus, shortfalls: list[stage1.Shortfall]) -> NotInvitedReason | None:
    """None: invite (api/placements/eligibility.py `to_invite`). Pure."""
    reason = eligibility.to_invite(status, shortfalls)
    return None if reason is None else NOT_INVITED_REASONS[reason]


def child_needs(child: RequirementChild) -> matching.ChildNeeds:
    return matching.ChildNeeds(
        age_years=child.age_years,
        sex=child.sex,
        needs=frozenset(Specialism(n) for n in child.needs),
        sibling_group_size=child.sibling_group_size,
        latitude=child.home_latitude,
        longitude=child.home_longitude,
        max_distance_km=child.max_distance_km,
        avoid_areas=frozenset(child.avoid_areas),
    )


def setting_facts(s: Setting) -> matching.SettingFacts:
    return matching.SettingFacts(
        id=s.id,
        name=s.name,
        age_min=s.age_min,
        age_max=s.age_max,
        sexes=frozenset(Sex(x) for x in s.sexes),
        specialisms=frozenset(Specialism(x) for x in s.specialisms),
        vacancies=s.vacancies,
        postcode_district=s.postcode_district,
        latitude=s.latitude,
        longitude=s.longitude,
    )


async def invite_members(
    session: AsyncSession, requirement: Requirement, child: RequirementChild, on: date
) -> tuple[list[Invitation], list[UninvitedMember]]:
    members = list(
        (
            await session.execute(
                select(Membership).where(Membership.lot_id == requirement.lot_id).order_by(Membership.id)
            )
        ).scalars()
    )
    admitted = [m.provider_id for m in members if m.status is MembershipStatus.ADMITTED]
    documents: dict[int, list[Document]] = defaultdict(list)
    if admitted:
        for doc in (await session.execute(select(Document).where(Document.provider_id.in_(admitted)))).scalars():
            documents[doc.provider_id].append(doc)
    thresholds = stage1.Thresholds.from_settings(get_settings())

    decisions: list[tuple[Membership, NotInvitedReason | None, list[stage1.Shortfall]]] = []
    for m in members:
        shortfalls = stage1.assess(documents[m.provider_id], on, thresholds) if m.provider_id in admitted else []
        decisions.append((m, not_invited_reason(m.status, shortfalls), shortfalls))

    invited_ids = [m.provider_id for m, reason, _ in decisions if reason is None]
    settings_of: dict[int, list[matching.SettingFacts]] = defaultdict(list)
    if invited_ids:
        for s in (
            await session.execute(
                select(Setting).where(Setting.provider_id.in_(invited_ids), Setting.active).order_by(Setting.id)
            )
        ).scalars():
            settings_of[s.provider_id].append(setting_facts(s))

    needs = child_needs(child)
    invitations: list[Invitation] = []
    uninvited: list[UninvitedMember] = []
    for m, reason, shortfalls in decisions:
        if reason is None:
            match = matching.assess(needs, settings_of[m.provider_id])
            invitations.append(
                Invitation(
                    requirement_id=requirement.id,
                    provider_id=m.provider_id,
                    status=InvitationStatus.INVITED,
                    match_level=match.level,
                    match_reasons=[r.as_dict() for r in match.reasons],
                    matched_setting_id=match.setting_id,
                )
            )
        else:
            detail = "; ".join(s.message for s in shortfalls) if shortfalls else f"The membership is {m.status.value}"
            uninvited.append(
                UninvitedMember(
                    requirement_id=requirement.id,
                    provider_id=m.provider_id,
                    membership_id=m.id,
                    reason=reason,
                    detail=detail,
                )
            )
    session.add_all([*invitations, *uninvited])
    await session.flush()
    return invitations, uninvited


async def requirement_and_invitations(conn: AsyncConnection, requirement_id: int) -> tuple[Any, dict[int, Any]]:
    """A requirement's row and all its invitations' rows by provider, as plain rows (column names are the
    models' attribute names; an invitation's `match_reasons` is its JSON text): what the `requirementPublished`
    stream needs once per event for every subscriber of a worker. No ORM objects: a published requirement has
    an invitation per lot member (a thousand or more), and building, tracking and dropping that many instances
    per event cost more than the query. Read only."""
    requirement = (await conn.execute(_REQUIREMENT.where(Requirement.id == requirement_id))).first()
    if requirement is None:
        return None, {}
    rows = (await conn.execute(_INVITATIONS.where(Invitation.requirement_id == requirement_id))).all()
    return requirement, {r.provider_id: r for r in rows}
