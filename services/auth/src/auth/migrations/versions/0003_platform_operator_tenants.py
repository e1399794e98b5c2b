"""platform-operator tenants: only their users can carry the platform operator role's permissions

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Set only by the operator's command (create_tenant --platform-operator); no API changes it.
    op.add_column("tenants", sa.Column("platform_operator", sa.Boolean, nullable=False,
                                       server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("tenants", "platform_operator")
