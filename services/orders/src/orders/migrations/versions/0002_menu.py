"""menu: categories, items, modifier groups and options, per-location overrides

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("deleted_at", sa.DateTime(timezone=True))]


def upgrade() -> None:
    op.create_table(
        "menu_categories",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        *_timestamps(),
    )
    op.create_table(
        "menu_items",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("category_id", sa.Uuid, sa.ForeignKey("menu_categories.id"), nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("price_cents", sa.BigInteger, nullable=False),
        sa.Column("tax_category", sa.Text, nullable=False),
        sa.Column("kitchen_tags", sa.ARRAY(sa.Text), nullable=False),
        sa.Column("prep_time_seconds", sa.Integer, nullable=False),
        sa.Column("allergens", sa.ARRAY(sa.Text), nullable=False),
        sa.Column("course", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("modifier_group_ids", sa.ARRAY(sa.Uuid), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        *_timestamps(),
        sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
    )
    op.create_table(
        "menu_modifier_groups",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("min_selections", sa.Integer, nullable=False),
        sa.Column("max_selections", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        *_timestamps(),
        sa.CheckConstraint("0 <= min_selections AND min_selections <= max_selections", name="selections"),
    )
    op.create_table(
        "menu_modifier_options",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("group_id", sa.Uuid, sa.ForeignKey("menu_modifier_groups.id"), nullable=False, index=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("price_delta_cents", sa.BigInteger, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("opens_group_id", sa.Uuid),
    )
    op.create_table(
        "menu_overrides",
        sa.Column("tenant_id", sa.Uuid, primary_key=True),
        sa.Column("location_id", sa.Uuid, primary_key=True),
        sa.Column("target_type", sa.Text, primary_key=True),
        sa.Column("target_id", sa.Uuid, primary_key=True),
        sa.Column("price_cents", sa.BigInteger),
        sa.Column("available", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("target_type IN ('item', 'option')", name="target_type"),
    )


def downgrade() -> None:
    op.drop_table("menu_overrides")
    op.drop_table("menu_modifier_options")
    op.drop_table("menu_modifier_groups")
    op.drop_table("menu_items")
    op.drop_table("menu_categories")
