"""payments: payments, split checks, refunds, settlement imports (reconciliation)

Revision ID: 0006
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("order_id", sa.Uuid, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("tender", sa.Text, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("tip_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("tendered_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("change_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("card_brand", sa.Text, nullable=False, server_default=""),
        sa.Column("card_last4", sa.Text, nullable=False, server_default=""),
        sa.Column("processor_reference", sa.Text, nullable=False, server_default=""),
        sa.Column("external_reference", sa.Text, nullable=False, server_default=""),
        sa.Column("split_id", sa.Uuid),
        sa.Column("seat", sa.Integer),
        sa.Column("server_staff_id", sa.Uuid, nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Text, nullable=False),
        sa.Column("refunded_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("refunded_tip_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.CheckConstraint("tender IN ('cash', 'card', 'gift_card', 'external')", name="payment_tender_known"),
        sa.CheckConstraint("amount_cents > 0 AND tip_cents >= 0 AND change_cents >= 0", name="payment_amounts"),
        # Never more given back than was paid (the service checks first; this is the last line).
        sa.CheckConstraint("refunded_cents BETWEEN 0 AND amount_cents AND refunded_tip_cents BETWEEN 0 AND tip_cents",
                           name="payment_refund_cap"),
        sa.CheckConstraint("card_last4 ~ '^([0-9]{4})?$'", name="payment_last4_only"),
    )
    op.create_index("ix_payments_order_id", "payments", ["order_id"])
    op.create_index("ix_payments_tenant_location_day", "payments", ["tenant_id", "location_id", "business_date"])
    op.create_index("ix_payments_tenant_processor_reference", "payments", ["tenant_id", "processor_reference"])
    # RecordPayment is idempotent by (tender, external reference): a POS payment enters once.
    op.create_index("uq_payments_external_reference", "payments", ["tenant_id", "tender", "external_reference"],
                    unique=True, postgresql_where=sa.text("external_reference <> ''"))
    op.create_table(
        "order_splits",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("order_id", sa.Uuid, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("seat", sa.Integer),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("order_total_cents", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_order_splits_order_id", "order_splits", ["order_id"])
    op.create_table(
        "refunds",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("order_id", sa.Uuid, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("payment_id", sa.Uuid, sa.ForeignKey("payments.id"), nullable=False),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("tip_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("line_ids", postgresql.ARRAY(sa.Uuid), nullable=False, server_default="{}"),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor_id", sa.Text, nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents >= 0 AND tip_cents >= 0 AND amount_cents + tip_cents > 0",
                           name="refund_amounts"),
    )
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])
    op.create_index("ix_refunds_payment_id", "refunds", ["payment_id"])
    op.create_index("ix_refunds_tenant_location_day", "refunds", ["tenant_id", "location_id", "business_date"])
    op.create_table(
        "settlement_imports",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("file_sha256", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False, server_default="processor"),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("actor_id", sa.Text, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        # The same file for the same location and day is imported once; importing it again changes nothing.
        sa.UniqueConstraint("tenant_id", "location_id", "business_date", "file_sha256",
                            name="uq_settlement_imports_file"),
    )
    op.create_table(
        "settlement_rows",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("import_id", sa.Uuid, sa.ForeignKey("settlement_imports.id"), nullable=False),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("processor_reference", sa.Text, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("tip_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("settled_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_settlement_rows_import_id", "settlement_rows", ["import_id"])


def downgrade() -> None:
    op.drop_index("ix_settlement_rows_import_id", table_name="settlement_rows")
    op.drop_table("settlement_rows")
    op.drop_table("settlement_imports")
    for index in ("ix_refunds_tenant_location_day", "ix_refunds_payment_id", "ix_refunds_order_id"):
        op.drop_index(index, table_name="refunds")
    op.drop_table("refunds")
    op.drop_index("ix_order_splits_order_id", table_name="order_splits")
    op.drop_table("order_splits")
    for index in ("uq_payments_external_reference", "ix_payments_tenant_processor_reference",
                  "ix_payments_tenant_location_day", "ix_payments_order_id"):
        op.drop_index(index, table_name="payments")
    op.drop_table("payments")
