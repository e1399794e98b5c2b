"""Roles, the tenant, its locations and the audit log: /api/auth/v1 (settings:* permissions)."""
from __future__ import annotations

from chassis.http import current_identity, require
from chassis.identity import Identity
from chassis.rbac import ALL_PERMISSIONS, DEFAULT_MATRIX
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from auth.adapters.orm import AuditEntry
from auth.bootstrap import Wiring
from auth.entrypoints.http_common import actor_of
from auth.service_layer import roles, tenants
from auth.service_layer.directory import live_tenant
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


def router(wiring: Wiring) -> APIRouter:
    api = APIRouter(prefix="/api/auth/v1")
    hops = wiring.config.trusted_proxy_hops

    # ---- roles ----------------------------------------------------------------------------
    @api.get("/permissions", tags=["roles"], summary="Every permission name and the default matrix")
    def permissions(identity: Identity = Depends(current_identity)) -> dict:
        return {"permissions": sorted(ALL_PERMISSIONS), "default_matrix": DEFAULT_MATRIX}

    @api.get("/roles", tags=["roles"])
    def list_roles(identity: Identity = Depends(require("settings:read"))) -> dict:
        with wiring.db() as session:
            return {"roles": roles.list_roles(session, identity)}

    @api.get("/roles/{name}", tags=["roles"])
    def get_role(name: str, identity: Identity = Depends(require("settings:read"))) -> dict:
        with wiring.db() as session:
            return roles.get_role(session, identity, name)

    @api.post("/roles", status_code=201, tags=["roles"])
    def create_role(body: NewRole, request: Request, identity: Identity = Depends(require("settings:create"))) -> dict:
        with wiring.db.begin() as session:
            return roles.to_dict(roles.create_role(session, identity, actor_of(identity, request, hops), body.name,
                                                   body.description, body.permissions))

    @api.patch("/roles/{name}", tags=["roles"])
    def update_role(name: str, body: RolePatch, request: Request,
                    identity: Identity = Depends(require("settings:update"))) -> dict:
        with wiring.db.begin() as session:
            return roles.to_dict(roles.update_role(session, identity, actor_of(identity, request, hops), name,
                                                   body.description, body.permissions))

    @api.delete("/roles/{name}", status_code=204, tags=["roles"])
    def delete_role(name: str, request: Request, identity: Identity = Depends(require("settings:delete"))) -> Response:
        with wiring.db.begin() as session:
            roles.delete_role(session, identity, actor_of(identity, request, hops), name)
        return Response(status_code=204)

    # ---- the caller's tenant --------------------------------------------------------------
    @api.get("/tenant", tags=["tenants"])
    def get_tenant(identity: Identity = Depends(require("settings:read"))) -> dict:
        with wiring.db() as session:
            return tenants.tenant_dict(live_tenant(session, identity.tenant_uuid))

    @api.patch("/tenant", tags=["tenants"])
    def update_tenant(body: TenantPatch, request: Request,
                      identity: Identity = Depends(require("settings:update"))) -> dict:
        with wiring.db.begin() as session:
            return tenants.tenant_dict(tenants.update_tenant(session, identity, actor_of(identity, request, hops),
                                                             body.name))

    # ---- locations: every member reads its own locations; settings:* to change them --------
    @api.get("/locations", tags=["locations"])
    def list_locations(identity: Identity = Depends(current_identity)) -> dict:
        with wiring.db() as session:
            return {"locations": [tenants.location_dict(x) for x in tenants.list_locations(session, identity)]}

    @api.get("/locations/{location_id}", tags=["locations"])
    def get_location(location_id: str, identity: Identity = Depends(current_identity)) -> dict:
        with wiring.db() as session:
            return tenants.location_dict(tenants.get_location(session, identity, location_id))

    @api.post("/locations", status_code=201, tags=["locations"])
    def create_location(body: NewLocation, request: Request,
                        identity: Identity = Depends(require("settings:create"))) -> dict:
        with wiring.db.begin() as session:
            return tenants.location_dict(tenants.add_location(
                session, identity, actor_of(identity, request, hops),
                LocationInput(body.name, body.time_zone, body.state, body.address)))

    @api.patch("/locations/{location_id}", tags=["locations"])
    def update_location(location_id: str, body: LocationPatch, request: Request,
                        identity: Identity = Depends(require("settings:update"))) -> dict:
        with wiring.db.begin() as session:
            return tenants.location_dict(tenants.update_location(
                session, identity, actor_of(identity, request, hops), location_id, body.name, body.address,
                body.time_zone, body.state))

    @api.delete("/locations/{location_id}", status_code=204, tags=["locations"])
    def delete_location(location_id: str, request: Request,
                        identity: Identity = Depends(require("settings:delete"))) -> Response:
        with wiring.db.begin() as session:
            tenants.delete_location(session, identity, actor_of(identity, request, hops), location_id)
        return Response(status_code=204)

    # ---- audit ----------------------------------------------------------------------------
    @api.get("/audit", tags=["audit"], summary="The tenant's audit trail, newest first")
    def audit_log(action: str | None = Query(None, max_length=100), subject_id: str | None = Query(None, max_length=320),
                  limit: int = Query(100, ge=1, le=1000), before_id: int | None = Query(None, ge=1, le=2**62),
                  identity: Identity = Depends(require("settings:read"))) -> dict:
        query = select(AuditEntry).where(AuditEntry.tenant_id == identity.tenant_uuid)
        if action:
            query = query.where(AuditEntry.action == action)
        if subject_id:
            query = query.where(AuditEntry.subject_id == subject_id)
        if before_id:
            query = query.where(AuditEntry.id < before_id)
        with wiring.db() as session:
            rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)).all()
        return {"entries": [{"audit_id": r.id, "actor_id": r.actor_id, "action": r.action,
                             "subject_type": r.subject_type, "subject_id": r.subject_id, "outcome": r.outcome,
                             "client_address": r.client_address, "details": r.details,
                             "occurred_at": r.occurred_at.isoformat()} for r in rows]}

    return api

