"""The stage-1 thresholds a provider must meet to be admitted and to stay admitted (DOMAIN.md).

Pure functions over the provider's documents.

In force, and the document that counts
--------------------------------------
A document is IN FORCE on a day when its validity has begun and not ended: `valid_from <= day <= valid_until`
(both days in England, inclusive; no `valid_until`: no end).
The document of a kind that COUNTS on a day is the latest (by validity start, then by when it was recorded, then
by id) of those of that kind in force that day; when none is in force, the latest of all of that kind, whose
shortfall (expired, not yet valid) is then reported. So a document recorded with a validity already over (an
old certificate kept for the record), or one that ends before another still in force, never stands in front of
a document in force: a provider falls short of a kind only when none of that kind is in force. The automatic
suspension for an expired document asks the same question (api/safeguarding/expiry.py `covered_on`).
An Ofsted judgement stands until the next inspection: the latest judgement counts whatever its dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from api.core.config import Settings
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
    def from_settings(cls, settings: Settings) -> Thresholds:
        return cls(
            {
                DocumentKind.EMPLOYERS_LIABILITY_INSURANCE: settings.min_employers_liability,
                DocumentKind.PUBLIC_LIABILITY_INSURANCE: settings.min_public_liability,
                DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE: settings.min_professional_indemnity,
            }
        )


@dataclass(frozen=True)
class Shortfall:
    kind: DocumentKind
    code: ShortfallCode
    message: str
    document_id: int | None = None


def in_force(doc: Document, on: date) -> bool:
    """The document's validity has begun and not ended on that day (module docstring)."""
    return doc.valid_from <= on and (doc.valid_until is None or on <= doc.valid_until)


def _order(doc: Document) -> tuple:
    return (doc.valid_from, doc.recorded_at, doc.id)


def current_documents(documents: list[Document], on: date) -> dict[DocumentKind, Document]:
    """The document of each kind that counts on that day (module docstring)."""
    counts: dict[DocumentKind, Document] = {}
    for doc in sorted(documents, key=_order):
        held = counts.get(doc.kind)
        if held is None or in_force(doc, on) or not in_force(held, on) or doc.kind is DocumentKind.OFSTED_JUDGEMENT:
            counts[doc.kind] = doc
    return counts


def assess(documents: list[Document], on: date, thresholds: Thresholds) -> list[Shortfall]:
    """Every way the documents fall short of stage 1 on that day; empty when the provider qualifies."""
    latest = current_documents(documents, on)
    shortfalls: list[Shortfall] = []
    for kind in DocumentKind:
        label = DOCUMENT_LABELS[kind]
        doc = latest.get(kind)
        if doc is None:
            shortfalls.append(Shortfall(kind, ShortfallCode.DOCUMENT_MISSING, f"No {label} has been recorded"))
            continue
        if kind is not DocumentKind.OFSTED_JUDGEMENT:  # a judgement stands until the next inspection
            if doc.valid_from > on:
                shortfalls.append(
                    Shortfall(
                        kind,
                        ShortfallCode.DOCUMENT_NOT_YET_VALID,
                        f"The {label} is valid only from {doc.valid_from}",
                        doc.id,
                    )
                )
            elif doc.valid_until is not None and doc.valid_until < on:
                shortfalls.append(
                    Shortfall(kind, ShortfallCode.DOCUMENT_EXPIRED, f"The {label} expired on {doc.valid_until}", doc.id)
                )
        if kind in thresholds.min_cover:
            minimum = thresholds.min_cover[kind]
            if doc.cover_amount is None or doc.cover_amount < minimum:
                shortfalls.append(
                    Shortfall(
                        kind,
                        ShortfallCode.INSUFFICIENT_COVER,
                        f"The {label} covers £{doc.cover_amount or 0:,.0f}; at least £{minimum:,.0f} is required",
                        doc.id,
                    )
                )
        if kind is DocumentKind.OFSTED_JUDGEMENT and doc.ofsted_grade is OfstedGrade.INADEQUATE:
            shortfalls.append(
                Shortfall(
                    kind,
                    ShortfallCode.OFSTED_INADEQUATE,
                    f"The latest Ofsted judgement ({doc.valid_from}) is Inadequate",
                    doc.id,
                )
            )
        if kind is DocumentKind.CREDIT_CHECK and doc.credit_check_outcome is not CreditCheckOutcome.PASSED:
            shortfalls.append(
                Shortfall(
                    kind,
                    ShortfallCode.CREDIT_CHECK_FAILED,
                    f"The credit check of {doc.valid_from} was not passed",
                    doc.id,
                )
            )
    return shortfalls
