"""MenuService over gRPC for peers (pos-bridge, online channels): the menu of a location, and
UpsertMenuItems for pos-bridge's menu sync (its service identity only: people edit through REST)."""
from __future__ import annotations

import asyncio

from auraconnect.orders.v1 import menu_service_pb2 as pb
from auraconnect.orders.v1 import menu_service_pb2_grpc as pb_grpc
from chassis.errors import PermissionDenied
from chassis.grpc_server import authorized, handle_errors
from chassis.timestamps import from_timestamp

from orders.bootstrap import OrdersContainer
from orders.service_layer import menu, menu_sync
from orders.service_layer.menu_views import item_at_location_to_proto, location_menu_to_proto


class MenuService(pb_grpc.MenuServiceServicer):
    def __init__(self, container: OrdersContainer) -> None:
        self.container = container

    @handle_errors
    async def GetMenu(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized(context, "orders:read")
        found = await asyncio.to_thread(menu.location_menu, self.container.uow, identity, request.location_id,
                                        locations=self.container.locations, available_only=request.available_only)
        return pb.GetMenuResponse(menu=location_menu_to_proto(found))

    @handle_errors
    async def ListMenuItems(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized(context, "orders:read")
        since = from_timestamp(request.updated_since) if request.HasField("updated_since") else None
        items = await asyncio.to_thread(menu.location_items, self.container.uow, identity, request.location_id,
                                        locations=self.container.locations, category_id=request.category_id or None,
                                        available_only=request.available_only, updated_since=since)
        return pb.ListMenuItemsResponse(items=[item_at_location_to_proto(i) for i in items])

    @handle_errors
    async def UpsertMenuItems(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized(context, "orders:update")
        if identity.subject not in MENU_WRITERS:
            raise PermissionDenied("menu upserts are for the POS bridge (people edit the menu through REST)")
        upserts = [_upsert(i) for i in request.items]
        c = self.container
        done = await asyncio.to_thread(menu_sync.upsert_items, c.uow, identity, request.location_id, request.source,
                                       upserts, locations=c.locations, clock=c.clock, new_id=c.new_id)
        return pb.UpsertMenuItemsResponse(items=[
            pb.UpsertedMenuItem(external_ref=d.external_ref, item_id=str(d.item.item.item_id), created=d.created,
                                changed=d.changed, item=item_at_location_to_proto(d.item)) for d in done])


# The service identities allowed to write the menu over gRPC (the subject of their internal token).
MENU_WRITERS = frozenset({"service:pos-bridge"})


def _upsert(item: pb.MenuItemUpsert) -> menu_sync.ItemUpsert:
    def present(name: str):
        return getattr(item, name) if item.HasField(name) else None

    return menu_sync.ItemUpsert(
        external_ref=item.external_ref, item_id=item.item_id or None, name=present("name"),
        price_cents=present("price_cents"), category_name=present("category_name"),
        description=present("description"), available=present("available"), tax_category=present("tax_category"),
        kitchen_tags=tuple(item.kitchen_tags) if item.set_kitchen_tags else None)


def add_menu_service(container: OrdersContainer, server) -> str:
    """Adds MenuService to `server`; returns its full name (for health and reflection)."""
    pb_grpc.add_MenuServiceServicer_to_server(MenuService(container), server)
    return pb.DESCRIPTOR.services_by_name["MenuService"].full_name
