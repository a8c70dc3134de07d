"""The Individual Placement Agreement PDF: rendered from a terms snapshot, identified by its SHA-256."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from api.placements.ipa_document import IpaTerms, RenderedIpa, render_ipa
from api.placements.pricing import Discount, DiscountKind, Extra, price_bid

PRICE = price_bid(
    D("4200.00"),
    [Extra("10 hours of 1:1 support", D("350.00")), Extra("Education on site", D("400.00"))],
    sibling_group_size=2,
    places_offered=2,
    expected_duration_weeks=60,
)
TERMS = IpaTerms.from_price(
    PRICE,
    requirement_reference="REQ-2026-00042",
    borough_name="London Borough of Hounslow",
    provider_name="Oakfield Care Ltd",
    child_reference="C-7F3A9B21",
    setting_name="Oakfield House",
    setting_postcode_district="TW13",
    vehicle_name="West London Alliance Residential DPV",
    lot_name="Lot 1: Residential children's homes",
    start_date=date(2026, 12, 1),
    expected_duration_weeks=60,
    vehicle_terms="1. The Provider meets the Children's Homes (England) Regulations 2015 & the placement plan.\n\n"
    "2. Invoices are monthly in arrears at the net weekly price.",
    issued_at=datetime(2026, 11, 24, 21, 55, tzinfo=UTC),
)


@pytest.fixture(scope="module")
def rendered() -> RenderedIpa:
    return render_ipa(TERMS)


@pytest.fixture(scope="module")
def text(rendered) -> str:
    reader = PdfReader(io.BytesIO(rendered.pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_it_is_a_pdf_identified_by_its_sha256(rendered):
    assert rendered.pdf.startswith(b"%PDF-")
    assert rendered.pdf.rstrip().endswith(b"%%EOF")
    assert rendered.sha256 == hashlib.sha256(rendered.pdf).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", rendered.sha256)


def test_the_same_snapshot_gives_the_same_bytes(rendered):
    again = render_ipa(IpaTerms.from_snapshot(TERMS.snapshot()))
    assert again.pdf == rendered.pdf
    assert again.sha256 == rendered.sha256


@pytest.mark.parametrize(
    "change",
    [
        dict(borough_name="London Borough of Ealing"),
        dict(provider_name="Oakfield Care Limited"),
        dict(child_reference="C-7F3A9B22"),
        dict(setting_name="Oakfield Lodge"),
        dict(setting_postcode_district="TW14"),
        dict(vehicle_name="West London Alliance Fostering DPV"),
        dict(lot_name="Lot 2"),
        dict(start_date=date(2026, 12, 2)),
        dict(requirement_reference="REQ-2026-00043"),
        dict(vehicle_terms="1. Other terms."),
        dict(issued_at=datetime(2026, 11, 24, 21, 56, tzinfo=UTC)),
        dict(expected_duration_weeks=61),
        # the price: one penny moved between the core price and an extra changes the document, not the total
        dict(
            core_weekly_price=D("4199.99"),
            extras=(Extra("10 hours of 1:1 support", D("350.01")), Extra("Education on site", D("400.00"))),
        ),
        dict(
            discounts=(
                Discount(DiscountKind.SIBLING, D(5), D("247.51")),
                Discount(DiscountKind.LONG_TERM, D(5), D("247.49")),
            )
        ),
    ],
)
def test_any_changed_term_changes_the_hash(rendered, change):
    assert render_ipa(replace(TERMS, **change)).sha256 != rendered.sha256


def test_the_text_states_parties_child_reference_and_prices(text):
    for expected in [
        "Individual Placement Agreement",
        "London Borough of Hounslow",
        "Oakfield Care Ltd",
        "C-7F3A9B21",
        "Oakfield House",
        "TW13",
        "REQ-2026-00042",
        "West London Alliance Residential DPV",
        "Lot 1: Residential children's homes",
        "1 December 2026",
        "£4,200.00",
        "£350.00",
        "£400.00",  # core and extras
        "Gross weekly price £4,950.00",
        "Sibling discount (5%, the vehicle's terms) -£247.50",
        "Long-term discount (5%, the vehicle's terms) -£247.50",
        "Net weekly price payable £4,455.00",
        "Regulations 2015 & the placement plan",
        "issued 24 November 2026 at 21:55 GMT",
        f"Terms snapshot SHA-256 {TERMS.terms_fingerprint()}",
    ]:
        assert expected in text, expected


def test_signature_blocks_for_both_parties(text):
    assert "For the Provider Oakfield Care Ltd Signed by the Provider's signatory" in text
    assert "For the Borough London Borough of Hounslow Signed by the Borough's authorised officer" in text
    assert text.count("The signatory signs SHA-256 <documentSha256>") == 2


def test_the_child_appears_only_by_the_pseudonymous_reference(text):
    assert "case reference" not in text.lower()
    assert not any("case" in f.name for f in fields(IpaTerms))
    assert not any("case" in key.lower() for key in TERMS.snapshot())


def test_no_extras_and_no_discounts():
    plain = IpaTerms.from_price(
        price_bid(D("3000.00"), expected_duration_weeks=8),
        **{
            f.name: getattr(TERMS, f.name)
            for f in fields(IpaTerms)
            if f.name not in {"core_weekly_price", "extras", "gross_weekly_price", "discounts", "net_weekly_price"}
        },
    )
    pdf = render_ipa(plain).pdf
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Discounts: none apply" in text
    assert "Net weekly price payable £3,000.00" in re.sub(r"\s+", " ", text)
    assert "Extra:" not in text


def test_inconsistent_terms_are_refused():
    with pytest.raises(ValueError, match="gross weekly price"):
        replace(TERMS, gross_weekly_price=D("4950.01"))
    with pytest.raises(ValueError, match="net weekly price"):
        replace(TERMS, net_weekly_price=D("4455.01"))
    with pytest.raises(ValueError, match="child reference"):
        replace(TERMS, child_reference=" ")
    with pytest.raises(ValueError, match="aware"):
        replace(TERMS, issued_at=datetime(2026, 11, 24, 21, 55))


def test_snapshot_round_trips():
    snapshot = TERMS.snapshot()
    assert snapshot["netWeeklyPrice"] == "4455.00"
    assert snapshot["discounts"] == [
        {"kind": "SIBLING", "percent": "5", "amount": "247.50"},
        {"kind": "LONG_TERM", "percent": "5", "amount": "247.50"},
    ]
    assert IpaTerms.from_snapshot(snapshot) == TERMS
    assert IpaTerms.from_snapshot(snapshot).terms_fingerprint() == TERMS.terms_fingerprint()


def test_the_same_snapshot_gives_the_same_bytes_in_another_process(rendered):
    """Nothing process-specific (hash seeds, object ids, the clock) reaches the bytes."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "from api.placements.ipa_document import IpaTerms, render_ipa\n"
        "print(render_ipa(IpaTerms.from_snapshot(json.loads(sys.stdin.read()))).sha256)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(TERMS.snapshot()),
        text=True,
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert result.stdout.strip() == rendered.sha256
