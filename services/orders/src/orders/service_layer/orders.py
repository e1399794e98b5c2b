"""The order use cases live in `checks.py` (a check is an order that lives through service); this
module keeps the names other code imported before checks."""
from orders.service_layer.checks import (  # noqa: F401 - re-exported
    TOPIC,
    cancel_order,
    change_status,
    get_order,
    place_order,
)
