"""sales tax rate tables with the seeded jurisdictions, location tax areas, outbox

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op
from chassis.migrations import create_messaging_tables, drop_messaging_tables

from tax.rules.sales_data import load_sales_rows

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

RATE_COLUMNS = ("jurisdiction_id", "name", "level", "rate", "rate_prepared_food", "rate_alcohol",
                "rate_grocery", "effective_from", "effective_to", "rounding", "source")


def upgrade() -> None:
    create_messaging_tables(op)
    rates = op.create_table(
        "sales_tax_rates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("jurisdiction_id", sa.Text, nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("rate", sa.Text, nullable=False),
        sa.Column("rate_prepared_food", sa.Text),
        sa.Column("rate_alcohol", sa.Text),
        sa.Column("rate_grocery", sa.Text),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("effective_to", sa.Date),
        sa.Column("rounding", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
    )
    areas = op.create_table(
        "tax_area_jurisdictions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tax_area", sa.Text, nullable=False, index=True),
        sa.Column("jurisdiction_id", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.UniqueConstraint("tax_area", "jurisdiction_id", name="uq_tax_area_jurisdictions_tax_area_jurisdiction_id"),
    )
    op.create_table(
        "location_tax_areas",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.Uuid, nullable=False, index=True),
        sa.Column("location_id", sa.Uuid, nullable=False),
        sa.Column("tax_area", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("tenant_id", "location_id", name="uq_location_tax_areas_tenant_id_location_id"),
    )
    seed = load_sales_rows()
    from datetime import date

    def as_date(value):
        return None if value is None else date.fromisoformat(value)

    op.bulk_insert(rates, [
        {**{c: row.get(c) for c in RATE_COLUMNS},
         "effective_from": as_date(row["effective_from"]), "effective_to": as_date(row.get("effective_to"))}
        for row in seed.jurisdiction_rates])
    op.bulk_insert(areas, [{"tax_area": row["location_id"], "jurisdiction_id": row["jurisdiction_id"],
                            "source": row.get("source", "")} for row in seed.location_jurisdictions])


def downgrade() -> None:
    for table in ("location_tax_areas", "tax_area_jurisdictions", "sales_tax_rates"):
        op.drop_table(table)
    drop_messaging_tables(op)
