"""Recording a provider's stage-1 documents. Of the documents of a kind, the one that counts on a day is the latest
of those in force that day (api/market/stage1.py): a document recorded with a validity already over is kept on
record and stands in front of none in force; its expiry suspends no one while another of its kind is in force
(api/safeguarding/expiry.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit
from api.core.errors import Forbidden, UserError, UserErrors
from api.core.hooks import Hook
from api.core.idempotency import idempotent
from api.core.principal import OrganisationKind, Principal
from api.market.enums import INSURANCE_KINDS, CreditCheckOutcome, DocumentKind, OfstedGrade
from api.market.lookups import organisation_of_kind
from api.market.models import Document
from api.market.permissions import ensure_acts_for_provider

# A stage-1 document just recorded, in the recording's transaction: safeguarding watches its expiry and lifts the
# suspensions a valid replacement ends (api/safeguarding/expiry.py `on_document_recorded`).
recorded: Hook[[AsyncSession, Document], None] = Hook("stage-1 document recorded")


class DocumentErrorCode(Enum):
    REFERENCE_REQUIRED = "REFERENCE_REQUIRED"
    VALIDITY_REQUIRED = "VALIDITY_REQUIRED"
    INVALID_VALIDITY = "INVALID_VALIDITY"
    COVER_REQUIRED = "COVER_REQUIRED"
    GRADE_REQUIRED = "GRADE_REQUIRED"
    OUTCOME_REQUIRED = "OUTCOME_REQUIRED"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


def _errors(
    kind: DocumentKind,
    reference: str,
    valid_from: date,
    valid_until: date | None,
    cover_amount: Decimal | None,
    ofsted_grade: OfstedGrade | None,
    credit_check_outcome: CreditCheckOutcome | None,
) -> list[UserError]:
    errors: list[UserError] = []
    if not reference.strip():
        errors.append(UserError("reference", DocumentErrorCode.REFERENCE_REQUIRED, "A document reference is required"))
    if valid_until is not None and valid_until < valid_from:
        errors.append(
            UserError("valid_until", DocumentErrorCode.INVALID_VALIDITY, "Validity must end on or after it starts")
        )
    if kind in INSURANCE_KINDS or kind is DocumentKind.CREDIT_CHECK:
        if valid_until is None:
            errors.append(
                UserError(
                    "valid_until", DocumentErrorCode.VALIDITY_REQUIRED, "Insurances and credit checks have an end date"
                )
            )
    if kind in INSURANCE_KINDS:
        if cover_amount is None or cover_amount <= 0:
            errors.append(
                UserError("cover_amount", DocumentErrorCode.COVER_REQUIRED, "An insurance states its cover in pounds")
            )
    elif cover_amount is not None:
        errors.append(
            UserError("cover_amount", DocumentErrorCode.NOT_APPLICABLE, "Only insurances have a cover amount")
        )
    if kind is DocumentKind.OFSTED_JUDGEMENT:
        if ofsted_grade is None:
            errors.append(
                UserError("ofsted_grade", DocumentErrorCode.GRADE_REQUIRED, "An Ofsted judgement has a grade")
            )
    elif ofsted_grade is not None:
        errors.append(
            UserError("ofsted_grade", DocumentErrorCode.NOT_APPLICABLE, "Only an Ofsted judgement has a grade")
        )
    if kind is DocumentKind.CREDIT_CHECK:
        if credit_check_outcome is None:
            errors.append(
                UserError("credit_check_outcome", DocumentErrorCode.OUTCOME_REQUIRED, "A credit check has an outcome")
            )
    elif credit_check_outcome is not None:
        errors.append(
            UserError("credit_check_outcome", DocumentErrorCode.NOT_APPLICABLE, "Only a credit check has an outcome")
        )
    return errors


async def record_document(
    session: AsyncSession,
    actor: Principal,
    *,
    provider_id: int,
    kind: DocumentKind,
    reference: str,
    valid_from: date,
    valid_until: date | None = None,
    issuer: str = "",
    cover_amount: Decimal | None = None,
    ofsted_grade: OfstedGrade | None = None,
    credit_check_outcome: CreditCheckOutcome | None = None,
    idempotency_key: str | None = None,
) -> Document:
    ensure_acts_for_provider(actor, provider_id)

    async def create(id_: int | None) -> Document:
        if await organisation_of_kind(session, provider_id, OrganisationKind.PROVIDER) is None:
            raise Forbidden()
        errors = _errors(kind, reference, valid_from, valid_until, cover_amount, ofsted_grade, credit_check_outcome)
        if errors:
            raise UserErrors(errors)
        doc = Document(
            id=id_,
            provider_id=provider_id,
            kind=kind,
            reference=reference.strip(),
            issuer=issuer.strip(),
            valid_from=valid_from,
            valid_until=valid_until,
            cover_amount=cover_amount,
            ofsted_grade=ofsted_grade,
            credit_check_outcome=credit_check_outcome,
        )
        session.add(doc)
        await session.flush()
        await recorded(session, doc)  # its expiry's timers; a valid replacement lifts a suspension
        audit.record(
            session,
            actor,
            "document.record",
            "Document",
            doc.id,
            {
                "providerId": provider_id,
                "kind": kind,
                "reference": doc.reference,
                "validFrom": valid_from,
                "validUntil": valid_until,
                "coverAmount": cover_amount,
                "ofstedGrade": ofsted_grade,
                "creditCheckOutcome": credit_check_outcome,
            },
        )
        return doc

    return await idempotent(
        session,
        actor.organisation_id,
        "documentRecord",
        idempotency_key,
        {
            "provider": provider_id,
            "kind": kind,
            "reference": reference,
            "from": valid_from,
            "until": valid_until,
            "cover": cover_amount,
            "grade": ofsted_grade,
            "outcome": credit_check_outcome,
            "issuer": issuer,
        },
        Document,
        create,
        DocumentErrorCode.IDEMPOTENCY_KEY_REUSED,
    )
