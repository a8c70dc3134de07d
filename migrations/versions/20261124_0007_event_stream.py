"""the event stream: the audit log is the transactional outbox

Every audit event is a domain event written in the transaction of its change. This adds what a reader needs
to follow the log as a stream without missing a row:

- `txid`, the writing transaction's id (`pg_current_xact_id()`). Sequence values are taken before commit, so
  ids alone commit out of order; the stream's position is `(txid, id)` and readers only read rows of
  transactions older than every transaction still running (`pg_snapshot_xmin`), which are final.
- an index on `(txid, id)` for those reads;
- a statement-level trigger that, after rows are inserted, sends one `pg_notify('dpv_events', <max id>)`:
  delivered at commit, unique per statement (so never folded away), and only a wake-up: readers always read
  the table.

Rows written before this revision all get the migrating transaction's id: their order stays the ids' order.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 10:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "audit_event",
        sa.Column(
            "txid", sa.BigInteger(), server_default=sa.text("(pg_current_xact_id())::text::bigint"), nullable=False
        ),
    )
    op.create_index(op.f("ix_audit_event_txid_id"), "audit_event", ["txid", "id"], unique=False)
    op.execute("""
        CREATE FUNCTION dpv_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('dpv_events', (SELECT max(id)::text FROM new_rows));
            RETURN NULL;
        END
        $$
    """)
    op.execute("""
        CREATE TRIGGER audit_event_notify AFTER INSERT ON audit_event
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dpv_notify_events()
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_event_notify ON audit_event")
    op.execute("DROP FUNCTION dpv_notify_events()")
    op.drop_index(op.f("ix_audit_event_txid_id"), table_name="audit_event")
    op.drop_column("audit_event", "txid")
