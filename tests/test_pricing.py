"""A bid's weekly price, the vehicle's discounts, the cap check and the price bands: pure, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from api.market.caps import AppliedCap, cap_for, cap_for_year
from api.placements.pricing import (
    MAX_EXTRAS,
    Discount,
    DiscountKind,
    DiscountTerms,
    Extra,
    PricingErrorCode,
    applicable_discounts,
    check_cap,
    money,
    price_band,
    price_band_bounds,
    price_bid,
    validate_prices,
)

SIBLING, LONG_TERM = DiscountKind.SIBLING, DiscountKind.LONG_TERM


# --- gross and net -----------------------------------------------------------------------------------------


def test_no_extras_and_no_discount_net_is_gross():
    price = price_bid(D("3150.00"), expected_duration_weeks=12)
    assert (price.core, price.extras, price.gross, price.discounts, price.net) == (
        D("3150.00"),
        (),
        D("3150.00"),
        (),
        D("3150.00"),
    )
    assert price.total_discount_percent == D(0)
    assert price.explanation == (
        "Core price £3,150.00 a week: gross £3,150.00 a week. No discount applies: net £3,150.00 a week."
    )


def test_gross_is_core_plus_extras():
    price = price_bid(
        D("4200.00"),
        [Extra("10 hours of 1:1 support", D("350.00")), Extra(" Education ", D("400.50"))],
        expected_duration_weeks=12,
    )
    assert price.gross == D("4950.50")
    assert price.net == D("4950.50")
    assert price.extras == (Extra("10 hours of 1:1 support", D("350.00")), Extra("Education", D("400.50")))


def test_a_free_extra_is_allowed():
    price = price_bid(D("1000.00"), [Extra("Weekend activities", D("0.00"))], expected_duration_weeks=1)
    assert price.gross == D("1000.00")


def test_sibling_and_long_term_together_make_ten_percent():
    price = price_bid(
        D("4000.00"),
        [Extra("1:1 hours", D("600.00"))],
        sibling_group_size=2,
        places_offered=2,
        expected_duration_weeks=60,
    )
    assert price.gross == D("4600.00")
    assert price.discounts == (Discount(SIBLING, D(5), D("230.00")), Discount(LONG_TERM, D(5), D("230.00")))
    assert price.total_discount_percent == D(10)
    assert price.net == D("4140.00")
    assert price.explanation == (
        "Core price £4,000.00 a week; 1:1 hours £600.00: gross £4,600.00 a week. "
        "Sibling discount 5% (£230.00): a sibling group of 2 placed together with this provider. "
        "Long-term discount 5% (£230.00): an expected duration of 60 weeks (long-term from 52). "
        "Net £4,600.00 × (1 − 10%) = £4,140.00 a week."
    )


def test_long_term_starts_at_exactly_the_threshold():
    assert price_bid(D("1000"), expected_duration_weeks=51).discounts == ()
    assert price_bid(D("1000"), expected_duration_weeks=52).discounts == (Discount(LONG_TERM, D(5), D("50.00")),)
    assert price_bid(D("1000"), expected_duration_weeks=52).net == D("950.00")


def test_long_term_threshold_is_a_parameter():
    terms = DiscountTerms(long_term_weeks=26)
    assert price_bid(D("1000"), expected_duration_weeks=26, terms=terms).net == D("950.00")
    assert price_bid(D("1000"), expected_duration_weeks=25, terms=terms).net == D("1000.00")


@pytest.mark.parametrize(
    "group, places, applies",
    [
        (1, 1, False),  # no sibling group
        (1, 5, False),
        (3, 2, False),  # not enough places for the whole group: not placed together
        (3, 3, True),
        (2, 4, True),
    ],
)
def test_sibling_discount_needs_the_whole_group_placed_together(group, places, applies):
    price = price_bid(D("2000.00"), sibling_group_size=group, places_offered=places, expected_duration_weeks=4)
    assert price.discounts == ((Discount(SIBLING, D(5), D("100.00")),) if applies else ())
    assert price.net == (D("1900.00") if applies else D("2000.00"))


def test_discounts_are_capped_sibling_first():
    terms = DiscountTerms(cap_percent=D(8))
    price = price_bid(D("1000"), sibling_group_size=3, places_offered=3, expected_duration_weeks=52, terms=terms)
    assert price.discounts == (Discount(SIBLING, D(5), D("50.00")), Discount(LONG_TERM, D(3), D("30.00")))
    assert price.net == D("920.00")
    assert "cut to 3% by the 8% cap on discounts" in price.explanation


def test_default_cap_is_ten_percent_even_with_larger_terms():
    terms = DiscountTerms(sibling_percent=D(7), long_term_percent=D(7))
    applied = applicable_discounts(sibling_group_size=2, places_offered=2, expected_duration_weeks=104, terms=terms)
    assert [(kind, pct) for kind, pct, _ in applied] == [(SIBLING, D(7)), (LONG_TERM, D(3))]
    price = price_bid(D("2000"), sibling_group_size=2, places_offered=2, expected_duration_weeks=104, terms=terms)
    assert price.total_discount_percent == D(10)
    assert price.net == D("1800.00")


def test_a_discount_cut_to_nothing_is_left_out():
    terms = DiscountTerms(sibling_percent=D(10))
    price = price_bid(D("2000"), sibling_group_size=2, places_offered=2, expected_duration_weeks=104, terms=terms)
    assert price.discounts == (Discount(SIBLING, D(10), D("200.00")),)
    assert (
        price_bid(
            D("2000"),
            sibling_group_size=2,
            places_offered=2,
            expected_duration_weeks=104,
            terms=DiscountTerms(cap_percent=D(0)),
        ).discounts
        == ()
    )


def test_net_rounds_half_up_to_pence():
    # 1,234.57 × 0.95 = 1,172.8415 → 1,172.84; 5% = 61.7285 → 61.73
    one = price_bid(D("1234.57"), expected_duration_weeks=52)
    assert (one.net, one.discounts) == (D("1172.84"), (Discount(LONG_TERM, D(5), D("61.73")),))
    # 1,234.57 × 0.90 = 1,111.113 → 1,111.11; 61.73 + 61.73 = 123.46 = 1,234.57 − 1,111.11
    two = price_bid(D("1234.57"), sibling_group_size=2, places_offered=2, expected_duration_weeks=52)
    assert two.net == D("1111.11")
    assert [d.amount for d in two.discounts] == [D("61.73"), D("61.73")]
    # 100.10 × 0.95 = 95.095 → 95.10 (half-up), so the discount is the 5.00 that remains
    half = price_bid(D("100.10"), expected_duration_weeks=52)
    assert (half.net, half.discounts[0].amount) == (D("95.10"), D("5.00"))
    # 0.10 × 0.90 = 0.09; the first 5% rounds up to 0.01, the last takes what remains: 0.00
    tiny = price_bid(D("0.10"), sibling_group_size=2, places_offered=2, expected_duration_weeks=52)
    assert (tiny.net, [d.amount for d in tiny.discounts]) == (D("0.09"), [D("0.01"), D("0.00")])


def test_discount_amounts_always_add_up_to_gross_minus_net():
    for pence in range(1, 200_001, 997):
        gross = D(pence) / 100
        for group, weeks in ((2, 52), (1, 52), (2, 1)):
            price = price_bid(gross, sibling_group_size=group, places_offered=group, expected_duration_weeks=weeks)
            assert price.gross - sum(d.amount for d in price.discounts) == price.net
            assert price.net == money(gross * (1 - price.total_discount_percent / 100))
            assert all(d.amount >= 0 for d in price.discounts)


# --- validation --------------------------------------------------------------------------------------------


def test_valid_prices_have_no_errors():
    assert validate_prices(D("100.00"), [Extra("x", D("0"))] * MAX_EXTRAS) == []


@pytest.mark.parametrize("core", [D(0), D("-1.00"), D("100.001"), D("100000.01"), D("NaN")])
def test_core_price_must_be_positive_pounds_and_pence(core):
    errors = validate_prices(core, [])
    assert [(e.field, e.code) for e in errors] == [("core_price", PricingErrorCode.INVALID_PRICE)]


def test_extras_are_validated_one_by_one():
    errors = validate_prices(D("100"), [Extra("ok", D("1")), Extra("  ", D("-0.01")), Extra("x" * 201, D("1.005"))])
    assert [(e.field, e.code) for e in errors] == [
        ("extras[1].description", PricingErrorCode.INVALID_EXTRA),
        ("extras[1].weekly_price", PricingErrorCode.INVALID_PRICE),
        ("extras[2].description", PricingErrorCode.INVALID_EXTRA),
        ("extras[2].weekly_price", PricingErrorCode.INVALID_PRICE),
    ]


def test_at_most_ten_extras():
    errors = validate_prices(D("100"), [Extra("x", D("1"))] * (MAX_EXTRAS + 1))
    assert [(e.field, e.code, e.message) for e in errors] == [
        ("extras", PricingErrorCode.TOO_MANY_EXTRAS, "At most 10 extras, not 11")
    ]


def test_pricing_malformed_prices_raises():
    with pytest.raises(ValueError, match="positive amount"):
        price_bid(D("-5"), expected_duration_weeks=1)


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        money(0.1)  # type: ignore[arg-type]
    assert money("2.345") == D("2.35")
    assert money(D("2.344")) == D("2.34")


def test_discount_terms_are_validated():
    with pytest.raises(ValueError):
        DiscountTerms(cap_percent=D(101))
    with pytest.raises(ValueError):
        DiscountTerms(sibling_percent=D(-1))
    with pytest.raises(ValueError):
        DiscountTerms(long_term_weeks=0)
    with pytest.raises(ValueError):
        DiscountTerms(sibling_percent=5.0)  # type: ignore[arg-type]


# --- the cap -----------------------------------------------------------------------------------------------


def test_the_cap_of_the_planned_starts_financial_year_else_the_latest_earlier_years():
    caps = {2025: D("4800.00"), 2026: D("5000.00"), 2029: D("5600.00")}
    assert cap_for(caps, date(2026, 3, 31)) == AppliedCap(D("4800.00"), 2025)
    assert cap_for(caps, date(2026, 4, 1)) == AppliedCap(D("5000.00"), 2026)
    # no cap set for 2027/28 or 2028/29: 2026/27's goes on applying, never none
    assert cap_for(caps, date(2027, 4, 1)) == AppliedCap(D("5000.00"), 2026)
    assert cap_for(caps, date(2029, 3, 31)) == AppliedCap(D("5000.00"), 2026)
    assert cap_for(caps, date(2029, 4, 1)) == AppliedCap(D("5600.00"), 2029)
    assert cap_for(caps, date(2032, 6, 1)) == AppliedCap(D("5600.00"), 2029)
    assert cap_for_year(caps, 2028) == AppliedCap(D("5000.00"), 2026)
    # a cap set only for later years does not apply back; a lot with no cap at all has none
    assert cap_for({2027: D("5000.00")}, date(2027, 3, 31)) is None
    assert cap_for({}, date(2026, 6, 1)) is None


def test_a_price_equal_to_the_cap_is_allowed_a_penny_more_is_refused():
    assert check_cap(D("5000.00"), D("5000.00")) is None
    refusal = check_cap(D("5000.01"), D("5000.00"), planned_start=date(2026, 12, 1))
    assert refusal is not None
    assert (refusal.field, refusal.code) == (None, PricingErrorCode.ABOVE_CAP)
    assert refusal.message == "The weekly price £5,000.01 is above the lot's weekly rate cap of £5,000.00 for 2026/27"


def test_the_cap_is_checked_against_the_gross_price_not_the_net():
    price = price_bid(D("5400.00"), sibling_group_size=2, places_offered=2, expected_duration_weeks=52)
    assert price.net == D("4860.00")  # under the cap after discounts…
    refusal = check_cap(price.gross, D("5000.00"))  # …but the provider asks 5,400
    assert refusal is not None and refusal.code is PricingErrorCode.ABOVE_CAP
    assert "£5,400.00" in refusal.message and "£5,000.00" in refusal.message


def test_above_an_earlier_years_cap_the_refusal_says_which_year_it_was_set_for():
    refusal = check_cap(D("25000.00"), D("1030.00"), planned_start=date(2032, 6, 1), set_for=2027)
    assert refusal is not None and (refusal.field, refusal.code) == (None, PricingErrorCode.ABOVE_CAP)
    assert refusal.message == (
        "The weekly price £25,000.00 is above the lot's weekly rate cap of £1,030.00 set for "
        "2027/28, which applies to 2032/33 until a cap is set for it"
    )


def test_no_cap_refuses_every_price():
    """A price is always checked against a cap: with none (no cap for the year or any earlier one), even a penny
    is refused, on the requirement (its lot and planned start), not on a price field."""
    for price in (D("0.01"), D("99999.99")):
        refusal = check_cap(price, None, planned_start=date(2032, 6, 1))
        assert refusal is not None and (refusal.field, refusal.code) == ("requirement_id", PricingErrorCode.NO_RATE_CAP)
        assert refusal.message == (
            "The lot has no weekly rate cap for 2032/33 or any earlier year: it takes no bids "
            "until the alliance sets one"
        )


# --- price bands -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, band",
    [
        ("0", "£0–£249.99"),
        ("249.99", "£0–£249.99"),
        ("250", "£250–£499.99"),
        ("812.40", "£750–£999.99"),
        ("1999.99", "£1,750–£1,999.99"),
        ("1999.995", "£2,000–£2,499.99"),  # rounds half-up to 2,000.00 first
        ("2000", "£2,000–£2,499.99"),
        ("3600", "£3,500–£3,999.99"),
        ("4999.99", "£4,500–£4,999.99"),
        ("5000", "£5,000–£5,999.99"),
        ("5250", "£5,000–£5,999.99"),
        ("12345.67", "£12,000–£12,999.99"),
    ],
)
def test_price_bands(amount, band):
    assert price_band(D(amount)) == band


def test_price_band_bounds_and_negative_amounts():
    assert price_band_bounds(D("2600")) == (D(2500), D("2999.99"))
    with pytest.raises(ValueError):
        price_band(D("-0.01"))
