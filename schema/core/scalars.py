"""The API's dates, instants and amounts, bounded to what the service can mean and compute with.

Strawberry's Date, DateTime and Decimal take any value Python can hold: a date in year 1 or 9999, an amount that
is `NaN` or `1E+400`. The domain then computes with them (a vehicle's term ends years after it starts, a period of
KPIs starts twelve months before its end, a price is compared with its cap) and such values break the computation
itself: a date beyond year 9999, a comparison with NaN, a rounding beyond the decimal context's precision, each an
internal error. So the scalars refuse them as the caller's error, in one place for every argument and input field
of these types, before anything runs:

- a Date is from 1900-01-01 to 2199-12-31, and a DateTime falls within those days;
- a Decimal is a finite number below a trillion in size, with at most 10 digits after the point.

A refusal is a request error with `extensions.code` BAD_USER_INPUT and a message giving the bounds. Output is
Strawberry's, unchanged.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from typing import Any

import dateutil.parser
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition, DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
LARGEST = decimal.Decimal("1E+12")  # exclusive
MAX_PLACES = 10


class InvalidValue(StrawberryInputCoercionError):
    def __init__(self, message: str):
        super().__init__(message, extensions={"code": "BAD_USER_INPUT"})


def _date(value: Any) -> dt.date:
    parsed = _parse(value, "Date", dt.date.fromisoformat)
    if not EARLIEST <= parsed <= LATEST:
        raise InvalidValue(f"A Date is from {EARLIEST} to {LATEST}, not {value}.")
    return parsed


def _datetime(value: Any) -> dt.datetime:
    parsed = _parse(value, "DateTime", dateutil.parser.isoparse)
    if not EARLIEST <= parsed.date() <= LATEST:
        raise InvalidValue(f"A DateTime falls from {EARLIEST} to {LATEST}, not {value}.")
    return parsed


def _decimal(value: Any) -> decimal.Decimal:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    parsed = _parse(value, "Decimal", decimal.Decimal)
    if not parsed.is_finite() or abs(parsed) >= LARGEST or -parsed.as_tuple().exponent > MAX_PLACES:
        raise InvalidValue(
            f"A Decimal is a finite number below {LARGEST:,.0f} in size, with at most {MAX_PLACES} "
            f"digits after the point, not {str(value)[:40]}."
        )
    return parsed


def _parse(value: Any, name: str, parser: Callable[[str], Any]) -> Any:
    if not isinstance(value, str) or len(value) > 100:
        raise InvalidValue(f"A {name} is written as a string of at most 100 characters.")
    try:
        return parser(value)
    except (ValueError, OverflowError, decimal.DecimalException):
        raise InvalidValue(f'Value cannot represent a {name}: "{value}".') from None


def _bounded(definition: ScalarDefinition, parse_value: Callable[[Any], Any], description: str) -> ScalarDefinition:
    return ScalarDefinition(
        name=definition.name,
        description=description,
        specified_by_url=None,
        serialize=definition.serialize,
        parse_value=parse_value,
        parse_literal=None,
        origin=definition.origin,
    )


SCALARS: dict[object, ScalarDefinition] = {
    dt.date: _bounded(DateDefinition, _date, f"A calendar date (ISO 8601), from {EARLIEST} to {LATEST}."),
    dt.datetime: _bounded(
        DateTimeDefinition,
        _datetime,
        f"An instant (ISO 8601, UTC when no offset is given), on a day from {EARLIEST} to {LATEST}.",
    ),
    decimal.Decimal: _bounded(
        DecimalDefinition,
        _decimal,
        f"A decimal number, written as a string: finite, below {LARGEST:,.0f} in size, with "
        f"at most {MAX_PLACES} digits after the point.",
    ),
}
