"""paycheck ledger: uncollected social security / Medicare on tips (W-2 box 12 codes A and B)

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ("uc_social_security", "uc_medicare")  # tax.domain.ledger.records.UNCOLLECTED_FIELDS, frozen here


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("paycheck_ledger", sa.Column(name, sa.Numeric(14, 2), nullable=False, server_default="0"))


def downgrade() -> None:
    for name in COLUMNS:
        op.drop_column("paycheck_ledger", name)
