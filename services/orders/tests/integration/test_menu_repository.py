"""MenuRepository against real PostgreSQL: records read back as written, options replaced in place,
overrides upserted, soft deletes hidden, the filters pos-bridge uses, and pricing over the real queries."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from auraconnect.orders.v1 import menu_events_pb2
from chassis.errors import Conflict
from orders.adapters.unit_of_work import OrdersUnitOfWork
from orders.domain.menu import ITEM, OPTION, Category, ItemSpec, MenuItem, ModifierGroup, ModifierOption, new_override
from orders.service_layer.menu import MenuFromUnitOfWork
from sqlalchemy import text

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 14, 12, 30, tzinfo=UTC)


@pytest.fixture
def uow(orders_db):
    sessions, _ = orders_db
    return lambda: OrdersUnitOfWork(sessions, "/auraconnect/orders")


def build(uow, tenant: uuid.UUID):
    category = Category.create(category_id=uuid.uuid4(), tenant_id=tenant, name="Mains", at=NOW)
    side = ModifierGroup.create(group_id=uuid.uuid4(), tenant_id=tenant, name="Side", min_selections=1,
                                max_selections=1, at=NOW, options=[
                                    ModifierOption(uuid.uuid4(), "Fries", 0, True),
                                    ModifierOption(uuid.uuid4(), "Salad", 150)])
    item = MenuItem.create(item_id=uuid.uuid4(), tenant_id=tenant, at=NOW, spec=ItemSpec(
        category_id=category.category_id, name="Burger", price_cents=1000, kitchen_tags=("grill",),
        allergens=("gluten", "egg"), modifier_group_ids=(side.group_id,), prep_time_seconds=480))
    with uow() as u:
        u.menu.add_category(category)
        u.menu.add_group(side)
        u.menu.add_item(item)
        u.add_event("orders.menu.v1", str(item.item_id), menu_events_pb2.MenuItemCreated())
        u.commit()
    return category, side, item


def test_records_read_back_as_written(uow):
    tenant = uuid.uuid4()
    category, side, item = build(uow, tenant)
    with uow() as u:
        assert u.menu.get_category(tenant, category.category_id) == category
        assert u.menu.get_group(tenant, side.group_id) == side
        assert u.menu.get_item(tenant, item.item_id) == item
        assert u.menu.get_item(uuid.uuid4(), item.item_id) is None  # another tenant's
        assert u.menu.group_of_option(tenant, side.options[1].option_id) == side
        assert u.menu.list_items(tenant, group_id=side.group_id) == [item]
        assert u.menu.list_items(tenant, category_id=uuid.uuid4()) == []
        assert u.menu.list_items(tenant, updated_since=NOW + timedelta(seconds=1)) == []
        assert u.session.execute(text("SELECT count(*) FROM outbox WHERE message_key = :k"),
                                 {"k": str(item.item_id)}).scalar_one() == 1


def test_changes_are_saved_and_options_replaced(uow):
    tenant = uuid.uuid4()
    _, side, item = build(uow, tenant)
    fries = side.options[0]
    with uow() as u:
        group = u.menu.get_group(tenant, side.group_id, for_update=True)
        group.change(at=NOW, options=[ModifierOption(uuid.uuid4(), "Rice", 50), fries])
        u.menu.save_group(group)
        loaded = u.menu.get_item(tenant, item.item_id, for_update=True)
        loaded.change(ItemSpec(price_cents=1100, kitchen_tags=("grill", "fryer")), at=NOW + timedelta(hours=1))
        u.menu.save_item(loaded)
        u.commit()
    with uow() as u:
        group = u.menu.get_group(tenant, side.group_id)
        assert [o.name for o in group.options] == ["Rice", "Fries"] and group.options[1] == fries
        assert group.version == 2
        assert u.session.execute(text("SELECT count(*) FROM menu_modifier_options WHERE group_id = :g"),
                                 {"g": side.group_id}).scalar_one() == 2
        changed = u.menu.get_item(tenant, item.item_id)
        assert (changed.price_cents, changed.kitchen_tags, changed.version) == (1100, ("grill", "fryer"), 2)
        assert u.menu.list_items(tenant, updated_since=NOW + timedelta(minutes=30)) == [changed]


def test_overrides_upsert_and_price_through_the_port(uow):
    tenant, here = uuid.uuid4(), uuid.uuid4()
    _, side, item = build(uow, tenant)
    salad = side.options[1].option_id
    with uow() as u:
        override = new_override(tenant, here, ITEM, item.item_id, NOW)
        override.set(price_cents=1200, available=True, at=NOW)
        u.menu.save_override(override)
        u.commit()
    lookup = MenuFromUnitOfWork(uow)
    priced = lookup.priced_item(tenant, here, item.item_id, [salad], NOW)
    assert (priced.base_price_cents, priced.unit_price_cents, priced.allergens) == (1200, 1350, ("gluten", "egg"))
    assert lookup.priced_item(tenant, uuid.uuid4(), item.item_id, [], NOW).unit_price_cents == 1000
    with uow() as u:
        found = u.menu.get_override(tenant, here, ITEM, item.item_id, for_update=True)
        found.set(price_cents=found.price_cents, available=False, at=NOW)
        u.menu.save_override(found)
        option = new_override(tenant, here, OPTION, salad, NOW)
        option.set(price_cents=None, available=False, at=NOW)
        u.menu.save_override(option)
        u.commit()
    with uow() as u:
        assert {(o.target_type, o.available, o.version) for o in u.menu.overrides_at(tenant, here)} == {
            (ITEM, False, 2), (OPTION, False, 1)}
        assert u.menu.overrides_at(tenant, here, [salad])[0].target_id == salad
    with pytest.raises(Conflict) as raised:
        lookup.priced_item(tenant, here, item.item_id, [], NOW, field_prefix="lines[0]")
    assert raised.value.field == "lines[0].item_id"


def test_soft_deleted_records_are_gone(uow):
    tenant = uuid.uuid4()
    category, side, item = build(uow, tenant)
    with uow() as u:
        u.menu.delete_item(u.menu.get_item(tenant, item.item_id), NOW)
        u.menu.delete_group(u.menu.get_group(tenant, side.group_id), NOW)
        u.menu.delete_category(u.menu.get_category(tenant, category.category_id), NOW)
        u.commit()
    with uow() as u:
        assert u.menu.get_item(tenant, item.item_id) is None and u.menu.list_items(tenant) == []
        assert u.menu.list_groups(tenant) == [] and u.menu.list_categories(tenant) == []
        assert u.menu.group_of_option(tenant, side.options[0].option_id) is None


def test_external_references_link_per_tenant_and_source_and_move_on_relink(uow):
    tenant = uuid.uuid4()
    _, _, burger = build(uow, tenant)
    _, _, other = build(uow, tenant)
    with uow() as u:
        u.menu.lock_source(tenant, "pos:square:c1")
        u.menu.link_external_ref(tenant, "pos:square:c1", "SQ-1", burger.item_id, NOW)
        u.menu.link_external_ref(tenant, "pos:square:c2", "SQ-1", other.item_id, NOW)
        u.commit()
    with uow() as u:
        assert u.menu.external_refs(tenant, "pos:square:c1", ["SQ-1", "SQ-2"], for_update=True) == {
            "SQ-1": burger.item_id}
        assert u.menu.external_refs(uuid.uuid4(), "pos:square:c1", ["SQ-1"]) == {}   # another tenant's
        u.menu.link_external_ref(tenant, "pos:square:c1", "SQ-1", other.item_id, NOW + timedelta(minutes=1))
        u.commit()
    with uow() as u:
        assert u.menu.external_refs(tenant, "pos:square:c1", ["SQ-1"]) == {"SQ-1": other.item_id}
        assert u.menu.external_refs(tenant, "pos:square:c2", ["SQ-1"]) == {"SQ-1": other.item_id}


def test_an_item_is_found_by_name_whatever_its_case_and_not_once_deleted(uow):
    tenant = uuid.uuid4()
    _, _, burger = build(uow, tenant)
    _, _, second = build(uow, tenant)
    first = min(burger.item_id, second.item_id)   # the menu's order: by name, then id
    with uow() as u:
        u.menu.lock_peer_items(tenant)
        assert u.menu.item_named(tenant, "  bURGER ").item_id == first
        assert u.menu.item_named(tenant, "Burgers") is None and u.menu.item_named(uuid.uuid4(), "Burger") is None
        u.menu.delete_item(u.menu.get_item(tenant, first), NOW)
        u.commit()
    with uow() as u:
        assert u.menu.item_named(tenant, "burger").item_id == max(burger.item_id, second.item_id)
