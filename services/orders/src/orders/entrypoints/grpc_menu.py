"""MenuService over gRPC for peers (pos-bridge, online channels): the menu of a location."""
from __future__ import annotations

import asyncio

from auraconnect.orders.v1 import menu_service_pb2 as pb
from auraconnect.orders.v1 import menu_service_pb2_grpc as pb_grpc
from chassis.grpc_server import authorized, handle_errors
from chassis.timestamps import from_timestamp

from orders.bootstrap import OrdersContainer
from orders.service_layer import menu
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


def add_menu_service(container: OrdersContainer, server) -> str:
    """Adds MenuService to `server`; returns its full name (for health and reflection)."""
    pb_grpc.add_MenuServiceServicer_to_server(MenuService(container), server)
    return pb.DESCRIPTOR.services_by_name["MenuService"].full_name
