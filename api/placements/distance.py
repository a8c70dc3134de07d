"""How far a setting is from a child's home: the one distance of the placement search, used by the match
assessment when a requirement is published (api/placements/matching.py) and by the evaluation's DISTANCE
criterion (api/placements/evaluation.py). Pure.

The great-circle distance on a sphere of the Earth's mean radius (IUGG, 6,371.0088 km), by the haversine formula,
from latitudes and longitudes in degrees, in kilometres, unrounded: each caller says how it rounds.
"""

from __future__ import annotations

import math
from decimal import Decimal

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float | Decimal, lon1: float | Decimal, lat2: float | Decimal, lon2: float | Decimal) -> float:
    p1, l1, p2, l2 = map(math.radians, (float(lat1), float(lon1), float(lat2), float(lon2)))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
