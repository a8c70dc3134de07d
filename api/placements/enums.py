"""The placement search's vocabularies. Stored as text with CHECK constraints, exposed as GraphQL enums."""

from __future__ import annotations

from enum import Enum


class RequirementStatus(str, Enum):
    DRAFT = "DRAFT"
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    AWARDED = "AWARDED"
    PLACED = "PLACED"
    UNFILLED = "UNFILLED"
    CANCELLED = "CANCELLED"


class Urgency(str, Enum):
    EMERGENCY = "EMERGENCY"
    URGENT = "URGENT"
    PLANNED = "PLANNED"


class LegalStatus(str, Enum):
    """Under what order or arrangement the child is looked after (Children Act 1989)."""

    SECTION_20 = "SECTION_20"  # accommodated with the parents' agreement
    POLICE_PROTECTION = "POLICE_PROTECTION"
    EMERGENCY_PROTECTION_ORDER = "EMERGENCY_PROTECTION_ORDER"
    INTERIM_CARE_ORDER = "INTERIM_CARE_ORDER"
    CARE_ORDER = "CARE_ORDER"
    PLACEMENT_ORDER = "PLACEMENT_ORDER"
    REMAND = "REMAND"
    OTHER = "OTHER"


class InvitationStatus(str, Enum):
    INVITED = "INVITED"
    # Set by the suspension rules (a later issue): a suspended provider's invitations on open requirements.
    WITHDRAWN = "WITHDRAWN"


class NotInvitedReason(str, Enum):
    """Why a provider with a membership of the lot was not invited when the requirement was published."""

    NOT_ADMITTED = "NOT_ADMITTED"  # applied, rejected or withdrawn
    DOCUMENTS_NOT_IN_FORCE = "DOCUMENTS_NOT_IN_FORCE"  # admitted, but stage 1 falls short that day
    SUSPENDED = "SUSPENDED"
    BARRED = "BARRED"


class MatchLevel(str, Enum):
    FULL = "FULL"  # one setting meets every hard need
    PARTIAL = "PARTIAL"  # the best setting meets some
    NONE = "NONE"  # none meets any, or the provider has no active setting


class MatchCriterion(str, Enum):
    AGE = "AGE"
    SEX = "SEX"
    SPECIALISMS = "SPECIALISMS"
    DISTANCE = "DISTANCE"
    AREA = "AREA"
    PLACES = "PLACES"
    SETTINGS = "SETTINGS"  # the provider has no active setting to assess


class ChildView(str, Enum):
    """How much of the child a viewer sees (api/placements/child.py)."""

    FULL = "FULL"  # the owning borough: everything but the plain case reference (never stored)
    SUMMARY = "SUMMARY"  # an invited provider: what it needs to offer a place
    MASKED = "MASKED"  # the alliance: categories for oversight, an age band, no free text


class MatchReasonCode(str, Enum):
    AGE_IN_RANGE = "AGE_IN_RANGE"
    AGE_OUT_OF_RANGE = "AGE_OUT_OF_RANGE"
    SEX_ACCEPTED = "SEX_ACCEPTED"
    SEX_NOT_ACCEPTED = "SEX_NOT_ACCEPTED"
    SPECIALISMS_MET = "SPECIALISMS_MET"
    SPECIALISMS_MISSING = "SPECIALISMS_MISSING"
    WITHIN_DISTANCE = "WITHIN_DISTANCE"
    TOO_FAR = "TOO_FAR"
    AREA_ACCEPTABLE = "AREA_ACCEPTABLE"
    IN_AVOIDED_AREA = "IN_AVOIDED_AREA"
    PLACES_FREE = "PLACES_FREE"
    NOT_ENOUGH_PLACES = "NOT_ENOUGH_PLACES"
    NO_ACTIVE_SETTING = "NO_ACTIVE_SETTING"


class BidStatus(str, Enum):
    SUBMITTED = "SUBMITTED"  # live: the provider may amend or withdraw it until the deadline
    WITHDRAWN = "WITHDRAWN"
    # Set by the suspension rules (the quality issue): a suspended provider's bids on open requirements. The
    # award marks every other live bid UNSUCCESSFUL, with its feedback (excluded ones with EXCLUDED_* reasons).
    EXCLUDED = "EXCLUDED"
    ACCEPTED = "ACCEPTED"
    UNSUCCESSFUL = "UNSUCCESSFUL"


class OfficerCriterion(str, Enum):
    """The criteria the officer scores by hand, 0 to 5 (api/placements/evaluation_rules.py: CHILD_VIEWS, COMPATIBILITY,
    SOCIAL_VALUE)."""

    CHILD_VIEWS = "CHILD_VIEWS"
    COMPATIBILITY = "COMPATIBILITY"
    SOCIAL_VALUE = "SOCIAL_VALUE"


class IpaStatus(str, Enum):
    """The Individual Placement Agreement (api/placements/ipas.py): issued at the award, signed by the provider,
    then by the borough (EXECUTED). TERMINATED belongs to a later issue (ending a placement)."""

    ISSUED = "ISSUED"
    PROVIDER_SIGNED = "PROVIDER_SIGNED"
    EXECUTED = "EXECUTED"
    TERMINATED = "TERMINATED"


class IpaParty(str, Enum):
    PROVIDER = "PROVIDER"
    BOROUGH = "BOROUGH"


class PlacementStatus(str, Enum):
    LIVE = "LIVE"  # the IPA executed; ending a placement is a later issue
