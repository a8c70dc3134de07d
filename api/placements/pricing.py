"""A bid's weekly price: core price plus extras, the vehicle's discounts, the net price, the cap check and
the price bands of the feedback (DOMAIN.md, "A placement search", steps 4, 5 and 7).

A pure module: no database, no GraphQL. Money is `Decimal` pounds; every amount the module returns is
rounded half-up to whole pence, and it never touches a float.

Formulas
--------
- gross weekly price = core price + Σ extras' weekly prices.
- Discounts are the vehicle's terms, applied by the system (a provider never types one):
  SIBLING (5 %) when the child is part of a sibling group (`sibling_group_size > 1`) and the bid offers
  places for the whole group (`places_offered >= sibling_group_size`), so the group is placed together
  with the same provider; LONG_TERM (5 %) when the expected duration is at least `long_term_weeks`
  (default 52). They are taken in that order (SIBLING, then LONG_TERM), each cut down so that the total
  never exceeds `cap_percent` (default 10 %); a discount cut to 0 % is left out.
- net weekly price = round_half_up(gross × (1 − total percent / 100)).
- Each discount's amount: every discount but the last is round_half_up(gross × percent / 100); the last is
  what remains of (gross − net), so the amounts always add up exactly to gross − net and the Bid's
  `weeklyPrice − Σ amounts = netWeeklyPrice` holds to the penny.
- The cap check compares the GROSS weekly price — the price the provider asks, before the vehicle's
  discounts — with the lot's weekly rate cap that applies to the planned start (api/market/caps.py: the cap
  of the financial year, 1 April to 31 March, in which the planned start falls, else the latest earlier
  year's). A price equal to the cap is allowed; one penny above is refused with ABOVE_CAP. A price is always
  checked against a cap: when none applies (the lot has no cap for that year or any earlier one), every price
  is refused with NO_RATE_CAP: such a lot takes no bids.
- Price bands (the "winning price band" of an unsuccessful bidder's feedback): £250 wide below £2,000,
  £500 wide from £2,000 to below £5,000, £1,000 wide from £5,000; labelled "£750–£999.99".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import Enum

from api.core import clock
from api.core.errors import UserError
from api.market.caps import year_label

PENNY = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_EXTRAS = 10
MAX_EXTRA_DESCRIPTION = 200
MAX_WEEKLY_PRICE = Decimal("100000")  # the same ceiling a lot's cap may have (api.market.dpvs)


def money(amount: Decimal | int | str) -> Decimal:
    """Pounds rounded half-up to whole pence. Refuses floats: they cannot hold pence exactly."""
    if isinstance(amount, (float, bool)):
        raise TypeError(f"money must be a Decimal, int or str, not {type(amount).__name__}")
    return Decimal(amount).quantize(PENNY, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal) -> str:
    """£1,234.50"""
    return f"£{money(amount):,.2f}"


def format_percent(percent: Decimal) -> str:
    """5 → "5%", 2.5 → "2.5%"."""
    text = format(Decimal(percent).normalize(), "f")
    return f"{text}%"


class DiscountKind(str, Enum):
    SIBLING = "SIBLING"
    LONG_TERM = "LONG_TERM"


class PricingErrorCode(str, Enum):
    INVALID_PRICE = "INVALID_PRICE"
    TOO_MANY_EXTRAS = "TOO_MANY_EXTRAS"
    INVALID_EXTRA = "INVALID_EXTRA"
    ABOVE_CAP = "ABOVE_CAP"
    NO_RATE_CAP = "NO_RATE_CAP"


@dataclass(frozen=True)
class Extra:
    """An optional extra on top of the core price, e.g. 10 hours of 1:1 support a week, or education."""

    description: str
    weekly_price: Decimal


@dataclass(frozen=True)
class DiscountTerms:
    """The vehicle's discount terms. Percentages are of the gross weekly price."""

    sibling_percent: Decimal = Decimal(5)
    long_term_percent: Decimal = Decimal(5)
    long_term_weeks: int = 52
    cap_percent: Decimal = Decimal(10)

    def __post_init__(self) -> None:
        for name in ("sibling_percent", "long_term_percent", "cap_percent"):
            value = getattr(self, name)
            if isinstance(value, float) or not (Decimal(0) <= Decimal(value) <= HUNDRED):
                raise ValueError(f"{name} must be a Decimal percentage from 0 to 100, not {value!r}")
            object.__setattr__(self, name, Decimal(value))
        if self.long_term_weeks < 1:
            raise ValueError(f"long_term_weeks must be at least 1, not {self.long_term_weeks}")


@dataclass(frozen=True)
class Discount:
    kind: DiscountKind
    percent: Decimal
    amount: Decimal  # pounds a week taken off the gross price


