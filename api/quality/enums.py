"""The vocabularies of quality work. Stored as text with CHECK constraints, exposed as GraphQL enums."""

from __future__ import annotations

from enum import Enum


class ProviderReviewStatus(str, Enum):
    SCHEDULED = "SCHEDULED"  # a meeting planned, with its agenda
    HELD = "HELD"  # the meeting happened: when, who attended, notes and the outcome recorded


class ReviewActionStatus(str, Enum):
    OPEN = "OPEN"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class ComplaintKind(str, Enum):
    COMPLAINT = "COMPLAINT"  # about the quality of a service or how a party behaved
    DISPUTE = "DISPUTE"  # a disagreement about terms, a decision, a price, a payment


class ComplaintParty(str, Enum):
    """Which side of a complaint an organisation is on: the borough or the provider (the alliance mediates)."""

    BOROUGH = "BOROUGH"
    PROVIDER = "PROVIDER"


class ComplaintStatus(str, Enum):
    RAISED = "RAISED"
    UNDER_MEDIATION = "UNDER_MEDIATION"
    RESOLVED = "RESOLVED"
    WITHDRAWN = "WITHDRAWN"


class ComplaintStep(str, Enum):
    """One entry of a complaint's history."""

    RAISED = "RAISED"
    MEDIATION_STARTED = "MEDIATION_STARTED"
    NOTE_ADDED = "NOTE_ADDED"  # the alliance's note while mediating
    RESOLVED = "RESOLVED"
    WITHDRAWN = "WITHDRAWN"
