"""two-way sync: the outbound queue, each connection's sync state (circuit breaker), menu links, the
conflict audit trail and the manual review queue

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
JSON = postgresql.JSONB


def upgrade() -> None:
    op.create_table(
        "outbound_changes",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("connection_id", sa.Uuid, sa.ForeignKey("pos_connections.id"), nullable=False, index=True),
        sa.Column("object_kind", sa.Text, nullable=False),
        sa.Column("object_ref", sa.Text, nullable=False),
        sa.Column("aura_ref", sa.Text),
        sa.Column("change_type", sa.Text, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("source_event_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="queued"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTC_TIME, nullable=False, server_default=sa.func.now()),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTC_TIME, nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", UTC_TIME),
        sa.UniqueConstraint("connection_id", "source_event_id"),
    )
    # The sender's queue: what still waits, per object in order.
    op.create_index("ix_outbound_changes_queued", "outbound_changes", ["connection_id", "object_ref", "seq"],
                    postgresql_where=sa.text("status = 'queued'"))
    op.create_table(
        "connection_sync",
        sa.Column("connection_id", sa.Uuid, sa.ForeignKey("pos_connections.id"), primary_key=True),
        sa.Column("circuit_state", sa.Text, nullable=False, server_default="closed"),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("circuit_openings", sa.Integer, nullable=False, server_default="0"),
        sa.Column("circuit_retry_at", UTC_TIME),
        sa.Column("last_outbound_success_at", UTC_TIME),
        sa.Column("last_outbound_failure_at", UTC_TIME),
        sa.Column("last_outbound_error", sa.Text),
        sa.Column("last_menu_pull_at", UTC_TIME),
        sa.Column("last_menu_error", sa.Text),
        sa.Column("last_menu_unlinked", sa.Integer),
        sa.Column("conflict_policy", JSON),
    )
    op.create_table(
        "menu_links",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("connection_id", sa.Uuid, sa.ForeignKey("pos_connections.id"), nullable=False, index=True),
        sa.Column("pos_item_id", sa.Text, nullable=False),
        sa.Column("pos_variation_id", sa.Text),
        sa.Column("aura_item_id", sa.Text, nullable=False, index=True),
        sa.Column("pos_version", sa.BigInteger),
        sa.Column("pos_values", JSON, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("connection_id", "pos_item_id"),
    )
    for table, extra in (("sync_audit", [
            sa.Column("old_value", JSON), sa.Column("new_value", JSON), sa.Column("winner", sa.Text, nullable=False),
            sa.Column("rule", sa.Text, nullable=False), sa.Column("reason", sa.Text, nullable=False),
            sa.Column("applied", sa.Boolean, nullable=False, server_default=sa.false()),
            sa.Column("at", UTC_TIME, nullable=False, server_default=sa.func.now())]),
            ("sync_reviews", [
            sa.Column("pos_value", JSON), sa.Column("aura_value", JSON), sa.Column("reason", sa.Text, nullable=False),
            sa.Column("status", sa.Text, nullable=False, server_default="open"), sa.Column("choice", sa.Text),
            sa.Column("resolved_by", sa.Text), sa.Column("resolved_at", UTC_TIME),
            sa.Column("created_at", UTC_TIME, nullable=False, server_default=sa.func.now())])):
        op.create_table(
            table,
            sa.Column("id", sa.Uuid, primary_key=True),
            sa.Column("tenant_id", sa.Uuid, nullable=False),
            sa.Column("connection_id", sa.Uuid, sa.ForeignKey("pos_connections.id"), nullable=False, index=True),
            sa.Column("object_kind", sa.Text, nullable=False),
            sa.Column("object_ref", sa.Text, nullable=False),
            sa.Column("aura_ref", sa.Text),
            sa.Column("field", sa.Text, nullable=False),
            *extra,
        )


def downgrade() -> None:
    for table in ("sync_reviews", "sync_audit", "menu_links", "connection_sync"):
        op.drop_table(table)
    op.drop_index("ix_outbound_changes_queued", table_name="outbound_changes")
    op.drop_table("outbound_changes")
