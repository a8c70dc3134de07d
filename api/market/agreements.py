"""Access agreements: a borough buys through a vehicle under one with the vehicle's lead borough.

Withdrawal needs twelve months' notice: notice given on day D ends the agreement on D + 12 months.
"""

from __future__ import annotations

from datetime import date
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock
from api.core.errors import UserError, UserErrors
from api.core.idempotency import idempotent
from api.core.permissions import ensure_alliance_admin
from api.core.principal import OrganisationKind, Principal
from api.market.enums import AccessAgreementStatus
from api.market.lookups import get_or_forbidden, organisation_of_kind
from api.market.models import AccessAgreement, Dpv
from api.market.permissions import ensure_holds_agreement

NOTICE_MONTHS = 12


class AccessAgreementErrorCode(Enum):
    NOT_A_LOCAL_AUTHORITY = "NOT_A_LOCAL_AUTHORITY"
    LEAD_AUTHORITY = "LEAD_AUTHORITY"
    ALREADY_IN_PLACE = "ALREADY_IN_PLACE"
    OUTSIDE_TERM = "OUTSIDE_TERM"
    NOTICE_ALREADY_GIVEN = "NOTICE_ALREADY_GIVEN"
    ENDED = "ENDED"
    NOT_STARTED = "NOT_STARTED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


def notice_end(notice_on: date) -> date:
    return clock.add_months(notice_on, NOTICE_MONTHS)


async def create_agreement(
    session: AsyncSession,
    actor: Principal,
    *,
    dpv_id: int,
    authority_id: int,
    starts_on: date | None = None,
    idempotency_key: str | None = None,
) -> AccessAgreement:
    ensure_alliance_admin(actor)
    starts = starts_on or clock.today()

    async def create(id_: int | None) -> AccessAgreement:
        dpv = await get_or_forbidden(session, Dpv, dpv_id, lock=True)  # one live agreement per borough
        errors: list[UserError] = []
        if await organisation_of_kind(session, authority_id, OrganisationKind.LOCAL_AUTHORITY) is None:
            errors.append(
                UserError(
                    "authority_id",
                    AccessAgreementErrorCode.NOT_A_LOCAL_AUTHORITY,
                    "Access agreements are made with local authorities",
                )
            )
        elif authority_id == dpv.lead_authority_id:
            errors.append(
                UserError(
                    "authority_id",
                    AccessAgreementErrorCode.LEAD_AUTHORITY,
                    "The lead borough uses its own vehicle without an access agreement",
                )
            )
        elif await live_agreement(session, dpv_id, authority_id, starts) is not None:
            errors.append(
                UserError(
                    "authority_id",
                    AccessAgreementErrorCode.ALREADY_IN_PLACE,
                    "The borough already has an access agreement for this vehicle",
                )
            )
        if not (dpv.starts_on <= starts <= dpv.ends_on):
            errors.append(
                UserError(
                    "starts_on",
                    AccessAgreementErrorCode.OUTSIDE_TERM,
                    f"The vehicle runs from {dpv.starts_on} to {dpv.ends_on}",
                )
            )
        if errors:
            raise UserErrors(errors)
        agreement = AccessAgreement(id=id_, dpv_id=dpv_id, authority_id=authority_id, starts_on=starts)
        session.add(agreement)
        await session.flush()
        audit.record(
            session,
            actor,
            "access_agreement.create",
            "AccessAgreement",
            agreement.id,
            {"dpvId": dpv_id, "authorityId": authority_id, "startsOn": starts},
        )
        return agreement

    return await idempotent(
        session,
        actor.organisation_id,
        "accessAgreementCreate",
        idempotency_key,
        {"dpv": dpv_id, "authority": authority_id, "starts_on": starts_on},
        AccessAgreement,
        create,
        AccessAgreementErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


async def give_notice(
    session: AsyncSession, actor: Principal, agreement_id: int, *, on: date | None = None
) -> AccessAgreement:
    on = on or clock.today()
    agreement = await get_or_forbidden(session, AccessAgreement, agreement_id, lock=True)
    ensure_holds_agreement(actor, agreement.authority_id)
    if on < agreement.starts_on:
        raise UserErrors.one(
            "access_agreement_id",
            AccessAgreementErrorCode.NOT_STARTED,
            f"The agreement starts on {agreement.starts_on}",
        )
    status = agreement.status_on(on)
    if status is AccessAgreementStatus.ENDED:
        raise UserErrors.one("access_agreement_id", AccessAgreementErrorCode.ENDED, "The agreement has ended")
    if status is AccessAgreementStatus.NOTICE_GIVEN:
        raise UserErrors.one(
            "access_agreement_id",
            AccessAgreementErrorCode.NOTICE_ALREADY_GIVEN,
            f"Notice was given on {agreement.notice_given_on}; it ends on {agreement.ends_on}",
        )
    agreement.notice_given_on = on
    agreement.ends_on = notice_end(on)
    audit.record(
        session,
        actor,
        "access_agreement.notice_given",
        "AccessAgreement",
        agreement.id,
        {"noticeGivenOn": on, "endsOn": agreement.ends_on},
    )
    await session.flush()
    return agreement


async def live_agreement(session: AsyncSession, dpv_id: int, authority_id: int, on: date) -> AccessAgreement | None:
    """The agreement under which the borough may buy through the vehicle on that day, if any."""
    rows = (
        await session.execute(
            select(AccessAgreement).where(
                AccessAgreement.dpv_id == dpv_id, AccessAgreement.authority_id == authority_id
            )
        )
    ).scalars()
    for agreement in rows:
        if agreement.starts_on <= on and agreement.status_on(on) is not AccessAgreementStatus.ENDED:
            return agreement
    return None


async def may_buy_through(session: AsyncSession, dpv: Dpv, authority_id: int, on: date) -> bool:
    """The lead borough always may; any other borough needs a live access agreement."""
    return dpv.lead_authority_id == authority_id or await live_agreement(session, dpv.id, authority_id, on) is not None
