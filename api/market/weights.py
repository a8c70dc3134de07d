"""The criteria a vehicle evaluates bids by, and its weight for each (api/placements/evaluation_rules.py applies them).

A vehicle publishes its weights (`dpvSetEvaluationWeights`, stored on the vehicle); until it does, the defaults of
`Weights` apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import Enum

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class Criterion(str, Enum):
    NEEDS_AND_SPECIALISMS = "NEEDS_AND_SPECIALISMS"
    DISTANCE = "DISTANCE"
    TIMESCALE = "TIMESCALE"
    QUALITY = "QUALITY"
    PRICE = "PRICE"
    CHILD_VIEWS = "CHILD_VIEWS"
    COMPATIBILITY = "COMPATIBILITY"
    SOCIAL_VALUE = "SOCIAL_VALUE"


@dataclass(frozen=True)
class Weights:
    """The vehicle's weight per criterion: non-negative whole or Decimal points adding up to exactly 100."""

    needs_and_specialisms: Decimal = Decimal(25)
    distance: Decimal = Decimal(10)
    timescale: Decimal = Decimal(10)
    quality: Decimal = Decimal(15)
    price: Decimal = Decimal(20)
    child_views: Decimal = Decimal(10)
    compatibility: Decimal = Decimal(5)
    social_value: Decimal = Decimal(5)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (float, bool)) or not isinstance(value, (int, Decimal)):
                raise ValueError(f"the weight of {f.name} must be an int or a Decimal, not {value!r}")
            value = Decimal(value)
            if not value.is_finite() or value < 0:
                raise ValueError(f"the weight of {f.name} must not be negative, not {value}")
            object.__setattr__(self, f.name, value)
        total = sum((getattr(self, f.name) for f in fields(self)), ZERO)
        if total != HUNDRED:
            raise ValueError(f"the weights must add up to 100, not {total}")

    @classmethod
    def from_mapping(cls, weights: Mapping[Criterion | str, int | Decimal]) -> Weights:
        """From {criterion: weight} (e.g. a vehicle's stored weights); every criterion must be present."""
        given = {Criterion(k): v for k, v in weights.items()}
        missing = [c.value for c in Criterion if c not in given]
        if missing:
            raise ValueError(f"no weight for {', '.join(missing)}")
        return cls(**{c.value.lower(): given[c] for c in Criterion})

    def of(self, criterion: Criterion) -> Decimal:
        return getattr(self, criterion.value.lower())

    def as_mapping(self) -> dict[Criterion, Decimal]:
        return {c: self.of(c) for c in Criterion}


def weights_of(stored: dict[str, str] | None) -> Weights:
    """A vehicle's weights from what is stored on it (`Dpv.evaluation_weights`); null: the defaults."""
    return Weights.from_mapping({k: Decimal(v) for k, v in stored.items()}) if stored else Weights()
