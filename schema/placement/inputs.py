"""Inputs shared by the requirement mutations (API.md, "Inputs the clients send")."""

from __future__ import annotations

import strawberry

from api.market.enums import Sex, Specialism
from api.placements.child import ChildDetails
from api.placements.enums import LegalStatus
from schema.market.mutations.setting_create import LocationInput


@strawberry.input(description="The child. `caseReference` is stored only as a keyed hash and never returned.")
class ChildInput:
    case_reference: str = strawberry.field(description="The borough's case reference (e.g. from Mosaic).")
    age_years: int
    sex: Sex
    languages: list[str]
    needs: list[Specialism] = strawberry.field(description="The specialisms the child needs.")
    sibling_group_size: int = strawberry.field(description="Children to be placed together (1: no siblings).")
    home_postcode_district: str = strawberry.field(description="The outward code only, e.g. NW10.")
    home_location: LocationInput
    max_distance_km: float
    avoid_areas: list[str] = strawberry.field(description="Postcode areas or districts, e.g. W or NW10.")
    ethnicity: str | None = None
    religion: str | None = None
    education_needs: str | None = None
    child_views: str | None = None
    court_directions: str | None = None
    legal_status: LegalStatus | None = None

    def to_details(self) -> ChildDetails:
        return ChildDetails(
            case_reference=self.case_reference,
            age_years=self.age_years,
            sex=self.sex,
            sibling_group_size=self.sibling_group_size,
            home_postcode_district=self.home_postcode_district,
            home_latitude=self.home_location.latitude,
            home_longitude=self.home_location.longitude,
            max_distance_km=self.max_distance_km,
            languages=list(self.languages),
            needs=list(self.needs),
            avoid_areas=list(self.avoid_areas),
            ethnicity=self.ethnicity,
            religion=self.religion,
            education_needs=self.education_needs,
            child_views=self.child_views,
            court_directions=self.court_directions,
            legal_status=self.legal_status,
        )
