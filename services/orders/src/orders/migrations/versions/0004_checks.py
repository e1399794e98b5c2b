"""checks: order type, channel, table, guests, business date, version; line seats, courses,
modifiers, voids; the history of every step; the idempotency store

Revision ID: 0004
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The first flow's statuses, renamed (placed -> open, in_kitchen -> sent, completed -> served).
RENAMED = (("placed", "open"), ("in_kitchen", "sent"), ("completed", "served"))


def upgrade() -> None:
    op.add_column("orders", sa.Column("order_type", sa.Text, nullable=False, server_default="dine_in"))
    op.add_column("orders", sa.Column("channel", sa.Text, nullable=False, server_default="counter"))
    op.add_column("orders", sa.Column("table_label", sa.Text, nullable=False, server_default=""))
    op.add_column("orders", sa.Column("guest_count", sa.Integer, nullable=False, server_default="0"))
    op.add_column("orders", sa.Column("notes", sa.Text, nullable=False, server_default=""))
    op.add_column("orders", sa.Column("external_id", sa.Text, nullable=False, server_default=""))
    op.add_column("orders", sa.Column("business_date", sa.Date))
    op.add_column("orders", sa.Column("version", sa.BigInteger, nullable=False, server_default="1"))
    op.add_column("orders", sa.Column("held_courses", postgresql.ARRAY(sa.Text), nullable=False,
                                      server_default="{}"))
    op.execute("UPDATE orders SET business_date = (placed_at AT TIME ZONE 'UTC')::date")
    for old, new in RENAMED:
        op.execute(sa.text("UPDATE orders SET status = :new WHERE status = :old").bindparams(old=old, new=new))
    # CreateOrder is idempotent by (channel, external id): a POS order id enters once.
    op.create_index("uq_orders_channel_external_id", "orders", ["tenant_id", "channel", "external_id"],
                    unique=True, postgresql_where=sa.text("external_id <> ''"))
    # Keyset pagination: newest first within a tenant.
    op.create_index("ix_orders_tenant_placed", "orders", ["tenant_id", sa.text("placed_at DESC"), sa.text("id DESC")])
    op.create_index("ix_orders_tenant_business_date", "orders", ["tenant_id", "location_id", "business_date"])

    op.add_column("order_lines", sa.Column("item_id", sa.Uuid))
    op.add_column("order_lines", sa.Column("modifiers", postgresql.JSONB, nullable=False, server_default="[]"))
    op.add_column("order_lines", sa.Column("seat", sa.Integer))
    op.add_column("order_lines", sa.Column("course", sa.Text, nullable=False, server_default=""))
    op.add_column("order_lines", sa.Column("notes", sa.Text, nullable=False, server_default=""))
    # Lines before checks were priced by the client: open-price lines.
    op.add_column("order_lines", sa.Column("open_price", sa.Boolean, nullable=False, server_default="true"))
    op.add_column("order_lines", sa.Column("kitchen_tags", postgresql.ARRAY(sa.Text), nullable=False,
                                           server_default="{}"))
    op.add_column("order_lines", sa.Column("prep_time_seconds", sa.Integer, nullable=False, server_default="0"))
    op.add_column("order_lines", sa.Column("status", sa.Text, nullable=False, server_default="active"))
    op.add_column("order_lines", sa.Column("void_reason", sa.Text, nullable=False, server_default=""))
    op.add_column("order_lines", sa.Column("addition", sa.Boolean, nullable=False, server_default="false"))
    op.add_column("order_lines", sa.Column("held", sa.Boolean, nullable=False, server_default="false"))

    op.create_table(
        "order_history",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("order_id", sa.Uuid, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("from_status", sa.Text),
        sa.Column("to_status", sa.Text),
        sa.Column("line_id", sa.Uuid),
        sa.Column("course", sa.Text, nullable=False, server_default=""),
        sa.Column("actor_id", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_order_history_order", "order_history", ["order_id", "version"])
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("order_id", sa.Uuid),
        sa.Column("response_status", sa.Integer, nullable=False),
        sa.Column("response_body", postgresql.JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_order_history_order", table_name="order_history")
    op.drop_table("order_history")
    for column in ("held", "addition", "void_reason", "status", "prep_time_seconds", "kitchen_tags", "open_price",
                   "notes", "course", "seat", "modifiers", "item_id"):
        op.drop_column("order_lines", column)
    op.drop_index("ix_orders_tenant_business_date", table_name="orders")
    op.drop_index("ix_orders_tenant_placed", table_name="orders")
    op.drop_index("uq_orders_channel_external_id", table_name="orders")
    # Back to the first flow's names; closed and voided checks did not exist there.
    for old, new in (*RENAMED, ("completed", "closed"), ("cancelled", "voided")):
        op.execute(sa.text("UPDATE orders SET status = :old WHERE status = :new").bindparams(old=old, new=new))
    for column in ("held_courses", "version", "business_date", "external_id", "notes", "guest_count",
                   "table_label", "channel", "order_type"):
        op.drop_column("orders", column)
