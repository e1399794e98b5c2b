"""tax consumes finalized paychecks into its tax ledger (YTD, W-2) — subscriptions arrive with that domain."""
from chassis.runtime import run_consumer

from tax.config import SERVICE, settings

TOPICS = ["payroll.paycheck.v1"]

if __name__ == "__main__":
    run_consumer(SERVICE, settings(), TOPICS, subscriptions={})
