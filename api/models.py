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
from auth.models import OAuthClient, RevokedToken, SigningKey

metadata = Base.metadata

__all__ = [
    "AccessAgreement", "AuditEvent", "Base", "Document", "Dpv", "IdempotencyKey", "Lot", "LotRateCap",
    "Membership", "OAuthClient", "OfstedJudgement", "Organisation", "RevokedToken", "Setting", "SigningKey",
    "metadata",
]
