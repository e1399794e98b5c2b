"""staff members, employer settings, shifts (time clock), punch edits (audit), timesheets

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("deleted_at", sa.DateTime(timezone=True))]


def upgrade() -> None:
    op.create_table(
        "employer_settings",
        sa.Column("tenant_id", sa.Uuid, primary_key=True),
        sa.Column("workweek_start_day", sa.Text, nullable=False),
        sa.Column("pay_frequency", sa.Text, nullable=False),
        sa.Column("period_anchor", sa.Date, nullable=False),
        sa.Column("break_premiums", sa.Boolean, nullable=False, server_default=sa.false()),
        *_stamps(),
        sa.CheckConstraint("pay_frequency IN ('weekly', 'biweekly')", name="pay_frequency_known"),
    )
    op.create_table(
        "staff_members",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("user_id", sa.Uuid),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("pin_hash", sa.Text),
        sa.Column("home_location_id", sa.Uuid, nullable=False),
        sa.Column("work_location_ids", JSONB, nullable=False),
        sa.Column("jobs", JSONB, nullable=False),
        sa.Column("pay_frequency", sa.Text, nullable=False),
        sa.Column("tax_forms", JSONB, nullable=False),
        sa.Column("ssn_sealed", sa.LargeBinary),
        sa.Column("ssn_last4", sa.Text),
        sa.Column("bank_sealed", sa.LargeBinary),
        sa.Column("bank_last4", sa.Text),
        *_stamps(),
        sa.UniqueConstraint("tenant_id", "user_id", name="one_staff_record_per_user"),
        sa.CheckConstraint("user_id IS NOT NULL OR pin_hash IS NOT NULL", name="can_clock_in"),
    )
    op.create_table(
        "shifts",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("staff_id", sa.Uuid, nullable=False, index=True),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("job_code", sa.Text, nullable=False),
        sa.Column("time_zone", sa.Text, nullable=False),
        sa.Column("clock_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clock_out_at", sa.DateTime(timezone=True)),
        sa.Column("breaks", JSONB, nullable=False),
        *_stamps(),
        sa.CheckConstraint("clock_out_at IS NULL OR clock_out_at > clock_in_at", name="out_after_in"),
    )
    # At most one open shift per staff member: a second clock-in loses the race here, not in the data.
    op.create_index("one_open_shift_per_staff", "shifts", ["tenant_id", "staff_id"], unique=True,
                    postgresql_where=sa.text("clock_out_at IS NULL AND deleted_at IS NULL"))
    op.create_table(
        "punch_edits",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("shift_id", sa.Uuid, nullable=False, index=True),
        sa.Column("edited_by", sa.Uuid, nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", JSONB, nullable=False),
        sa.Column("after", JSONB, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_table(
        "timesheets",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("staff_id", sa.Uuid, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("approved_by", sa.Uuid),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("history", JSONB, nullable=False),
        *_stamps(),
        sa.UniqueConstraint("tenant_id", "staff_id", "period_start", name="one_timesheet_per_period"),
        sa.CheckConstraint("status IN ('open', 'approved')", name="status_known"),
    )


def downgrade() -> None:
    op.drop_table("timesheets")
    op.drop_table("punch_edits")
    op.drop_index("one_open_shift_per_staff", table_name="shifts")
    op.drop_table("shifts")
    op.drop_table("staff_members")
    op.drop_table("employer_settings")
