from __future__ import annotations

import strawberry
from strawberry import relay

from api.market import permissions, settings as setting_rules
from api.market.enums import SchoolProvision, SettingKind, Sex, Specialism
from schema.core.context import Info
from schema.core.errors import user_error_type
from schema.core.mutations import mutation, own_or_given_provider, run
from schema.market.types import Setting

SettingError = user_error_type("SettingError", setting_rules.SettingErrorCode)


@strawberry.input
class LocationInput:
    latitude: float
    longitude: float


@strawberry.input
class SettingCreateInput:
    kind: SettingKind
    name: str
    age_min: int
    age_max: int
    sexes: list[Sex]
    places: int
    vacancies: int
    postcode_district: str = strawberry.field(description="The outward code only, e.g. NW10.")
    location: LocationInput
    specialisms: list[Specialism] = strawberry.field(default_factory=list)
    ofsted_urn: str | None = None
    school_provision: SchoolProvision | None = None
    provider_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only the alliance names a provider; a provider adds its own settings."
    )
    idempotency_key: str | None = None


@strawberry.type
class SettingCreatePayload:
    setting: Setting | None
    user_errors: list[SettingError]  # type: ignore[valid-type]


@mutation(permissions.CREATE_SETTING, description="Add a children's home, foster household or school.")
async def setting_create(info: Info, input: SettingCreateInput) -> SettingCreatePayload:
    fields = setting_rules.SettingFields(
        name=input.name,
        age_min=input.age_min,
        age_max=input.age_max,
        sexes=list(input.sexes),
        specialisms=list(input.specialisms),
        places=input.places,
        vacancies=input.vacancies,
        postcode_district=input.postcode_district,
        latitude=input.location.latitude,
        longitude=input.location.longitude,
        ofsted_urn=input.ofsted_urn,
        school_provision=input.school_provision,
    )
    setting, errors = await run(
        info,
        SettingError,
        lambda s, p: setting_rules.create_setting(
            s,
            p,
            provider_id=own_or_given_provider(p, input.provider_id),
            kind=input.kind,
            fields_=fields,
            idempotency_key=input.idempotency_key,
        ),
    )
    return SettingCreatePayload(setting=Setting.from_row(setting) if setting else None, user_errors=errors)
