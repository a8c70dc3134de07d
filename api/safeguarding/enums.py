"""The vocabularies of quality and safeguarding. Stored as text with CHECK constraints, exposed as GraphQL enums.

The alert's severity is also the evaluation's, which shows HIGH and CRITICAL alerts with a bid
(api/placements/evaluation_rules.py): one enum on the wire."""

from __future__ import annotations

from enum import Enum

__all__ = ["AlertCategory", "AlertSeverity", "AlertStatus", "SuspensionKind", "SuspensionReason", "SuspensionScope"]


class AlertSeverity(str, Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class AlertCategory(str, Enum):
    """What a safeguarding alert is about (the categories of a local authority designated officer's referral,
    plus what a placing borough reports about a placement)."""

    ABUSE_OR_NEGLECT = "ABUSE_OR_NEGLECT"  # physical, emotional, sexual abuse or neglect
    EXPLOITATION = "EXPLOITATION"  # child sexual or criminal exploitation, county lines
    MISSING_CHILD = "MISSING_CHILD"  # missing episodes, absent without authorisation
    SELF_HARM = "SELF_HARM"
    RESTRAINT = "RESTRAINT"  # physical intervention, restrictive practice
    MEDICATION = "MEDICATION"  # medication errors
    STAFFING = "STAFFING"  # staffing levels, vetting (DBS), allegations against staff
    PREMISES = "PREMISES"  # the safety of the building
    REGULATORY = "REGULATORY"  # Ofsted enforcement, an Inadequate judgement
    OTHER = "OTHER"


class AlertStatus(str, Enum):
    OPEN = "OPEN"
    UNDER_REVIEW = "UNDER_REVIEW"
    ESCALATED = "ESCALATED"
    RESOLVED = "RESOLVED"


class SuspensionKind(str, Enum):
    SUSPENSION = "SUSPENSION"  # until a date or until lifted
    BAR = "BAR"  # for good


class SuspensionScope(str, Enum):
    PROVIDER = "PROVIDER"  # every lot of every vehicle
    DPV = "DPV"  # every lot of one vehicle
    LOT = "LOT"  # one lot


class SuspensionReason(str, Enum):
    """Why, under the Suspension & Barring Policy."""

    SAFEGUARDING = "SAFEGUARDING"
    DOCUMENT_EXPIRED = "DOCUMENT_EXPIRED"  # set by the service only, when a stage-1 document expires
    OFSTED_INADEQUATE = "OFSTED_INADEQUATE"
    QUALITY_OF_CARE = "QUALITY_OF_CARE"
    CONTRACT_BREACH = "CONTRACT_BREACH"
    FINANCIAL_STANDING = "FINANCIAL_STANDING"
    MISCONDUCT = "MISCONDUCT"  # fraud, bribery, grave professional misconduct
    OTHER = "OTHER"
