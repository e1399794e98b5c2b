"""tax consumes finalized paychecks into its tax ledger (YTD, W-2, 1099-NEC).

Needs PostgreSQL and Kafka; never Redis (the rule caches are not used here)."""
from __future__ import annotations

from auraconnect.payroll.v1 import events_pb2 as payroll_events
from chassis.config import load_settings
from chassis.consumer import PermanentEventError, Subscription
from chassis.errors import Conflict, InvalidInput
from chassis.events import EventEnvelope
from chassis.runtime import run_consumer

from tax.adapters.paycheck_codec import paycheck_to_dict
from tax.bootstrap import bootstrap
from tax.config import SERVICE, Settings
from tax.service_layer import ledger
from tax.service_layer.ports import TaxUnitOfWork

TOPICS = ["payroll.paycheck.v1"]


def record_finalized_paycheck(uow: TaxUnitOfWork, message: payroll_events.PaycheckFinalized,
                              envelope: EventEnvelope) -> None:
    """A paycheck that cannot be valid, or that contradicts one already recorded, will not get better
    on retry: it is parked in dead_letters (with the reason) for a person to look at."""
    try:
        record = ledger.parse_paycheck(paycheck_to_dict(message))
        ledger.record_paycheck_in(uow, record, "event", envelope.event_id)
    except (InvalidInput, Conflict) as error:
        raise PermanentEventError(str(error)) from None


SUBSCRIPTIONS = {
    payroll_events.PaycheckFinalized.DESCRIPTOR.full_name: Subscription(payroll_events.PaycheckFinalized,
                                                                        record_finalized_paycheck),
}

if __name__ == "__main__":
    config = load_settings(Settings, require=("kafka_bootstrap_servers",))
    run_consumer(SERVICE, bootstrap(config, pool_size=2), TOPICS, SUBSCRIPTIONS)
