# The real-stack fixtures (infra, platform) for every test directory.
pytest_plugins = ["devstack.testing"]
