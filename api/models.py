"""Every table of the service, imported in one place so that the metadata is complete (Alembic, tests)."""

from api.core.audit import AuditEvent
from api.core.budget import RateBudget
from api.core.db import Base
from api.core.idempotency import IdempotencyKey
from api.core.timers import Timer
from api.market.models import (
    AccessAgreement,
    Document,
    Dpv,
    Lot,
    LotRateCap,
    Membership,
    OfstedJudgement,
    Organisation,
    Setting,
)
from api.placements.models import (
    Bid,
    BidOfficerScore,
    ChildDataAccess,
    Invitation,
    Ipa,
    IpaSignature,
    Placement,
    ReferenceCounter,
    Requirement,
    RequirementChild,
    UninvitedMember,
)
from api.quality.models import Complaint, ComplaintEvent, ProviderReview, ReviewAction
from api.safeguarding.models import SafeguardingAlert, SafeguardingAlertUpdate, Suspension
from auth.models import (
    AppUser,
    FamilyAccessToken,
    LoginThrottle,
    OAuthAuthorizationCode,
    OAuthClient,
    RefreshToken,
    RevokedToken,
    SigningKey,
    SigninSession,
    TokenFamily,
)

metadata = Base.metadata

__all__ = [
    "AccessAgreement",
    "AppUser",
    "AuditEvent",
    "Base",
    "Bid",
    "BidOfficerScore",
    "ChildDataAccess",
    "Complaint",
    "ComplaintEvent",
    "Document",
    "Dpv",
    "FamilyAccessToken",
    "IdempotencyKey",
    "Invitation",
    "Ipa",
    "IpaSignature",
    "Placement",
    "LoginThrottle",
    "Lot",
    "LotRateCap",
    "Membership",
    "OAuthAuthorizationCode",
    "OAuthClient",
    "OfstedJudgement",
    "Organisation",
    "ProviderReview",
    "ReferenceCounter",
    "RefreshToken",
    "Requirement",
    "RequirementChild",
    "ReviewAction",
    "RevokedToken",
    "SafeguardingAlert",
    "SafeguardingAlertUpdate",
    "Setting",
    "SigninSession",
    "SigningKey",
    "Suspension",
    "Timer",
    "TokenFamily",
    "UninvitedMember",
    "RateBudget",
    "metadata",
]
