"""The demo data set (api.demo) against a real PostgreSQL.

Each fixture creates its own database on the test server, migrates it and drops it at the end.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from time import perf_counter

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from api.core import clock, config, migrate
from api.core.audit import AuditEvent
from api.core.db import Database
from api.core.principal import OrganisationKind
from api.demo import (
    DEMO_ACTOR_ID,
    DEMO_DPVS,
    DEMO_PROVIDERS,
    POSTCODE_AREAS,
    cap_years,
    load_demo,
)
from api.market import stage1
from api.market.enums import (
    AccessAgreementStatus,
    DocumentKind,
    DpvCategory,
    DpvStatus,
    LegalBasis,
    MembershipStatus,
    OfstedGrade,
    SettingKind,
)
from api.market.models import (
    AccessAgreement,
    Document,
    Dpv,
    Lot,
    LotRateCap,
    Membership,
    OfstedJudgement,
    Organisation,
    Setting,
)
from api.models import metadata

BOROUGH_SLUGS = {
    "barnet",
    "brent",
    "ealing",
    "hammersmith-fulham",
    "harrow",
    "hillingdon",
    "hounslow",
    "westminster",
    "kensington-chelsea",
}


@asynccontextmanager
async def fresh_database(databases) -> AsyncIterator[Database]:
    """A new, migrated database on the test server, dropped afterwards."""
    url = await databases.acreate("dpv_demo_test")
    db: Database | None = None
    try:
        await asyncio.to_thread(migrate.upgrade, url)  # Alembic runs its own event loop
        db = Database(create_async_engine(config.async_url(url), poolclass=NullPool))
        yield db
    finally:
        if db is not None:
            await db.dispose()
        await databases.adrop(url)


async def timed_load(db: Database, today: date) -> tuple[bool, float]:
    started = perf_counter()
    async with db.transaction() as session:
        loaded = await load_demo(session, today=today)
    return loaded, perf_counter() - started


@dataclass
class Loaded:
    db: Database
    today: date
    loaded: bool
    seconds: float


@pytest.fixture(scope="module")
async def demo(databases) -> AsyncIterator[Loaded]:
    today = clock.today()
    async with fresh_database(databases) as db:
        loaded, seconds = await timed_load(db, today)
        yield Loaded(db, today, loaded, seconds)


async def scalars(db: Database, stmt) -> list:
    async with db.session() as session:
        return list((await session.execute(stmt)).scalars())


async def rows(db: Database, stmt) -> list:
    async with db.session() as session:
        return list((await session.execute(stmt)).all())


async def table_counts(db: Database) -> dict[str, int]:
    async with db.session() as session:
        return {
            table.name: (await session.execute(select(func.count()).select_from(table))).scalar_one()
            for table in metadata.sorted_tables
        }


# --- the load --------------------------------------------------------------------------------------


async def test_load_returns_true(demo: Loaded) -> None:
    assert demo.loaded is True
    print(f"demo data loaded in {demo.seconds:.2f} s")  # measured, not asserted


async def test_organisations(demo: Loaded) -> None:
    orgs = await rows(demo.db, select(Organisation.kind, Organisation.slug, Organisation.name))
    alliance = [(slug, name) for kind, slug, name in orgs if kind is OrganisationKind.ALLIANCE]
    assert alliance == [("wla", "West London Alliance")]
    boroughs = {slug: name for kind, slug, name in orgs if kind is OrganisationKind.LOCAL_AUTHORITY}
    assert set(boroughs) == BOROUGH_SLUGS
    assert boroughs["barnet"] == "London Borough of Barnet"
    assert boroughs["kensington-chelsea"] == "Royal Borough of Kensington and Chelsea"
    assert boroughs["westminster"] == "City of Westminster"
    providers = {slug for kind, slug, _ in orgs if kind is OrganisationKind.PROVIDER}
    assert len(providers) >= 30
    assert providers == {p.slug for p in DEMO_PROVIDERS}


async def test_three_dpvs_in_term(demo: Loaded) -> None:
    dpvs = await scalars(demo.db, select(Dpv))
    assert len(dpvs) == 3
    leads = dict(await rows(demo.db, select(Organisation.id, Organisation.slug)))
    by_category = {d.category: d for d in dpvs}
    assert set(by_category) == set(DpvCategory)
    assert leads[by_category[DpvCategory.INDEPENDENT_FOSTERING].lead_authority_id] == "barnet"
    assert leads[by_category[DpvCategory.RESIDENTIAL_CHILDRENS_HOMES].lead_authority_id] == "ealing"
    assert leads[by_category[DpvCategory.SEN_SCHOOLS].lead_authority_id] == "brent"
    for dpv in dpvs:
        assert dpv.legal_basis is LegalBasis.PA_2023_DYNAMIC_MARKET
        assert (dpv.initial_term_years, dpv.extension_options, dpv.extensions_exercised) == (3, 3, 0)
        assert dpv.status_on(demo.today) is DpvStatus.ACTIVE


@pytest.mark.parametrize("today", [date(2026, 4, 1), date(2027, 3, 31), date(2028, 1, 15), date(2031, 6, 30)])
def test_the_vehicles_are_in_term_whenever_the_demo_is_loaded(today: date) -> None:
    for spec in DEMO_DPVS:
        starts_on = spec.starts_on(today)
        assert date(2025, 2, 24) < starts_on <= today - timedelta(days=84), spec.name  # before the notice given
        assert today < clock.add_years(starts_on, 3), spec.name
    assert cap_years(today)[1] == clock.financial_year(today)


async def test_lots_and_caps(demo: Loaded) -> None:
    lots = await scalars(demo.db, select(Lot))
    assert len(lots) == sum(len(d.lots) for d in DEMO_DPVS) == 13
    caps = await scalars(demo.db, select(LotRateCap))
    by_lot: dict[int, dict[int, Decimal]] = {}
    for cap in caps:
        by_lot.setdefault(cap.lot_id, {})[cap.financial_year] = cap.weekly_rate_cap
    codes = {lot.id: lot.code for lot in lots}
    # the vehicles' first financial year (the one before today's), today's and the next
    first, this, after = (clock.financial_year(demo.today) + n for n in (-1, 0, 1))
    for lot in lots:
        years = by_lot[lot.id]
        assert sorted(years) == [first, this, after], lot.code
        assert years[first] < years[this] < years[after], lot.code
        assert years[after] / years[first] < Decimal("1.08"), lot.code
    first_caps = {codes[lot_id]: years[first] for lot_id, years in by_lot.items()}
    assert first_caps["IFA-STD"] == Decimal("900.00")
    assert first_caps["RES-SOLO"] == Decimal("8500.00")
    assert first_caps["SEN-52W"] == Decimal("7500.00")


async def test_access_agreements_for_every_non_lead_borough(demo: Loaded) -> None:
    slugs = dict(await rows(demo.db, select(Organisation.id, Organisation.slug)))
    dpvs = await scalars(demo.db, select(Dpv))
    agreements = await scalars(demo.db, select(AccessAgreement))
    for dpv in dpvs:
        mine = [a for a in agreements if a.dpv_id == dpv.id]
        assert sorted(slugs[a.authority_id] for a in mine) == sorted(BOROUGH_SLUGS - {slugs[dpv.lead_authority_id]})
        assert all(a.starts_on == dpv.starts_on for a in mine)
    noticed = [a for a in agreements if a.notice_given_on is not None]
    assert len(noticed) == 1
    assert slugs[noticed[0].authority_id] == "harrow"
    assert noticed[0].status_on(demo.today) is AccessAgreementStatus.NOTICE_GIVEN
    assert noticed[0].ends_on == clock.add_months(noticed[0].notice_given_on, 12)


async def test_settings(demo: Loaded) -> None:
    settings = await scalars(demo.db, select(Setting))
    assert len(settings) >= 80
    kinds = Counter(s.kind for s in settings)
    assert set(kinds) == set(SettingKind)
    districts = {d for area in POSTCODE_AREAS.values() for d, *_ in area}
    assert len({s.postcode_district for s in settings}) >= 30
    for s in settings:
        assert s.postcode_district in districts
        assert 0 <= s.vacancies <= s.places
        assert s.sexes
        if s.kind is SettingKind.CHILDRENS_HOME:
            assert s.ofsted_urn and s.ofsted_urn.startswith("SC") and len(s.ofsted_urn) == 8
        if s.kind is SettingKind.FOSTER_HOUSEHOLD:
            assert s.ofsted_urn is None
        assert (s.kind is SettingKind.SCHOOL) == (s.school_provision is not None)
    assert any(s.vacancies == 0 for s in settings) and any(s.vacancies > 0 for s in settings)
    assert len({s.name for s in settings}) == len(settings)
    urns = [s.ofsted_urn for s in settings if s.ofsted_urn]
    assert len(set(urns)) == len(urns)
    # Every provider offers at least one setting, of kinds matching the vehicles it applied to.
    lots = dict(await rows(demo.db, select(Lot.id, Lot.code)))
    applied = await rows(demo.db, select(Membership.provider_id, Membership.lot_id))
    prefixes: dict[int, set[str]] = {}
    for provider_id, lot_id in applied:
        prefixes.setdefault(provider_id, set()).add(lots[lot_id].split("-")[0])
    offered: dict[int, set[SettingKind]] = {}
    for s in settings:
        offered.setdefault(s.provider_id, set()).add(s.kind)
    kind_of = {"IFA": SettingKind.FOSTER_HOUSEHOLD, "RES": SettingKind.CHILDRENS_HOME, "SEN": SettingKind.SCHOOL}
    for provider_id, kinds_offered in offered.items():
        assert kinds_offered == {kind_of[p] for p in prefixes[provider_id]}


async def test_ofsted_history(demo: Loaded) -> None:
    settings = {s.id: s for s in await scalars(demo.db, select(Setting))}
    judgements = await scalars(demo.db, select(OfstedJudgement))
    history: dict[int, list[OfstedJudgement]] = {}
    for j in judgements:
        history.setdefault(j.setting_id, []).append(j)
        assert j.inspected_on <= demo.today
    inspected = {sid for sid, s in settings.items() if s.kind is not SettingKind.FOSTER_HOUSEHOLD}
    assert set(history) == inspected
    latest = {sid: max(js, key=lambda j: j.inspected_on).grade for sid, js in history.items()}
    grades = Counter(latest.values())
    assert 1 <= grades[OfstedGrade.INADEQUATE] <= 2
    assert grades[OfstedGrade.GOOD] + grades[OfstedGrade.OUTSTANDING] > len(latest) * 0.6
    assert grades[OfstedGrade.REQUIRES_IMPROVEMENT] >= 1
    assert any(j.grade is OfstedGrade.ADEQUATE for j in judgements)
    assert all(1 <= len(js) <= 4 for js in history.values())


async def test_documents(demo: Loaded) -> None:
    docs = await scalars(demo.db, select(Document))
    providers = await scalars(demo.db, select(Organisation.id).where(Organisation.kind == OrganisationKind.PROVIDER))
    kinds: dict[int, set[DocumentKind]] = {}
    for d in docs:
        kinds.setdefault(d.provider_id, set()).add(d.kind)
    assert all(kinds.get(p) == set(DocumentKind) for p in providers)
    today = demo.today
    soon = {d.provider_id for d in docs if d.valid_until and today <= d.valid_until <= today + timedelta(days=30)}
    very_soon = {d.provider_id for d in docs if d.valid_until and today <= d.valid_until <= today + timedelta(days=7)}
    assert len(soon) >= 3
    assert len(very_soon) >= 1


async def test_memberships(demo: Loaded) -> None:
    members = await scalars(demo.db, select(Membership))
    statuses = Counter(m.status for m in members)
    assert 5 <= statuses[MembershipStatus.APPLIED] <= 12
    assert statuses[MembershipStatus.ADMITTED] > 0.75 * len(members)
    assert 1 <= statuses[MembershipStatus.REJECTED] <= 2
    assert all(m.decision_reason for m in members if m.status is MembershipStatus.REJECTED)
    per_provider = Counter(m.provider_id for m in members)
    providers = await scalars(demo.db, select(Organisation.id).where(Organisation.kind == OrganisationKind.PROVIDER))
    assert all(1 <= per_provider[p] <= 4 for p in providers)


async def test_admitted_providers_meet_stage1(demo: Loaded) -> None:
    thresholds = stage1.Thresholds.from_settings(config.get_settings())
    members = await scalars(demo.db, select(Membership))
    admitted = {m.provider_id for m in members if m.status is MembershipStatus.ADMITTED}
    docs = await scalars(demo.db, select(Document))
    by_provider: dict[int, list[Document]] = {}
    for d in docs:
        by_provider.setdefault(d.provider_id, []).append(d)
    for provider_id in admitted:
        assert stage1.assess(by_provider[provider_id], demo.today, thresholds) == [], provider_id
    short = {p for p, ds in by_provider.items() if stage1.assess(ds, demo.today, thresholds)}
    assert 2 <= len(short) <= 3
    assert not short & admitted
    codes = {s.code for p in short for s in stage1.assess(by_provider[p], demo.today, thresholds)}
    assert codes == {
        stage1.ShortfallCode.DOCUMENT_EXPIRED,
        stage1.ShortfallCode.INSUFFICIENT_COVER,
        stage1.ShortfallCode.CREDIT_CHECK_FAILED,
    }


async def test_audit_events(demo: Loaded) -> None:
    events = await rows(
        demo.db,
        select(
            AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.actor_kind, AuditEvent.actor_id, AuditEvent.action
        ),
    )
    assert events
    # the loader, and the rule that raises an alert on a setting judged Inadequate (api/safeguarding/alerts.py)
    assert {(kind, actor) for _, _, kind, actor, _ in events} == {
        ("SYSTEM", DEMO_ACTOR_ID),
        ("SYSTEM", "system:ofsted-judgement"),
    }
    audited = {(entity_type, entity_id) for entity_type, entity_id, *_ in events}
    from api.quality.models import Complaint, ProviderReview, ReviewAction

    for model in (
        Organisation,
        Dpv,
        Lot,
        AccessAgreement,
        Setting,
        Document,
        Membership,
        ProviderReview,
        ReviewAction,
        Complaint,
    ):
        ids = await scalars(demo.db, select(model.id))
        missing = [i for i in ids if (model.__name__, i) not in audited]
        assert not missing, (model.__name__, missing)
    actions = Counter(action for *_, action in events)
    assert actions["access_agreement.notice_given"] == 1
    assert actions["setting.ofsted_judgement"] == len(await scalars(demo.db, select(OfstedJudgement.id)))


async def test_reviews_and_complaints(demo: Loaded) -> None:
    from api.quality.enums import ComplaintStatus, ProviderReviewStatus, ReviewActionStatus
    from api.quality.models import Complaint, ProviderReview, ReviewAction

    statuses = Counter(await scalars(demo.db, select(ProviderReview.status)))
    assert statuses == {ProviderReviewStatus.HELD: 2, ProviderReviewStatus.SCHEDULED: 1}
    assert Counter(await scalars(demo.db, select(ReviewAction.status))) == {ReviewActionStatus.OPEN: 4}
    complaints = await rows(demo.db, select(Complaint.kind, Complaint.raised_by, Complaint.status))
    assert sorted((k.value, r.value, st.value) for k, r, st in complaints) == [
        ("COMPLAINT", "BOROUGH", ComplaintStatus.UNDER_MEDIATION.value),
        ("DISPUTE", "PROVIDER", ComplaintStatus.RAISED.value),
    ]


async def test_second_load_adds_nothing(demo: Loaded) -> None:
    before = await table_counts(demo.db)
    loaded, _ = await timed_load(demo.db, demo.today)
    assert loaded is False
    assert await table_counts(demo.db) == before


# --- determinism -------------------------------------------------------------------------------------

SNAPSHOT = {
    "organisations": "SELECT kind, slug, name FROM organisation",
    "dpvs": """SELECT d.name, d.category, d.legal_basis, o.slug, d.starts_on, d.initial_term_years,
                      d.extension_options FROM dpv d JOIN organisation o ON o.id = d.lead_authority_id""",
    "lots": "SELECT d.name, l.code, l.name, l.description FROM lot l JOIN dpv d ON d.id = l.dpv_id",
    "caps": "SELECT l.code, c.financial_year, c.weekly_rate_cap FROM lot_rate_cap c JOIN lot l ON l.id = c.lot_id",
    "agreements": """SELECT d.name, o.slug, a.starts_on, a.notice_given_on, a.ends_on FROM access_agreement a
                     JOIN dpv d ON d.id = a.dpv_id JOIN organisation o ON o.id = a.authority_id""",
    "settings": """SELECT o.slug, s.kind, s.name, s.ofsted_urn, s.age_min, s.age_max, s.sexes, s.specialisms,
                          s.places, s.vacancies, s.school_provision, s.postcode_district, s.latitude, s.longitude,
                          s.active
                   FROM setting s JOIN organisation o ON o.id = s.provider_id""",
    "judgements": """SELECT s.name, j.grade, j.inspected_on FROM ofsted_judgement j
                     JOIN setting s ON s.id = j.setting_id""",
    "documents": """SELECT o.slug, d.kind, d.reference, d.issuer, d.valid_from, d.valid_until, d.cover_amount,
                           d.ofsted_grade, d.credit_check_outcome
                    FROM document d JOIN organisation o ON o.id = d.provider_id""",
    "memberships": """SELECT o.slug, l.code, m.status, m.decision_reason FROM membership m
                      JOIN organisation o ON o.id = m.provider_id JOIN lot l ON l.id = m.lot_id""",
    "audit": "SELECT actor_kind, actor_id, action, entity_type, entity_id, data::text FROM audit_event",
}


async def snapshot(db: Database) -> dict[str, list[tuple]]:
    async with db.session() as session:
        return {
            name: sorted((tuple(r) for r in (await session.execute(text(sql))).all()), key=repr)
            for name, sql in SNAPSHOT.items()
        }


async def test_two_fresh_loads_are_identical(demo: Loaded, databases) -> None:
    first = await snapshot(demo.db)
    async with fresh_database(databases) as other:
        loaded, seconds = await timed_load(other, demo.today)
        assert loaded is True
        print(f"second demo load in {seconds:.2f} s")
        second = await snapshot(other)
    for name in SNAPSHOT:
        assert first[name], name
        assert first[name] == second[name], name
