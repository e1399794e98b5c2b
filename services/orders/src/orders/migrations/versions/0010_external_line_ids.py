"""external line ids: the POS's own id of each line of a POS order (ApplyExternalOrderChange names lines by it)

Revision ID: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("order_lines", sa.Column("external_line_id", sa.Text, nullable=False, server_default=""))
    # Finding a POS order's line by the POS's id: only lines that carry one are indexed.
    op.create_index("ix_order_lines_external", "order_lines", ["order_id", "external_line_id"],
                    postgresql_where=sa.text("external_line_id <> ''"))


def downgrade() -> None:
    op.drop_index("ix_order_lines_external", table_name="order_lines")
    op.drop_column("order_lines", "external_line_id")
