"""The stage-1 thresholds a provider must meet to be admitted and to stay admitted (DOMAIN.md).

A pure function over the provider's documents: the latest of each kind (by validity start, then by when it
was recorded) is the one that counts, and it must be in force on the day asked about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from api.config import Settings
from api.market.enums import DOCUMENT_LABELS, CreditCheckOutcome, DocumentKind, OfstedGrade
from api.market.models import Document


class ShortfallCode(Enum):
    DOCUMENT_MISSING = "DOCUMENT_MISSING"
    DOCUMENT_EXPIRED = "DOCUMENT_EXPIRED"
    DOCUMENT_NOT_YET_VALID = "DOCUMENT_NOT_YET_VALID"
    INSUFFICIENT_COVER = "INSUFFICIENT_COVER"
    OFSTED_INADEQUATE = "OFSTED_INADEQUATE"
    CREDIT_CHECK_FAILED = "CREDIT_CHECK_FAILED"


@dataclass(frozen=True)
class Thresholds:
    min_cover: dict[DocumentKind, Decimal]

    @classmethod
    def from_settings(cls, settings: Settings) -> "Thresholds":
        return cls({
            DocumentKind.EMPLOYERS_LIABILITY_INSURANCE: settings.min_employers_liability,
            DocumentKind.PUBLIC_LIABILITY_INSURANCE: settings.min_public_liability,
            DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE: settings.min_professional_indemnity,
        })


@dataclass(frozen=True)
class Shortfall:
    kind: DocumentKind
    code: ShortfallCode
    message: str
    document_id: int | None = None


def current_documents(documents: list[Document]) -> dict[DocumentKind, Document]:
    latest: dict[DocumentKind, Document] = {}
    for doc in sorted(documents, key=lambda d: (d.valid_from, d.recorded_at, d.id)):
        latest[doc.kind] = doc
    return latest


def assess(documents: list[Document], on: date, thresholds: Thresholds) -> list[Shortfall]:
    """Every way the documents fall short of stage 1 on that day; empty when the provider qualifies."""
    latest = current_documents(documents)
    shortfalls: list[Shortfall] = []
    for kind in DocumentKind:
        label = DOCUMENT_LABELS[kind]
        doc = latest.get(kind)
        if doc is None:
            shortfalls.append(Shortfall(kind, ShortfallCode.DOCUMENT_MISSING, f"No {label} has been recorded"))
            continue
        if kind is not DocumentKind.OFSTED_JUDGEMENT:  # a judgement stands until the next inspection
            if doc.valid_from > on:
                shortfalls.append(Shortfall(kind, ShortfallCode.DOCUMENT_NOT_YET_VALID,
                                            f"The {label} is valid only from {doc.valid_from}", doc.id))
            elif doc.valid_until is not None and doc.valid_until < on:
                shortfalls.append(Shortfall(kind, ShortfallCode.DOCUMENT_EXPIRED,
                                            f"The {label} expired on {doc.valid_until}", doc.id))
        if kind in thresholds.min_cover:
            minimum = thresholds.min_cover[kind]
            if doc.cover_amount is None or doc.cover_amount < minimum:
                shortfalls.append(Shortfall(kind, ShortfallCode.INSUFFICIENT_COVER,
                                            f"The {label} covers £{doc.cover_amount or 0:,.0f}; "
                                            f"at least £{minimum:,.0f} is required", doc.id))
        if kind is DocumentKind.OFSTED_JUDGEMENT and doc.ofsted_grade is OfstedGrade.INADEQUATE:
            shortfalls.append(Shortfall(kind, ShortfallCode.OFSTED_INADEQUATE,
                                        f"The latest Ofsted judgement ({doc.valid_from}) is Inadequate", doc.id))
        if kind is DocumentKind.CREDIT_CHECK and doc.credit_check_outcome is not CreditCheckOutcome.PASSED:
            shortfalls.append(Shortfall(kind, ShortfallCode.CREDIT_CHECK_FAILED,
                                        f"The credit check of {doc.valid_from} was not passed", doc.id))
    return shortfalls