@dataclass(frozen=True)
class Price:
    """A priced bid. `gross - sum(d.amount for d in discounts) == net` always holds."""

    core: Decimal
    extras: tuple[Extra, ...]
    gross: Decimal
    discounts: tuple[Discount, ...]
    net: Decimal
    explanation: str = field(compare=False)

    @property
    def total_discount_percent(self) -> Decimal:
        return sum((d.percent for d in self.discounts), Decimal(0))


def validate_prices(core_price: Decimal, extras: Sequence[Extra]) -> list[UserError]:
    """Every way the provider's prices are malformed (the fields are those of `bidSubmit`'s input).

    The core price is positive; each extra has a description (at most 200 characters) and a non-negative
    weekly price; at most 10 extras; every amount in whole pence, none above £100,000 a week.
    """
    errors: list[UserError] = []

    def amount_error(value: object, field_name: str, *, allow_zero: bool) -> None:
        ok = isinstance(value, Decimal) and value.is_finite() and value == value.quantize(PENNY)
        ok = ok and (value >= 0 if allow_zero else value > 0) and value <= MAX_WEEKLY_PRICE
        if not ok:
            kind = "non-negative" if allow_zero else "positive"
            errors.append(
                UserError(
                    field_name,
                    PricingErrorCode.INVALID_PRICE,
                    f"A weekly price is a {kind} amount in pounds and pence up to "
                    f"{format_money(MAX_WEEKLY_PRICE)}, not {value}",
                )
            )

    amount_error(core_price, "core_price", allow_zero=False)
    if len(extras) > MAX_EXTRAS:
        errors.append(
            UserError("extras", PricingErrorCode.TOO_MANY_EXTRAS, f"At most {MAX_EXTRAS} extras, not {len(extras)}")
        )
    for i, extra in enumerate(extras):
        description = (extra.description or "").strip()
        if not description or len(description) > MAX_EXTRA_DESCRIPTION:
            errors.append(
                UserError(
                    f"extras[{i}].description",
                    PricingErrorCode.INVALID_EXTRA,
                    f"An extra needs a description of 1 to {MAX_EXTRA_DESCRIPTION} characters",
                )
            )
        amount_error(extra.weekly_price, f"extras[{i}].weekly_price", allow_zero=True)
    return errors


def applicable_discounts(
    *,
    sibling_group_size: int,
    places_offered: int,
    expected_duration_weeks: int,
    terms: DiscountTerms = DiscountTerms(),
) -> list[tuple[DiscountKind, Decimal, str]]:
    """The discounts that apply, as (kind, percent, why), after the cap on their total.

    SIBLING when sibling_group_size > 1 and places_offered >= sibling_group_size; LONG_TERM when
    expected_duration_weeks >= terms.long_term_weeks. Taken in that order, each cut so that the running
    total stays within terms.cap_percent; a discount cut to 0 is dropped.
    """
    wanted: list[tuple[DiscountKind, Decimal, str]] = []
    if sibling_group_size > 1 and places_offered >= sibling_group_size:
        wanted.append(
            (
                DiscountKind.SIBLING,
                terms.sibling_percent,
                f"a sibling group of {sibling_group_size} placed together with this provider",
            )
        )
    if expected_duration_weeks >= terms.long_term_weeks:
        wanted.append(
            (
                DiscountKind.LONG_TERM,
                terms.long_term_percent,
                (f"an expected duration of {expected_duration_weeks} weeks (long-term from {terms.long_term_weeks})"),
            )
        )
    applied: list[tuple[DiscountKind, Decimal, str]] = []
    total = Decimal(0)
    for kind, percent, why in wanted:
        allowed = min(percent, terms.cap_percent - total)
        if allowed <= 0:
            continue
        if allowed < percent:
            why += f", cut to {format_percent(allowed)} by the {format_percent(terms.cap_percent)} cap on discounts"
        applied.append((kind, allowed, why))
        total += allowed
    return applied


