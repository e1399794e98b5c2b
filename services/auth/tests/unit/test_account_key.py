import pytest
from auth.adapters.throttle import account_key

pytestmark = pytest.mark.unit


def test_account_key_hides_the_email_and_ignores_case():
    key = account_key("Demo", " Chef@Bistro.com ")
    assert key == account_key("demo", "chef@bistro.com")
    assert "chef" not in key
