"""connections keep Clover's webhook verification code and the polling reconciliation cursor

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = (
    ("webhook_verification_code", sa.Text),
    ("webhook_verification_at", sa.DateTime(timezone=True)),
    ("poll_cursor", sa.Text),
    ("next_poll_at", sa.DateTime(timezone=True)),
    ("last_polled_at", sa.DateTime(timezone=True)),
    ("last_poll_error", sa.Text),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("pos_connections", sa.Column(name, kind))
    # The poller's queue: Clover and Toast connections by when their next poll is due.
    op.create_index("ix_pos_connections_next_poll", "pos_connections", ["next_poll_at"],
                    postgresql_where=sa.text("provider IN ('clover', 'toast') AND active AND deleted_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_pos_connections_next_poll", table_name="pos_connections")
    for name, _ in reversed(COLUMNS):
        op.drop_column("pos_connections", name)
