"""Row ids as clients write them: inside global IDs, cursors and URLs.

Every table's id is a PostgreSQL `bigint` (from 1 upwards), and so are the stream's positions. A number written by
a client is read as an id only when it could be one: ASCII digits (no sign, spaces or underscores, which Python's
`int` would accept) that fit a `bigint`. Anything else names no row, and is never sent to the database, which
would refuse a number beyond 64 bits with an error of its own.
"""

from __future__ import annotations

BIGINT_MAX = 2**63 - 1
_MAX_DIGITS = len(str(BIGINT_MAX))


def parse_row_id(text: str) -> int | None:
    """The id written in `text`, or None when `text` is not a non-negative decimal number within a `bigint`."""
    if not (0 < len(text) <= _MAX_DIGITS) or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if value <= BIGINT_MAX else None
