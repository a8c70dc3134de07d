"""Every table of the service, imported in one place so that the metadata is complete (Alembic, tests)."""

from api.audit import AuditEvent
from api.db import Base
from api.idempotency import IdempotencyKey
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
from auth.models import (
    AppUser,
    FamilyAccessToken,
    LoginThrottle,
    OAuthAuthorizationCode,
    OAuthClient,
    RefreshToken,
    RevokedToken,
    SigninSession,
    SigningKey,
    TokenFamily,
)

metadata = Base.metadata

__all__ = [
    "AccessAgreement", "AppUser", "AuditEvent", "Base", "Document", "Dpv", "FamilyAccessToken", "IdempotencyKey",
    "LoginThrottle", "Lot", "LotRateCap", "Membership", "OAuthAuthorizationCode", "OAuthClient", "OfstedJudgement",
    "Organisation", "RefreshToken", "RevokedToken", "Setting", "SigninSession", "SigningKey", "TokenFamily",
    "metadata",
]
