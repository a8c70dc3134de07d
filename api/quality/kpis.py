"""Per-provider KPIs over a period (DOMAIN.md, "Market information": response rates and times per provider;
"Quality and safeguarding": KPIs, placements made).

The period is a range of dates in England (Europe/London), both ends included: by default the last 12 months up
to today. Its instants are London midnight of the first day up to London midnight after the last day.

- invitations: the provider's invitations made in the period (at publication), leaving out those withdrawn
  (a suspended provider's) that it had not answered: it could no longer answer them.
- invitationsResponded: those of them the provider bid on (a bid withdrawn later is still a response), even if
  the bid came after the period's end; responseRate = invitationsResponded / invitations (null without any).
- medianSecondsToRespond: the median, over the invitations responded, of the seconds from the invitation (the
  publication) to the provider's first bid on that requirement. Seconds, as an integer: clients format it.
- bidsSubmitted: the provider's bids received in the period (whatever became of them).
- placementsMade: its placements that went live (the IPA executed) in the period.
- alerts, suspensions: safeguarding alerts raised on it and suspensions of it in the period, counted from the
  audit log (`safeguarding_alert.raise` on a SafeguardingAlert, `provider.suspend` on a Suspension, whose data
  names the provider as `provider_id` or `providerId`): the audit log is written in the same transaction as those
  rows, so the counts are right before and after the safeguarding tables exist (`safeguarding_counts`).
- complaintsAgainst: complaints and disputes raised about it by boroughs in the period; complaintsRaised: those
  it raised about boroughs.

`provider_kpis` computes them for any number of providers in ONE statement (aggregates in SQL). Who may read
them: api/market/permissions.py `provider_visible` (the alliance and the boroughs every provider's, a provider its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, cast, extract, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.audit import AuditEvent
from api.core.clock import LONDON, add_months
from api.core.principal import OrganisationKind, Principal
from api.market.models import Organisation
from api.market.permissions import provider_visible
from api.placements.enums import InvitationStatus
from api.placements.models import Bid, Invitation, Placement
from api.quality.enums import ComplaintParty
from api.quality.models import Complaint

ALERT = ("SafeguardingAlert", "safeguarding_alert.raise")
SUSPENSION = ("Suspension", "provider.suspend")
MAX_PERIOD_DAYS = 366 * 10


class InvalidPeriod(ValueError):
    """The period's ends are the wrong way round, or it is too long."""


@dataclass(frozen=True)
class Period:
    start: date  # the first day, in England
    end: date  # the last day, included

    @property
    def instants(self) -> tuple[datetime, datetime]:
        """[London midnight of the first day, London midnight after the last day)."""
        return (
            datetime.combine(self.start, time(), LONDON),
            datetime.combine(self.end + timedelta(days=1), time(), LONDON),
        )


def period(start: date | None, end: date | None, today: date) -> Period:
    """The period asked for: the last day `end` (default today), the first `start` (default the day after the same
    day 12 months before the last: 12 whole months). Pure."""
    end = end or today
    start = start or add_months(end, -12) + timedelta(days=1)
    if start > end:
        raise InvalidPeriod(f"`from` ({start.isoformat()}) is after `to` ({end.isoformat()})")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidPeriod("A period is at most ten years")
    return Period(start, end)


@dataclass(frozen=True)
class Kpis:
    provider_id: int
    period: Period
    invitations: int
    invitations_responded: int
    median_seconds_to_respond: int | None
    bids_submitted: int
    placements_made: int
    alerts: int
    suspensions: int
    complaints_against: int
    complaints_raised: int

    @property
    def response_rate(self) -> float | None:
        return round(self.invitations_responded / self.invitations, 4) if self.invitations else None


def _within(column: Any, p: Period) -> Any:
    start, end = p.instants
    return and_(column >= start, column < end)


def _count(model: Any, *where: Any) -> Any:
    """A count correlated with the provider (Organisation) of the outer statement."""
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


def audit_count(entity_type: str, action: str, p: Period) -> Any:
    """How many audit events of this kind in the period name the outer statement's provider."""
    named = func.coalesce(AuditEvent.data["provider_id"].astext, AuditEvent.data["providerId"].astext)
    return _count(
        AuditEvent,
        AuditEvent.entity_type == entity_type,
        AuditEvent.action == action,
        _within(AuditEvent.occurred_at, p),
        named == cast(Organisation.id, String),
    )


def safeguarding_counts(p: Period) -> tuple[Any, Any]:
    """(alerts raised on the provider, suspensions of it) in the period, from the audit log. When the
    safeguarding_alert and suspension tables exist these stay right: each of their rows is audited with it."""
    return audit_count(*ALERT, p), audit_count(*SUSPENSION, p)


def kpis_stmt(provider_ids: list[int], p: Period) -> Any:
    first_bid = (
        select(func.min(Bid.submitted_at))
        .where(Bid.requirement_id == Invitation.requirement_id, Bid.provider_id == Invitation.provider_id)
        .correlate(Invitation)
        .scalar_subquery()
    )
    # an invitation withdrawn before the provider answered it could no longer be answered: left out
    invited = (
        select(Invitation.provider_id, Invitation.invited_at, first_bid.label("first_bid_at"))
        .where(
            Invitation.provider_id.in_(provider_ids),
            _within(Invitation.invited_at, p),
            or_(Invitation.status == InvitationStatus.INVITED, first_bid.is_not(None)),
        )
        .subquery("invited")
    )
    responses = (
        select(
            invited.c.provider_id,
            func.count().label("invitations"),
            func.count(invited.c.first_bid_at).label("responded"),
            func.percentile_cont(0.5)
            .within_group(extract("epoch", invited.c.first_bid_at - invited.c.invited_at))
            .label("median_seconds"),
        )
        .group_by(invited.c.provider_id)
        .subquery("responses")
    )
    alerts, suspensions = safeguarding_counts(p)
    return (
        select(
            Organisation.id,
            func.coalesce(responses.c.invitations, 0),
            func.coalesce(responses.c.responded, 0),
            cast(func.round(responses.c.median_seconds), Integer),
            _count(Bid, Bid.provider_id == Organisation.id, _within(Bid.submitted_at, p)),
            _count(Placement, Placement.provider_id == Organisation.id, _within(Placement.created_at, p)),
            alerts,
            suspensions,
            _count(
                Complaint,
                Complaint.provider_id == Organisation.id,
                Complaint.raised_by == ComplaintParty.BOROUGH,
                _within(Complaint.raised_at, p),
            ),
            _count(
                Complaint,
                Complaint.provider_id == Organisation.id,
                Complaint.raised_by == ComplaintParty.PROVIDER,
                _within(Complaint.raised_at, p),
            ),
        )
        .outerjoin(responses, responses.c.provider_id == Organisation.id)
        .where(Organisation.id.in_(provider_ids), Organisation.kind == OrganisationKind.PROVIDER)
    )


async def provider_kpis(
    session: AsyncSession, provider_ids: list[int], p: Period, viewer: Principal | None
) -> dict[int, Kpis]:
    """The KPIs of each provider the viewer may see (the alliance and the boroughs: every provider, as market
    information; a provider: itself), over the period, in one statement. Others are left out."""
    ids = sorted(set(provider_ids))
    if not ids:
        return {}
    found = {}
    stmt = kpis_stmt(ids, p).where(provider_visible(viewer, Organisation.id))
    for row in (await session.execute(stmt)).all():
        found[row[0]] = Kpis(row[0], p, *row[1:])
    return found
