"""Which weekly rate cap applies (DOMAIN.md, "The vehicles": each lot has a capped weekly rate per financial year,
1 April to 31 March; "A placement search", step 4: a bid above the lot's cap is refused).

A pure module: no database, no GraphQL. It is the one rule every reader of a cap follows.

The rule
--------
A lot's caps are set per financial year, a year named by the calendar year it starts in (2026 = 1 April 2026 to
31 March 2027; api/core/clock.py `financial_year`). The cap that applies on a day is
- the cap set for the financial year the day falls in; else
- the cap of the latest EARLIER financial year that has one: a cap goes on applying until the alliance sets the
  next year's (a year's cap is often set late, and a start a year or more ahead is judged by the latest cap
  known, never by none);
- none, when no financial year up to the day's has a cap (a cap set only for later years does not apply back).
  A lot with no cap that applies takes no bids for a start that day (api/placements/pricing.py `check_cap`:
  NO_RATE_CAP).

Where it is read, always through `cap_for` or `cap_for_year`, never by a query of one year:
- a bid's gross weekly price at `bidSubmit` and `bidAmend`, against the requirement's planned start
  (api/placements/bids.py, pricing.check_cap: ABOVE_CAP, NO_RATE_CAP);
- the evaluation's ABOVE_CAP gate and its PRICE criterion, against the planned start
  (api/placements/evaluation_queries.py), hence the award, which evaluates again, and the IPA issued from the award;
- `Evaluation.weeklyRateCap`: the cap applying to the planned start; `Lot.weeklyRateCap(financialYear)`: the cap
  applying in the financial year asked (this one by default), so a lot whose current year has no cap yet shows
  the latest earlier year's. `Lot.rateCaps` lists the caps as set, year by year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from api.core import clock


@dataclass(frozen=True)
class AppliedCap:
    """The cap that applies, and the financial year it was set for (that year, or an earlier one)."""

    weekly_rate_cap: Decimal
    set_for: int


def year_label(financial_year: int) -> str:
    """2026 → "2026/27"."""
    return f"{financial_year}/{str(financial_year + 1)[-2:]}"


def cap_for_year(caps: Mapping[int, Decimal], financial_year: int) -> AppliedCap | None:
    """The cap that applies in a financial year (caps: financial year → weekly rate cap, as set for the lot):
    that year's, else the latest earlier year's, else None."""
    years = [fy for fy in caps if fy <= financial_year]
    if not years:
        return None
    latest = max(years)
    return AppliedCap(caps[latest], latest)


def cap_for(caps: Mapping[int, Decimal], on: date) -> AppliedCap | None:
    """The cap that applies on a day: that of the financial year the day falls in (`cap_for_year`)."""
    return cap_for_year(caps, clock.financial_year(on))
