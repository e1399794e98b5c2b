"""menu generation: one counter every write to the menu or the pricing rules bumps (by trigger), so
a process may cache what prices an order and know, with one cheap read per transaction, when not to

Revision ID: 0011
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Every table whose rows price an order line (orders.adapters.menu_cache caches reads of them).
PRICED_BY = ("menu_categories", "menu_items", "menu_modifier_groups", "menu_modifier_options", "menu_overrides",
             "pricing_rules")


def upgrade() -> None:
    op.execute("CREATE TABLE menu_generation (id INTEGER PRIMARY KEY CHECK (id = 1), generation BIGINT NOT NULL)")
    op.execute("INSERT INTO menu_generation VALUES (1, 1)")
    # A trigger, not code in each use case: no write path (a new one, a data fix in psql) can forget it.
    # Statement level: one bump per statement, whatever the rows; the bump commits with the write.
    # search_path FROM CURRENT: the function finds the table of the schema it was created in.
    op.execute("""
        CREATE FUNCTION bump_menu_generation() RETURNS trigger LANGUAGE plpgsql
        SET search_path FROM CURRENT AS $$
        BEGIN UPDATE menu_generation SET generation = generation + 1 WHERE id = 1; RETURN NULL; END $$
    """)
    for table in PRICED_BY:
        op.execute(f"CREATE TRIGGER {table}_bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
                   " FOR EACH STATEMENT EXECUTE FUNCTION bump_menu_generation()")


def downgrade() -> None:
    for table in PRICED_BY:
        op.execute(f"DROP TRIGGER {table}_bump_generation ON {table}")
    op.execute("DROP FUNCTION bump_menu_generation()")
    op.execute("DROP TABLE menu_generation")
