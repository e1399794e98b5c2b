"""connections carry their POS account and sealed secrets; inbound events and fetched POS orders

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CONNECTION_COLUMNS = ("external_merchant_id", "external_location_id", "api_base_url", "credentials_sealed",
                      "webhook_notification_url", "webhook_signature_key_sealed")


def upgrade() -> None:
    # Nullable: connections made before this revision have no POS account yet (they get one by being
    # created again through the API).
    op.add_column("pos_connections", sa.Column("external_merchant_id", sa.Text))
    op.add_column("pos_connections", sa.Column("external_location_id", sa.Text))
    op.add_column("pos_connections", sa.Column("api_base_url", sa.Text))
    op.add_column("pos_connections", sa.Column("credentials_sealed", sa.LargeBinary))
    op.add_column("pos_connections", sa.Column("webhook_notification_url", sa.Text))
    op.add_column("pos_connections", sa.Column("webhook_signature_key_sealed", sa.LargeBinary))
    op.create_table(
        "inbound_events",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("connection_id", sa.Uuid, sa.ForeignKey("pos_connections.id"), nullable=False, index=True),
        sa.Column("provider", sa.Text, nullable=False),
        sa.Column("provider_event_id", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("object_id", sa.Text),
        sa.Column("object_version", sa.BigInteger),
        sa.Column("occurred_at", sa.DateTime(timezone=True)),
        sa.Column("payload", postgresql.JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="received"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_error", sa.Text),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("processed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("connection_id", "provider_event_id"),
        sa.CheckConstraint("status IN ('received', 'fetched', 'created', 'stale', 'ignored', 'failed')",
                           name="status_known"),
    )
    # The worker's queue: only what still waits, in arrival order.
    op.create_index("ix_inbound_events_due", "inbound_events", ["next_attempt_at", "received_at"],
                    postgresql_where=sa.text("status = 'received'"))
    op.create_table(
        "pos_orders",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("connection_id", sa.Uuid, sa.ForeignKey("pos_connections.id"), nullable=False, index=True),
        sa.Column("provider", sa.Text, nullable=False),
        sa.Column("provider_order_id", sa.Text, nullable=False),
        sa.Column("version", sa.BigInteger),
        sa.Column("provider_updated_at", sa.DateTime(timezone=True)),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("order", postgresql.JSONB, nullable=False),
        sa.Column("aura_order_id", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default="fetched"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("connection_id", "provider_order_id"),
    )


def downgrade() -> None:
    op.drop_table("pos_orders")
    op.drop_index("ix_inbound_events_due", table_name="inbound_events")
    op.drop_table("inbound_events")
    for column in reversed(CONNECTION_COLUMNS):
        op.drop_column("pos_connections", column)
