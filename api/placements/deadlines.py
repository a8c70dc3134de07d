"""Response deadlines: the default window of each urgency, and working days in England.

DOMAIN.md: emergency 24 hours, urgent 48 hours, planned 5 working days (*defaults*). A working day is a weekday
that is not a bank holiday in England and Wales (the maintained `holidays` package; England's calendar is
England and Wales's). Five working days run from the publication: the deadline is the same time of day in
London on the fifth working day after the day of publication (a requirement published on a Saturday morning
is due on the Friday morning after).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays

from api.core.clock import LONDON
from api.placements.enums import Urgency

HOURS: dict[Urgency, int] = {Urgency.EMERGENCY: 24, Urgency.URGENT: 48}
WORKING_DAYS: dict[Urgency, int] = {Urgency.PLANNED: 5}

_BANK_HOLIDAYS = holidays.UK(subdiv="ENG")  # England and Wales; years are added as they are asked about


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _BANK_HOLIDAYS


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after `day` (`day` itself does not count, whatever it is)."""
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def default_deadline(urgency: Urgency, published_at: datetime) -> datetime:
    """The response deadline of a requirement of this urgency published at `published_at` (aware), in UTC."""
    if urgency in HOURS:
        return (published_at + timedelta(hours=HOURS[urgency])).astimezone(UTC)
    local = published_at.astimezone(LONDON)
    due_day = add_working_days(local.date(), WORKING_DAYS[urgency])
    # The same wall-clock time in London (a clock change in between moves the UTC instant, not the time)
    return datetime.combine(due_day, local.time().replace(tzinfo=None), tzinfo=LONDON).astimezone(UTC)
