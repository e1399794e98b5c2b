"""standing deductions on staff records (pre-tax 401(k)/403(b)/section 125/HSA, post-tax garnishment/loan)

Revision ID: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"  # payment tips; the lead renumbers at merge if another payroll migration lands first
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_deductions",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("staff_id", sa.Uuid, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("amount", sa.Text),
        sa.Column("percent", sa.Text),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("ended_by", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("(amount IS NULL) <> (percent IS NULL)", name="amount_or_percent"),
    )
    op.create_index("ix_staff_deductions_tenant_staff", "staff_deductions", ["tenant_id", "staff_id"])


def downgrade() -> None:
    op.drop_table("staff_deductions")
