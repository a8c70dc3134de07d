"""The server's clock. Business dates are dates in England (Europe/London), instants are UTC."""

from __future__ import annotations

from calendar import monthrange
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return datetime.now(LONDON).date()


def financial_year(on: date) -> int:
    """The financial year (1 April to 31 March) a date falls in, named by its first year: 2026 = 2026/27."""
    return on.year if on.month >= 4 else on.year - 1


def add_months(d: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (31st, 29 February).
    Raises ValueError when the result would fall outside the years 1 to 9999."""
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    if not MINYEAR <= year <= MAXYEAR:
        raise ValueError(f"year {year} is out of range")
    return date(year, month, min(d.day, monthrange(year, month)[1]))


def add_years(d: date, years: int) -> date:
    return add_months(d, 12 * years)
