# The real-stack fixtures (infra, platform) and the fake POS servers (square, clover, toast) for every
# test directory.
pytest_plugins = ["devstack.testing", "posfakes.testing"]
