from alembic import context
from chassis.migrations import run_env

from auth.adapters.orm import Base

run_env(context, Base.metadata)
