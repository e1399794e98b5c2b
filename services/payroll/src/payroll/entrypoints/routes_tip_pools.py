"""REST: tip pool policy per location, and sharing a workweek's pooled tips (service_layer/tip_pools.py)."""
from __future__ import annotations

from typing import Any

from chassis.http import current_identity
from chassis.identity import Identity
from fastapi import Body, Depends, FastAPI

from payroll.bootstrap import PayrollContainer
from payroll.service_layer import tip_pools

PREFIX = "/api/payroll/v1/locations/{location_id}"


def add_routes(app: FastAPI, container: PayrollContainer) -> None:
    uow, c = container.uow, container

    @app.get(f"{PREFIX}/tip-pool-policy", tags=["tip pools"])
    def get_tip_pool_policy(location_id: str, identity: Identity = Depends(current_identity)) -> dict:
        """The location's tip pool: payroll:read."""
        return tip_pools.get_policy(uow, identity, location_id)

    @app.put(f"{PREFIX}/tip-pool-policy", tags=["tip pools"])
    def put_tip_pool_policy(location_id: str, body: Any = Body(...),
                            identity: Identity = Depends(current_identity)) -> dict:
        """{work_state, tip_credit_taken, contribution_percent, roles: [{job_code, category, points}]}:
        payroll:update. Managers may not share; back of house only without a tip credit."""
        return tip_pools.set_policy(uow, identity, location_id, body, directory=c.directory, clock=c.clock)

    @app.post(f"{PREFIX}/tip-pools:distribute", tags=["tip pools"])
    def distribute_tip_pool(location_id: str, body: Any = Body(...),
                            identity: Identity = Depends(current_identity)) -> dict:
        """{workweek_start}: share the workweek's pooled tips into tip records: payroll:create."""
        return tip_pools.distribute_workweek(uow, identity, location_id, body, directory=c.directory,
                                             clock=c.clock, new_id=c.new_id)

    @app.get(f"{PREFIX}/tip-pools/{{workweek_start}}", tags=["tip pools"])
    def get_tip_pool(location_id: str, workweek_start: str, identity: Identity = Depends(current_identity)) -> dict:
        """The workweek's pool as last distributed: payroll:read."""
        return tip_pools.get_run(uow, identity, location_id, workweek_start)
