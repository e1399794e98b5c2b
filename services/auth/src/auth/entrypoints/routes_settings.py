"""Roles, the tenant, its locations and the audit log: /api/auth/v1 (settings:* permissions)."""
from __future__ import annotations

from chassis.http import current_identity, require
from chassis.identity import Identity
from chassis.rbac import ALL_PERMISSIONS, DEFAULT_MATRIX
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from auth.bootstrap import AuthContainer
from auth.entrypoints.http_common import actor_of
from auth.service_layer import audit, roles, tenants
from auth.service_layer.audit import AuditQuery
from auth.service_layer.tenants import LocationInput


class NewRole(BaseModel):
    name: str = Field(min_length=1, max_length=63)
    description: str = Field("", max_length=500)
    permissions: list[str] = Field(min_length=1, max_length=len(ALL_PERMISSIONS))


class RolePatch(BaseModel):
    description: str | None = Field(None, max_length=500)
    permissions: list[str] | None = Field(None, min_length=1, max_length=len(ALL_PERMISSIONS))


class TenantPatch(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class NewLocation(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    address: str = Field("", max_length=500)
    time_zone: str = Field(min_length=1, max_length=64, description="IANA name, e.g. America/New_York")
    state: str = Field(min_length=2, max_length=2, description="US state code, for tax")


class LocationPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    address: str | None = Field(None, max_length=500)
    time_zone: str | None = Field(None, min_length=1, max_length=64)
    state: str | None = Field(None, min_length=2, max_length=2)


def router(container: AuthContainer) -> APIRouter:
    api = APIRouter(prefix="/api/auth/v1")
    hops = container.config.trusted_proxy_hops
    uow, clock = container.uow, container.clock

    # ---- roles ----------------------------------------------------------------------------
    @api.get("/permissions", tags=["roles"], summary="Every permission name and the default matrix")
    def permissions(identity: Identity = Depends(current_identity)) -> dict:
        return {"permissions": sorted(ALL_PERMISSIONS), "default_matrix": DEFAULT_MATRIX}

    @api.get("/roles", tags=["roles"])
    def list_roles(identity: Identity = Depends(require("settings:read"))) -> dict:
        return {"roles": roles.list_roles(uow, identity)}

    @api.get("/roles/{name}", tags=["roles"])
    def get_role(name: str, identity: Identity = Depends(require("settings:read"))) -> dict:
        return roles.get_role(uow, identity, name)

    @api.post("/roles", status_code=201, tags=["roles"])
    def create_role(body: NewRole, request: Request, identity: Identity = Depends(require("settings:create"))) -> dict:
        return roles.create_role(uow, identity, actor_of(identity, request, hops), body.name, body.description,
                                 body.permissions, clock=clock)

    @api.patch("/roles/{name}", tags=["roles"])
    def update_role(name: str, body: RolePatch, request: Request,
                    identity: Identity = Depends(require("settings:update"))) -> dict:
        return roles.update_role(uow, identity, actor_of(identity, request, hops), name, body.description,
                                 body.permissions, clock=clock)

    @api.delete("/roles/{name}", status_code=204, tags=["roles"])
    def delete_role(name: str, request: Request, identity: Identity = Depends(require("settings:delete"))) -> Response:
        roles.delete_role(uow, identity, actor_of(identity, request, hops), name, clock=clock)
        return Response(status_code=204)

    # ---- the caller's tenant --------------------------------------------------------------
    @api.get("/tenant", tags=["tenants"])
    def get_tenant(identity: Identity = Depends(require("settings:read"))) -> dict:
        return tenants.get_tenant(uow, identity)

    @api.patch("/tenant", tags=["tenants"])
    def update_tenant(body: TenantPatch, request: Request,
                      identity: Identity = Depends(require("settings:update"))) -> dict:
        return tenants.update_tenant(uow, identity, actor_of(identity, request, hops), body.name, clock=clock)

    # ---- locations: every member reads its own locations; settings:* to change them --------
    @api.get("/locations", tags=["locations"])
    def list_locations(identity: Identity = Depends(current_identity)) -> dict:
        return {"locations": tenants.list_locations(uow, identity)}

    @api.get("/locations/{location_id}", tags=["locations"])
    def get_location(location_id: str, identity: Identity = Depends(current_identity)) -> dict:
        return tenants.get_location(uow, identity, location_id)

    @api.post("/locations", status_code=201, tags=["locations"])
    def create_location(body: NewLocation, request: Request,
                        identity: Identity = Depends(require("settings:create"))) -> dict:
        return tenants.add_location(uow, identity, actor_of(identity, request, hops),
                                    LocationInput(body.name, body.time_zone, body.state, body.address), clock=clock)

    @api.patch("/locations/{location_id}", tags=["locations"])
    def update_location(location_id: str, body: LocationPatch, request: Request,
                        identity: Identity = Depends(require("settings:update"))) -> dict:
        return tenants.update_location(uow, identity, actor_of(identity, request, hops), location_id, body.name,
                                       body.address, body.time_zone, body.state, clock=clock)

    @api.delete("/locations/{location_id}", status_code=204, tags=["locations"])
    def delete_location(location_id: str, request: Request,
                        identity: Identity = Depends(require("settings:delete"))) -> Response:
        tenants.delete_location(uow, identity, actor_of(identity, request, hops), location_id, clock=clock)
        return Response(status_code=204)

    # ---- audit ----------------------------------------------------------------------------
    @api.get("/audit", tags=["audit"], summary="The tenant's audit trail, newest first")
    def audit_log(action: str | None = Query(None, max_length=100), subject_id: str | None = Query(None, max_length=320),
                  limit: int = Query(100, ge=1, le=1000), before_id: int | None = Query(None, ge=1, le=2**62),
                  identity: Identity = Depends(require("settings:read"))) -> dict:
        return {"entries": audit.search(uow, identity, AuditQuery(action, subject_id, before_id, limit))}

    return api
