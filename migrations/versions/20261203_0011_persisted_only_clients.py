"""persisted_only_clients: an OAuth client registered as persisted-only (schema/core/persisted.py)

One column on `oauth_client`, false for every client there is: its tokens may run the persisted documents of
frontend-contract/persisted-documents.json only. A constant default: PostgreSQL adds the column without
rewriting the table.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "oauth_client", sa.Column("persisted_only", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("oauth_client", "persisted_only")
