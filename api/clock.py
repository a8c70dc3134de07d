"""The server's clock. Business dates are dates in England (Europe/London), instants are UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
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
    """The same day `months` later, or the month's last day when it has no such day (31st, 29 February)."""
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    day = d.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def add_years(d: date, years: int) -> date:
    return add_months(d, 12 * years)
