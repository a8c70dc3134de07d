"""Who may take part in a placement search, and with which setting (DOMAIN.md, "A placement search", steps 3 to
7): decided here once, for every step that asks. Pure: statuses in, reasons out, in the order given below.

What is looked at
-----------------
- The provider's standing on the requirement's lot: its membership's status. ADMITTED stands. SUSPENDED and BARRED
  (api/safeguarding/suspensions.py) do not, nor does anything else (applied, rejected, withdrawn, or no
  membership at all): NOT_ADMITTED.
- The provider's stage-1 documents on a day (api/market/stage1.py `assess`: every shortfall).
- The setting's standing: its latest Ofsted judgement (by inspection date). Inadequate does not stand; any other
  grade, or no judgement yet, does.

The steps
---------
- May be INVITED (`to_invite`; api/placements/invitations.py, when a requirement is published): an ADMITTED
  member whose stage-1 documents have no shortfall that day. Otherwise one reason: PROVIDER_SUSPENDED,
  PROVIDER_BARRED, PROVIDER_NOT_ADMITTED, or DOCUMENTS_NOT_IN_FORCE (admitted, but short of stage 1).
- May BID (`to_bid`; api/placements/bids.py, submitting or amending a bid): the provider is not SUSPENDED
  (PROVIDER_SUSPENDED) or BARRED (PROVIDER_BARRED) from the lot, and the setting offered is not rated
  Inadequate (SETTING_INADEQUATE); the first that applies, in that order. The invitation decided the rest: a
  provider whose membership ended since it was invited still answers its invitation, and the evaluation then
  excludes its bid (PROVIDER_NOT_ADMITTED). A suspension or a bar also withdraws the provider's invitations on
  open requirements (api/placements/exclusion.py), so its bids are refused on that count too.
- Is EVALUATED (`to_be_evaluated`; api/placements/evaluation.py's gates, whenever the bids are ranked): every
  reason that applies, in this order: the provider's (PROVIDER_SUSPENDED, PROVIDER_BARRED or
  PROVIDER_NOT_ADMITTED), then the setting's (SETTING_INADEQUATE). A bid with any reason is excluded from the
  ranking (the evaluation adds its cap gate, and keeps the reason a bid was already excluded for).
- May be AWARDED (api/placements/award.py): what the evaluation asks, asked again in the award's own
  transaction with the requirement locked (the award evaluates the bids again and refuses an excluded one,
  BID_EXCLUDED), so that a provider suspended or a setting judged Inadequate since the bids were ranked is
  not awarded.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from api.market.enums import MembershipStatus, OfstedGrade


class Ineligible(str, Enum):
    """Why a provider, or the setting it offers, may not take a step."""

    PROVIDER_SUSPENDED = "PROVIDER_SUSPENDED"
    PROVIDER_BARRED = "PROVIDER_BARRED"
    PROVIDER_NOT_ADMITTED = "PROVIDER_NOT_ADMITTED"
    DOCUMENTS_NOT_IN_FORCE = "DOCUMENTS_NOT_IN_FORCE"
    SETTING_INADEQUATE = "SETTING_INADEQUATE"


def _membership(status: MembershipStatus | str | None) -> MembershipStatus | None:
    """The membership's status as this module knows it; None for none, or one it does not know (not ADMITTED)."""
    try:
        return MembershipStatus(status) if status is not None else None
    except ValueError:
        return None


def provider_standing(status: MembershipStatus | str | None) -> Ineligible | None:
    """None when the provider's membership of the lot stands (ADMITTED); else why not."""
    status = _membership(status)
    if status is MembershipStatus.ADMITTED:
        return None
    if status is MembershipStatus.SUSPENDED:
        return Ineligible.PROVIDER_SUSPENDED
    if status is MembershipStatus.BARRED:
        return Ineligible.PROVIDER_BARRED
    return Ineligible.PROVIDER_NOT_ADMITTED


def setting_standing(latest_grade: OfstedGrade | str | None) -> Ineligible | None:
    """None when the setting stands: its latest Ofsted judgement is not Inadequate (or there is none yet)."""
    if latest_grade is not None and OfstedGrade(latest_grade) is OfstedGrade.INADEQUATE:
        return Ineligible.SETTING_INADEQUATE
    return None


def to_invite(status: MembershipStatus | str | None, shortfalls: Sequence[object]) -> Ineligible | None:
    """None: invite the member. `shortfalls` are its stage-1 shortfalls that day (asked only when ADMITTED)."""
    standing = provider_standing(status)
    if standing is None and shortfalls:
        return Ineligible.DOCUMENTS_NOT_IN_FORCE
    return standing


def to_bid(status: MembershipStatus | str | None, latest_grade: OfstedGrade | str | None) -> Ineligible | None:
    """None: the invited provider may bid with the setting; else the first reason it may not."""
    standing = provider_standing(status)
    if standing in (Ineligible.PROVIDER_SUSPENDED, Ineligible.PROVIDER_BARRED):
        return standing
    return setting_standing(latest_grade)


def to_be_evaluated(
    status: MembershipStatus | str | None, latest_grade: OfstedGrade | str | None
) -> tuple[Ineligible, ...]:
    """Every reason the bid is excluded from the ranking on its provider's or its setting's account."""
    return tuple(r for r in (provider_standing(status), setting_standing(latest_grade)) if r is not None)
