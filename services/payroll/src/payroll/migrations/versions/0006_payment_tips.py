"""tips given with payments (one record per payment) and refunded tips (one row per refund)

Revision ID: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"  # tip pools; the lead renumbers at merge if another payroll migration lands first
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An order now has its own tip (source order) and the tips of its payments (source payment).
    op.execute("ALTER TABLE tip_records DROP CONSTRAINT IF EXISTS uq_tip_records_order_id")
    op.execute("ALTER TABLE tip_records DROP CONSTRAINT IF EXISTS tip_records_order_id_key")
    op.create_index("uq_tip_records_order_tip", "tip_records", ["order_id"], unique=True,
                    postgresql_where=sa.text("source = 'order'"))
    op.add_column("tip_records", sa.Column("payment_id", sa.Uuid))
    op.create_unique_constraint("uq_tip_records_payment_id", "tip_records", ["payment_id"])
    op.drop_constraint("ck_tip_records_source_known", "tip_records")
    op.create_check_constraint("source_known", "tip_records", "source IN ('order', 'payment', 'manual', 'pool', 'pool_contribution')")
    op.create_check_constraint("payment_tips_have_payments", "tip_records",
                               "source <> 'payment' OR payment_id IS NOT NULL")
    op.create_table(
        "tip_refunds",
        sa.Column("refund_id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("tip_record_id", sa.Uuid, sa.ForeignKey("tip_records.id"), nullable=False),
        sa.Column("tip_cents", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("tip_cents > 0", name="tip_refund_positive"),
    )
    op.create_index("ix_tip_refunds_tip_record_id", "tip_refunds", ["tip_record_id"])


def downgrade() -> None:
    op.drop_index("ix_tip_refunds_tip_record_id", table_name="tip_refunds")
    op.drop_table("tip_refunds")
    op.execute("DELETE FROM tip_records WHERE source = 'payment'")
    op.drop_constraint("ck_tip_records_payment_tips_have_payments", "tip_records")
    op.drop_constraint("ck_tip_records_source_known", "tip_records")
    op.create_check_constraint("source_known", "tip_records",
                               "source IN ('order', 'manual', 'pool', 'pool_contribution')")
    op.drop_constraint("uq_tip_records_payment_id", "tip_records")
    op.drop_column("tip_records", "payment_id")
    op.drop_index("uq_tip_records_order_tip", table_name="tip_records")
    op.create_unique_constraint("uq_tip_records_order_id", "tip_records", ["order_id"])
