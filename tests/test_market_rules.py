"""The market's rules as plain Python: no GraphQL, no HTTP."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from api.core import clock
from api.core.audit import AuditEvent
from api.core.errors import Forbidden, UserErrors
from api.core.idempotency import IdempotencyKey
from api.market import agreements, dpvs, memberships, stage1
from api.market.enums import (
    AccessAgreementStatus,
    CreditCheckOutcome,
    DocumentKind,
    DpvCategory,
    DpvStatus,
    LegalBasis,
    MembershipDecision,
    MembershipStatus,
    OfstedGrade,
)
from api.market.models import Document, Dpv
from tests.factories import dpv_with_lots, full_documents


def test_term_is_three_years_plus_options():
    dpv = Dpv(starts_on=date(2018, 4, 1), initial_term_years=3, extension_options=3, extensions_exercised=0)
    assert dpv.ends_on == date(2021, 3, 31)
    assert dpv.final_possible_end == date(2024, 3, 31)
    dpv.extensions_exercised = 2
    assert dpv.ends_on == date(2023, 3, 31)
    assert dpv.status_on(date(2023, 3, 31)) is DpvStatus.ACTIVE
    assert dpv.status_on(date(2023, 4, 1)) is DpvStatus.EXPIRED
    assert dpv.status_on(date(2018, 3, 31)) is DpvStatus.NOT_STARTED


def test_notice_ends_the_agreement_twelve_months_later():
    assert agreements.notice_end(date(2026, 11, 24)) == date(2027, 11, 24)
    assert agreements.notice_end(date(2028, 2, 29)) == date(2029, 2, 28)


def test_financial_years_start_in_april():
    assert clock.financial_year(date(2026, 3, 31)) == 2025
    assert clock.financial_year(date(2026, 4, 1)) == 2026


def test_legal_basis_follows_the_procurement_act_commencement():
    assert dpvs.expected_legal_basis(date(2025, 2, 23)) is LegalBasis.PCR_2015_DPS
    assert dpvs.expected_legal_basis(date(2025, 2, 24)) is LegalBasis.PA_2023_DYNAMIC_MARKET


def _doc(kind, **kw) -> Document:
    base = dict(
        id=1,
        kind=kind,
        reference="r",
        valid_from=date(2026, 1, 1),
        valid_until=date(2027, 1, 1),
        recorded_at=clock.now(),
        cover_amount=None,
        ofsted_grade=None,
        credit_check_outcome=None,
    )
    base.update(kw)
    return Document(**base)


THRESHOLDS = stage1.Thresholds(
    {
        DocumentKind.EMPLOYERS_LIABILITY_INSURANCE: Decimal("5000000"),
        DocumentKind.PUBLIC_LIABILITY_INSURANCE: Decimal("5000000"),
        DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE: Decimal("2000000"),
    }
)


def _complete() -> list[Document]:
    return [
        _doc(DocumentKind.OFSTED_REGISTRATION, valid_until=None),
        _doc(DocumentKind.OFSTED_JUDGEMENT, valid_until=None, ofsted_grade=OfstedGrade.GOOD),
        _doc(DocumentKind.CREDIT_CHECK, credit_check_outcome=CreditCheckOutcome.PASSED),
        _doc(DocumentKind.EMPLOYERS_LIABILITY_INSURANCE, cover_amount=Decimal("5000000")),
        _doc(DocumentKind.PUBLIC_LIABILITY_INSURANCE, cover_amount=Decimal("6000000")),
        _doc(DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE, cover_amount=Decimal("2000000")),
    ]


def test_stage1_complete_documents_pass():
    assert stage1.assess(_complete(), date(2026, 6, 1), THRESHOLDS) == []


def test_stage1_names_every_shortfall():
    docs = [d for d in _complete() if d.kind is not DocumentKind.CREDIT_CHECK]
    docs.append(
        _doc(DocumentKind.PUBLIC_LIABILITY_INSURANCE, valid_from=date(2026, 2, 1), cover_amount=Decimal("1000000"))
    )  # newer, too little cover
    docs.append(_doc(DocumentKind.OFSTED_JUDGEMENT, valid_from=date(2026, 3, 1), ofsted_grade=OfstedGrade.INADEQUATE))
    on = date(2027, 1, 2)  # the insurances ran out the day before
    found = {(s.kind, s.code) for s in stage1.assess(docs, on, THRESHOLDS)}
    assert found == {
        (DocumentKind.CREDIT_CHECK, stage1.ShortfallCode.DOCUMENT_MISSING),
        (DocumentKind.PUBLIC_LIABILITY_INSURANCE, stage1.ShortfallCode.INSUFFICIENT_COVER),
        (DocumentKind.PUBLIC_LIABILITY_INSURANCE, stage1.ShortfallCode.DOCUMENT_EXPIRED),
        (DocumentKind.EMPLOYERS_LIABILITY_INSURANCE, stage1.ShortfallCode.DOCUMENT_EXPIRED),
        (DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE, stage1.ShortfallCode.DOCUMENT_EXPIRED),
        (DocumentKind.OFSTED_JUDGEMENT, stage1.ShortfallCode.OFSTED_INADEQUATE),
    }


def test_stage1_the_document_that_counts_is_the_latest_in_force_an_expired_one_stands_in_front_of_none():
    on = date(2026, 6, 1)
    in_force = _doc(
        DocumentKind.PUBLIC_LIABILITY_INSURANCE,
        id=2,
        valid_from=date(2025, 1, 1),
        valid_until=date(2027, 1, 1),
        cover_amount=Decimal("6000000"),
    )
    # last year's certificate, recorded later, starting after the one in force and already over
    old = _doc(
        DocumentKind.PUBLIC_LIABILITY_INSURANCE,
        id=3,
        valid_from=date(2025, 3, 1),
        valid_until=date(2026, 2, 28),
        cover_amount=Decimal("5000000"),
    )
    docs = [d for d in _complete() if d.kind is not DocumentKind.PUBLIC_LIABILITY_INSURANCE] + [in_force, old]
    assert stage1.in_force(in_force, on) and not stage1.in_force(old, on)
    assert stage1.current_documents(docs, on)[DocumentKind.PUBLIC_LIABILITY_INSURANCE] is in_force
    assert stage1.assess(docs, on, THRESHOLDS) == []
    # of two in force, the later counts (its cover too); with none in force, the latest, and its shortfall
    newer = _doc(
        DocumentKind.PUBLIC_LIABILITY_INSURANCE,
        id=4,
        valid_from=date(2026, 5, 1),
        valid_until=date(2026, 12, 31),
        cover_amount=Decimal("1000000"),
    )
    assert [s.code for s in stage1.assess(docs + [newer], on, THRESHOLDS)] == [stage1.ShortfallCode.INSUFFICIENT_COVER]
    later = date(2027, 1, 2)
    assert stage1.current_documents(docs + [newer], later)[DocumentKind.PUBLIC_LIABILITY_INSURANCE] is newer


async def test_admission_refused_with_each_missing_or_expired_document(db, market):
    _, lots = await dpv_with_lots(db, market, lots=1)
    today = clock.today()
    await full_documents(
        db, market.admin, market.acorn.id, skip=(DocumentKind.CREDIT_CHECK, DocumentKind.EMPLOYERS_LIABILITY_INSURANCE)
    )
    async with db.transaction() as s:  # an employer's liability insurance, expired, and none other of its kind
        from api.market import documents

        await documents.record_document(
            s,
            market.admin,
            provider_id=market.acorn.id,
            kind=DocumentKind.EMPLOYERS_LIABILITY_INSURANCE,
            reference="EL-OLD",
            valid_from=today - timedelta(days=30),
            valid_until=today - timedelta(days=1),
            cover_amount=Decimal("5000000"),
        )
        membership = await memberships.apply(s, market.acorn_staff, provider_id=market.acorn.id, lot_id=lots[0].id)
    with pytest.raises(UserErrors) as refused:
        async with db.transaction() as s:
            await memberships.decide(s, market.admin, membership.id, decision=MembershipDecision.ADMIT)
    errors = {(e.field, e.code.value) for e in refused.value.errors}
    assert errors == {
        ("documents.CREDIT_CHECK", "DOCUMENT_MISSING"),
        ("documents.EMPLOYERS_LIABILITY_INSURANCE", "DOCUMENT_EXPIRED"),
    }
    assert all("credit check" in e.message or "employer's liability" in e.message for e in refused.value.errors)
    async with db.session() as s:
        from api.market.models import Membership

        assert (await s.get(Membership, membership.id)).status is MembershipStatus.APPLIED


async def test_admission_when_stage1_is_met_and_state_machine(db, market):
    _, lots = await dpv_with_lots(db, market, lots=1)
    await full_documents(db, market.admin, market.acorn.id)
    async with db.transaction() as s:
        m = await memberships.apply(s, market.acorn_staff, provider_id=market.acorn.id, lot_id=lots[0].id)
    async with db.transaction() as s:
        m = await memberships.decide(s, market.admin, m.id, decision=MembershipDecision.ADMIT)
    assert m.status is MembershipStatus.ADMITTED
    with pytest.raises(UserErrors) as again:
        async with db.transaction() as s:
            await memberships.decide(s, market.admin, m.id, decision=MembershipDecision.REJECT, reason="late")
    assert again.value.errors[0].code.value == "INVALID_TRANSITION"
    with pytest.raises(Forbidden):
        async with db.transaction() as s:
            await memberships.decide(s, market.barnet_officer, m.id, decision=MembershipDecision.REJECT, reason="x")
    with pytest.raises(Forbidden):  # a provider acts only for itself
        async with db.transaction() as s:
            await memberships.withdraw(s, market.birch_staff, m.id)
    async with db.transaction() as s:
        m = await memberships.withdraw(s, market.acorn_staff, m.id, reason="retiring")
    assert m.status is MembershipStatus.WITHDRAWN
    async with db.session() as s:
        actions = (
            (
                await s.execute(
                    select(AuditEvent.action).where(AuditEvent.entity_type == "Membership").order_by(AuditEvent.id)
                )
            )
            .scalars()
            .all()
        )
    assert actions == ["membership.apply", "membership.decide", "membership.withdraw"]


async def test_a_keyed_application_that_reopens_a_membership_is_what_its_retry_returns(db, market):
    """The key's claim reserves a new id, but applying again to a lot reopens the withdrawn membership: the key
    then names that one, and a retry returns it."""
    _, lots = await dpv_with_lots(db, market, lots=1)
    async with db.transaction() as s:
        first = await memberships.apply(
            s, market.acorn_staff, provider_id=market.acorn.id, lot_id=lots[0].id, idempotency_key="apply-1"
        )
    async with db.transaction() as s:
        await memberships.withdraw(s, market.acorn_staff, first.id)
    for _ in range(2):
        async with db.transaction() as s:
            again = await memberships.apply(
                s, market.acorn_staff, provider_id=market.acorn.id, lot_id=lots[0].id, idempotency_key="apply-2"
            )
        assert again.id == first.id and again.status is MembershipStatus.APPLIED
    async with db.session() as s:
        keys = dict((await s.execute(select(IdempotencyKey.key, IdempotencyKey.entity_id))).all())
    assert keys == {"apply-1": first.id, "apply-2": first.id}


async def test_a_keyed_creation_takes_the_id_its_key_names(session, market_in_session):
    market = market_in_session
    dpv = await dpvs.create_dpv(
        session,
        market.admin,
        name="IFA",
        category=DpvCategory.INDEPENDENT_FOSTERING,
        lead_authority_id=market.barnet.id,
        legal_basis=LegalBasis.PA_2023_DYNAMIC_MARKET,
        starts_on=date(2025, 4, 1),
        idempotency_key="k-9",
    )
    key = (await session.execute(select(IdempotencyKey).where(IdempotencyKey.key == "k-9"))).scalar_one()
    assert key.entity_id == dpv.id and key.operation == "dpvCreate"


async def test_extension_moves_the_end_and_runs_out(session, market_in_session):
    market = market_in_session
    dpv = await dpvs.create_dpv(
        session,
        market.admin,
        name="Homes",
        category=DpvCategory.RESIDENTIAL_CHILDRENS_HOMES,
        lead_authority_id=market.ealing.id,
        legal_basis=LegalBasis.PA_2023_DYNAMIC_MARKET,
        starts_on=date(2025, 7, 1),
    )
    assert dpv.ends_on == date(2028, 6, 30)
    for expected in (date(2029, 6, 30), date(2030, 6, 30), date(2031, 6, 30)):
        dpv = await dpvs.exercise_extension(session, market.admin, dpv.id, on=date(2026, 1, 1))
        assert dpv.ends_on == expected
    with pytest.raises(UserErrors) as none_left:
        await dpvs.exercise_extension(session, market.admin, dpv.id, on=date(2026, 1, 1))
    assert none_left.value.errors[0].code is dpvs.DpvErrorCode.NO_EXTENSION_LEFT


async def test_access_agreements(session, market_in_session):
    market = market_in_session
    dpv = await dpvs.create_dpv(
        session,
        market.admin,
        name="IFA",
        category=DpvCategory.INDEPENDENT_FOSTERING,
        lead_authority_id=market.barnet.id,
        legal_basis=LegalBasis.PA_2023_DYNAMIC_MARKET,
        starts_on=date(2025, 4, 1),
    )
    with pytest.raises(UserErrors) as lead:
        await agreements.create_agreement(
            session, market.admin, dpv_id=dpv.id, authority_id=market.barnet.id, starts_on=date(2025, 4, 1)
        )
    assert lead.value.errors[0].code is agreements.AccessAgreementErrorCode.LEAD_AUTHORITY
    a = await agreements.create_agreement(
        session, market.admin, dpv_id=dpv.id, authority_id=market.ealing.id, starts_on=date(2025, 4, 1)
    )
    assert await agreements.may_buy_through(session, dpv, market.ealing.id, date(2026, 1, 1))
    assert await agreements.may_buy_through(session, dpv, market.barnet.id, date(2026, 1, 1))
    with pytest.raises(UserErrors) as twice:
        await agreements.create_agreement(
            session, market.admin, dpv_id=dpv.id, authority_id=market.ealing.id, starts_on=date(2025, 5, 1)
        )
    assert twice.value.errors[0].code is agreements.AccessAgreementErrorCode.ALREADY_IN_PLACE
    with pytest.raises(Forbidden):  # another borough's agreement is not Barnet's to end
        await agreements.give_notice(session, market.barnet_officer, a.id, on=date(2026, 11, 24))
    a = await agreements.give_notice(session, market.ealing_officer, a.id, on=date(2026, 11, 24))
    assert (a.notice_given_on, a.ends_on) == (date(2026, 11, 24), date(2027, 11, 24))
    assert a.status_on(date(2027, 11, 23)) is AccessAgreementStatus.NOTICE_GIVEN
    assert a.status_on(date(2027, 11, 24)) is AccessAgreementStatus.ENDED
    assert await agreements.may_buy_through(session, dpv, market.ealing.id, date(2027, 11, 23))
    assert not await agreements.may_buy_through(session, dpv, market.ealing.id, date(2027, 11, 24))
    count = (
        await session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == "AccessAgreement")
        )
    ).scalar_one()
    assert count == 2


async def test_idempotency_key_returns_the_first_result(session, market_in_session):
    market = market_in_session
    kw = dict(
        name="IFA",
        category=DpvCategory.INDEPENDENT_FOSTERING,
        lead_authority_id=market.barnet.id,
        legal_basis=LegalBasis.PA_2023_DYNAMIC_MARKET,
        starts_on=date(2025, 4, 1),
        idempotency_key="k-1",
    )
    first = await dpvs.create_dpv(session, market.admin, **kw)
    again = await dpvs.create_dpv(session, market.admin, **kw)
    assert again.id == first.id
    assert (await session.execute(select(func.count()).select_from(Dpv))).scalar_one() == 1
    with pytest.raises(UserErrors) as reused:
        await dpvs.create_dpv(session, market.admin, **{**kw, "name": "Other"})
    assert reused.value.errors[0].code is dpvs.DpvErrorCode.IDEMPOTENCY_KEY_REUSED
