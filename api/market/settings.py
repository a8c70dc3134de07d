"""Provider settings: children's homes, foster-carer households and schools, with their Ofsted history."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from api.core import audit, clock
from api.core.errors import UserError, UserErrors
from api.core.hooks import Hook
from api.core.idempotency import idempotent
from api.core.principal import OrganisationKind, Principal
from api.market.enums import OfstedGrade, SchoolProvision, SettingKind, Sex, Specialism
from api.market.lookups import get_or_forbidden, organisation_of_kind
from api.market.models import OfstedJudgement, Setting
from api.market.permissions import ensure_acts_for_provider

# An Ofsted judgement of a setting just recorded (the setting, the grade, the inspection day, the judgement's id), in
# the recording's transaction: safeguarding raises a HIGH alert on an Inadequate one (api/safeguarding/alerts.py
# `on_ofsted_judgement`).
ofsted_judgement_recorded: Hook[[AsyncSession, Setting, OfstedGrade, date, int], None] = Hook(
    "Ofsted judgement recorded"
)

# An outward code: the postcode district ("W6", "NW10", "EC1A"), never a full postcode.
POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
# England and Wales, generously: a location outside is a typing error (latitude and longitude swapped...).
LATITUDE_RANGE = (49.8, 56.0)
LONGITUDE_RANGE = (-6.5, 2.0)


class SettingErrorCode(Enum):
    NOT_A_PROVIDER = "NOT_A_PROVIDER"
    NAME_REQUIRED = "NAME_REQUIRED"
    INVALID_AGE_RANGE = "INVALID_AGE_RANGE"
    SEXES_REQUIRED = "SEXES_REQUIRED"
    INVALID_PLACES = "INVALID_PLACES"
    VACANCIES_EXCEED_PLACES = "VACANCIES_EXCEED_PLACES"
    INVALID_POSTCODE_DISTRICT = "INVALID_POSTCODE_DISTRICT"
    LOCATION_OUTSIDE_ENGLAND_AND_WALES = "LOCATION_OUTSIDE_ENGLAND_AND_WALES"
    SCHOOL_PROVISION_REQUIRED = "SCHOOL_PROVISION_REQUIRED"
    SCHOOL_PROVISION_NOT_APPLICABLE = "SCHOOL_PROVISION_NOT_APPLICABLE"
    OFSTED_URN_REQUIRED = "OFSTED_URN_REQUIRED"
    INVALID_OFSTED_URN = "INVALID_OFSTED_URN"
    INSPECTION_IN_FUTURE = "INSPECTION_IN_FUTURE"
    NOT_INSPECTED_SEPARATELY = "NOT_INSPECTED_SEPARATELY"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


@dataclass
class SettingFields:
    """What a provider says about a setting; `settingUpdate` sends any subset of these."""

    name: str
    age_min: int
    age_max: int
    sexes: list[Sex]
    specialisms: list[Specialism]
    places: int
    vacancies: int
    postcode_district: str
    latitude: float
    longitude: float
    ofsted_urn: str | None = None
    school_provision: SchoolProvision | None = None
    active: bool = True


def _validate(kind: SettingKind, f: SettingFields) -> list[UserError]:
    errors: list[UserError] = []
    if not f.name.strip():
        errors.append(UserError("name", SettingErrorCode.NAME_REQUIRED, "A setting needs a name"))
    if not (0 <= f.age_min <= f.age_max <= 25):
        errors.append(
            UserError("age_min", SettingErrorCode.INVALID_AGE_RANGE, "Ages run from 0 to 25, the minimum first")
        )
    if not f.sexes:
        errors.append(UserError("sexes", SettingErrorCode.SEXES_REQUIRED, "Say which sexes the setting accepts"))
    if f.places < 0 or f.places > 200:
        errors.append(UserError("places", SettingErrorCode.INVALID_PLACES, "Places are 0 to 200"))
    if f.vacancies < 0 or f.vacancies > f.places:
        errors.append(
            UserError("vacancies", SettingErrorCode.VACANCIES_EXCEED_PLACES, "Vacancies are 0 up to the places")
        )
    if not POSTCODE_DISTRICT.match(f.postcode_district):
        errors.append(
            UserError(
                "postcode_district",
                SettingErrorCode.INVALID_POSTCODE_DISTRICT,
                "Give the postcode district only (for example NW10), never the full postcode",
            )
        )
    if not (
        LATITUDE_RANGE[0] <= f.latitude <= LATITUDE_RANGE[1] and LONGITUDE_RANGE[0] <= f.longitude <= LONGITUDE_RANGE[1]
    ):
        errors.append(
            UserError(
                "location",
                SettingErrorCode.LOCATION_OUTSIDE_ENGLAND_AND_WALES,
                "The location must be in England or Wales",
            )
        )
    if kind is SettingKind.SCHOOL and f.school_provision is None:
        errors.append(
            UserError(
                "school_provision",
                SettingErrorCode.SCHOOL_PROVISION_REQUIRED,
                "A school is day, 38-week or 52-week residential",
            )
        )
    if kind is not SettingKind.SCHOOL and f.school_provision is not None:
        errors.append(
            UserError("school_provision", SettingErrorCode.SCHOOL_PROVISION_NOT_APPLICABLE, "Only schools have one")
        )
    if kind is SettingKind.CHILDRENS_HOME and not f.ofsted_urn:
        errors.append(
            UserError("ofsted_urn", SettingErrorCode.OFSTED_URN_REQUIRED, "A children's home is registered with Ofsted")
        )
    if f.ofsted_urn and not re.fullmatch(r"(SC|EY)?[0-9]{6,7}", f.ofsted_urn):
        errors.append(
            UserError("ofsted_urn", SettingErrorCode.INVALID_OFSTED_URN, "An Ofsted URN looks like SC123456 or 1234567")
        )
    return errors


def _normalise(f: SettingFields) -> SettingFields:
    return replace(
        f,
        name=f.name.strip(),
        postcode_district=f.postcode_district.strip().upper(),
        ofsted_urn=(f.ofsted_urn or "").strip().upper() or None,
        sexes=sorted(set(f.sexes), key=lambda s: s.value),
        specialisms=sorted(set(f.specialisms), key=lambda s: s.value),
    )


def _apply(setting: Setting, f: SettingFields) -> None:
    for field in fields(SettingFields):
        value = getattr(f, field.name)
        if field.name in ("sexes", "specialisms"):
            value = [v.value for v in value]
        setattr(setting, field.name, value)


def _fields_of(setting: Setting) -> SettingFields:
    values = {field.name: getattr(setting, field.name) for field in fields(SettingFields)}
    values["sexes"] = [Sex(v) for v in setting.sexes]
    values["specialisms"] = [Specialism(v) for v in setting.specialisms]
    return SettingFields(**values)


async def create_setting(
    session: AsyncSession,
    actor: Principal,
    *,
    provider_id: int,
    kind: SettingKind,
    fields_: SettingFields,
    idempotency_key: str | None = None,
) -> Setting:
    ensure_acts_for_provider(actor, provider_id)
    f = _normalise(fields_)

    async def create(id_: int | None) -> Setting:
        if await organisation_of_kind(session, provider_id, OrganisationKind.PROVIDER) is None:
            raise UserErrors.one("provider_id", SettingErrorCode.NOT_A_PROVIDER, "Only providers have settings")
        errors = _validate(kind, f)
        if errors:
            raise UserErrors(errors)
        setting = Setting(id=id_, provider_id=provider_id, kind=kind)
        _apply(setting, f)
        session.add(setting)
        await session.flush()
        audit.record(
            session,
            actor,
            "setting.create",
            "Setting",
            setting.id,
            {"providerId": provider_id, "kind": kind, **_audit_fields(f)},
        )
        return setting

    return await idempotent(
        session,
        actor.organisation_id,
        "settingCreate",
        idempotency_key,
        {"provider": provider_id, "kind": kind, **_audit_fields(f)},
        Setting,
        create,
        SettingErrorCode.IDEMPOTENCY_KEY_REUSED,
    )


async def update_setting(session: AsyncSession, actor: Principal, setting_id: int, changes: dict) -> Setting:
    """Apply a partial change (keys are SettingFields names). The row is locked, so two staff updating the
    vacancies at once are applied one after the other, never lost."""
    setting = await get_or_forbidden(session, Setting, setting_id, lock=True)
    ensure_acts_for_provider(actor, setting.provider_id)
    before = _fields_of(setting)
    after = _normalise(SettingFields(**{**before.__dict__, **changes}))
    errors = _validate(setting.kind, after)
    if errors:
        raise UserErrors(errors)
    _apply(setting, after)
    setting.updated_at = clock.now()
    old, new = _audit_fields(before), _audit_fields(after)
    audit.record(
        session,
        actor,
        "setting.update",
        "Setting",
        setting.id,
        {k: {"before": old[k], "after": new[k]} for k in new if old[k] != new[k]},
    )
    await session.flush()
    return setting


async def record_ofsted_judgement(
    session: AsyncSession,
    actor: Principal,
    *,
    setting_id: int,
    grade: OfstedGrade,
    inspected_on: date,
    on: date | None = None,
) -> OfstedJudgement:
    """Homes and schools are inspected one by one; foster households are not (Ofsted inspects the agency,
    whose judgement is a stage-1 document)."""
    setting = await get_or_forbidden(session, Setting, setting_id, lock=True)
    ensure_acts_for_provider(actor, setting.provider_id)
    if setting.kind is SettingKind.FOSTER_HOUSEHOLD:
        raise UserErrors.one(
            "setting_id",
            SettingErrorCode.NOT_INSPECTED_SEPARATELY,
            "Ofsted inspects the fostering agency, not each household: record it as a document",
        )
    if inspected_on > (on or clock.today()):
        raise UserErrors.one("inspected_on", SettingErrorCode.INSPECTION_IN_FUTURE, "An inspection has happened")
    judgement = OfstedJudgement(setting_id=setting_id, grade=grade, inspected_on=inspected_on)
    session.add(judgement)
    await session.flush()
    audit.record(
        session,
        actor,
        "setting.ofsted_judgement",
        "Setting",
        setting_id,
        {"grade": grade, "inspectedOn": inspected_on, "judgementId": judgement.id},
    )
    await ofsted_judgement_recorded(session, setting, grade, inspected_on, judgement.id)  # Inadequate: a HIGH alert
    return judgement


def _audit_fields(f: SettingFields) -> dict:
    d = {k: v for k, v in f.__dict__.items()}
    d["sexes"] = [s.value for s in f.sexes]
    d["specialisms"] = [s.value for s in f.specialisms]
    return d
