"""pay runs (per pay period and location group), their jobs (the worker's queue), one item per employee
(the previewed paycheck), and finalized paychecks (exactly one per run and employee)

Revision ID: 0004
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("deleted_at", sa.DateTime(timezone=True))]


def upgrade() -> None:
    op.create_table(
        "pay_runs",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("pay_date", sa.Date, nullable=False),
        sa.Column("pay_frequency", sa.Text, nullable=False),
        sa.Column("locations", JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("approved_by", sa.Text),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("finalized_at", sa.DateTime(timezone=True)),
        sa.Column("totals", JSONB, nullable=False),
        sa.Column("error", sa.Text),
        *_stamps(),
        sa.CheckConstraint("status IN ('previewing', 'previewed', 'approved', 'finalizing', 'completed', 'failed')",
                           name="pay_run_status_known"),
    )
    op.create_table(
        "pay_run_jobs",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("run_id", sa.Uuid, sa.ForeignKey("pay_runs.id"), nullable=False, index=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.Text),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True)),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("error", sa.Text),
        sa.CheckConstraint("kind IN ('preview', 'finalize')", name="pay_run_job_kind_known"),
        sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="pay_run_job_status_known"),
    )
    # The worker's claim query: the oldest claimable job (queued, or running with an expired lease).
    op.create_index("pay_run_jobs_claimable", "pay_run_jobs", ["enqueued_at"],
                    postgresql_where=sa.text("status IN ('queued', 'running')"))
    op.create_table(
        "pay_run_items",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("run_id", sa.Uuid, sa.ForeignKey("pay_runs.id"), nullable=False),
        sa.Column("staff_id", sa.Uuid, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("request", JSONB, nullable=False),
        sa.Column("result", JSONB),
        sa.Column("error", JSONB),
        sa.Column("net_pay_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("gross_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.UniqueConstraint("run_id", "staff_id", name="one_item_per_run_and_employee"),
        sa.CheckConstraint("status IN ('previewed', 'error', 'finalized')", name="pay_run_item_status_known"),
    )
    op.create_table(
        "paychecks",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("run_id", sa.Uuid, sa.ForeignKey("pay_runs.id"), nullable=False),
        sa.Column("staff_id", sa.Uuid, nullable=False, index=True),
        sa.Column("pay_date", sa.Date, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("net_pay_cents", sa.BigInteger, nullable=False),
        sa.Column("gross_cents", sa.BigInteger, nullable=False),
        sa.Column("result", JSONB, nullable=False),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=False),
        # Exactly once: a retried or resumed finalization can never pay an employee twice in a run.
        sa.UniqueConstraint("run_id", "staff_id", name="one_paycheck_per_run_and_employee"),
    )


def downgrade() -> None:
    op.drop_table("paychecks")
    op.drop_table("pay_run_items")
    op.drop_index("pay_run_jobs_claimable", table_name="pay_run_jobs")
    op.drop_table("pay_run_jobs")
    op.drop_table("pay_runs")
