from __future__ import annotations

import strawberry
from strawberry import UNSET, relay

from api.market import permissions, settings as setting_rules
from api.market.enums import SchoolProvision, Sex, Specialism
from schema.core.context import Info
from schema.core.mutations import mutation, run, sent_fields
from schema.core.nodes import decode_id
from schema.market.mutations.setting_create import LocationInput, SettingError
from schema.market.types import Setting


@strawberry.input(description="Send only what changes. Vacancies change daily.")
class SettingUpdateInput:
    setting_id: relay.GlobalID
    name: str | None = UNSET
    age_min: int | None = UNSET
    age_max: int | None = UNSET
    sexes: list[Sex] | None = UNSET
    specialisms: list[Specialism] | None = UNSET
    places: int | None = UNSET
    vacancies: int | None = UNSET
    postcode_district: str | None = UNSET
    location: LocationInput | None = UNSET
    ofsted_urn: str | None = UNSET
    school_provision: SchoolProvision | None = UNSET
    active: bool | None = UNSET


@strawberry.type
class SettingUpdatePayload:
    setting: Setting | None
    user_errors: list[SettingError]  # type: ignore[valid-type]


def _changes(input: SettingUpdateInput) -> dict:
    changes = sent_fields(
        input,
        (
            "name",
            "age_min",
            "age_max",
            "sexes",
            "specialisms",
            "places",
            "vacancies",
            "postcode_district",
            "ofsted_urn",
            "school_provision",
            "active",
        ),
        nullable=frozenset({"ofsted_urn", "school_provision"}),
    )
    if input.location:
        changes["latitude"], changes["longitude"] = input.location.latitude, input.location.longitude
    return changes


@mutation(permissions.UPDATE_SETTING, description="Change a setting: places, vacancies, ages, needs met...")
async def setting_update(info: Info, input: SettingUpdateInput) -> SettingUpdatePayload:
    setting, errors = await run(
        info,
        SettingError,
        lambda s, p: setting_rules.update_setting(s, p, decode_id(input.setting_id, "Setting"), _changes(input)),
    )
    return SettingUpdatePayload(setting=Setting.from_row(setting) if setting else None, user_errors=errors)
