from alembic import context
from chassis.migrations import run_env

from payroll.adapters.orm import Base

run_env(context, Base.metadata)
