"""Tip pool use cases on fakes: the policy per location, and a workweek's pooled tips shared into tip
records (with TipPoolDistributed), re-run safely; plus the REST routes over TestClient."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from auraconnect.payroll.v1 import events_pb2
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.rbac import role_permissions
from payroll.adapters.orm import Shift, StaffMember, TipRecord
from payroll.service_layer import tip_pools, tips
from payroll_fakes import FakeDirectory, FakePayrollUnitOfWork, FixedClock

TENANT = str(uuid.uuid4())
LOCATION = str(uuid.uuid4())
LA = "America/Los_Angeles"
WEEK = date(2026, 3, 2)  # a Monday (the default workweek start)
ANA, BEN, CAL, MIA = (uuid.UUID(int=i) for i in (1, 2, 3, 4))  # server, busser, cook, manager
POLICY = {"work_state": "CA", "tip_credit_taken": False, "contribution_percent": "100",
          "roles": [{"job_code": "server", "category": "front_of_house", "points": "10"},
                    {"job_code": "busser", "category": "front_of_house", "points": "5"},
                    {"job_code": "cook", "category": "back_of_house", "points": "3"},
                    {"job_code": "manager", "category": "manager", "points": "0"}]}


def person(role: str) -> Identity:
    return Identity(subject=str(uuid.uuid4()), tenant_id=TENANT, roles=(role,), permissions=role_permissions(role))


ADMIN, MANAGER = person("admin"), person("manager")


@pytest.fixture
def world():
    uow = FakePayrollUnitOfWork()
    return uow, FakeDirectory({LOCATION}, set(), {LOCATION: LA}), FixedClock(datetime(2026, 3, 10, 12, tzinfo=UTC))


def shift(uow, staff_id, job, local_day: date, start_hour: int, hours: float, *, closed=True):
    # 8 hours behind UTC in March before DST (2026-03-08): 10:00 local = 18:00 UTC
    clock_in = datetime(local_day.year, local_day.month, local_day.day, start_hour, tzinfo=UTC) + timedelta(hours=8)
    uow.shifts.add(Shift(id=uuid.uuid4(), tenant_id=uuid.UUID(TENANT), staff_id=staff_id,
                         location_id=uuid.UUID(LOCATION), job_code=job, time_zone=LA, clock_in_at=clock_in,
                         clock_out_at=clock_in + timedelta(hours=hours) if closed else None, breaks=[]))


def tip(uow, staff_id, cents, local_day: date, source="order"):
    uow.tips.add(TipRecord(id=uuid.uuid4(), tenant_id=uuid.UUID(TENANT), staff_id=staff_id,
                           order_id=uuid.uuid4() if source == "order" else None, location_id=uuid.UUID(LOCATION),
                           source=source, note="", entered_by=None, tip_cents=cents,
                           earned_at=datetime(local_day.year, local_day.month, local_day.day, 20, tzinfo=UTC)))


def setup_week(world):
    uow, directory, clock = world
    tip_pools.set_policy(lambda: uow, ADMIN, LOCATION, POLICY, directory=directory, clock=clock)
    for d in range(3):  # Mon-Wed
        day = WEEK + timedelta(days=d)
        shift(uow, ANA, "server", day, 10, 10)   # 30 h x 10 = 300
        shift(uow, BEN, "busser", day, 10, 20 / 3)  # 20 h x 5 = 100
        shift(uow, CAL, "cook", day, 10, 20 / 3)  # 20 h x 3 = 60
        shift(uow, MIA, "manager", day, 9, 10)
    tip(uow, ANA, 40000, WEEK)
    tip(uow, BEN, 6000, WEEK + timedelta(days=1))
    tip(uow, MIA, 5000, WEEK + timedelta(days=2))  # a manager's own tips for her own service stay hers
    tip(uow, ANA, 99999, WEEK + timedelta(days=7))  # next workweek: not in this pool


def distribute(world, who=ADMIN, body=None):
    uow, directory, clock = world
    return tip_pools.distribute_workweek(lambda: uow, who, LOCATION, body or {"workweek_start": WEEK.isoformat()},
                                         directory=directory, clock=clock)


def net_tips(uow, staff_id):
    return sum(t.tip_cents for t in uow.tips.for_staff(uuid.UUID(TENANT), staff_id)
               if datetime(2026, 3, 2, 8, tzinfo=UTC) <= t.earned_at < datetime(2026, 3, 9, 8, tzinfo=UTC))


def test_a_workweek_is_shared_by_hours_times_points_into_tip_records(world):
    setup_week(world)
    out = distribute(world)
    uow = world[0]
    assert out["pool_cents"] == 46000 and out["version"] == 1
    shares = {s["staff_id"]: s for s in out["shares"]}
    assert shares[str(ANA)]["received_cents"] == 30000 and shares[str(CAL)]["received_cents"] == 6000
    assert shares[str(MIA)]["received_cents"] == 0 and shares[str(MIA)]["contributed_cents"] == 0
    assert "203(m)(2)(B)" in shares[str(MIA)]["excluded"][0]
    # Tips per workweek after the pool (what the top-up counts): 300.00, 100.00, 60.00, and the manager's own 50.00.
    assert [net_tips(uow, s) for s in (ANA, BEN, CAL, MIA)] == [30000, 10000, 6000, 5000]
    rows = [r for r in uow.tips.rows.values() if r.pool_run_id is not None]
    assert {(r.source, r.tip_cents) for r in rows if r.staff_id == ANA} == {("pool_contribution", -40000),
                                                                           ("pool", 30000)}
    [event] = uow.events_of(events_pb2.TipPoolDistributed)
    assert event.pool_cents == 46000 and event.workweek_start == "2026-03-02" and event.location_id == LOCATION
    assert sum(s.received_cents for s in event.shares) == sum(s.contributed_cents for s in event.shares) == 46000


def test_a_rerun_replaces_the_records_and_bumps_the_version(world):
    setup_week(world)
    distribute(world)
    uow = world[0]
    tip(uow, BEN, 4000, WEEK + timedelta(days=2))  # a late tip
    out = distribute(world)
    assert out["version"] == 2 and out["pool_cents"] == 50000
    assert sum(net_tips(uow, s) for s in (ANA, BEN, CAL)) == 50000
    assert len(uow.events_of(events_pb2.TipPoolDistributed)) == 2
    assert distribute(world)["version"] == 3 and sum(net_tips(uow, s) for s in (ANA, BEN, CAL)) == 50000


def test_an_open_shift_stops_the_distribution(world):
    setup_week(world)
    shift(world[0], BEN, "busser", WEEK + timedelta(days=4), 10, 0, closed=False)
    with pytest.raises(Conflict) as e:
        distribute(world)
    assert "still open" in e.value.message


def test_no_policy_wrong_day_and_permissions(world):
    with pytest.raises(Conflict):
        distribute(world)
    setup_week(world)
    with pytest.raises(InvalidInput) as e:
        distribute(world, body={"workweek_start": "2026-03-03"})
    assert e.value.field == "workweek_start"
    for bad in ("9999-12-27", "0001-01-01", 20260302, None, "2026-3-2"):
        with pytest.raises(InvalidInput) as e:
            distribute(world, body={"workweek_start": bad})
        assert e.value.field == "workweek_start"
    with pytest.raises(InvalidInput) as e:
        distribute(world, body={"workweek_start": "2026-03-02", "x": 1})
    assert e.value.field == "x"
    with pytest.raises(PermissionDenied):
        distribute(world, who=MANAGER)
    uow, directory, clock = world
    with pytest.raises(PermissionDenied):
        tip_pools.set_policy(lambda: uow, MANAGER, LOCATION, POLICY, directory=directory, clock=clock)
    assert tip_pools.get_policy(lambda: uow, MANAGER, LOCATION)["roles"][0]["job_code"] == "server"
    with pytest.raises(NotFound):
        tip_pools.get_run(lambda: uow, MANAGER, LOCATION, "2026-03-02")


def test_a_policy_the_law_forbids_is_refused(world):
    uow, directory, clock = world
    bad = POLICY | {"roles": [{"job_code": "manager", "category": "manager", "points": "5"}]}
    with pytest.raises(InvalidInput) as e:
        tip_pools.set_policy(lambda: uow, ADMIN, LOCATION, bad, directory=directory, clock=clock)
    assert e.value.field == "roles[0].points"
    with pytest.raises(InvalidInput) as e:
        tip_pools.set_policy(lambda: uow, ADMIN, str(uuid.uuid4()), POLICY, directory=directory, clock=clock)
    assert e.value.field == "location_id"


def test_pool_records_show_in_the_staff_members_tips(world):
    setup_week(world)
    distribute(world)
    listed = tips.list_tips(lambda: world[0], ADMIN, str(ANA))
    assert {t.source for t in listed} == {"order", "pool", "pool_contribution"}


def test_tip_credit_location_leaves_back_of_house_out(world):
    uow, directory, clock = world
    policy = POLICY | {"work_state": "PA", "tip_credit_taken": True,
                       "roles": [r for r in POLICY["roles"] if r["category"] != "back_of_house"]}
    tip_pools.set_policy(lambda: uow, ADMIN, LOCATION, policy, directory=directory, clock=clock)
    shift(uow, ANA, "server", WEEK, 10, 8)
    shift(uow, CAL, "cook", WEEK, 10, 8)
    tip(uow, ANA, 10000, WEEK)
    out = distribute(world)
    shares = {s["staff_id"]: s for s in out["shares"]}
    assert shares[str(ANA)]["received_cents"] == 10000 and shares[str(CAL)]["received_cents"] == 0
    assert "not a pool role" in shares[str(CAL)]["excluded"][0]


def test_tips_under_the_auth_user_pool_with_shifts_under_the_staff_member(world):
    uow, directory, clock = world
    user = uuid.uuid4()
    for member_id, user_id in ((ANA, user), (CAL, None)):
        uow.staff.add(StaffMember(id=member_id, tenant_id=uuid.UUID(TENANT), user_id=user_id, display_name="x",
                                  home_location_id=uuid.UUID(LOCATION), work_location_ids=[LOCATION], jobs=[]))
    tip_pools.set_policy(lambda: uow, ADMIN, LOCATION, POLICY, directory=directory, clock=clock)
    shift(uow, ANA, "server", WEEK, 10, 6)  # 60 points
    shift(uow, CAL, "cook", WEEK, 10, 10)  # 30 points
    tip(uow, user, 9001, WEEK)  # an order tip names the auth user who served
    out = distribute(world)
    shares = {s["staff_id"]: s for s in out["shares"]}
    assert shares[str(ANA)]["tip_staff_id"] == str(user) and shares[str(CAL)]["tip_staff_id"] == str(CAL)
    assert (shares[str(ANA)]["contributed_cents"], shares[str(ANA)]["received_cents"]) == (9001, 6001)
    assert net_tips(uow, user) == 6001 and net_tips(uow, CAL) == 3000 and net_tips(uow, ANA) == 0
    [event] = uow.events_of(events_pb2.TipPoolDistributed)
    assert {s.tip_staff_id for s in event.shares} == {str(user), str(CAL)}


# ---------------------------------------------------------------- REST


def test_rest_routes(world):
    import warnings

    from chassis.internal_token import bearer_for_tests
    from payroll.bootstrap import bootstrap
    from payroll.config import Settings
    from payroll.entrypoints.http_api import build_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    uow, directory, clock = world
    container = bootstrap(Settings(database_url="postgresql+psycopg://u:p@127.0.0.1:1/db", db_schema="payroll"),
                          uow=lambda: uow, directory=directory, clock=clock)
    http = TestClient(build_app(container), headers={"authorization": bearer_for_tests(ADMIN, "payroll")})
    base = f"/api/payroll/v1/locations/{LOCATION}"
    r = http.put(f"{base}/tip-pool-policy", json=POLICY)
    assert r.status_code == 200, r.text
    assert http.get(f"{base}/tip-pool-policy").json()["contribution_percent"] == "100"
    bad = http.put(f"{base}/tip-pool-policy", json=POLICY | {"tip_credit_taken": True})
    assert bad.status_code == 422 and bad.json()["field"] == "roles[2].category"
    setup_week(world)
    r = http.post(f"{base}/tip-pools:distribute", json={"workweek_start": "2026-03-02"})
    assert r.status_code == 200, r.text
    assert http.get(f"{base}/tip-pools/2026-03-02").json()["pool_cents"] == 46000
    assert http.get(f"{base}/tip-pools/2026-13-02").status_code == 422
    assert http.get("/api/payroll/v1/locations/nope/tip-pool-policy").status_code == 422


def test_pool_records_are_not_edited_by_hand(world):
    setup_week(world)
    distribute(world)
    uow = world[0]
    pool_row = next(r for r in uow.tips.rows.values() if r.source == "pool")
    with pytest.raises(Conflict) as e:
        tips.adjust_tip(lambda: uow, ADMIN, str(pool_row.id), 1, None)
    assert "distribute the workweek again" in e.value.message
