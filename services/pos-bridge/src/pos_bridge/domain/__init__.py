"""pos-bridge's rules, free of I/O: POS providers, order mapping and sync state as they arrive."""
