"""Contract-faithful fake POS servers (Square first) as real HTTP servers, for tests and `make up`."""
