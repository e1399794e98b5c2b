from chassis.runtime import run_relay

from orders.config import SERVICE, settings

if __name__ == "__main__":
    run_relay(SERVICE, settings())
