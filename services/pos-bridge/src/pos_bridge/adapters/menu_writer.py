"""orders' MenuService.UpsertMenuItems, as pos-bridge's menu pull writes the POS's values (implements
service_layer.ports.MenuWriter)."""
from __future__ import annotations

import re
from datetime import UTC

import grpc
from auraconnect.orders.v1 import menu_service_pb2, menu_service_pb2_grpc
from chassis.errors import InvalidInput, NotFound
from chassis.grpc_client import call_metadata, peer_channel, peer_error
from chassis.identity import Identity

REFUSED = re.compile(r"^(items\[\d+\](?:\.[a-z_]+)?): (.*)$", re.DOTALL)
FIELDS = ("name", "price_cents", "category_name", "description", "available", "tax_category")


class MenuWriterClient:
    def __init__(self, address: str, timeout_s: float = 10.0) -> None:
        self.stub = menu_service_pb2_grpc.MenuServiceStub(peer_channel(address))
        self.timeout_s = timeout_s

    def upsert_items(self, identity: Identity, location_id: str, source: str, items: list[dict]) -> list[dict]:
        request = menu_service_pb2.UpsertMenuItemsRequest(location_id=location_id, source=source,
                                                          items=[upsert_message(i) for i in items])
        try:
            response = self.stub.UpsertMenuItems(request, metadata=call_metadata(identity), timeout=self.timeout_s)
        except grpc.RpcError as error:
            # orders refusing a value (a POS name too long, ...) is not an outage: say what it refused
            if error.code() is grpc.StatusCode.INVALID_ARGUMENT:
                # "items[3].name: must be ...": keep orders' field, so the pull can leave that item out
                found = REFUSED.match(error.details() or "")
                if found:
                    raise InvalidInput(f"orders refused it: {found.group(2)}", field=found.group(1)) from None
                raise InvalidInput(f"orders refused the menu: {error.details()}", field="menu") from None
            if error.code() is grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"orders: {error.details()}", field="menu") from None
            raise peer_error("orders", error) from None
        return [{"external_ref": d.external_ref, "item_id": d.item_id, "created": d.created, "changed": d.changed,
                 "updated_at": d.item.item.updated_at.ToDatetime(tzinfo=UTC) if d.item.item.HasField("updated_at")
                 else None} for d in response.items]


def upsert_message(item: dict) -> menu_service_pb2.MenuItemUpsert:
    message = menu_service_pb2.MenuItemUpsert(external_ref=str(item["external_ref"]),
                                              item_id=str(item.get("item_id") or ""))
    for name in FIELDS:
        if item.get(name) is not None:
            setattr(message, name, item[name])
    return message
