"""line discounts: which pricing rule gave how much on each check line, and the line's menu category

Revision ID: 0008
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # [{"rule_id": ..., "rule_name": ..., "amount_cents": ...}]: the automatic part of discount_cents.
    op.add_column("order_lines", sa.Column("discounts", postgresql.JSONB, nullable=False, server_default="[]"))
    # The menu category of the item (pricing rules target tax categories and menu categories alike).
    op.add_column("order_lines", sa.Column("menu_category_id", sa.Uuid))


def downgrade() -> None:
    op.drop_column("order_lines", "menu_category_id")
    op.drop_column("order_lines", "discounts")
