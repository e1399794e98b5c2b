import pytest
from auth.adapters.throttle import LoginThrottle, ThrottlePolicy, account_key

pytestmark = pytest.mark.unit


class FakeRedis:
    """The handful of Redis commands the throttle uses, with a settable clock."""

    def __init__(self):
        self.now = 0.0
        self.data: dict[str, tuple[str, float | None]] = {}

    def _live(self, key):
        value = self.data.get(key)
        if value and value[1] is not None and value[1] <= self.now:
            del self.data[key]
            return None
        return value

    def get(self, key):
        value = self._live(key)
        return value[0] if value else None

    def incr(self, key):
        value = self._live(key)
        new = int(value[0]) + 1 if value else 1
        self.data[key] = (str(new), value[1] if value else None)
        return new

    def expire(self, key, seconds, nx=False):
        value = self._live(key)
        if value and not (nx and value[1] is not None):
            self.data[key] = (value[0], self.now + seconds)

    def ttl(self, key):
        value = self._live(key)
        if not value:
            return -2
        return -1 if value[1] is None else int(value[1] - self.now)

    def set(self, key, value, ex=None):
        self.data[key] = (value, self.now + ex if ex else None)

    def delete(self, *keys):
        return sum(1 for key in keys if self.data.pop(key, None) is not None)

    def pipeline(self):
        fake = self

        class Pipe:
            def __init__(self):
                self.calls = []

            def __getattr__(self, name):
                return lambda *a, **k: self.calls.append((name, a, k))

            def execute(self):
                return [getattr(fake, name)(*a, **k) for name, a, k in self.calls]

        return Pipe()


POLICY = ThrottlePolicy(window_seconds=900, account_max_failures=3, address_max_failures=5, lockout_seconds=600)


def test_account_locks_after_max_failures_and_unlocks_after_delay():
    store = FakeRedis()
    throttle = LoginThrottle(store, POLICY)
    account = account_key("demo", "a@b.c")
    assert throttle.record_failure(account, "10.0.0.1") is None
    assert throttle.record_failure(account, "10.0.0.2") is None
    assert throttle.record_failure(account, "10.0.0.3") == 600
    assert throttle.retry_after(account, "10.0.0.9") == 600
    store.now += 601
    assert throttle.retry_after(account, "10.0.0.9") is None


def test_admin_unlock_and_success_reset():
    store = FakeRedis()
    throttle = LoginThrottle(store, POLICY)
    account = account_key("demo", "a@b.c")
    for address in ("1", "2", "3"):
        throttle.record_failure(account, address)
    assert throttle.locked_for(account) > 0
    assert throttle.unlock(account)
    assert throttle.retry_after(account, "4") is None
    throttle.record_failure(account, "4")
    throttle.record_success(account)
    throttle.record_failure(account, "5")
    assert throttle.retry_after(account, "5") is None  # the earlier failure no longer counts


def test_address_throttle_spans_accounts_and_expires_with_the_window():
    store = FakeRedis()
    throttle = LoginThrottle(store, POLICY)
    for i in range(5):
        throttle.record_failure(account_key("demo", f"user{i}@x.y"), "10.9.9.9")
    assert throttle.retry_after(account_key("demo", "someone@x.y"), "10.9.9.9") == 900
    assert throttle.retry_after(account_key("demo", "someone@x.y"), "10.9.9.8") is None
    store.now += 901
    assert throttle.retry_after(account_key("demo", "someone@x.y"), "10.9.9.9") is None


def test_account_key_hides_the_email_and_ignores_case():
    key = account_key("Demo", " Chef@Bistro.com ")
    assert key == account_key("demo", "chef@bistro.com")
    assert "chef" not in key
