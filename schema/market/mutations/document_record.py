from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from api.market import documents, permissions
from api.market.enums import CreditCheckOutcome, DocumentKind, OfstedGrade
from schema.core.context import Info
from schema.core.errors import user_error_type
from schema.core.mutations import mutation, own_or_given_provider, run
from schema.market.types import Document

DocumentError = user_error_type("DocumentError", documents.DocumentErrorCode)


@strawberry.input
class DocumentRecordInput:
    kind: DocumentKind
    reference: str
    valid_from: date = strawberry.field(description="For an Ofsted judgement, the inspection date.")
    valid_until: date | None = None
    issuer: str = ""
    cover_amount: Decimal | None = strawberry.field(default=None, description="Insurances: the cover in pounds.")
    ofsted_grade: OfstedGrade | None = None
    credit_check_outcome: CreditCheckOutcome | None = None
    provider_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only the alliance names a provider; a provider records its own documents."
    )
    idempotency_key: str | None = None


@strawberry.type
class DocumentRecordPayload:
    document: Document | None
    user_errors: list[DocumentError]  # type: ignore[valid-type]


@mutation(
    permissions.RECORD_DOCUMENT,
    description="Record a stage-1 document. Of a kind, the latest of the documents in force on a day "
    "counts; one recorded with a validity already over is kept on record and suspends no one while "
    "another of its kind is in force.",
)
async def document_record(info: Info, input: DocumentRecordInput) -> DocumentRecordPayload:
    document, errors = await run(
        info,
        DocumentError,
        lambda s, p: documents.record_document(
            s,
            p,
            provider_id=own_or_given_provider(p, input.provider_id),
            kind=input.kind,
            reference=input.reference,
            valid_from=input.valid_from,
            valid_until=input.valid_until,
            issuer=input.issuer,
            cover_amount=input.cover_amount,
            ofsted_grade=input.ofsted_grade,
            credit_check_outcome=input.credit_check_outcome,
            idempotency_key=input.idempotency_key,
        ),
    )
    return DocumentRecordPayload(document=Document.from_row(document) if document else None, user_errors=errors)
