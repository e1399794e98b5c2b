"""tip pools: a policy per location, a run per location and workweek, pool records among the tips

Tip records gain two sources: `pool` (a share received, positive) and `pool_contribution` (paid into
the pool, negative), both pointing at their run; summed per staff member and workweek they give the tips
the weekly top-up counts.

Revision ID: 0005
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"  # after the pay runs (merged beside each other, both written on 0003)
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("deleted_at", sa.DateTime(timezone=True))]


def upgrade() -> None:
    op.create_table(
        "tip_pool_policies",
        sa.Column("tenant_id", sa.Uuid, primary_key=True),
        sa.Column("location_id", sa.Uuid, primary_key=True),
        sa.Column("policy", JSONB, nullable=False),
        sa.Column("updated_by", sa.Uuid),
        *_stamps(),
    )
    op.create_table(
        "tip_pool_runs",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("workweek_start", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("pool_cents", sa.BigInteger, nullable=False),
        sa.Column("result", JSONB, nullable=False),
        sa.Column("distributed_by", sa.Uuid),
        sa.Column("distributed_at", sa.DateTime(timezone=True), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("tenant_id", "location_id", "workweek_start", name="one_pool_per_workweek"),
        sa.CheckConstraint("pool_cents >= 0", name="pool_not_negative"),
    )
    op.add_column("tip_records", sa.Column("pool_run_id", sa.Uuid))
    op.create_index("ix_tip_records_pool_run_id", "tip_records", ["pool_run_id"])
    op.drop_constraint("ck_tip_records_source_known", "tip_records")
    op.create_check_constraint("source_known", "tip_records",
                               "source IN ('order', 'manual', 'pool', 'pool_contribution')")
    op.drop_constraint("ck_tip_records_order_tips_have_orders", "tip_records")
    op.create_check_constraint("order_tips_have_orders", "tip_records", "source <> 'order' OR order_id IS NOT NULL")
    op.create_check_constraint("pool_rows_have_runs", "tip_records",
                               "source NOT IN ('pool', 'pool_contribution') OR pool_run_id IS NOT NULL")
    op.drop_constraint("ck_tip_records_tip_not_negative", "tip_records")
    op.create_check_constraint("tip_not_negative", "tip_records",
                               "CASE WHEN source = 'pool_contribution' THEN tip_cents <= 0 ELSE tip_cents >= 0 END")


def downgrade() -> None:
    op.execute("DELETE FROM tip_records WHERE source IN ('pool', 'pool_contribution')")
    op.drop_constraint("ck_tip_records_tip_not_negative", "tip_records")
    op.create_check_constraint("tip_not_negative", "tip_records", "tip_cents >= 0")
    op.drop_constraint("ck_tip_records_pool_rows_have_runs", "tip_records")
    op.drop_constraint("ck_tip_records_order_tips_have_orders", "tip_records")
    op.create_check_constraint("order_tips_have_orders", "tip_records", "source = 'manual' OR order_id IS NOT NULL")
    op.drop_constraint("ck_tip_records_source_known", "tip_records")
    op.create_check_constraint("source_known", "tip_records", "source IN ('order', 'manual')")
    op.drop_index("ix_tip_records_pool_run_id", table_name="tip_records")
    op.drop_column("tip_records", "pool_run_id")
    op.drop_table("tip_pool_runs")
    op.drop_table("tip_pool_policies")
