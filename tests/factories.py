"""Builders of market data through the domain functions (so every row is valid and audited)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from api.core import clock
from api.core.db import Database
from api.core.principal import Principal
from api.market import documents, dpvs, settings
from api.market.enums import CreditCheckOutcome, DocumentKind, DpvCategory, LegalBasis, OfstedGrade, SettingKind, Sex
from api.market.models import Dpv, Lot, Setting


async def dpv_with_lots(
    db: Database,
    market,
    *,
    lots: int = 3,
    name: str = "Fostering DPV",
    rate_caps: list[tuple[int, Decimal]] | None = None,
) -> tuple[Dpv, list[Lot]]:
    """A vehicle from 1 April 2025 (3+1+1+1 years) led by Barnet; each lot's caps are this financial year's
    (£1,000 for the first lot, £1 more for each next one) and the next year's (3% up), unless given."""
    fy = clock.financial_year(clock.today())
    async with db.transaction() as s:
        dpv = await dpvs.create_dpv(
            s,
            market.admin,
            name=name,
            category=DpvCategory.INDEPENDENT_FOSTERING,
            lead_authority_id=market.barnet.id,
            legal_basis=LegalBasis.PA_2023_DYNAMIC_MARKET,
            starts_on=date(2025, 4, 1),
        )
        made = [
            await dpvs.create_lot(
                s,
                market.admin,
                dpv_id=dpv.id,
                code=f"L{i + 1}",
                name=f"Lot {i + 1}",
                rate_caps=rate_caps
                if rate_caps is not None
                else [(fy, Decimal("1000.00") + i), (fy + 1, Decimal("1030.00") + i)],
            )
            for i in range(lots)
        ]
    return dpv, made


def setting_fields(name: str = "Oak House", **over) -> settings.SettingFields:
    values = dict(
        name=name,
        age_min=8,
        age_max=17,
        sexes=[Sex.FEMALE, Sex.MALE],
        specialisms=[],
        places=4,
        vacancies=1,
        postcode_district="NW10",
        latitude=51.543,
        longitude=-0.245,
        ofsted_urn="SC123456",
    )
    values.update(over)
    return settings.SettingFields(**values)


async def add_setting(
    db: Database,
    actor: Principal,
    provider_id: int,
    name: str = "Oak House",
    kind: SettingKind = SettingKind.CHILDRENS_HOME,
    **over,
) -> Setting:
    async with db.transaction() as s:
        return await settings.create_setting(
            s, actor, provider_id=provider_id, kind=kind, fields_=setting_fields(name, **over)
        )


def full_documents_specs(today: date | None = None) -> dict[DocumentKind, dict]:
    """The fields of a complete, valid set of stage-1 documents, by kind."""
    today = today or clock.today()
    year_ago, in_a_year = today - timedelta(days=365), today + timedelta(days=365)
    return {
        DocumentKind.OFSTED_REGISTRATION: dict(reference="SC000001", valid_from=year_ago),
        DocumentKind.OFSTED_JUDGEMENT: dict(reference="INS-1", valid_from=year_ago, ofsted_grade=OfstedGrade.GOOD),
        DocumentKind.CREDIT_CHECK: dict(
            reference="CC-1", valid_from=year_ago, valid_until=in_a_year, credit_check_outcome=CreditCheckOutcome.PASSED
        ),
        DocumentKind.EMPLOYERS_LIABILITY_INSURANCE: dict(
            reference="EL-1", valid_from=year_ago, valid_until=in_a_year, cover_amount=Decimal("10000000")
        ),
        DocumentKind.PUBLIC_LIABILITY_INSURANCE: dict(
            reference="PL-1", valid_from=year_ago, valid_until=in_a_year, cover_amount=Decimal("5000000")
        ),
        DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE: dict(
            reference="PI-1", valid_from=year_ago, valid_until=in_a_year, cover_amount=Decimal("2000000")
        ),
    }


async def full_documents(
    db: Database, actor: Principal, provider_id: int, *, today: date | None = None, skip: tuple[DocumentKind, ...] = ()
) -> None:
    """A complete, valid set of stage-1 documents."""
    specs = full_documents_specs(today)
    async with db.transaction() as s:
        for kind, spec in specs.items():
            if kind not in skip:
                await documents.record_document(s, actor, provider_id=provider_id, kind=kind, **spec)
