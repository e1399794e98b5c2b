"""menu sync: whether a menu pull creates our item for a POS item with none (per connection)

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: the default (create); false: only link by name and list the rest as unlinked.
    op.add_column("connection_sync", sa.Column("menu_create_items", sa.Boolean))


def downgrade() -> None:
    op.drop_column("connection_sync", "menu_create_items")
