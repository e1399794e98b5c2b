from alembic import context
from chassis.migrations import run_env

from orders.adapters.orm import Base

run_env(context, Base.metadata)
