"""REST: rule tables (payroll rules, sales-tax rates) and a tenant's employer tax settings."""
from __future__ import annotations

from datetime import date
from typing import Any

from chassis.http import current_identity, require
from chassis.identity import Identity
from fastapi import Body, Depends, FastAPI, Query

from tax.bootstrap import TaxContainer
from tax.entrypoints.access import may_change_rules
from tax.service_layer import employer_settings, rules_admin


def add_routes(app: FastAPI, container: TaxContainer) -> None:
    uow = container.uow

    @app.get("/api/tax/v1/payroll/rules", tags=["rules admin"])
    def list_payroll_rules(as_of: date | None = Query(None), jurisdiction: str | None = Query(None),
                           tax: str | None = Query(None), key: str | None = Query(None),
                           revision: int | None = Query(None, ge=1, description="tables as of this revision"),
                           _: Identity = Depends(require("settings:read"))) -> dict:
        return rules_admin.list_payroll_rules(uow, as_of, jurisdiction, tax, key, revision)

    @app.post("/api/tax/v1/payroll/rules", tags=["rules admin"], status_code=201)
    def add_payroll_rule(row: Any = Body(...), identity: Identity = Depends(current_identity)) -> dict:
        """One effective-dated rule row (the engine's row shape); closes the open-ended row it follows.
        Platform operators only (platform:rules:update): the tables are shared by every tenant."""
        may_change_rules(identity)
        return rules_admin.add_payroll_rule(uow, row, identity.subject, container.payroll_revisions)

    @app.get("/api/tax/v1/sales-tax/rates", tags=["rules admin"])
    def list_sales_rates(as_of: date | None = Query(None), jurisdiction_id: str | None = Query(None),
                         _: Identity = Depends(require("settings:read"))) -> dict:
        return rules_admin.list_sales_rates(uow, as_of, jurisdiction_id)

    @app.post("/api/tax/v1/sales-tax/rates", tags=["rules admin"], status_code=201)
    def add_sales_rate(row: Any = Body(...), identity: Identity = Depends(current_identity)) -> dict:
        """One effective-dated rate row of a jurisdiction; closes the open-ended period it follows.
        Platform operators only (platform:rules:update): the tables are shared by every tenant."""
        may_change_rules(identity)
        return rules_admin.add_sales_rate(uow, row, identity.subject, container.sales_revisions)

    @app.get("/api/tax/v1/employer-settings", tags=["employer settings"])
    def get_employer_settings(identity: Identity = Depends(require("settings:read"))) -> dict:
        return employer_settings.get_settings(uow, identity.tenant_uuid)

    @app.put("/api/tax/v1/employer-settings", tags=["employer settings"])
    def put_employer_settings(body: Any = Body(...), identity: Identity = Depends(require("settings:update"))) -> dict:
        return employer_settings.put_settings(uow, identity.tenant_uuid, body)
