"""The child of a requirement: what the borough says, how it is pseudonymised, and who sees how much.

- **Pseudonymised.** The borough's case reference is never stored or returned: only
  HMAC-SHA256(key, "<authority id>|<normalised reference>"), hex. The key is DPV_CHILD_REFERENCE_KEY (or, in
  development, one generated once under DPV_DATA_DIR, like the sign-in key: api/core/keyfile.py). The authority is
  part of the message, so the same reference in two boroughs gives two unrelated hashes. The
  **pseudonymous reference** shown to the owning borough (and later printed on the IPA) is a short form of the
  hash, `CH-` and its first 10 hex digits.
- **Views** (`view_of`, `present`): the owning borough sees everything but the plain reference (FULL; every
  such read is recorded in `child_data_access`); an invited provider sees a SUMMARY, what it needs to offer a
  place: no reference of any kind, no court directions, no child's views, no coordinates (only the home
  postcode district); the alliance sees the requirement MASKED: an age band and categories, no free text, no
  ethnicity, religion or languages, no areas to avoid. The child's views are left out of the summary on
  purpose: they are the officer's to weigh in the evaluation (DOMAIN.md step 6), and free text about a child
  goes only to who needs it (later, the provider whose bid is accepted).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from enum import Enum

from api.core.config import Settings, get_settings
from api.core.errors import UserError
from api.core.keyfile import configured_or_generated
from api.market.enums import Sex, Specialism
from api.market.settings import LATITUDE_RANGE, LONGITUDE_RANGE, POSTCODE_DISTRICT
from api.placements.enums import ChildView, LegalStatus
from api.placements.models import RequirementChild

KEY_FILE = "child-reference-key"
PSEUDONYM_PREFIX = "CH-"
MAX_TEXT = 4000
MAX_LANGUAGES = 10
MAX_AVOID_AREAS = 30
AREA_OR_DISTRICT = re.compile(r"^[A-Z]{1,2}([0-9][0-9A-Z]?)?$")
AGE_BANDS = ((0, 4), (5, 9), (10, 12), (13, 15), (16, 17), (18, 25))


def reference_key(settings: Settings | None = None) -> bytes:
    s = settings or get_settings()
    return configured_or_generated(s.child_reference_key, s.data_dir, KEY_FILE, "DPV_CHILD_REFERENCE_KEY")


def normalise_reference(case_reference: str) -> str:
    """Case and spacing do not make a different child: " mos 12345 " is "MOS 12345"."""
    return " ".join(case_reference.split()).upper()


def hash_reference(case_reference: str, authority_id: int, key: bytes | None = None) -> str:
    message = f"{authority_id}|{normalise_reference(case_reference)}".encode()
    return hmac.new(key or reference_key(), message, hashlib.sha256).hexdigest()


def pseudonym(case_reference_hash: str) -> str:
    return PSEUDONYM_PREFIX + case_reference_hash[:10].upper()


def age_band(age: int) -> str:
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    return f"{age}"


class ChildErrorCode(Enum):
    """The child's own rule codes; the API shows them with the requirement's as one RequirementErrorCode."""

    CASE_REFERENCE_REQUIRED = "CASE_REFERENCE_REQUIRED"
    INVALID_AGE = "INVALID_AGE"
    INVALID_SIBLING_GROUP_SIZE = "INVALID_SIBLING_GROUP_SIZE"
    INVALID_POSTCODE_DISTRICT = "INVALID_POSTCODE_DISTRICT"
    LOCATION_OUTSIDE_ENGLAND_AND_WALES = "LOCATION_OUTSIDE_ENGLAND_AND_WALES"
    INVALID_DISTANCE = "INVALID_DISTANCE"
    INVALID_AVOID_AREA = "INVALID_AVOID_AREA"
    TOO_MANY_ITEMS = "TOO_MANY_ITEMS"
    TEXT_TOO_LONG = "TEXT_TOO_LONG"


@dataclass
class ChildDetails:
    """What the borough says about the child (the `child` input of requirementCreate)."""

    case_reference: str
    age_years: int
    sex: Sex
    sibling_group_size: int
    home_postcode_district: str
    home_latitude: float
    home_longitude: float
    max_distance_km: float
    languages: list[str] = field(default_factory=list)
    needs: list[Specialism] = field(default_factory=list)
    avoid_areas: list[str] = field(default_factory=list)
    ethnicity: str | None = None
    religion: str | None = None
    education_needs: str | None = None
    child_views: str | None = None
    court_directions: str | None = None
    legal_status: LegalStatus | None = None


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def normalise(c: ChildDetails) -> ChildDetails:
    return ChildDetails(
        case_reference=normalise_reference(c.case_reference),
        age_years=c.age_years,
        sex=c.sex,
        sibling_group_size=c.sibling_group_size,
        home_postcode_district=c.home_postcode_district.strip().upper(),
        home_latitude=c.home_latitude,
        home_longitude=c.home_longitude,
        max_distance_km=c.max_distance_km,
        languages=sorted({" ".join(lang.split()) for lang in c.languages if lang.strip()}),
        needs=sorted(set(c.needs), key=lambda s: s.value),
        avoid_areas=sorted({a.strip().upper() for a in c.avoid_areas if a.strip()}),
        ethnicity=_text(c.ethnicity),
        religion=_text(c.religion),
        education_needs=_text(c.education_needs),
        child_views=_text(c.child_views),
        court_directions=_text(c.court_directions),
        legal_status=c.legal_status,
    )


def validate(c: ChildDetails, prefix: str = "child") -> list[UserError]:
    """Every rule the (normalised) child breaks; `prefix` is the path of the input field."""
    errors: list[UserError] = []

    def err(name: str, code: ChildErrorCode, message: str) -> None:
        errors.append(UserError(f"{prefix}.{name}", code, message))

    if not c.case_reference:
        err(
            "case_reference",
            ChildErrorCode.CASE_REFERENCE_REQUIRED,
            "The borough's case reference identifies the child",
        )
    elif len(c.case_reference) > 100:
        err("case_reference", ChildErrorCode.TEXT_TOO_LONG, "A case reference is at most 100 characters")
    if not 0 <= c.age_years <= 25:
        err("age_years", ChildErrorCode.INVALID_AGE, "Ages run from 0 to 25")
    if not 1 <= c.sibling_group_size <= 10:
        err(
            "sibling_group_size",
            ChildErrorCode.INVALID_SIBLING_GROUP_SIZE,
            "A sibling group is 1 to 10 children (1: no siblings)",
        )
    if not POSTCODE_DISTRICT.match(c.home_postcode_district):
        err(
            "home_postcode_district",
            ChildErrorCode.INVALID_POSTCODE_DISTRICT,
            "Give the postcode district only (for example NW10), never the full postcode",
        )
    if not (
        LATITUDE_RANGE[0] <= c.home_latitude <= LATITUDE_RANGE[1]
        and LONGITUDE_RANGE[0] <= c.home_longitude <= LONGITUDE_RANGE[1]
    ):
        err(
            "home_location",
            ChildErrorCode.LOCATION_OUTSIDE_ENGLAND_AND_WALES,
            "The home location must be in England or Wales",
        )
    if not 0 < c.max_distance_km <= 1000:
        err(
            "max_distance_km",
            ChildErrorCode.INVALID_DISTANCE,
            "The largest acceptable distance is more than 0 and at most 1000 km",
        )
    if bad := [a for a in c.avoid_areas if not AREA_OR_DISTRICT.match(a)]:
        err(
            "avoid_areas",
            ChildErrorCode.INVALID_AVOID_AREA,
            f"Areas to avoid are postcode areas or districts (W, NW10), not {', '.join(bad)}",
        )
    if len(c.avoid_areas) > MAX_AVOID_AREAS:
        err("avoid_areas", ChildErrorCode.TOO_MANY_ITEMS, f"At most {MAX_AVOID_AREAS} areas to avoid")
    if len(c.languages) > MAX_LANGUAGES or any(len(lang) > 60 for lang in c.languages):
        err("languages", ChildErrorCode.TOO_MANY_ITEMS, f"At most {MAX_LANGUAGES} languages of at most 60 characters")
    for name, value, limit in (
        ("ethnicity", c.ethnicity, 100),
        ("religion", c.religion, 100),
        ("education_needs", c.education_needs, MAX_TEXT),
        ("child_views", c.child_views, MAX_TEXT),
        ("court_directions", c.court_directions, MAX_TEXT),
    ):
        if value is not None and len(value) > limit:
            err(name, ChildErrorCode.TEXT_TOO_LONG, f"At most {limit} characters")
    return errors


def apply(row: RequirementChild, c: ChildDetails, case_reference_hash: str) -> None:
    row.case_reference_hash = case_reference_hash
    row.age_years, row.sex, row.sibling_group_size = c.age_years, c.sex, c.sibling_group_size
    row.home_postcode_district, row.home_latitude, row.home_longitude = (
        c.home_postcode_district,
        c.home_latitude,
        c.home_longitude,
    )
    row.max_distance_km = c.max_distance_km
    row.languages, row.needs, row.avoid_areas = c.languages, [n.value for n in c.needs], c.avoid_areas
    row.ethnicity, row.religion, row.education_needs = c.ethnicity, c.religion, c.education_needs
    row.child_views, row.court_directions, row.legal_status = c.child_views, c.court_directions, c.legal_status


# --- who sees how much -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildShown:
    """The child as one viewer may see it: what the view leaves out is None."""

    view: ChildView
    pseudonymous_reference: str | None
    age_years: int | None
    age_band: str
    sex: Sex
    needs: list[Specialism]
    sibling_group_size: int
    home_postcode_district: str
    max_distance_km: float
    legal_status: LegalStatus | None
    ethnicity: str | None = None
    religion: str | None = None
    languages: list[str] | None = None
    avoid_areas: list[str] | None = None
    education_needs: str | None = None
    home_latitude: float | None = None
    home_longitude: float | None = None
    child_views: str | None = None
    court_directions: str | None = None


def present(row: RequirementChild, view: ChildView) -> ChildShown:
    common = dict(
        view=view,
        age_band=age_band(row.age_years),
        sex=row.sex,
        needs=[Specialism(n) for n in row.needs],
        sibling_group_size=row.sibling_group_size,
        home_postcode_district=row.home_postcode_district,
        max_distance_km=row.max_distance_km,
        legal_status=row.legal_status,
    )
    if view is ChildView.MASKED:
        return ChildShown(pseudonymous_reference=None, age_years=None, **common)
    summary = dict(
        age_years=row.age_years,
        ethnicity=row.ethnicity,
        religion=row.religion,
        languages=list(row.languages),
        avoid_areas=list(row.avoid_areas),
        education_needs=row.education_needs,
        **common,
    )
    if view is ChildView.SUMMARY:
        return ChildShown(pseudonymous_reference=None, **summary)
    return ChildShown(
        pseudonymous_reference=pseudonym(row.case_reference_hash),
        home_latitude=row.home_latitude,
        home_longitude=row.home_longitude,
        child_views=row.child_views,
        court_directions=row.court_directions,
        **summary,
    )
