"""menu external references: which menu item a POS catalog item (or another system's) is

Revision ID: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "menu_external_refs",
        sa.Column("tenant_id", sa.Uuid, primary_key=True),
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("external_ref", sa.Text, primary_key=True),
        sa.Column("item_id", sa.Uuid, sa.ForeignKey("menu_items.id"), nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("menu_external_refs")
