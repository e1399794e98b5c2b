import pytest
from auth.domain.passwords import hash_password, password_problem, verify_password

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("password", ["password", "Password123!", "qwertyuiop", "1234567890", "aaaaaaaaaaaa",
                                      "abcdefghijk", "short", "iloveyou2024", "x" * 129])
def test_refused(password):
    assert password_problem(password) is not None


@pytest.mark.parametrize("password", ["correct horse battery", "Tr0ub4dor&3-xyz", "kitchen-at-dawn-42"])
def test_accepted(password):
    assert password_problem(password) is None


def test_account_words_are_refused():
    assert password_problem("chef.marie@bistro.com", ("chef.marie@bistro.com", "chef.marie", "bistro")) is not None
    assert password_problem("chef.marie99", ("chef.marie@bistro.com", "chef.marie", "bistro")) is not None


def test_hash_and_verify():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterz")
    assert not verify_password(None, "anything at all")  # unknown user: same work, still False
    assert not verify_password("not-a-hash", "x")
