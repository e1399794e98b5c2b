"""custom roles, refresh tokens, audit log, key rotation states, user password/lockout fields

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("deleted_at", sa.DateTime(timezone=True))]


def upgrade() -> None:
    op.add_column("users", sa.Column("password_changed_at", sa.DateTime(timezone=True)))
    # A soft-deleted user must not keep its e-mail address from being used again.
    op.drop_constraint("uq_users_tenant_id_email", "users", type_="unique")
    op.create_index("uq_users_tenant_email_live", "users", ["tenant_id", "email"], unique=True,
                    postgresql_where=sa.text("deleted_at IS NULL"))
    op.add_column("signing_keys", sa.Column("superseded_at", sa.DateTime(timezone=True)))

    op.create_table(
        "roles",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("permissions", ARRAY(sa.Text), nullable=False, server_default="{}"),
        *_timestamps(),
    )
    op.create_index("uq_roles_tenant_name_live", "roles", ["tenant_id", "name"], unique=True,
                    postgresql_where=sa.text("deleted_at IS NULL"))

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("family_id", sa.Uuid, nullable=False, index=True),
        sa.Column("token_hash", sa.LargeBinary, nullable=False, unique=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("family_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoke_reason", sa.Text),
        *_timestamps(),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid, index=True),
        sa.Column("actor_id", sa.Text, nullable=False, server_default=""),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("subject_type", sa.Text, nullable=False, server_default=""),
        sa.Column("subject_id", sa.Text, nullable=False, server_default=""),
        sa.Column("outcome", sa.Text, nullable=False, server_default="success"),
        sa.Column("client_address", sa.Text, nullable=False, server_default=""),
        sa.Column("details", JSONB, nullable=False, server_default="{}"),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        *_timestamps(),
    )
    op.create_index("ix_audit_log_tenant_occurred", "audit_log", ["tenant_id", "occurred_at"])
    # Append-only: the service's own role owns the table, so REVOKE would not bind it; a trigger does.
    op.execute("""
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$
    """)
    op.execute("""
        CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_no_change ON audit_log")
    op.execute("DROP FUNCTION audit_log_append_only()")
    for table in ("audit_log", "refresh_tokens", "roles"):
        op.drop_table(table)
    op.drop_column("signing_keys", "superseded_at")
    op.drop_index("uq_users_tenant_email_live", "users")
    op.create_unique_constraint("uq_users_tenant_id_email", "users", ["tenant_id", "email"])
    op.drop_column("users", "password_changed_at")