def price_bid(
    core_price: Decimal,
    extras: Sequence[Extra] = (),
    *,
    sibling_group_size: int = 1,
    places_offered: int = 1,
    expected_duration_weeks: int,
    terms: DiscountTerms = DiscountTerms(),
) -> Price:
    """Price a bid: gross = core + Σ extras; the vehicle's discounts; net = round_half_up(gross × (1 − Σ%/100)).

    `places_offered` is how many places the bid offers the sibling group (the setting's free places).
    Raises ValueError on malformed prices: call `validate_prices` first to report them to the provider.
    """
    errors = validate_prices(core_price, extras)
    if errors:
        raise ValueError("; ".join(e.message for e in errors))
    core = money(core_price)
    extras = tuple(Extra(e.description.strip(), money(e.weekly_price)) for e in extras)
    gross = core + sum((e.weekly_price for e in extras), Decimal(0))
    applied = applicable_discounts(
        sibling_group_size=sibling_group_size,
        places_offered=places_offered,
        expected_duration_weeks=expected_duration_weeks,
        terms=terms,
    )
    total_percent = sum((p for _, p, _ in applied), Decimal(0))
    net = money(gross * (1 - total_percent / HUNDRED))

    discounts: list[Discount] = []
    remaining = gross - net
    for i, (kind, percent, _) in enumerate(applied):
        amount = remaining if i == len(applied) - 1 else min(money(gross * percent / HUNDRED), remaining)
        discounts.append(Discount(kind, percent, amount))
        remaining -= amount

    lines = [f"Core price {format_money(core)} a week"]
    lines += [f"{e.description} {format_money(e.weekly_price)}" for e in extras]
    text = "; ".join(lines) + f": gross {format_money(gross)} a week."
    if applied:
        text += " " + " ".join(
            f"{kind.value.replace('_', '-').lower().capitalize()} discount {format_percent(p)} "
            f"({format_money(d.amount)}): {why}."
            for (kind, p, why), d in zip(applied, discounts, strict=True)
        )
        text += f" Net {format_money(gross)} × (1 − {format_percent(total_percent)}) = {format_money(net)} a week."
    else:
        text += f" No discount applies: net {format_money(net)} a week."
    return Price(core, extras, gross, tuple(discounts), net, text)


# --- the cap ----------------------------------------------------------------------------------------------


def check_cap(
    gross_weekly_price: Decimal, cap: Decimal | None, *, planned_start: date | None = None, set_for: int | None = None
) -> UserError | None:
    """The refusal of a bid whose gross weekly price is not within the cap, or None when it is within it.

    `cap` is the cap that applies to the planned start (api/market/caps.py `cap_for`), `set_for` the financial
    year it was set for when that is known. The gross price (core + extras, before the vehicle's discounts) is
    compared, because that is the price the provider asks; equal to the cap is allowed. The refusal of a price
    above it (ABOVE_CAP) has no field: it is the whole weekly price that is too high, not one input. No cap
    (None) refuses every price (NO_RATE_CAP, on the requirement: its lot has no cap for the planned start).
    """
    fy = clock.financial_year(planned_start) if planned_start is not None else None
    if cap is None:
        when = f" for {year_label(fy)} or any earlier year" if fy is not None else ""
        return UserError(
            "requirement_id",
            PricingErrorCode.NO_RATE_CAP,
            f"The lot has no weekly rate cap{when}: it takes no bids until the alliance sets one",
        )
    if gross_weekly_price <= cap:
        return None
    year = ""
    if set_for is not None and fy is not None and set_for != fy:
        year = f" set for {year_label(set_for)}, which applies to {year_label(fy)} until a cap is set for it"
    elif fy is not None or set_for is not None:
        year = f" for {year_label(fy if fy is not None else set_for)}"
    return UserError(
        None,
        PricingErrorCode.ABOVE_CAP,
        f"The weekly price {format_money(gross_weekly_price)} is above the lot's weekly rate cap "
        f"of {format_money(cap)}{year}",
    )


# --- price bands ------------------------------------------------------------------------------------------


_BANDS: tuple[tuple[Decimal, Decimal], ...] = (
    # (from this amount upwards, band width)
    (Decimal(5000), Decimal(1000)),
    (Decimal(2000), Decimal(500)),
    (Decimal(0), Decimal(250)),
)


def price_band_bounds(amount: Decimal) -> tuple[Decimal, Decimal]:
    """The band an amount falls in, as (lowest, highest) in pounds and pence, both inclusive.

    Width £250 below £2,000, £500 from £2,000 up to £4,999.99, £1,000 from £5,000:
    low = start + floor((amount − start) / width) × width, high = low + width − £0.01.
    """
    amount = money(amount)
    if amount < 0:
        raise ValueError(f"a price band is of a non-negative amount, not {amount}")
    for start, width in _BANDS:
        if amount >= start:
            low = start + ((amount - start) / width).to_integral_value(rounding=ROUND_FLOOR) * width
            return low, low + width - PENNY
    raise AssertionError("unreachable")


def price_band(amount: Decimal) -> str:
    """The band's label: 812.40 → "£750–£999.99", 2,000 → "£2,000–£2,499.99", 5,250 → "£5,000–£5,999.99"."""
    low, high = price_band_bounds(amount)
    return f"£{low:,.0f}–£{high:,.2f}"
