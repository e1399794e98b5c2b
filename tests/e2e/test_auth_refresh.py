"""Refresh tokens: rotation on every use, reuse revokes the family (RFC 9700 §4.14), logout,
password change and deactivation revoke; the changes are audited and published as events."""
from __future__ import annotations

import pytest
from auraconnect.auth.v1 import events_pb2
from kafka import KafkaConsumer, TopicPartition

from tests.e2e.auth_support import add_member, client, login, strong_password
from tests.e2e.support import eventually

pytestmark = pytest.mark.e2e


def _refresh(gateway, token):
    with client(gateway) as http:
        return http.post("/api/auth/v1/refresh", json={"refresh_token": token})


@pytest.fixture
def member(platform, gateway, admin):
    return add_member(admin, gateway, platform.demo["tenant_slug"], ["staff"], label="refresher")


def test_rotation_keeps_working(gateway, member):
    token = member.refresh_token
    seen = {token}
    for _ in range(5):
        response = _refresh(gateway, token)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["refresh_token"] not in seen
        seen.add(body["refresh_token"])
        token = body["refresh_token"]
        with client(gateway, body["access_token"]) as http:
            assert http.get("/api/auth/v1/me").json()["user_id"] == member.user_id


def test_reuse_revokes_the_whole_family(gateway, admin, member):
    first = member.refresh_token
    second = _refresh(gateway, first).json()["refresh_token"]
    third = _refresh(gateway, second).json()["refresh_token"]
    # An attacker replays the stolen first token: refused, and the family is revoked...
    assert _refresh(gateway, first).status_code == 401
    # ...so the newest token, whoever holds it, no longer works either.
    assert _refresh(gateway, third).status_code == 401
    # Other sessions (families) of the same user are untouched.
    other = login(gateway, "demo", member.email, member.password).json()["refresh_token"]
    assert _refresh(gateway, other).status_code == 200
    actions = [e["action"] for e in admin.get("/api/auth/v1/audit", params={"subject_id": member.user_id}).json()
               ["entries"]]
    assert "login.succeeded" in actions
    reuse = admin.get("/api/auth/v1/audit", params={"action": "token.reuse_detected"}).json()["entries"]
    assert any(e["actor_id"] == member.user_id for e in reuse)


def test_garbage_refresh_token_is_401(gateway):
    assert _refresh(gateway, "rt1.not-a-real-token").status_code == 401
    assert _refresh(gateway, "x" * 150).status_code == 401


def test_logout_revokes(gateway, member):
    with member.http(gateway) as http:
        assert http.post("/api/auth/v1/logout", json={"refresh_token": member.refresh_token}).status_code == 204
    assert _refresh(gateway, member.refresh_token).status_code == 401


def test_logout_of_someone_elses_token_is_not_found(gateway, admin, member, platform):
    other = add_member(admin, gateway, platform.demo["tenant_slug"], ["staff"], label="victim")
    with member.http(gateway) as http:
        response = http.post("/api/auth/v1/logout", json={"refresh_token": other.refresh_token})
    assert response.status_code == 404
    assert _refresh(gateway, other.refresh_token).status_code == 200


def test_logout_everywhere(gateway, member):
    second = login(gateway, "demo", member.email, member.password).json()["refresh_token"]
    with member.http(gateway) as http:
        assert http.post("/api/auth/v1/logout", json={"all_sessions": True}).status_code == 204
    assert _refresh(gateway, member.refresh_token).status_code == 401
    assert _refresh(gateway, second).status_code == 401


def test_password_change_revokes_refresh_tokens(gateway, member):
    new_password = strong_password()
    with member.http(gateway) as http:
        wrong = http.post("/api/auth/v1/me/password", json={"current_password": "nope-nope-nope",
                                                             "new_password": new_password})
        assert wrong.status_code == 422 and wrong.json()["field"] == "current_password"
        weak = http.post("/api/auth/v1/me/password", json={"current_password": member.password,
                                                            "new_password": "password1"})
        assert weak.status_code == 422 and weak.json()["field"] == "new_password"
        assert _refresh(gateway, member.refresh_token).status_code == 200  # nothing changed yet
        member.refresh_token = login(gateway, "demo", member.email, member.password).json()["refresh_token"]
        done = http.post("/api/auth/v1/me/password", json={"current_password": member.password,
                                                            "new_password": new_password})
        assert done.status_code == 204
    assert _refresh(gateway, member.refresh_token).status_code == 401
    assert login(gateway, "demo", member.email, member.password).status_code == 401
    assert login(gateway, "demo", member.email, new_password).status_code == 200


def test_deactivation_revokes_and_refuses_login(platform, gateway, admin, member):
    response = admin.patch(f"/api/auth/v1/users/{member.user_id}", json={"active": False})
    assert response.status_code == 200 and response.json()["active"] is False
    assert _refresh(gateway, member.refresh_token).status_code == 401
    assert login(gateway, "demo", member.email, member.password).status_code == 401
    assert admin.patch(f"/api/auth/v1/users/{member.user_id}", json={"active": True}).status_code == 200
    assert login(gateway, "demo", member.email, member.password).status_code == 200

    events = _events(platform.layout.kafka_bootstrap, "auth.user.v1", member.user_id,
                     {"auraconnect.auth.v1.UserCreated", "auraconnect.auth.v1.UserDeactivated",
                      "auraconnect.auth.v1.UserReactivated"})
    deactivated = events_pb2.UserDeactivated.FromString(events["auraconnect.auth.v1.UserDeactivated"])
    assert deactivated.actor_id == platform.demo["admin_user_id"]
    assert deactivated.tenant_id == platform.demo["tenant_id"]


def test_audit_events_are_published(platform, gateway, member):
    events = _events(platform.layout.kafka_bootstrap, "auth.audit.v1", platform.demo["tenant_id"],
                     {"auraconnect.auth.v1.AuditRecorded"}, match=lambda payload: member.user_id.encode() in payload)
    audit = events_pb2.AuditRecorded.FromString(events["auraconnect.auth.v1.AuditRecorded"])
    assert audit.tenant_id == platform.demo["tenant_id"]
    assert audit.action in {"user.created", "login.succeeded"}


def _events(bootstrap: str, topic: str, key: str, wanted: set[str], match=None) -> dict[str, bytes]:
    """The first record of each wanted ce_type with this key (and payload match), scanning the topic."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=1000)
    found: dict[str, bytes] = {}
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)

        def scan():
            for record in consumer:
                headers = {name: value.decode() for name, value in record.headers}
                kind = headers.get("ce_type")
                if record.key == key.encode() and kind in wanted and kind not in found and (
                        match is None or match(record.value)):
                    found[kind] = record.value
            return set(found) == wanted

        eventually(scan, timeout=30, interval=0)
        return found
    finally:
        consumer.close()
