"""rate_budget: each client's budget of cost points over time (api/core/budget.py)

One row per client (keyed by a SHA-256), UNLOGGED: its writes skip the write-ahead log, and a crash that empties it
only gives everyone a full bucket. No index but the primary key, so each charge is a HOT update.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_budget",
        sa.Column("client", sa.LargeBinary(), nullable=False),
        sa.Column("points", sa.Double(), nullable=False),
        sa.Column("admitted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client", name=op.f("pk_rate_budget")),
        prefixes=["UNLOGGED"],
    )


def downgrade() -> None:
    op.drop_table("rate_budget")
