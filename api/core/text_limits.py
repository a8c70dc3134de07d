"""Text longer than its column is the caller's error, refused before the database sees it.

A column of the data model declares its length (`String(200)`: an organisation's or a setting's name, a document's
reference, a child's religion...). The domain's rules bound the free texts they care about (a bid's statements, a
child's views: `TEXT_TOO_LONG` user errors); for every other text, a value longer than its column would reach
PostgreSQL, which refuses it with an error of its own: an internal error to the caller, after the work before it.
Here every row written through the ORM is checked against its columns' lengths as it is flushed (items of an array
of strings too), and a value too long is `TextTooLong`: BAD_USER_INPUT, naming the entity, the attribute and the
limit, never the text. The flush is part of the caller's transaction, so nothing of it is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, String, event
from sqlalchemy.orm import Mapper

from api.core.errors import TextTooLong

# Per mapped class: (attribute, its column's length, whether the column is an array of strings).
_limits: dict[Mapper, tuple[tuple[str, int, bool], ...]] = {}


def _of(mapper: Mapper) -> tuple[tuple[str, int, bool], ...]:
    known = _limits.get(mapper)
    if known is None:
        found = []
        for attribute in mapper.column_attrs:
            type_ = attribute.columns[0].type
            is_array = isinstance(type_, ARRAY)
            inner = type_.item_type if isinstance(type_, ARRAY) else type_
            if isinstance(inner, String) and inner.length:
                found.append((attribute.key, inner.length, is_array))
        known = _limits[mapper] = tuple(found)
    return known


def _check(mapper: Mapper, _connection: Any, target: Any) -> None:
    state = target.__dict__
    for key, length, is_array in _of(mapper):
        value = state.get(key)
        if value is None:
            continue
        values = value if is_array else (value,)
        if any(isinstance(v, str) and len(v) > length for v in values):
            raise TextTooLong(mapper.class_.__name__, key, length)


def check_on_write(base: type) -> None:
    """Check every row of `base`'s models, inserted or updated, against its columns' lengths."""
    event.listen(base, "before_insert", _check, propagate=True)
    event.listen(base, "before_update", _check, propagate=True)
