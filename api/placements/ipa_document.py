"""The Individual Placement Agreement (IPA): the call-off contract, rendered ONCE as a PDF from a snapshot of
its terms and identified by the SHA-256 of its bytes (DOMAIN.md, "A placement search", step 8).

A pure module: a frozen `IpaTerms` snapshot in, `RenderedIpa(pdf, sha256)` out. Rendered with ReportLab in
invariant mode (`invariant=1`: fixed creation date and document id, no time-dependent content), so the same
snapshot always gives byte-identical PDFs and the same hash, and any changed term gives another.

The child appears only by the pseudonymous child reference: the snapshot has no case reference, no name, no
address finer than the setting's postcode district.

A document cannot contain its own hash. The signature blocks therefore say that each signatory signs the
SHA-256 of this document as issued (the `documentSha256` shown with it in DPV Exchange); the document does
carry the SHA-256 of its terms snapshot (canonical JSON, `terms_fingerprint`), which anyone holding the
snapshot can recompute.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from api.core.clock import LONDON
from api.placements.pricing import (
    Discount,
    DiscountKind,
    Extra,
    Price,
    format_money,
    format_percent,
    money,
)

TITLE = "Individual Placement Agreement"
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DISCOUNT_LABELS = {DiscountKind.SIBLING: "Sibling discount", DiscountKind.LONG_TERM: "Long-term discount"}


@dataclass(frozen=True)
class IpaTerms:
    """Everything the contract says, frozen at acceptance. Amounts are pounds a week, in whole pence."""

    requirement_reference: str
    borough_name: str
    provider_name: str
    child_reference: str  # pseudonymous, never a name nor the borough's case reference
    setting_name: str
    setting_postcode_district: str
    vehicle_name: str
    lot_name: str
    start_date: date
    core_weekly_price: Decimal
    extras: tuple[Extra, ...]
    gross_weekly_price: Decimal
    discounts: tuple[Discount, ...]
    net_weekly_price: Decimal
    vehicle_terms: str
    issued_at: datetime
    expected_duration_weeks: int | None = field(default=None)

    def __post_init__(self) -> None:
        for name in (
            "requirement_reference",
            "borough_name",
            "provider_name",
            "child_reference",
            "setting_name",
            "setting_postcode_district",
            "vehicle_name",
            "lot_name",
            "vehicle_terms",
        ):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"the IPA needs a {name.replace('_', ' ')}")
        if self.issued_at.tzinfo is None:
            raise ValueError("issued_at must be an aware datetime")
        object.__setattr__(self, "extras", tuple(self.extras))
        object.__setattr__(self, "discounts", tuple(self.discounts))
        gross = money(self.core_weekly_price) + sum((money(e.weekly_price) for e in self.extras), Decimal(0))
        if money(self.gross_weekly_price) != gross:
            raise ValueError(f"the gross weekly price {self.gross_weekly_price} is not core + extras = {gross}")
        net = gross - sum((money(d.amount) for d in self.discounts), Decimal(0))
        if money(self.net_weekly_price) != net:
            raise ValueError(f"the net weekly price {self.net_weekly_price} is not gross − discounts = {net}")

    @classmethod
    def from_price(cls, price: Price, **parties: Any) -> IpaTerms:
        """The terms from a priced bid (pricing.price_bid) and the rest of the snapshot as keywords."""
        return cls(
            core_weekly_price=price.core,
            extras=price.extras,
            gross_weekly_price=price.gross,
            discounts=price.discounts,
            net_weekly_price=price.net,
            **parties,
        )

    def snapshot(self) -> dict[str, Any]:
        """The terms as JSON-ready data (amounts as strings of pounds, dates ISO 8601), to be stored."""
        return {
            "requirementReference": self.requirement_reference,
            "boroughName": self.borough_name,
            "providerName": self.provider_name,
            "childReference": self.child_reference,
            "settingName": self.setting_name,
            "settingPostcodeDistrict": self.setting_postcode_district,
            "vehicleName": self.vehicle_name,
            "lotName": self.lot_name,
            "startDate": self.start_date.isoformat(),
            "expectedDurationWeeks": self.expected_duration_weeks,
            "coreWeeklyPrice": str(money(self.core_weekly_price)),
            "extras": [{"description": e.description, "weeklyPrice": str(money(e.weekly_price))} for e in self.extras],
            "grossWeeklyPrice": str(money(self.gross_weekly_price)),
            "discounts": [
                {"kind": DiscountKind(d.kind).value, "percent": str(d.percent), "amount": str(money(d.amount))}
                for d in self.discounts
            ],
            "netWeeklyPrice": str(money(self.net_weekly_price)),
            "vehicleTerms": self.vehicle_terms,
            "issuedAt": self.issued_at.isoformat(),
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> IpaTerms:
        return cls(
            requirement_reference=data["requirementReference"],
            borough_name=data["boroughName"],
            provider_name=data["providerName"],
            child_reference=data["childReference"],
            setting_name=data["settingName"],
            setting_postcode_district=data["settingPostcodeDistrict"],
            vehicle_name=data["vehicleName"],
            lot_name=data["lotName"],
            start_date=date.fromisoformat(data["startDate"]),
            expected_duration_weeks=data.get("expectedDurationWeeks"),
            core_weekly_price=Decimal(data["coreWeeklyPrice"]),
            extras=tuple(Extra(e["description"], Decimal(e["weeklyPrice"])) for e in data["extras"]),
            gross_weekly_price=Decimal(data["grossWeeklyPrice"]),
            discounts=tuple(
                Discount(DiscountKind(d["kind"]), Decimal(d["percent"]), Decimal(d["amount"]))
                for d in data["discounts"]
            ),
            net_weekly_price=Decimal(data["netWeeklyPrice"]),
            vehicle_terms=data["vehicleTerms"],
            issued_at=datetime.fromisoformat(data["issuedAt"]),
        )

    def terms_fingerprint(self) -> str:
        """SHA-256 hex of the snapshot as canonical JSON (sorted keys, no spaces, UTF-8)."""
        canonical = json.dumps(self.snapshot(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class RenderedIpa:
    pdf: bytes
    sha256: str  # hex of the SHA-256 of `pdf`: the documentSha256 both parties sign


def _long_date(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _long_instant(at: datetime) -> str:
    local = at.astimezone(LONDON)
    return f"{_long_date(local.date())} at {local:%H:%M} {local.tzname()}"


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", fontSize=9.5, leading=13)
    return {
        "title": ParagraphStyle(
            "title", parent=base["Title"], fontName="Helvetica-Bold", fontSize=20, leading=24, spaceAfter=2 * mm
        ),
        "subtitle": ParagraphStyle("subtitle", parent=body, alignment=TA_CENTER, fontSize=10.5, leading=14),
        "meta": ParagraphStyle(
            "meta", parent=body, alignment=TA_CENTER, fontSize=8, leading=11, textColor=colors.HexColor("#444444")
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base["Heading2"],
            fontName="Helvetica-Bold",
            fontSize=12,
            leading=15,
            spaceBefore=5 * mm,
            spaceAfter=2 * mm,
        ),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, spaceBefore=0, spaceAfter=0),
        "cell_bold": ParagraphStyle("cell_bold", parent=body, fontName="Helvetica-Bold", spaceBefore=0, spaceAfter=0),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=colors.HexColor("#333333")),
    }


_GRID = colors.HexColor("#9a9a9a")
_SHADE = colors.HexColor("#eef1f5")


def _key_value_table(rows: list[tuple[str, str]], s: dict[str, ParagraphStyle]) -> Table:
    data = [[Paragraph(escape(k), s["cell_bold"]), Paragraph(escape(v), s["cell"])] for k, v in rows]
    table = Table(data, colWidths=[55 * mm, 115 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
                ("BACKGROUND", (0, 0), (0, -1), _SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _price_table(t: IpaTerms, s: dict[str, ParagraphStyle]) -> Table:
    right = ParagraphStyle("right", parent=s["cell"], alignment=2)
    right_bold = ParagraphStyle("right_bold", parent=s["cell_bold"], alignment=2)
    rows: list[list[Any]] = [[Paragraph("Item", s["cell_bold"]), Paragraph("£ a week", right_bold)]]
    rows.append([Paragraph("Core weekly price", s["cell"]), Paragraph(format_money(t.core_weekly_price), right)])
    for extra in t.extras:
        rows.append(
            [
                Paragraph(f"Extra: {escape(extra.description)}", s["cell"]),
                Paragraph(format_money(extra.weekly_price), right),
            ]
        )
    gross_row = len(rows)
    rows.append(
        [Paragraph("Gross weekly price", s["cell_bold"]), Paragraph(format_money(t.gross_weekly_price), right_bold)]
    )
    for d in t.discounts:
        label = _DISCOUNT_LABELS[DiscountKind(d.kind)]
        rows.append(
            [
                Paragraph(f"{label} ({format_percent(d.percent)}, the vehicle's terms)", s["cell"]),
                Paragraph(f"-{format_money(d.amount)}", right),
            ]
        )
    if not t.discounts:
        rows.append([Paragraph("Discounts: none apply", s["cell"]), Paragraph(format_money(Decimal(0)), right)])
    rows.append(
        [Paragraph("Net weekly price payable", s["cell_bold"]), Paragraph(format_money(t.net_weekly_price), right_bold)]
    )
    table = Table(rows, colWidths=[130 * mm, 40 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
                ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
                ("LINEABOVE", (0, gross_row), (-1, gross_row), 1, colors.black),
                ("BACKGROUND", (0, -1), (-1, -1), _SHADE),
                ("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _signature_block(heading: str, party: str, who: str, s: dict[str, ParagraphStyle]) -> KeepTogether:
    line = "_" * 42
    rows = [
        [Paragraph(f"<b>{escape(heading)}</b><br/>{escape(party)}", s["cell"])],
        [Paragraph(f"Signed by {escape(who)}: {line}", s["cell"])],
        [Paragraph(f"Name: {line}", s["cell"])],
        [Paragraph(f"Position: {line}", s["cell"])],
        [Paragraph(f"Date and time: {line}", s["cell"])],
        [
            Paragraph(
                "The signatory signs SHA-256 &lt;documentSha256&gt;: the digest of this document exactly as "
                "issued, shown with it in DPV Exchange. A signature of any other digest does not sign this "
                "agreement.",
                s["small"],
            )
        ],
    ]
    table = Table(rows, colWidths=[170 * mm])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return KeepTogether([table, Spacer(1, 5 * mm)])


def render_ipa(terms: IpaTerms) -> RenderedIpa:
    """Render the agreement once. Same terms → the same bytes and hash; any changed term → another hash."""
    s = _styles()
    t = terms
    fingerprint = t.terms_fingerprint()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        invariant=1,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=f"{TITLE} {t.requirement_reference}",
        author="DPV Exchange",
        subject=f"{t.borough_name} and {t.provider_name}",
        creator="DPV Exchange",
        producer="DPV Exchange",
    )

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(20 * mm, 12 * mm, f"{TITLE} for requirement {t.requirement_reference}")
        canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, f"Page {document.page}")
        canvas.restoreState()

    start = _long_date(t.start_date)
    duration = f"; expected duration {t.expected_duration_weeks} weeks" if t.expected_duration_weeks is not None else ""
    story: list[Any] = [
        Paragraph(TITLE, s["title"]),
        Paragraph(f"A call-off contract under the {escape(t.vehicle_name)} ({escape(t.lot_name)})", s["subtitle"]),
        Spacer(1, 2 * mm),
        Paragraph(
            f"Requirement {escape(t.requirement_reference)} · issued {_long_instant(t.issued_at)}<br/>"
            f"Terms snapshot SHA-256 {fingerprint}",
            s["meta"],
        ),
        Paragraph("1. The parties", s["h2"]),
        Paragraph(
            f"This agreement is made between <b>{escape(t.borough_name)}</b> (the Borough, the purchaser) and "
            f"<b>{escape(t.provider_name)}</b> (the Provider), under the {escape(t.vehicle_name)} and its "
            f"lot \u201c{escape(t.lot_name)}\u201d, whose terms are part of it.",
            s["body"],
        ),
        _key_value_table([("The Borough", t.borough_name), ("The Provider", t.provider_name)], s),
        Paragraph("2. The placement", s["h2"]),
        _key_value_table(
            [
                ("Child (pseudonymous reference)", t.child_reference),
                ("Setting", t.setting_name),
                ("Setting postcode district", t.setting_postcode_district),
                ("Start date", start + duration),
                ("Requirement reference", t.requirement_reference),
                ("Vehicle", t.vehicle_name),
                ("Lot", t.lot_name),
            ],
            s,
        ),
        Spacer(1, 2 * mm),
        Paragraph(
            "The child is identified in this agreement only by the pseudonymous reference above. The Borough "
            "gives the Provider the child's full details separately, under the vehicle's data-sharing terms.",
            s["small"],
        ),
        Paragraph("3. The weekly price", s["h2"]),
        _price_table(t, s),
        Spacer(1, 2 * mm),
        Paragraph(
            f"The Borough pays the Provider the net weekly price of {format_money(t.net_weekly_price)} for each "
            f"week of the placement from {start}. The discounts are the vehicle's terms, applied by the "
            f"system and not by either party.",
            s["body"],
        ),
        Paragraph("4. The vehicle's terms", s["h2"]),
    ]
    for paragraph in [p.strip() for p in t.vehicle_terms.replace("\r\n", "\n").split("\n\n") if p.strip()]:
        story.append(Paragraph(escape(paragraph).replace("\n", "<br/>"), s["body"]))
    story += [
        Paragraph("5. Signatures", s["h2"]),
        Paragraph(
            "The agreement is executed when both parties have signed its SHA-256 digest; the placement is then live.",
            s["body"],
        ),
        Spacer(1, 2 * mm),
        _signature_block("For the Provider", t.provider_name, "the Provider's signatory", s),
        _signature_block("For the Borough", t.borough_name, "the Borough's authorised officer", s),
    ]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    pdf = buf.getvalue()
    return RenderedIpa(pdf, hashlib.sha256(pdf).hexdigest())
