"""kitchen display: stations, routing rules, tickets, the per-location change log the screens stream

Revision ID: 0005
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kitchen_stations",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("warn_after_seconds", sa.Integer, nullable=False),
        sa.Column("late_after_seconds", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_kitchen_stations_location_id", "kitchen_stations", ["location_id"])
    op.create_table(
        "kitchen_routes",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("station_id", sa.Uuid, sa.ForeignKey("kitchen_stations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("match_kind", sa.Text, nullable=False),
        sa.Column("match_value", sa.Text, nullable=False),
        sa.UniqueConstraint("location_id", "match_kind", "match_value",
                            name="uq_kitchen_routes_location_id_match_kind_match_value"),
    )
    op.create_index("ix_kitchen_routes_location_id", "kitchen_routes", ["location_id"])
    op.create_table(
        "kitchen_tickets",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("station_id", sa.Uuid, nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("rush", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("header", postgresql.JSONB, nullable=False),
        sa.Column("items", postgresql.JSONB, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True)),
        sa.Column("bumped_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_kitchen_tickets_order_id", "kitchen_tickets", ["order_id"])
    # The screens read a location's open tickets (and the recently bumped ones).
    op.create_index("ix_kitchen_tickets_open", "kitchen_tickets", ["location_id", "station_id"],
                    postgresql_where=sa.text("state <> 'done'"))
    op.create_index("ix_kitchen_tickets_bumped", "kitchen_tickets", ["location_id", "bumped_at"],
                    postgresql_where=sa.text("state = 'done'"))
    op.create_table(
        "kitchen_locations",
        sa.Column("location_id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("last_sequence", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("busy_level", sa.Text, nullable=False, server_default="quiet"),
        sa.Column("quote_step", sa.Integer, nullable=False, server_default="0"),
        sa.Column("config_version", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "kitchen_changes",
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("ticket_id", sa.Uuid, nullable=False),
        sa.Column("station_id", sa.Uuid, nullable=False),
        sa.Column("payload", postgresql.JSONB, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("location_id", "sequence", name="pk_kitchen_changes"),
    )
    op.create_index("ix_kitchen_changes_at", "kitchen_changes", ["at"])


def downgrade() -> None:
    op.drop_index("ix_kitchen_changes_at", table_name="kitchen_changes")
    op.drop_table("kitchen_changes")
    op.drop_table("kitchen_locations")
    op.drop_index("ix_kitchen_tickets_bumped", table_name="kitchen_tickets")
    op.drop_index("ix_kitchen_tickets_open", table_name="kitchen_tickets")
    op.drop_index("ix_kitchen_tickets_order_id", table_name="kitchen_tickets")
    op.drop_table("kitchen_tickets")
    op.drop_index("ix_kitchen_routes_location_id", table_name="kitchen_routes")
    op.drop_table("kitchen_routes")
    op.drop_index("ix_kitchen_stations_location_id", table_name="kitchen_stations")
    op.drop_table("kitchen_stations")
