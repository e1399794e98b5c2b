"""tip records, outbox, processed events

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op
from chassis.migrations import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "tip_records",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("staff_id", sa.Uuid, nullable=False, index=True),
        sa.Column("order_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("tip_cents", sa.BigInteger, nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("tip_cents >= 0", name="tip_not_negative"),
    )


def downgrade() -> None:
    op.drop_table("tip_records")
    drop_messaging_tables(op)
