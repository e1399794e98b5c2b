"""pricing rules

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pricing_rules",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("location_id", sa.Uuid),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("effect", postgresql.JSONB, nullable=False),
        sa.Column("item_ids", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("categories", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("windows", postgresql.JSONB, nullable=False),
        sa.Column("min_quantity", sa.Integer, nullable=False),
        sa.Column("starts_on", sa.Date),
        sa.Column("ends_on", sa.Date),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("exclusive", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("min_quantity >= 1 AND version >= 1", name="pricing_rule_counts_positive"),
        sa.CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="pricing_rule_dates"),
    )
    op.create_index("ix_pricing_rules_tenant_id_location_id", "pricing_rules", ["tenant_id", "location_id"])


def downgrade() -> None:
    op.drop_index("ix_pricing_rules_tenant_id_location_id", table_name="pricing_rules")
    op.drop_table("pricing_rules")
