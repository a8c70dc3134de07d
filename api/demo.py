"""The demo data set: a West London Alliance market that looks real in GraphiQL.

`load_demo` builds the alliance, the nine boroughs of the domain brief, the three second-generation vehicles
(Procurement Act 2023 dynamic markets, in term today) with their lots, rate caps and access agreements,
36 fictional providers with about a hundred settings across London and the home counties, their Ofsted
history, stage-1 documents and memberships; a few provider reviews (two held, with their actions, one to come),
a complaint under mediation and a dispute just raised.

Everything goes through the domain functions, acting as the alliance's system actor, so every row has its
audit event. The data are deterministic: fixed tables and one `random.Random(2026)` consumed in a fixed
order. Every date is relative to `today` (the clock's, unless given): the vehicles start in the financial year
before today's and their caps run from that year to the next one, and the dates that matter to stage 1
(document validity, inspections) keep the picture (a few documents about to expire, a few providers falling
short) whenever the set is loaded. Only the history is fixed (the oldest inspection of a setting).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import domains
from api.core import audit, clock
from api.core.principal import ActorKind, OrganisationKind, Principal, Scope, system_principal
from api.market import agreements, documents, dpvs, memberships, organisations, settings
from api.market.enums import (
    CreditCheckOutcome,
    DocumentKind,
    DpvCategory,
    LegalBasis,
    MembershipDecision,
    OfstedGrade,
    SchoolProvision,
    SettingKind,
    Sex,
    Specialism,
)
from api.market.models import Lot, Organisation, Setting
from api.quality import complaints, reviews
from api.quality.enums import ComplaintKind

SEED = 2026
DEMO_ACTOR_ID = "demo-data"

DEMO_ALLIANCE = ("wla", "West London Alliance")

DEMO_BOROUGHS: tuple[tuple[str, str], ...] = (
    ("barnet", "London Borough of Barnet"),
    ("brent", "London Borough of Brent"),
    ("ealing", "London Borough of Ealing"),
    ("hammersmith-fulham", "London Borough of Hammersmith & Fulham"),
    ("harrow", "London Borough of Harrow"),
    ("hillingdon", "London Borough of Hillingdon"),
    ("hounslow", "London Borough of Hounslow"),
    ("westminster", "City of Westminster"),
    ("kensington-chelsea", "Royal Borough of Kensington and Chelsea"),
)


@dataclass(frozen=True)
class DemoLot:
    code: str
    name: str
    description: str
    base_cap: Decimal  # weekly rate cap in the vehicles' first financial year (`cap_years`), pounds


@dataclass(frozen=True)
class DemoDpv:
    name: str
    category: DpvCategory
    lead: str
    months_into_year: int  # starts that many months after the start of the financial year before today's
    lots: tuple[DemoLot, ...]

    def starts_on(self, today: date) -> date:
        return clock.add_months(date(clock.financial_year(today) - 1, 4, 1), self.months_into_year)


# The second-generation vehicles: set up after 24 February 2025 (whenever the demo is loaded from 2026 on), so
# Procurement Act 2023 dynamic markets; three-year terms, so in term today.
DEMO_DPVS: tuple[DemoDpv, ...] = (
    DemoDpv(
        "WLA Independent Fostering Agency DPV",
        DpvCategory.INDEPENDENT_FOSTERING,
        "barnet",
        0,
        (
            DemoLot(
                "IFA-STD",
                "Standard fostering",
                "Short and long-term placements with approved foster carers for children aged 0 to 17.",
                Decimal("900"),
            ),
            DemoLot(
                "IFA-CPX",
                "Complex needs fostering",
                "Enhanced placements for children with complex emotional, behavioural or health needs.",
                Decimal("1200"),
            ),
            DemoLot(
                "IFA-PAC",
                "Parent and child",
                "Parent and child placements with assessment, including for young parents who are looked after.",
                Decimal("1650"),
            ),
            DemoLot(
                "IFA-EMG",
                "Emergency placements",
                "Same-day and out-of-hours placements, normally for up to 28 days.",
                Decimal("1050"),
            ),
            DemoLot(
                "IFA-SIB",
                "Sibling groups",
                "Placements keeping brothers and sisters together; the cap is per child.",
                Decimal("950"),
            ),
        ),
    ),
    DemoDpv(
        "WLA Children's Residential Homes DPV",
        DpvCategory.RESIDENTIAL_CHILDRENS_HOMES,
        "ealing",
        3,
        (
            DemoLot(
                "RES-STD",
                "Standard residential",
                "Placements in registered children's homes for young people aged 8 to 17.",
                Decimal("5000"),
            ),
            DemoLot(
                "RES-EBD",
                "Complex needs and EBD",
                "Homes for young people with emotional and behavioural difficulties, exploitation risk or "
                "missing episodes.",
                Decimal("6300"),
            ),
            DemoLot(
                "RES-DIS",
                "Children with disabilities",
                "Homes for children with learning or physical disabilities or autism.",
                Decimal("6800"),
            ),
            DemoLot(
                "RES-SOLO",
                "Solo placements",
                "Single-occupancy homes for young people who cannot yet live with others.",
                Decimal("8500"),
            ),
        ),
    ),
    DemoDpv(
        "WLA SEN Independent and Non-Maintained Special Schools DPV",
        DpvCategory.SEN_SCHOOLS,
        "brent",
        6,
        (
            DemoLot(
                "SEN-DAY",
                "Day places",
                "Day places at independent and non-maintained special schools.",
                Decimal("1500"),
            ),
            DemoLot(
                "SEN-38W", "38-week residential", "Term-time residential places (38 weeks a year).", Decimal("5200")
            ),
            DemoLot(
                "SEN-52W", "52-week residential", "Year-round residential places (52 weeks a year).", Decimal("7500")
            ),
            DemoLot(
                "SEN-P16",
                "Post-16",
                "Specialist further education for young people aged 16 to 25 with an EHCP.",
                Decimal("1750"),
            ),
        ),
    ),
)
CAP_UPLIFT = Decimal("1.03")

# One access agreement gets notice, so that NOTICE_GIVEN shows: (borough, vehicle category, days before today).
DEMO_NOTICE = ("harrow", DpvCategory.SEN_SCHOOLS, 84)

# Postcode districts by area, with the town and the approximate centroid of the district.
POSTCODE_AREAS: dict[str, tuple[tuple[str, str, float, float], ...]] = {
    "nw-london": (
        ("NW10", "Willesden", 51.543, -0.245),
        ("NW9", "Colindale", 51.588, -0.258),
        ("NW4", "Hendon", 51.587, -0.227),
        ("NW7", "Mill Hill", 51.614, -0.240),
        ("N12", "North Finchley", 51.614, -0.176),
        ("EN5", "Barnet", 51.651, -0.199),
        ("HA0", "Wembley", 51.552, -0.298),
        ("HA1", "Harrow", 51.581, -0.336),
        ("HA3", "Kenton", 51.588, -0.318),
        ("HA8", "Edgware", 51.613, -0.275),
    ),
    "west-london": (
        ("W3", "Acton", 51.511, -0.268),
        ("W5", "Ealing", 51.514, -0.302),
        ("W6", "Hammersmith", 51.493, -0.229),
        ("W7", "Hanwell", 51.511, -0.336),
        ("W12", "Shepherd's Bush", 51.508, -0.236),
        ("W10", "North Kensington", 51.521, -0.213),
        ("SW6", "Fulham", 51.476, -0.200),
        ("UB1", "Southall", 51.510, -0.375),
        ("UB6", "Greenford", 51.536, -0.354),
        ("TW8", "Brentford", 51.486, -0.306),
    ),
    "hillingdon-hounslow": (
        ("HA4", "Ruislip", 51.573, -0.415),
        ("HA5", "Pinner", 51.593, -0.381),
        ("HA6", "Northwood", 51.610, -0.423),
        ("UB3", "Hayes", 51.505, -0.421),
        ("UB7", "West Drayton", 51.507, -0.472),
        ("UB8", "Uxbridge", 51.545, -0.478),
        ("UB10", "Hillingdon", 51.545, -0.448),
        ("TW3", "Hounslow", 51.468, -0.365),
        ("TW5", "Heston", 51.483, -0.380),
        ("TW7", "Isleworth", 51.474, -0.330),
        ("TW13", "Feltham", 51.444, -0.410),
    ),
    "se-london": (
        ("SE9", "Eltham", 51.445, 0.055),
        ("SE18", "Woolwich", 51.486, 0.079),
        ("CR0", "Croydon", 51.376, -0.086),
        ("BR1", "Bromley", 51.410, 0.020),
        ("SM1", "Sutton", 51.365, -0.192),
        ("E17", "Walthamstow", 51.587, -0.016),
        ("RM1", "Romford", 51.578, 0.183),
    ),
    "herts-beds": (
        ("WD17", "Watford", 51.660, -0.405),
        ("WD6", "Borehamwood", 51.657, -0.272),
        ("AL1", "St Albans", 51.749, -0.330),
        ("AL10", "Hatfield", 51.763, -0.226),
        ("SG1", "Stevenage", 51.905, -0.196),
        ("HP1", "Hemel Hempstead", 51.753, -0.475),
        ("LU1", "Luton", 51.876, -0.420),
        ("MK40", "Bedford", 52.136, -0.467),
    ),
    "thames-valley": (
        ("SL1", "Slough", 51.515, -0.605),
        ("SL4", "Windsor", 51.480, -0.614),
        ("SL6", "Maidenhead", 51.522, -0.722),
        ("RG1", "Reading", 51.455, -0.971),
        ("RG12", "Bracknell", 51.409, -0.751),
        ("HP13", "High Wycombe", 51.630, -0.735),
        ("HP20", "Aylesbury", 51.818, -0.810),
        ("HP5", "Chesham", 51.706, -0.610),
        ("MK9", "Milton Keynes", 52.042, -0.757),
    ),
    "surrey-middlesex": (
        ("GU1", "Guildford", 51.240, -0.572),
        ("GU21", "Woking", 51.320, -0.567),
        ("KT12", "Walton-on-Thames", 51.379, -0.411),
        ("RH1", "Redhill", 51.240, -0.168),
        ("RH10", "Crawley", 51.113, -0.163),
        ("TW18", "Staines-upon-Thames", 51.432, -0.508),
        ("TW15", "Ashford", 51.432, -0.460),
        ("KT18", "Epsom", 51.326, -0.265),
        ("KT2", "Kingston upon Thames", 51.417, -0.290),
    ),
    "kent": (
        ("ME14", "Maidstone", 51.285, 0.535),
        ("ME4", "Chatham", 51.378, 0.527),
        ("TN9", "Tonbridge", 51.195, 0.275),
        ("CT1", "Canterbury", 51.278, 1.081),
        ("DA11", "Gravesend", 51.437, 0.360),
        ("DA1", "Dartford", 51.446, 0.215),
        ("TN23", "Ashford", 51.140, 0.870),
    ),
    "essex": (
        ("CM1", "Chelmsford", 51.735, 0.468),
        ("CM20", "Harlow", 51.772, 0.094),
        ("SS1", "Southend-on-Sea", 51.540, 0.716),
        ("CO1", "Colchester", 51.889, 0.902),
        ("SS14", "Basildon", 51.575, 0.475),
        ("CM15", "Brentwood", 51.625, 0.305),
    ),
}

# Shortfalls a provider can have (it stays APPLIED): an expired insurance, cover too low, a failed credit check.
EXPIRED_INSURANCE = "expired-insurance"
LOW_COVER = "low-cover"
CREDIT_FAILED = "credit-failed"


@dataclass(frozen=True)
class DemoProvider:
    name: str
    areas: tuple[str, ...]  # keys of POSTCODE_AREAS, the first the main one
    lots: tuple[str, ...]  # lot codes applied to and (unless pending) admitted
    households: int = 0  # foster-carer households
    homes: int = 0  # children's homes
    schools: tuple[tuple[str, str], ...] = ()  # (lot code, setting name; "{town}" is filled in)
    pending: tuple[str, ...] = ()  # lot codes left APPLIED
    rejected: tuple[tuple[str, str], ...] = ()  # (lot code, reason): applied, then rejected
    expiring: tuple[DocumentKind, int] | None = None  # a document ending that many days after today
    shortfall: str | None = None  # one of the shortfalls above: all its applications stay APPLIED
    inadequate_setting: bool = False  # its first inspected setting's latest judgement is Inadequate
    adequate_history: bool = False  # its first inspected setting was judged Adequate in 2014
    focus: tuple[Specialism, ...] = ()  # specialisms every one of its settings offers

    @property
    def slug(self) -> str:
        return slugify(self.name)


DEMO_PROVIDERS: tuple[DemoProvider, ...] = (
    # Independent fostering agencies
    DemoProvider("Brightwater Fostering", ("nw-london", "herts-beds"), ("IFA-STD", "IFA-CPX", "IFA-SIB"), households=4),
    DemoProvider("Oakhaven Family Placements", ("west-london", "thames-valley"), ("IFA-STD", "IFA-PAC"), households=3),
    DemoProvider(
        "Chiltern Vale Fostering", ("thames-valley", "herts-beds"), ("IFA-STD", "IFA-EMG", "IFA-SIB"), households=4
    ),
    DemoProvider("Harbour Lights Foster Care", ("kent", "se-london"), ("IFA-STD", "IFA-CPX"), households=3),
    DemoProvider(
        "Kinross Fostering Partnership",
        ("hillingdon-hounslow", "surrey-middlesex"),
        ("IFA-STD", "IFA-EMG", "IFA-CPX", "IFA-SIB"),
        households=4,
    ),
    DemoProvider("Meadowbank Foster Care", ("essex",), ("IFA-STD",), households=3, shortfall=CREDIT_FAILED),
    DemoProvider(
        "Northstar Family Fostering", ("nw-london", "west-london"), ("IFA-STD", "IFA-PAC", "IFA-EMG"), households=4
    ),
    DemoProvider("Greenway Fostering Services", ("surrey-middlesex",), ("IFA-STD", "IFA-SIB"), households=3),
    DemoProvider(
        "Lanternfield Foster Care",
        ("herts-beds", "nw-london"),
        ("IFA-STD", "IFA-CPX"),
        households=3,
        expiring=(DocumentKind.PUBLIC_LIABILITY_INSURANCE, 4),
    ),
    DemoProvider(
        "Riverside Family Placements",
        ("hillingdon-hounslow",),
        ("IFA-STD", "IFA-EMG"),
        households=3,
        rejected=(
            (
                "IFA-PAC",
                "No approved parent and child carers or residential assessment "
                "arrangements were evidenced with the application",
            ),
        ),
    ),
    DemoProvider(
        "Evergreen Fostering Agency",
        ("se-london", "kent"),
        ("IFA-STD", "IFA-CPX", "IFA-SIB"),
        households=4,
        pending=("IFA-CPX",),
    ),
    DemoProvider(
        "Willowbrook Foster Families",
        ("west-london",),
        ("IFA-STD", "IFA-PAC"),
        households=3,
        expiring=(DocumentKind.CREDIT_CHECK, 18),
    ),
    DemoProvider(
        "Hearthstone Fostering", ("thames-valley", "surrey-middlesex"), ("IFA-STD", "IFA-CPX", "IFA-EMG"), households=4
    ),
    DemoProvider(
        "Little Acorns Fostering", ("essex", "se-london"), ("IFA-STD", "IFA-SIB"), households=3, pending=("IFA-SIB",)
    ),
    # Children's home operators
    DemoProvider(
        "Cedar Lodge Children's Homes",
        ("hillingdon-hounslow", "thames-valley"),
        ("RES-STD", "RES-EBD"),
        homes=3,
        adequate_history=True,
    ),
    DemoProvider(
        "Amberley Care Group",
        ("surrey-middlesex", "kent"),
        ("RES-STD", "RES-EBD", "RES-SOLO"),
        homes=4,
        inadequate_setting=True,
    ),
    DemoProvider(
        "Hollybush Residential Care",
        ("herts-beds",),
        ("RES-DIS", "RES-STD", "SEN-52W"),
        homes=3,
        schools=(("SEN-52W", "Hollybush Hall School"),),
    ),
    DemoProvider(
        "Kestrel Children's Services",
        ("nw-london", "herts-beds"),
        ("RES-STD", "RES-SOLO", "IFA-STD", "IFA-CPX"),
        homes=3,
        households=2,
    ),
    DemoProvider("Sycamore Childcare", ("kent", "essex"), ("RES-STD", "RES-EBD"), homes=3, shortfall=EXPIRED_INSURANCE),
    DemoProvider(
        "Bluebell Homes for Children",
        ("thames-valley",),
        ("RES-DIS", "RES-STD"),
        homes=3,
        focus=(Specialism.LEARNING_DISABILITY,),
    ),
    DemoProvider(
        "Foxglove Care",
        ("surrey-middlesex",),
        ("RES-SOLO", "RES-EBD"),
        homes=3,
        expiring=(DocumentKind.EMPLOYERS_LIABILITY_INSURANCE, 6),
    ),
    DemoProvider(
        "Pathway House Residential",
        ("west-london", "hillingdon-hounslow"),
        ("RES-STD", "RES-EBD"),
        homes=4,
        inadequate_setting=True,
    ),
    DemoProvider("Larkspur Children's Services", ("essex",), ("RES-STD", "RES-DIS"), homes=3, pending=("RES-DIS",)),
    DemoProvider(
        "Heronsgate Care",
        ("herts-beds", "thames-valley"),
        ("RES-STD", "RES-EBD", "RES-SOLO"),
        homes=4,
        expiring=(DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE, 25),
    ),
    DemoProvider("Juniper Young People's Homes", ("se-london", "kent"), ("RES-STD",), homes=2, shortfall=LOW_COVER),
    DemoProvider("Rowan Tree Care", ("nw-london",), ("RES-EBD", "RES-SOLO"), homes=3),
    # Independent and non-maintained special schools
    DemoProvider(
        "Beechwood School Trust",
        ("herts-beds",),
        ("SEN-DAY", "SEN-P16"),
        schools=(("SEN-DAY", "Beechwood School"), ("SEN-P16", "Beechwood Sixth Form Centre")),
    ),
    DemoProvider(
        "Marlowe Park Foundation",
        ("surrey-middlesex",),
        ("SEN-38W", "SEN-52W"),
        schools=(("SEN-38W", "Marlowe Park School"), ("SEN-52W", "Marlowe Park Residential Centre")),
        adequate_history=True,
    ),
    DemoProvider(
        "St Aldric's School for Autism",
        ("thames-valley",),
        ("SEN-DAY", "SEN-38W"),
        schools=(("SEN-DAY", "St Aldric's School"), ("SEN-38W", "St Aldric's Residential School")),
        focus=(Specialism.AUTISM,),
    ),
    DemoProvider(
        "Ashgrove Learning Trust",
        ("nw-london", "west-london"),
        ("SEN-DAY",),
        schools=(("SEN-DAY", "Ashgrove School"),),
        rejected=(
            ("SEN-52W", "The trust offers day places only; the 52-week lot needs registered residential provision"),
        ),
    ),
    DemoProvider(
        "The Laurels Education",
        ("kent",),
        ("SEN-DAY", "SEN-P16"),
        schools=(("SEN-DAY", "The Laurels School"), ("SEN-P16", "The Laurels College")),
        pending=("SEN-P16",),
    ),
    DemoProvider(
        "Fairhaven Specialist Education",
        ("surrey-middlesex", "thames-valley"),
        ("SEN-52W", "SEN-38W", "RES-DIS"),
        homes=2,
        schools=(("SEN-52W", "Fairhaven School"), ("SEN-38W", "Fairhaven Lower School")),
    ),
    DemoProvider(
        "Chalkhill College",
        ("herts-beds", "thames-valley"),
        ("SEN-P16",),
        schools=(("SEN-P16", "Chalkhill College, {town} campus"), ("SEN-P16", "Chalkhill College, {town} campus")),
        expiring=(DocumentKind.CREDIT_CHECK, 11),
    ),
    DemoProvider(
        "Brookvale Schools",
        ("essex",),
        ("SEN-DAY", "SEN-38W"),
        schools=(("SEN-DAY", "Brookvale School"), ("SEN-38W", "Brookvale Park Residential School")),
    ),
    DemoProvider(
        "Highgrove Hall School",
        ("kent",),
        ("SEN-52W", "SEN-DAY"),
        schools=(("SEN-52W", "Highgrove Hall School"), ("SEN-DAY", "Highgrove Hall Day School")),
    ),
    DemoProvider(
        "Elmstead Education",
        ("hillingdon-hounslow", "west-london"),
        ("SEN-DAY", "SEN-P16"),
        schools=(("SEN-DAY", "Elmstead School"), ("SEN-P16", "Elmstead Post-16 Centre")),
    ),
)

HOME_NAMES = (
    "Ash House",
    "Beech House",
    "The Croft",
    "Maple Cottage",
    "Orchard View",
    "Elm Lodge",
    "Rosemary House",
    "Linden House",
    "The Old Vicarage",
    "Hawthorn Lodge",
    "Birch Cottage",
    "Laurel House",
    "Holly Lodge",
    "Willow House",
    "Fern Cottage",
    "Chestnut House",
    "The Paddocks",
    "Oak Lodge",
    "Hazel House",
    "Millbrook House",
    "Poplar House",
    "The Brambles",
    "The Grange",
    "Primrose Cottage",
)
INSURERS = ("Zurich Municipal", "Aviva", "Markel", "QBE", "Hiscox", "Allianz", "Travelers")
CREDIT_AGENCIES = ("Experian", "Creditsafe", "Dun & Bradstreet")
POUNDS = Decimal("0.01")
MILLION = Decimal("1000000")

_EBD_POOL = (
    Specialism.EMOTIONAL_BEHAVIOURAL_DIFFICULTIES,
    Specialism.SOCIAL_EMOTIONAL_MENTAL_HEALTH,
    Specialism.SELF_HARM,
    Specialism.RISK_OF_EXPLOITATION,
    Specialism.MISSING_EPISODES,
    Specialism.SUBSTANCE_MISUSE,
)
_GENERAL_POOL = (
    Specialism.EMOTIONAL_BEHAVIOURAL_DIFFICULTIES,
    Specialism.SOCIAL_EMOTIONAL_MENTAL_HEALTH,
    Specialism.MISSING_EPISODES,
    Specialism.RISK_OF_EXPLOITATION,
    Specialism.UNACCOMPANIED_ASYLUM_SEEKING,
    Specialism.AUTISM,
    Specialism.LEARNING_DISABILITY,
)
_DISABILITY_POOL = (
    Specialism.AUTISM,
    Specialism.LEARNING_DISABILITY,
    Specialism.PHYSICAL_DISABILITY,
    Specialism.SPEECH_LANGUAGE_COMMUNICATION,
)
_SEN_POOL = (
    Specialism.AUTISM,
    Specialism.SPEECH_LANGUAGE_COMMUNICATION,
    Specialism.SOCIAL_EMOTIONAL_MENTAL_HEALTH,
    Specialism.LEARNING_DISABILITY,
    Specialism.PHYSICAL_DISABILITY,
    Specialism.EMOTIONAL_BEHAVIOURAL_DIFFICULTIES,
)

SCHOOL_PROVISION_BY_LOT = {
    "SEN-DAY": SchoolProvision.DAY,
    "SEN-38W": SchoolProvision.RESIDENTIAL_38_WEEK,
    "SEN-52W": SchoolProvision.RESIDENTIAL_52_WEEK,
    "SEN-P16": SchoolProvision.DAY,
}


def slugify(name: str) -> str:
    s = name.lower().replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def demo_organisation_slugs() -> list[str]:
    """Every organisation of the demo set: the alliance, the boroughs, the providers."""
    return [DEMO_ALLIANCE[0], *(slug for slug, _ in DEMO_BOROUGHS), *(spec.slug for spec in DEMO_PROVIDERS)]


def demo_principal(alliance_id: int) -> Principal:
    return Principal(
        organisation_id=alliance_id,
        organisation_kind=OrganisationKind.ALLIANCE,
        organisation_slug=DEMO_ALLIANCE[0],
        scopes=frozenset({Scope.WLA, Scope.WLA_SAFEGUARDING}),
        actor_kind=ActorKind.SYSTEM,
        actor_id=DEMO_ACTOR_ID,
    )


def cap_years(today: date) -> tuple[int, ...]:
    """The financial years the demo's caps are set for: the vehicles' first (the year before today's), today's
    and the next."""
    this_year = clock.financial_year(today)
    return (this_year - 1, this_year, this_year + 1)


def rate_caps(base: Decimal, today: date) -> list[tuple[int, Decimal]]:
    """The cap for each demo financial year, rising about 3% a year, in whole pounds."""
    return [
        (fy, (base * CAP_UPLIFT**i).quantize(Decimal("1"), rounding=ROUND_HALF_UP).quantize(POUNDS))
        for i, fy in enumerate(cap_years(today))
    ]


async def load_demo(session: AsyncSession, *, today: date | None = None) -> bool:
    """Load the demo data set in the caller's transaction. Loads nothing and returns False when the database
    already holds an organisation."""
    domains.check()  # admissions and documents set off safeguarding's hooks
    if (await session.execute(select(Organisation.id).limit(1))).first() is not None:
        return False
    await _Loader(session, today or clock.today()).load()
    return True


class _Loader:
    def __init__(self, session: AsyncSession, today: date):
        self.session = session
        self.today = today
        self.rng = random.Random(SEED)
        self.actor: Principal
        self.orgs: dict[str, Organisation] = {}
        self.lots: dict[str, Lot] = {}
        self.urns: set[str] = set()
        self.setting_names: set[str] = set()

    async def load(self) -> None:
        await self._alliance()
        await self._boroughs()
        await self._vehicles()
        for spec in DEMO_PROVIDERS:
            provider = await organisations.create_organisation(
                self.session, self.actor, kind=OrganisationKind.PROVIDER, slug=spec.slug, name=spec.name
            )
            self.orgs[spec.slug] = provider
        for spec in DEMO_PROVIDERS:
            inspected = await self._settings(spec)
            await self._documents(spec, inspected)
        for spec in DEMO_PROVIDERS:
            await self._memberships(spec)
        await self._quality()

    # --- quality: reviews and complaints -------------------------------------------------------------

    async def _quality(self) -> None:
        s, wla = self.session, self.actor
        held = (
            (
                DEMO_PROVIDERS[0],
                35,
                "Response rate up to nine in ten; two emergency placements made in the quarter.",
                "Ask Barnet how the sibling placement is going before the next review.",
                "Keep the quarterly cycle; the provider shares its recruitment plan.",
            ),
            (
                DEMO_PROVIDERS[4],
                14,
                "Late responses to urgent requirements; placement plans on time.",
                "Second review with slow urgent responses: consider a spot check.",
                "The provider names a duty referral lead for urgent requirements.",
            ),
        )
        for spec, days_ago, notes, internal, outcome in held:
            provider = self.orgs[spec.slug]
            review = await reviews.schedule_review(
                s,
                wla,
                provider_id=provider.id,
                scheduled_on=self.today - timedelta(days=days_ago),
                agenda="KPIs for the quarter; safeguarding; sufficiency in the provider's areas",
            )
            await reviews.record_review(
                s,
                wla,
                review.id,
                held_on=self.today - timedelta(days=days_ago),
                today=self.today,
                attendees="WLA commissioning lead; the provider's registered manager and referrals lead",
                notes=notes,
                internal_notes=internal,
                outcome=outcome,
            )
            await reviews.add_action(
                s,
                wla,
                review_id=review.id,
                description="Send the updated recruitment plan",
                owner_organisation_id=provider.id,
                owner_name="Registered manager",
                due_on=self.today + timedelta(days=14),
                today=self.today,
            )
            await reviews.add_action(
                s,
                wla,
                review_id=review.id,
                description="Share the lot's sufficiency figures",
                owner_organisation_id=self.orgs[DEMO_ALLIANCE[0]].id,
                due_on=self.today + timedelta(days=28),
                today=self.today,
            )
        await reviews.schedule_review(
            s,
            wla,
            provider_id=self.orgs[DEMO_PROVIDERS[2].slug].id,
            scheduled_on=self.today + timedelta(days=21),
            agenda="First annual review: KPIs, Ofsted action plan, pricing",
        )

        def acting(slug: str) -> Principal:
            org = self.orgs[slug]
            return system_principal(org.id, org.kind, org.slug, DEMO_ACTOR_ID)

        complaint = await complaints.raise_complaint(
            s,
            acting("barnet"),
            kind=ComplaintKind.COMPLAINT,
            about_id=self.orgs[DEMO_PROVIDERS[1].slug].id,
            subject="Placement plan sent late",
            description="The placement plan arrived three weeks after the start instead of within five working days.",
        )
        await complaints.mediate(s, wla, complaint.id, note="Meeting both parties to agree how plans are sent.")
        await complaints.raise_complaint(
            s,
            acting(DEMO_PROVIDERS[3].slug),
            kind=ComplaintKind.DISPUTE,
            about_id=self.orgs["ealing"].id,
            subject="Invoice for the first four weeks withheld",
            description="The borough has not paid the first four weeks of a placement; the IPA's price applies.",
        )

    # --- organisations and vehicles ------------------------------------------------------------------

    async def _alliance(self) -> None:
        # create_organisation refuses the alliance (there is one, made when the market is set up).
        slug, name = DEMO_ALLIANCE
        wla = Organisation(kind=OrganisationKind.ALLIANCE, slug=slug, name=name)
        self.session.add(wla)
        await self.session.flush()
        self.actor = demo_principal(wla.id)
        audit.record(
            self.session,
            self.actor,
            "organisation.create",
            "Organisation",
            wla.id,
            {"kind": OrganisationKind.ALLIANCE, "slug": slug},
        )
        self.orgs[slug] = wla

    async def _boroughs(self) -> None:
        for slug, name in DEMO_BOROUGHS:
            self.orgs[slug] = await organisations.create_organisation(
                self.session, self.actor, kind=OrganisationKind.LOCAL_AUTHORITY, slug=slug, name=name
            )

    async def _vehicles(self) -> None:
        notice_borough, notice_category, notice_days_ago = DEMO_NOTICE
        notice_on = self.today - timedelta(days=notice_days_ago)
        for spec in DEMO_DPVS:
            starts_on = spec.starts_on(self.today)
            dpv = await dpvs.create_dpv(
                self.session,
                self.actor,
                name=spec.name,
                category=spec.category,
                lead_authority_id=self.orgs[spec.lead].id,
                legal_basis=LegalBasis.PA_2023_DYNAMIC_MARKET,
                starts_on=starts_on,
            )
            for lot in spec.lots:
                self.lots[lot.code] = await dpvs.create_lot(
                    self.session,
                    self.actor,
                    dpv_id=dpv.id,
                    code=lot.code,
                    name=lot.name,
                    description=lot.description,
                    rate_caps=rate_caps(lot.base_cap, self.today),
                )
            for slug, _ in DEMO_BOROUGHS:
                if slug == spec.lead:
                    continue  # the lead borough uses its own vehicle without an agreement
                agreement = await agreements.create_agreement(
                    self.session, self.actor, dpv_id=dpv.id, authority_id=self.orgs[slug].id, starts_on=starts_on
                )
                if (slug, spec.category) == (notice_borough, notice_category):
                    await agreements.give_notice(self.session, self.actor, agreement.id, on=notice_on)

    # --- settings and their Ofsted history -----------------------------------------------------------

    def _place(self, spec: DemoProvider) -> tuple[str, str, float, float]:
        rng = self.rng
        area = spec.areas[0] if len(spec.areas) == 1 or rng.random() < 0.65 else rng.choice(spec.areas[1:])
        district, town, lat, lon = rng.choice(POSTCODE_AREAS[area])
        return (district, town, round(lat + rng.uniform(-0.012, 0.012), 4), round(lon + rng.uniform(-0.012, 0.012), 4))

    def _urn(self, prefix: str, low: int, high: int) -> str:
        while True:
            urn = f"{prefix}{self.rng.randint(low, high)}"
            if urn not in self.urns:
                self.urns.add(urn)
                return urn

    def _unique_name(self, make) -> str:
        """A setting name not used before: `make` is tried a few times, then a number is added."""
        name = make()
        for _ in range(10):
            if name not in self.setting_names:
                break
            name = make()
        base, n = name, 1
        while name in self.setting_names:
            n += 1
            name = f"{base} ({n})"
        self.setting_names.add(name)
        return name

    def _sexes(self, single_sex_chance: float) -> list[Sex]:
        if self.rng.random() < single_sex_chance:
            return [self.rng.choice((Sex.FEMALE, Sex.MALE))]
        return [Sex.FEMALE, Sex.MALE]

    def _vacancies(self, places: int, cap: int | None = None) -> int:
        if places == 0 or self.rng.random() < 0.3:
            return 0
        return self.rng.randint(1, min(places, cap or places))

    def _pick(self, pool: tuple[Specialism, ...], low: int, high: int) -> list[Specialism]:
        return self.rng.sample(pool, self.rng.randint(low, high))

    def _household(self, spec: DemoProvider, role: str, n: int) -> settings.SettingFields:
        rng = self.rng
        district, town, lat, lon = self._place(spec)
        initials = "".join(w[0] for w in spec.name.split() if w[0].isupper())
        if role == "IFA-PAC":
            ages, places, specialisms = (0, 21), 1, [Specialism.PARENT_AND_CHILD]
        elif role == "IFA-SIB":
            ages = rng.choice(((0, 17), (0, 15), (3, 17)))
            places = rng.randint(3, 4)
            specialisms = [Specialism.SIBLING_GROUPS, *self._pick(_GENERAL_POOL, 0, 1)]
        elif role == "IFA-EMG":
            ages, places = rng.choice(((0, 17), (5, 17), (0, 11))), rng.randint(1, 2)
            specialisms = [Specialism.EMERGENCY, *self._pick(_GENERAL_POOL, 0, 1)]
        elif role == "IFA-CPX":
            ages, places = rng.choice(((8, 17), (11, 17), (12, 17))), 1
            specialisms = self._pick(_EBD_POOL + (Specialism.AUTISM,), 2, 3)
        else:
            ages = rng.choice(((0, 17), (0, 11), (5, 17), (11, 17), (8, 17), (0, 5)))
            places = rng.randint(1, 2)
            specialisms = self._pick(_GENERAL_POOL, 0, 2)
        name = self._unique_name(lambda: f"{town} household {initials}-{n:02d}")
        return settings.SettingFields(
            name=name,
            age_min=ages[0],
            age_max=ages[1],
            sexes=self._sexes(0.15),
            specialisms=specialisms,
            places=places,
            vacancies=self._vacancies(places),
            postcode_district=district,
            latitude=lat,
            longitude=lon,
        )

    def _home(self, spec: DemoProvider, role: str) -> settings.SettingFields:
        rng = self.rng
        district, town, lat, lon = self._place(spec)
        if role == "RES-SOLO":
            ages, places = rng.choice(((10, 17), (12, 17), (8, 17))), 1
            specialisms = [Specialism.SOLO_PLACEMENT, *self._pick(_EBD_POOL, 1, 2)]
        elif role == "RES-DIS":
            ages, places = rng.choice(((5, 18), (8, 18), (11, 19))), rng.randint(3, 6)
            specialisms = self._pick(_DISABILITY_POOL, 2, 3)
        elif role == "RES-EBD":
            ages, places = rng.choice(((10, 17), (12, 17), (13, 17))), rng.randint(2, 4)
            specialisms = self._pick(_EBD_POOL, 2, 4)
        else:
            ages, places = rng.choice(((8, 17), (10, 17), (11, 17), (12, 17))), rng.randint(3, 5)
            specialisms = self._pick(_GENERAL_POOL[:5], 1, 2)
            if rng.random() < 0.2:
                specialisms.append(Specialism.EMERGENCY)
        name = self._unique_name(lambda: f"{rng.choice(HOME_NAMES)}, {town}")
        return settings.SettingFields(
            name=name,
            age_min=ages[0],
            age_max=ages[1],
            sexes=self._sexes(0.25),
            specialisms=specialisms,
            places=places,
            vacancies=self._vacancies(places),
            postcode_district=district,
            latitude=lat,
            longitude=lon,
            ofsted_urn=self._urn("SC", 400000, 499999),
        )

    def _school(self, spec: DemoProvider, role: str, name_template: str) -> settings.SettingFields:
        rng = self.rng
        for _ in range(10):  # two campuses of one college are in different towns
            district, town, lat, lon = self._place(spec)
            if name_template.format(town=town) not in self.setting_names:
                break
        if role == "SEN-P16":
            ages, places = (16, 25), rng.randint(30, 80)
            specialisms = [Specialism.POST_16, *self._pick(_SEN_POOL, 1, 2)]
        elif role == "SEN-DAY":
            ages, places = rng.choice(((5, 16), (7, 19), (11, 19), (4, 19))), rng.randint(40, 120)
            specialisms = self._pick(_SEN_POOL, 2, 3)
        else:
            ages, places = rng.choice(((8, 19), (10, 19), (11, 19))), rng.randint(20, 60)
            specialisms = self._pick(_SEN_POOL, 2, 3)
        return settings.SettingFields(
            name=self._unique_name(lambda: name_template.format(town=town)),
            age_min=ages[0],
            age_max=ages[1],
            sexes=self._sexes(0.1),
            specialisms=specialisms,
            places=places,
            vacancies=self._vacancies(places, 8),
            postcode_district=district,
            latitude=lat,
            longitude=lon,
            ofsted_urn=self._urn("", 100000, 149999),
            school_provision=SCHOOL_PROVISION_BY_LOT[role],
        )

    async def _settings(self, spec: DemoProvider) -> list[Setting]:
        """Create the provider's settings; returns those Ofsted inspects (homes and schools)."""
        provider_id = self.orgs[spec.slug].id
        fostering = [c for c in spec.lots if c.startswith("IFA-")]
        residential = [c for c in spec.lots if c.startswith("RES-")]
        made: list[tuple[SettingKind, settings.SettingFields]] = []
        for i in range(spec.households):
            made.append((SettingKind.FOSTER_HOUSEHOLD, self._household(spec, fostering[i % len(fostering)], i + 1)))
        for i in range(spec.homes):
            made.append((SettingKind.CHILDRENS_HOME, self._home(spec, residential[i % len(residential)])))
        for role, template in spec.schools:
            made.append((SettingKind.SCHOOL, self._school(spec, role, template)))
        inspected: list[Setting] = []
        for kind, fields_ in made:
            fields_.specialisms = [*fields_.specialisms, *(f for f in spec.focus if f not in fields_.specialisms)]
            setting = await settings.create_setting(
                self.session, self.actor, provider_id=provider_id, kind=kind, fields_=fields_
            )
            if kind is not SettingKind.FOSTER_HOUSEHOLD:
                inspected.append(setting)
        for i, setting in enumerate(inspected):
            await self._inspections(spec, setting, first=i == 0)
        return inspected

    async def _inspections(self, spec: DemoProvider, setting: Setting, *, first: bool) -> None:
        rng = self.rng
        count = rng.choice((1, 2, 2, 3, 3))
        latest = self.today - timedelta(days=rng.randint(45, 540))
        dates = [latest]
        for _ in range(count - 1):
            dates.append(dates[-1] - timedelta(days=rng.randint(300, 520)))
        dates.reverse()
        grades = [
            rng.choices((OfstedGrade.OUTSTANDING, OfstedGrade.GOOD, OfstedGrade.REQUIRES_IMPROVEMENT), (2, 5, 2))[0]
            for _ in dates[:-1]
        ]
        grades.append(
            rng.choices((OfstedGrade.OUTSTANDING, OfstedGrade.GOOD, OfstedGrade.REQUIRES_IMPROVEMENT), (3, 6, 2))[0]
        )
        if first and spec.inadequate_setting:
            grades[-1] = OfstedGrade.INADEQUATE
        if first and spec.adequate_history:
            dates.insert(0, date(2014, 11, 12))
            grades.insert(0, OfstedGrade.ADEQUATE)
        for grade, inspected_on in zip(grades, dates, strict=True):
            await settings.record_ofsted_judgement(
                self.session, self.actor, setting_id=setting.id, grade=grade, inspected_on=inspected_on, on=self.today
            )

    # --- stage-1 documents ------------------------------------------------------------------------

    def _year_from(self, start: date) -> date:
        return clock.add_years(start, 1) - timedelta(days=1)

    async def _documents(self, spec: DemoProvider, inspected: list[Setting]) -> None:
        rng, today = self.rng, self.today
        provider_id = self.orgs[spec.slug].id
        record = documents.record_document
        s, a = self.session, self.actor

        # Ofsted: registration (an agency or home SC number, or a school's URN) and the latest judgement.
        only_schools = not spec.households and not spec.homes
        registration = inspected[0].ofsted_urn if only_schools else self._urn("SC", 500000, 599999)
        assert registration is not None
        await record(
            s,
            a,
            provider_id=provider_id,
            kind=DocumentKind.OFSTED_REGISTRATION,
            reference=registration,
            issuer="Ofsted",
            valid_from=today - timedelta(days=rng.randint(3 * 365, 15 * 365)),
        )
        grade = rng.choices((OfstedGrade.OUTSTANDING, OfstedGrade.GOOD, OfstedGrade.REQUIRES_IMPROVEMENT), (3, 6, 2))[0]
        judged_on = today - timedelta(days=rng.randint(60, 900))
        await record(
            s,
            a,
            provider_id=provider_id,
            kind=DocumentKind.OFSTED_JUDGEMENT,
            reference=f"{registration}/{judged_on:%Y%m%d}",
            issuer="Ofsted",
            valid_from=judged_on,
            ofsted_grade=grade,
        )

        # Credit check: a year's validity.
        checked_on = today - timedelta(days=rng.randint(15, 300))
        expires = self._year_from(checked_on)
        if spec.expiring and spec.expiring[0] is DocumentKind.CREDIT_CHECK:
            expires = today + timedelta(days=spec.expiring[1])
            checked_on = expires - timedelta(days=364)
        outcome = CreditCheckOutcome.FAILED if spec.shortfall == CREDIT_FAILED else CreditCheckOutcome.PASSED
        await record(
            s,
            a,
            provider_id=provider_id,
            kind=DocumentKind.CREDIT_CHECK,
            reference=f"CR-{rng.randint(10_000_000, 99_999_999)}",
            issuer=rng.choice(CREDIT_AGENCIES),
            valid_from=checked_on,
            valid_until=expires,
            credit_check_outcome=outcome,
        )

        # Insurances: one insurer, one renewal date; some providers also have last year's policy on file.
        insurer = rng.choice(INSURERS)
        renewed_on = today - timedelta(days=rng.randint(30, 320))
        with_history = rng.random() < 0.35
        covers = {
            DocumentKind.EMPLOYERS_LIABILITY_INSURANCE: rng.choice((5, 10, 10, 10)) * MILLION,
            DocumentKind.PUBLIC_LIABILITY_INSURANCE: rng.choice((5, 5, 10)) * MILLION,
            DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE: rng.choice((2, 2, 5, 5, 10)) * MILLION,
        }
        if spec.shortfall == LOW_COVER:
            covers[DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE] = 1 * MILLION
        for kind, prefix in (
            (DocumentKind.EMPLOYERS_LIABILITY_INSURANCE, "EL"),
            (DocumentKind.PUBLIC_LIABILITY_INSURANCE, "PL"),
            (DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE, "PI"),
        ):
            policy = f"{prefix}/{rng.randint(1000, 9999)}/{rng.randint(100000, 999999)}"
            start, end = renewed_on, self._year_from(renewed_on)
            if spec.expiring and spec.expiring[0] is kind:
                end = today + timedelta(days=spec.expiring[1])
                start = end - timedelta(days=364)
            if spec.shortfall == EXPIRED_INSURANCE and kind is DocumentKind.EMPLOYERS_LIABILITY_INSURANCE:
                end = today - timedelta(days=16)  # not renewed
                start = end - timedelta(days=364)
            if with_history:
                previous = start - timedelta(days=365)
                await record(
                    s,
                    a,
                    provider_id=provider_id,
                    kind=kind,
                    reference=f"{policy}-{previous.year}",
                    issuer=insurer,
                    valid_from=previous,
                    valid_until=start - timedelta(days=1),
                    cover_amount=covers[kind].quantize(POUNDS),
                )
            await record(
                s,
                a,
                provider_id=provider_id,
                kind=kind,
                reference=f"{policy}-{start.year}",
                issuer=insurer,
                valid_from=start,
                valid_until=end,
                cover_amount=covers[kind].quantize(POUNDS),
            )

    # --- memberships -------------------------------------------------------------------------------

    async def _memberships(self, spec: DemoProvider) -> None:
        provider_id = self.orgs[spec.slug].id
        rejected = dict(spec.rejected)
        for code in (*spec.lots, *rejected):
            membership = await memberships.apply(
                self.session, self.actor, provider_id=provider_id, lot_id=self.lots[code].id, on=self.today
            )
            if code in rejected:
                await memberships.decide(
                    self.session,
                    self.actor,
                    membership.id,
                    decision=MembershipDecision.REJECT,
                    reason=rejected[code],
                    on=self.today,
                )
            elif spec.shortfall is None and code not in spec.pending:
                await memberships.decide(
                    self.session, self.actor, membership.id, decision=MembershipDecision.ADMIT, on=self.today
                )
