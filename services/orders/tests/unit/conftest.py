from __future__ import annotations

import pytest

from services.orders.tests.unit.fakes import FakeLocations, FakeOrdersUnitOfWork, FakeTax, FixedClock, SequentialIds


@pytest.fixture
def uow() -> FakeOrdersUnitOfWork:
    return FakeOrdersUnitOfWork()


@pytest.fixture
def tax() -> FakeTax:
    return FakeTax()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def locations() -> FakeLocations:
    return FakeLocations()
