"""manual tip entries (declared cash tips, corrections): no order behind them

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("tip_records", "order_id", nullable=True)
    op.add_column("tip_records", sa.Column("source", sa.Text, nullable=False, server_default="order"))
    op.add_column("tip_records", sa.Column("note", sa.Text, nullable=False, server_default=""))
    op.add_column("tip_records", sa.Column("entered_by", sa.Uuid))
    op.create_check_constraint("source_known", "tip_records", "source IN ('order', 'manual')")
    op.create_check_constraint("order_tips_have_orders", "tip_records", "source = 'manual' OR order_id IS NOT NULL")


def downgrade() -> None:
    op.execute("DELETE FROM tip_records WHERE source = 'manual'")
    op.drop_constraint("ck_tip_records_order_tips_have_orders", "tip_records")
    op.drop_constraint("ck_tip_records_source_known", "tip_records")
    for column in ("entered_by", "note", "source"):
        op.drop_column("tip_records", column)
    op.alter_column("tip_records", "order_id", nullable=False)
