"""Vehicles (DPVs), their lots and the lots' weekly rate caps per financial year (which cap applies when:
api/market/caps.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock
from api.core.errors import UserError, UserErrors
from api.core.idempotency import idempotent
from api.core.permissions import ensure_alliance_admin
from api.core.principal import OrganisationKind, Principal
from api.market.enums import DpvCategory, LegalBasis
from api.market.lookups import get_or_forbidden, organisation_of_kind
from api.market.models import Dpv, Lot, LotRateCap
from api.market.weights import Weights

# Vehicles set up from this day on are Procurement Act 2023 dynamic markets; before it, PCR 2015 DPSs.
PROCUREMENT_ACT_COMMENCEMENT = date(2025, 2, 24)
MAX_WEEKLY_RATE_CAP = Decimal("100000")


class DpvErrorCode(Enum):
    NAME_REQUIRED = "NAME_REQUIRED"
    LEAD_NOT_LOCAL_AUTHORITY = "LEAD_NOT_LOCAL_AUTHORITY"
    LEGAL_BASIS_MISMATCH = "LEGAL_BASIS_MISMATCH"
    INVALID_TERM = "INVALID_TERM"
    NO_EXTENSION_LEFT = "NO_EXTENSION_LEFT"
    VEHICLE_EXPIRED = "VEHICLE_EXPIRED"
    LOT_CODE_TAKEN = "LOT_CODE_TAKEN"
    INVALID_LOT_CODE = "INVALID_LOT_CODE"
    INVALID_RATE_CAP = "INVALID_RATE_CAP"
    DUPLICATE_FINANCIAL_YEAR = "DUPLICATE_FINANCIAL_YEAR"
    INVALID_WEIGHTS = "INVALID_WEIGHTS"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


def expected_legal_basis(starts_on: date) -> LegalBasis:
    return LegalBasis.PA_2023_DYNAMIC_MARKET if starts_on >= PROCUREMENT_ACT_COMMENCEMENT else LegalBasis.PCR_2015_DPS


async def create_dpv(
    session: AsyncSession,
    actor: Principal,
    *,
    name: str,
    category: DpvCategory,
    lead_authority_id: int,
    legal_basis: LegalBasis,
    starts_on: date,
    initial_term_years: int = 3,
    extension_options: int = 3,
    idempotency_key: str | None = None,
) -> Dpv:
    ensure_alliance_admin(actor)

    async def create(id_: int | None) -> Dpv:
        errors: list[UserError] = []
        if not name.strip():
            errors.append(UserError("name", DpvErrorCode.NAME_REQUIRED, "A vehicle needs a name"))
        if await organisation_of_kind(session, lead_authority_id, OrganisationKind.LOCAL_AUTHORITY) is None:
            errors.append(
                UserError(
                    "lead_authority_id",
                    DpvErrorCode.LEAD_NOT_LOCAL_AUTHORITY,
                    "The lead authority must be a local authority",
                )
            )
        if legal_basis is not expected_legal_basis(starts_on):
            errors.append(
                UserError(
                    "legal_basis",
                    DpvErrorCode.LEGAL_BASIS_MISMATCH,
                    "A vehicle starting on or after 24 February 2025 is a Procurement Act 2023 dynamic market; "
                    "one starting before is a PCR 2015 dynamic purchasing system",
                )
            )
        if not (1 <= initial_term_years <= 10 and 0 <= extension_options <= 5):
            errors.append(
                UserError(
                    "initial_term_years",
                    DpvErrorCode.INVALID_TERM,
                    "The initial term is 1 to 10 years with 0 to 5 one-year options",
                )
            )
        if errors:
            raise UserErrors(errors)
        dpv = Dpv(
            id=id_,
            name=name.strip(),
            category=category,
            lead_authority_id=lead_authority_id,
            legal_basis=legal_basis,
            starts_on=starts_on,
            initial_term_years=initial_term_years,
            extension_options=extension_options,
            extensions_exercised=0,
        )
        session.add(dpv)
        await session.flush()
        audit.record(
            session,
            actor,
            "dpv.create",
            "Dpv",
            dpv.id,
            {
                "name": dpv.name,
                "category": category,
                "leadAuthorityId": lead_authority_id,
                "legalBasis": legal_basis,
                "startsOn": starts_on,
                "endsOn": dpv.ends_on,
            },
        )
        return dpv

    return await idempotent(
        session,
        actor.organisation_id,
        "dpvCreate",
        idempotency_key,
        {
            "name": name,
            "category": category,
            "lead": lead_authority_id,
            "basis": legal_basis,
            "starts_on": starts_on,
            "term": initial_term_years,
            "options": extension_options,
        },
        Dpv,
        create,
        DpvErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


async def exercise_extension(session: AsyncSession, actor: Principal, dpv_id: int, *, on: date | None = None) -> Dpv:
    """Exercise the next one-year option: the end date moves a year. Only while the vehicle is in term."""
    ensure_alliance_admin(actor)
    on = on or clock.today()
    dpv = await get_or_forbidden(session, Dpv, dpv_id, lock=True)
    if on > dpv.ends_on:
        raise UserErrors.one(
            "dpv_id",
            DpvErrorCode.VEHICLE_EXPIRED,
            f"The vehicle ended on {dpv.ends_on.isoformat()}; an option must be exercised in term",
        )
    if dpv.extensions_exercised >= dpv.extension_options:
        raise UserErrors.one(
            "dpv_id",
            DpvErrorCode.NO_EXTENSION_LEFT,
            f"All {dpv.extension_options} extension options have been exercised",
        )
    before = dpv.ends_on
    dpv.extensions_exercised += 1
    audit.record(
        session,
        actor,
        "dpv.extension_exercised",
        "Dpv",
        dpv.id,
        {
            "option": dpv.extensions_exercised,
            "endsOnBefore": before,
            "endsOn": dpv.ends_on,
        },
    )
    await session.flush()
    return dpv


def _cap_errors(caps: list[tuple[int, Decimal]], field: str) -> list[UserError]:
    errors = []
    years = [fy for fy, _ in caps]
    if len(set(years)) != len(years):
        errors.append(UserError(field, DpvErrorCode.DUPLICATE_FINANCIAL_YEAR, "Each financial year has one cap"))
    for fy, cap in caps:
        if not (2000 <= fy <= 2100):
            errors.append(UserError(field, DpvErrorCode.INVALID_RATE_CAP, f"{fy} is not a financial year"))
        if not (Decimal(0) < cap <= MAX_WEEKLY_RATE_CAP) or cap != cap.quantize(Decimal("0.01")):
            errors.append(
                UserError(
                    field,
                    DpvErrorCode.INVALID_RATE_CAP,
                    f"A weekly rate cap is a positive amount in pounds and pence, not {cap}",
                )
            )
    return errors


async def create_lot(
    session: AsyncSession,
    actor: Principal,
    *,
    dpv_id: int,
    code: str,
    name: str,
    description: str = "",
    rate_caps: list[tuple[int, Decimal]] | None = None,
    idempotency_key: str | None = None,
) -> Lot:
    ensure_alliance_admin(actor)
    caps = rate_caps or []

    async def create(id_: int | None) -> Lot:
        await get_or_forbidden(session, Dpv, dpv_id, lock=True)  # serialises lot codes within the vehicle
        errors: list[UserError] = []
        code_ = code.strip().upper()
        if not code_ or len(code_) > 20:
            errors.append(UserError("code", DpvErrorCode.INVALID_LOT_CODE, "A lot code is 1 to 20 characters"))
        elif (await session.execute(select(Lot.id).where(Lot.dpv_id == dpv_id, Lot.code == code_))).first():
            errors.append(UserError("code", DpvErrorCode.LOT_CODE_TAKEN, f"The vehicle already has a lot {code_}"))
        if not name.strip():
            errors.append(UserError("name", DpvErrorCode.NAME_REQUIRED, "A lot needs a name"))
        errors += _cap_errors(caps, "rate_caps")
        if errors:
            raise UserErrors(errors)
        lot = Lot(id=id_, dpv_id=dpv_id, code=code_, name=name.strip(), description=description.strip())
        session.add(lot)
        await session.flush()
        session.add_all(LotRateCap(lot_id=lot.id, financial_year=fy, weekly_rate_cap=cap) for fy, cap in caps)
        audit.record(
            session,
            actor,
            "lot.create",
            "Lot",
            lot.id,
            {
                "dpvId": dpv_id,
                "code": code_,
                "name": lot.name,
                "rateCaps": {str(fy): cap for fy, cap in caps},
            },
        )
        await session.flush()
        return lot

    return await idempotent(
        session,
        actor.organisation_id,
        "lotCreate",
        idempotency_key,
        {"dpv": dpv_id, "code": code, "name": name, "description": description, "caps": caps},
        Lot,
        create,
        DpvErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


async def set_rate_cap(
    session: AsyncSession, actor: Principal, *, lot_id: int, financial_year: int, weekly_rate_cap: Decimal
) -> LotRateCap:
    """Set (or revise) the cap of one financial year."""
    ensure_alliance_admin(actor)
    await get_or_forbidden(session, Lot, lot_id, lock=True)
    errors = _cap_errors([(financial_year, weekly_rate_cap)], "weekly_rate_cap")
    if errors:
        raise UserErrors(errors)
    cap = (
        await session.execute(
            select(LotRateCap).where(LotRateCap.lot_id == lot_id, LotRateCap.financial_year == financial_year)
        )
    ).scalar_one_or_none()
    before = cap.weekly_rate_cap if cap else None
    if cap is None:
        cap = LotRateCap(lot_id=lot_id, financial_year=financial_year, weekly_rate_cap=weekly_rate_cap)
        session.add(cap)
    else:
        cap.weekly_rate_cap = weekly_rate_cap
    audit.record(
        session,
        actor,
        "lot.rate_cap_set",
        "Lot",
        lot_id,
        {
            "financialYear": financial_year,
            "before": before,
            "after": weekly_rate_cap,
        },
    )
    await session.flush()
    return cap


async def set_evaluation_weights(
    session: AsyncSession, actor: Principal, dpv_id: int, weights: list[tuple[str, Decimal]] | None
) -> Dpv:
    """The vehicle's weight per evaluation criterion (api/market/weights.py `Weights`: every criterion,
    non-negative, adding up to exactly 100); None goes back to the defaults. Bids are evaluated with the weights
    in force when the evaluation is computed, and again at the award."""
    ensure_alliance_admin(actor)
    dpv = await get_or_forbidden(session, Dpv, dpv_id, lock=True)
    stored: dict[str, str] | None = None
    if weights is not None:
        named = [c for c, _ in weights]
        if len(set(named)) != len(named):
            raise UserErrors.one("weights", DpvErrorCode.INVALID_WEIGHTS, "Give each criterion once")
        try:
            parsed = Weights.from_mapping(dict(weights))
        except ValueError as exc:
            raise UserErrors.one("weights", DpvErrorCode.INVALID_WEIGHTS, str(exc).capitalize()) from None
        stored = {c.value: str(w) for c, w in parsed.as_mapping().items()}
    before = dpv.evaluation_weights
    dpv.evaluation_weights = stored
    audit.record(session, actor, "dpv.evaluation_weights_set", "Dpv", dpv.id, {"before": before, "after": stored})
    await session.flush()
    return dpv
