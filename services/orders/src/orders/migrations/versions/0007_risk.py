"""risk review: rule settings per tenant, observations the rules count, cases (the review queue)

Revision ID: 0007
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_settings",
        sa.Column("tenant_id", sa.Uuid, primary_key=True),
        sa.Column("document", postgresql.JSONB, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "risk_observations",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("staff_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("shift_key", sa.Text, nullable=False),
        sa.Column("card_ref", sa.Text, nullable=False, server_default=""),
        sa.Column("amount_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("discounted_lines", sa.Integer, nullable=False, server_default="0"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_risk_observations_staff_shift", "risk_observations",
                    ["tenant_id", "staff_id", "shift_key", "kind"])
    op.create_index("ix_risk_observations_order", "risk_observations", ["tenant_id", "order_id"])
    op.create_index("ix_risk_observations_card", "risk_observations", ["tenant_id", "card_ref", "at"],
                    postgresql_where=sa.text("card_ref <> ''"))
    op.create_table(
        "risk_cases",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("subject_kind", sa.Text, nullable=False),
        sa.Column("subject_key", sa.Text, nullable=False),
        sa.Column("order_id", sa.Uuid),
        sa.Column("staff_id", sa.Uuid),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("held", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("hits", postgresql.JSONB, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_by", sa.Text, nullable=False, server_default=""),
        sa.Column("resolution_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("tenant_id", "subject_kind", "subject_key", name="uq_risk_cases_subject"),
        sa.CheckConstraint("status IN ('watching', 'open', 'confirmed', 'dismissed')", name="risk_case_status"),
    )
    op.create_index("ix_risk_cases_queue", "risk_cases", ["tenant_id", "status", "flagged_at", "id"])
    # The order's usual total (trailing days at a location) is read from orders: closed ones by time.
    op.create_index("ix_orders_location_closed_placed", "orders", ["tenant_id", "location_id", "placed_at"],
                    postgresql_where=sa.text("status = 'closed'"))


def downgrade() -> None:
    op.drop_index("ix_orders_location_closed_placed", table_name="orders")
    op.drop_index("ix_risk_cases_queue", table_name="risk_cases")
    op.drop_table("risk_cases")
    op.drop_index("ix_risk_observations_card", table_name="risk_observations")
    op.drop_index("ix_risk_observations_order", table_name="risk_observations")
    op.drop_index("ix_risk_observations_staff_shift", table_name="risk_observations")
    op.drop_table("risk_observations")
    op.drop_table("risk_settings")
