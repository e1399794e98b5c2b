"""Bad input gets a 4xx naming the field, and nothing is half-written."""
from __future__ import annotations

import uuid

import pytest

from tests.e2e.auth_support import login, run_auth_command, strong_password

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("body, field", [
    ({"email": "not-an-email", "roles": ["staff"]}, "email"),
    ({"roles": ["staff", "wizard"]}, "roles[1]"),
    ({"roles": []}, "roles"),
    ({"roles": ["staff"], "location_ids": ["nope"]}, "location_ids[0]"),
    ({"roles": ["staff"], "location_ids": [str(uuid.uuid4())]}, "location_ids[0]"),
])
def test_user_input_errors_name_the_field_and_write_nothing(admin, body, field):
    email = body.pop("email", f"half-{uuid.uuid4().hex[:8]}@example.com")
    response = admin.post("/api/auth/v1/users", json={"email": email, "password": strong_password(), **body})
    assert response.status_code in (404, 422), response.text
    payload = response.json()
    assert payload.get("field") == field or field in {f["field"] for f in payload.get("fields", [])}, payload
    assert email not in admin.get("/api/auth/v1/users").text


@pytest.mark.parametrize("body, field", [
    ({"name": "X", "time_zone": "Mars/Olympus", "state": "PA"}, "time_zone"),
    ({"name": "X", "time_zone": "America/Chicago", "state": "ZZ"}, "state"),
    ({"name": " ", "time_zone": "America/Chicago", "state": "IL"}, "name"),
])
def test_location_input_errors(admin, body, field):
    response = admin.post("/api/auth/v1/locations", json=body)
    assert response.status_code == 422 and response.json()["field"] == field, response.text


def test_create_tenant_is_all_or_nothing(platform, gateway):
    slug = f"half-{uuid.uuid4().hex[:8]}"
    result = run_auth_command(platform, "create_tenant", "--slug", slug, "--name", "Half", "--admin-email",
                              f"owner@{slug}.example.com", "--location-name", "Diner", "--time-zone",
                              "America/Chicago", "--state", "IL", env={"TENANT_ADMIN_PASSWORD": "password"},
                              check=False)
    assert result.returncode == 2 and "password" in result.stderr
    # The weak password was found after the tenant and location rows were written: all rolled back,
    # so the same slug can be created now, and only once.
    password = strong_password()
    args = ["create_tenant", "--slug", slug, "--name", "Half", "--admin-email", f"owner@{slug}.example.com",
            "--location-name", "Diner", "--time-zone", "America/Chicago", "--state", "IL"]
    run_auth_command(platform, *args, env={"TENANT_ADMIN_PASSWORD": password})
    again = run_auth_command(platform, *args, env={"TENANT_ADMIN_PASSWORD": password}, check=False)
    assert again.returncode == 2 and "slug" in again.stderr
    assert login(gateway, slug, f"owner@{slug}.example.com", password).status_code == 200


def test_bad_ids_are_4xx_with_field(admin):
    response = admin.get("/api/auth/v1/users/not-a-uuid")
    assert response.status_code == 422 and response.json()["field"] == "user_id"
    response = admin.patch(f"/api/auth/v1/users/{uuid.uuid4()}", json={"display_name": "x"})
    assert response.status_code == 404 and response.json()["field"] == "user_id"
