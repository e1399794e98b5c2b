"""payroll rule rows (seeded from the packaged JSON), rule revisions, employer tax settings, paycheck ledger

Revision ID: 0002
"""
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from tax.adapters.orm import AMOUNT_COLUMNS
from tax.domain.ledger.records import UNCOLLECTED_FIELDS
from tax.rules import load_rows

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _as_date(value):
    return None if value is None else date.fromisoformat(value)


def upgrade() -> None:
    revisions = op.create_table(
        "rule_revisions",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("domain", sa.Text, nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    rules = op.create_table(
        "payroll_tax_rules",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("jurisdiction", sa.Text, nullable=False),
        sa.Column("tax", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("effective_to", sa.Date),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("data", JSONB(none_as_null=False), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("revision_added", sa.BigInteger, sa.ForeignKey("rule_revisions.id"), nullable=False),
        sa.Column("revision_retired", sa.BigInteger, sa.ForeignKey("rule_revisions.id")),
        sa.CheckConstraint("kind IN ('value', 'brackets')", name="kind"),
    )
    op.create_index("ix_payroll_tax_rules_current", "payroll_tax_rules", ["jurisdiction", "tax", "key"],
                    postgresql_where=sa.text("revision_retired IS NULL"))
    op.add_column("sales_tax_rates", sa.Column("revision_added", sa.BigInteger, sa.ForeignKey("rule_revisions.id")))
    op.add_column("sales_tax_rates", sa.Column("revision_retired", sa.BigInteger, sa.ForeignKey("rule_revisions.id")))

    op.create_table(
        "employer_tax_settings",
        sa.Column("tenant_id", sa.Uuid, primary_key=True),
        sa.Column("round_federal_to_whole_dollars", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("legal_name", sa.Text),
        sa.Column("ein", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("state_employer_ids", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "employer_suta_rates",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("rate", sa.Text, nullable=False),
        sa.Column("wage_base", sa.Text, nullable=False),
        sa.UniqueConstraint("tenant_id", "state", "effective_from",
                            name="uq_employer_suta_rates_tenant_id_state_effective_from"),
    )
    op.create_table(
        "paycheck_ledger",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False),
        sa.Column("employee_id", sa.Uuid, nullable=False),
        sa.Column("paycheck_id", sa.Text, nullable=False),
        sa.Column("tax_year", sa.Integer, nullable=False),
        sa.Column("pay_date", sa.Date, nullable=False),
        sa.Column("worker_type", sa.Text, nullable=False),
        sa.Column("employee_display_name", sa.Text, nullable=False),
        sa.Column("ssn_last4", sa.Text, nullable=False),
        sa.Column("pay_frequency", sa.Text),
        sa.Column("payment_type", sa.Text),
        sa.Column("work_state", sa.Text),
        sa.Column("locality_code", sa.Text),
        sa.Column("locality_resident", sa.Boolean),
        sa.Column("nec_state", sa.Text),
        sa.Column("rules_version", sa.Text, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text),
        sa.Column("finalized_at", sa.DateTime(timezone=True)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        # The columns as of this revision: later revisions add theirs (0003: the uncollected tip taxes).
        *(sa.Column(name, sa.Numeric(14, 2), nullable=False, server_default="0") for name in AMOUNT_COLUMNS
          if name not in UNCOLLECTED_FIELDS),
        sa.UniqueConstraint("tenant_id", "paycheck_id", name="uq_paycheck_ledger_tenant_id_paycheck_id"),
        sa.CheckConstraint("worker_type IN ('employee', 'contractor')", name="worker_type"),
    )
    op.create_index("ix_paycheck_ledger_employee_year", "paycheck_ledger", ["tenant_id", "employee_id", "tax_year"])

    # The packaged rows become revision 1 of the payroll rules; the sales rows of 0001 revision 2.
    now = datetime.now(UTC)
    op.bulk_insert(revisions, [
        {"id": 1, "domain": "payroll", "created_at": now, "created_by": "migration 0002",
         "note": "seed: tax/rules/data/*.json"},
        {"id": 2, "domain": "sales", "created_at": now, "created_by": "migration 0002",
         "note": "seed: tax/rules/sales_data/sales_tax_rates.json (migration 0001)"},
    ])
    op.execute("SELECT setval(pg_get_serial_sequence('rule_revisions', 'id'), 2)")
    op.execute("UPDATE sales_tax_rates SET revision_added = 2")
    op.bulk_insert(rules, [
        {"jurisdiction": row["jurisdiction"], "tax": row["tax"], "key": row["key"],
         "effective_from": _as_date(row["effective_from"]), "effective_to": _as_date(row.get("effective_to")),
         "kind": "brackets" if "brackets" in row else "value",
         "data": row["brackets"] if "brackets" in row else row["value"],
         "source": row["source"], "revision_added": 1}
        for row in load_rows()])


def downgrade() -> None:
    for table in ("paycheck_ledger", "employer_suta_rates", "employer_tax_settings", "payroll_tax_rules"):
        op.drop_table(table)
    op.drop_column("sales_tax_rates", "revision_retired")
    op.drop_column("sales_tax_rates", "revision_added")
    op.drop_table("rule_revisions")
