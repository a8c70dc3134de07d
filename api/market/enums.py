"""The market's vocabularies. Stored as text with CHECK constraints, exposed as GraphQL enums."""

from __future__ import annotations

from enum import Enum


class DpvCategory(str, Enum):
    INDEPENDENT_FOSTERING = "INDEPENDENT_FOSTERING"
    RESIDENTIAL_CHILDRENS_HOMES = "RESIDENTIAL_CHILDRENS_HOMES"
    SEN_SCHOOLS = "SEN_SCHOOLS"


class LegalBasis(str, Enum):
    PCR_2015_DPS = "PCR_2015_DPS"
    PA_2023_DYNAMIC_MARKET = "PA_2023_DYNAMIC_MARKET"


class DpvStatus(str, Enum):
    NOT_STARTED = "NOT_STARTED"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"


class AccessAgreementStatus(str, Enum):
    ACTIVE = "ACTIVE"
    NOTICE_GIVEN = "NOTICE_GIVEN"
    ENDED = "ENDED"


class MembershipStatus(str, Enum):
    APPLIED = "APPLIED"
    ADMITTED = "ADMITTED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"
    # Set by the quality and safeguarding rules (a later issue); no transition here leads to them yet.
    SUSPENDED = "SUSPENDED"
    BARRED = "BARRED"


class MembershipDecision(str, Enum):
    ADMIT = "ADMIT"
    REJECT = "REJECT"


class DocumentKind(str, Enum):
    OFSTED_REGISTRATION = "OFSTED_REGISTRATION"
    OFSTED_JUDGEMENT = "OFSTED_JUDGEMENT"
    CREDIT_CHECK = "CREDIT_CHECK"
    EMPLOYERS_LIABILITY_INSURANCE = "EMPLOYERS_LIABILITY_INSURANCE"
    PUBLIC_LIABILITY_INSURANCE = "PUBLIC_LIABILITY_INSURANCE"
    PROFESSIONAL_INDEMNITY_INSURANCE = "PROFESSIONAL_INDEMNITY_INSURANCE"


INSURANCE_KINDS = (
    DocumentKind.EMPLOYERS_LIABILITY_INSURANCE,
    DocumentKind.PUBLIC_LIABILITY_INSURANCE,
    DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE,
)

DOCUMENT_LABELS = {
    DocumentKind.OFSTED_REGISTRATION: "Ofsted registration",
    DocumentKind.OFSTED_JUDGEMENT: "Ofsted judgement",
    DocumentKind.CREDIT_CHECK: "credit check",
    DocumentKind.EMPLOYERS_LIABILITY_INSURANCE: "employer's liability insurance",
    DocumentKind.PUBLIC_LIABILITY_INSURANCE: "public liability insurance",
    DocumentKind.PROFESSIONAL_INDEMNITY_INSURANCE: "professional indemnity insurance",
}


class OfstedGrade(str, Enum):
    OUTSTANDING = "OUTSTANDING"
    GOOD = "GOOD"
    REQUIRES_IMPROVEMENT = "REQUIRES_IMPROVEMENT"
    ADEQUATE = "ADEQUATE"  # older judgements (before the 2015 framework)
    INADEQUATE = "INADEQUATE"


class CreditCheckOutcome(str, Enum):
    PASSED = "PASSED"
    FAILED = "FAILED"


class SettingKind(str, Enum):
    CHILDRENS_HOME = "CHILDRENS_HOME"
    FOSTER_HOUSEHOLD = "FOSTER_HOUSEHOLD"
    SCHOOL = "SCHOOL"


class SchoolProvision(str, Enum):
    DAY = "DAY"
    RESIDENTIAL_38_WEEK = "RESIDENTIAL_38_WEEK"
    RESIDENTIAL_52_WEEK = "RESIDENTIAL_52_WEEK"


class Sex(str, Enum):
    FEMALE = "FEMALE"
    MALE = "MALE"


class Specialism(str, Enum):
    AUTISM = "AUTISM"
    LEARNING_DISABILITY = "LEARNING_DISABILITY"
    PHYSICAL_DISABILITY = "PHYSICAL_DISABILITY"
    EMOTIONAL_BEHAVIOURAL_DIFFICULTIES = "EMOTIONAL_BEHAVIOURAL_DIFFICULTIES"
    SOCIAL_EMOTIONAL_MENTAL_HEALTH = "SOCIAL_EMOTIONAL_MENTAL_HEALTH"
    SPEECH_LANGUAGE_COMMUNICATION = "SPEECH_LANGUAGE_COMMUNICATION"
    RISK_OF_EXPLOITATION = "RISK_OF_EXPLOITATION"
    MISSING_EPISODES = "MISSING_EPISODES"
    SELF_HARM = "SELF_HARM"
    SUBSTANCE_MISUSE = "SUBSTANCE_MISUSE"
    UNACCOMPANIED_ASYLUM_SEEKING = "UNACCOMPANIED_ASYLUM_SEEKING"
    PARENT_AND_CHILD = "PARENT_AND_CHILD"
    SIBLING_GROUPS = "SIBLING_GROUPS"
    SOLO_PLACEMENT = "SOLO_PLACEMENT"
    EMERGENCY = "EMERGENCY"
    POST_16 = "POST_16"


def values(enum: type[Enum]) -> list[str]:
    return [m.value for m in enum]
