"""The match assessment of a provider's settings against a child's hard needs (DOMAIN.md step 3). Pure.

Each active setting is checked on six criteria: the child's age within the setting's age range, the child's
sex accepted, every specialism the child needs offered, the distance from the child's home (api/placements/distance.py)
within the largest acceptable, the setting outside the areas to avoid, and enough free places for the sibling
group (vacancies >= siblingGroupSize). The provider's level is FULL when some setting meets all six, PARTIAL
when its best setting meets some, NONE when none meets any (or it has no active setting). The best setting is
the one meeting most criteria, then the nearest, then the oldest.

The reasons are those of the best setting: one per criterion, met or not, a machine code and a sentence. A
distance is given in whole kilometres and only for the best setting: distances from several settings would
let a reader work out the child's home far more finely than the postcode district it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from api.market.enums import Sex, Specialism
from api.placements.distance import haversine_km
from api.placements.enums import MatchCriterion, MatchLevel, MatchReasonCode

_AREA = re.compile(r"^[A-Z]{1,2}")


@dataclass(frozen=True)
class ChildNeeds:
    age_years: int
    sex: Sex
    needs: frozenset[Specialism]
    sibling_group_size: int
    latitude: float
    longitude: float
    max_distance_km: float
    avoid_areas: frozenset[str] = frozenset()  # postcode districts ("W12") or areas ("W", "NW")


@dataclass(frozen=True)
class SettingFacts:
    id: int
    name: str
    age_min: int
    age_max: int
    sexes: frozenset[Sex]
    specialisms: frozenset[Specialism]
    vacancies: int
    postcode_district: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Reason:
    criterion: MatchCriterion
    code: MatchReasonCode
    met: bool
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"criterion": self.criterion.value, "code": self.code.value, "met": self.met, "message": self.message}


@dataclass(frozen=True)
class Match:
    level: MatchLevel
    reasons: tuple[Reason, ...]
    setting_id: int | None  # the best setting, if the provider has an active one


def in_avoided_area(district: str, avoid: Iterable[str]) -> str | None:
    """The entry of `avoid` that covers the district: the district itself, or its area (the letters)."""
    area = _AREA.match(district)
    for entry in avoid:
        if entry == district or (area is not None and entry == area.group()):
            return entry
    return None


def _label(specialisms: Iterable[Specialism]) -> str:
    return ", ".join(s.value.replace("_", " ").lower() for s in sorted(specialisms, key=lambda s: s.value))


def assess_setting(child: ChildNeeds, s: SettingFacts) -> tuple[tuple[Reason, ...], float]:
    """Every criterion for one setting, and its distance in km from the child's home."""
    km = haversine_km(child.latitude, child.longitude, s.latitude, s.longitude)
    missing = child.needs - s.specialisms
    avoided = in_avoided_area(s.postcode_district, child.avoid_areas)
    reasons = (
        Reason(
            MatchCriterion.AGE,
            MatchReasonCode.AGE_IN_RANGE,
            True,
            f"{s.name} takes children aged {s.age_min} to {s.age_max}",
        )
        if s.age_min <= child.age_years <= s.age_max
        else Reason(
            MatchCriterion.AGE,
            MatchReasonCode.AGE_OUT_OF_RANGE,
            False,
            f"{s.name} takes children aged {s.age_min} to {s.age_max}; the child is {child.age_years}",
        ),
        Reason(
            MatchCriterion.SEX,
            MatchReasonCode.SEX_ACCEPTED,
            True,
            f"{s.name} accepts a {child.sex.value.lower()} child",
        )
        if child.sex in s.sexes
        else Reason(
            MatchCriterion.SEX,
            MatchReasonCode.SEX_NOT_ACCEPTED,
            False,
            f"{s.name} does not accept a {child.sex.value.lower()} child",
        ),
        Reason(
            MatchCriterion.SPECIALISMS,
            MatchReasonCode.SPECIALISMS_MET,
            True,
            f"{s.name} offers every specialism needed ({_label(child.needs)})"
            if child.needs
            else "No specialism is needed",
        )
        if not missing
        else Reason(
            MatchCriterion.SPECIALISMS,
            MatchReasonCode.SPECIALISMS_MISSING,
            False,
            f"{s.name} does not offer: {_label(missing)}",
        ),
        Reason(
            MatchCriterion.DISTANCE,
            MatchReasonCode.WITHIN_DISTANCE,
            True,
            f"{s.name} is about {round(km)} km from the child's home (at most {child.max_distance_km:g} km)",
        )
        if km <= child.max_distance_km
        else Reason(
            MatchCriterion.DISTANCE,
            MatchReasonCode.TOO_FAR,
            False,
            f"{s.name} is about {round(km)} km from the child's home (at most {child.max_distance_km:g} km)",
        ),
        Reason(
            MatchCriterion.AREA,
            MatchReasonCode.AREA_ACCEPTABLE,
            True,
            f"{s.name} ({s.postcode_district}) is outside the areas to avoid",
        )
        if avoided is None
        else Reason(
            MatchCriterion.AREA,
            MatchReasonCode.IN_AVOIDED_AREA,
            False,
            f"{s.name} ({s.postcode_district}) is in an area to avoid",
        ),
        Reason(
            MatchCriterion.PLACES,
            MatchReasonCode.PLACES_FREE,
            True,
            f"{s.name} has {s.vacancies} free place{'s' if s.vacancies != 1 else ''} "
            f"for {child.sibling_group_size} {'child' if child.sibling_group_size == 1 else 'children'}",
        )
        if s.vacancies >= child.sibling_group_size
        else Reason(
            MatchCriterion.PLACES,
            MatchReasonCode.NOT_ENOUGH_PLACES,
            False,
            f"{s.name} has {s.vacancies} free place{'s' if s.vacancies != 1 else ''}; "
            f"{child.sibling_group_size} {'is' if child.sibling_group_size == 1 else 'are'} needed",
        ),
    )
    return reasons, km


def assess(child: ChildNeeds, settings: Sequence[SettingFacts]) -> Match:
    """The provider's match: the level and reasons of its best active setting (pass active settings only)."""
    if not settings:
        return Match(
            MatchLevel.NONE,
            (
                Reason(
                    MatchCriterion.SETTINGS,
                    MatchReasonCode.NO_ACTIVE_SETTING,
                    False,
                    "The provider has no active setting",
                ),
            ),
            None,
        )
    scored = []
    for s in settings:
        reasons, km = assess_setting(child, s)
        scored.append((-sum(r.met for r in reasons), km, s.id, reasons))
    met_negative, _, best_id, reasons = min(scored)
    met = -met_negative
    level = MatchLevel.FULL if met == len(reasons) else MatchLevel.PARTIAL if met > 0 else MatchLevel.NONE
    return Match(level, reasons, best_id)
