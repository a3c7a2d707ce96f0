"""Reads for service objects and component trees. Staff read every object; a customer's
users read only their own customer's objects."""

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from openservice.core.errors import NotFound
from openservice.core.roles import Role, has_role, is_staff_member
from openservice.core.selectors import ordered, text_search
from openservice.equipment.models import Component, ObjectGroup, ServiceObject
from openservice.equipment.tree import Node, build_tree

OBJECT_ORDERING = {
    "number": "number",
    "serial": "serial_number",
    "installed_on": "installed_on",
    "warranty_ends_on": "warranty_ends_on",
    "customer": "customer__name",
}
NODE_FIELDS = (
    "id",
    "item_id",
    "serial",
    "position",
    "slot",
    "quantity",
    "installed_on",
    "removed_on",
    "parent_id",
)


def _visible(user) -> QuerySet[ServiceObject]:
    objects = ServiceObject.objects.all()
    if is_staff_member(user):
        return objects
    if has_role(user, Role.CUSTOMER):
        return objects.filter(customer__contacts__user=user, customer__contacts__is_active=True)
    return objects.none()


def object_list(
    *,
    user,
    q: str | None = None,
    customer_id: int | None = None,
    site_id: int | None = None,
    item_id: int | None = None,
    serial: str | None = None,
    group: str | None = None,
    status: str | None = None,
    warranty: str | None = None,
    today: date | None = None,
    order_by: str | None = None,
) -> QuerySet[ServiceObject]:
    """`warranty`: 'active' (ends today or later), 'expired', or 'none' (no warranty)."""
    objects = _visible(user).select_related("customer", "site", "item", "group", "bom")
    objects = text_search(
        objects,
        q,
        [
            "number",
            "serial_number",
            "customer__name",
            "site__name",
            "site__city",
            "item__sku",
            "item__name",
        ],
    )
    if customer_id is not None:
        objects = objects.filter(customer_id=customer_id)
    if site_id is not None:
        objects = objects.filter(site_id=site_id)
    if item_id is not None:
        objects = objects.filter(item_id=item_id)
    if serial:
        objects = objects.filter(serial_number__iexact=serial)
    if group:
        objects = objects.filter(group__code__iexact=group)
    if status:
        objects = objects.filter(status=status)
    if warranty:
        today = today or timezone.localdate()
        objects = objects.filter(
            {
                "active": Q(warranty_ends_on__gte=today),
                "expired": Q(warranty_ends_on__lt=today),
                "none": Q(warranty_ends_on__isnull=True),
            }[warranty]
        )
    return ordered(objects, order_by, OBJECT_ORDERING, default=("number",))


def object_get(*, user, object_id: int) -> ServiceObject:
    obj = object_list(user=user).filter(pk=object_id).first()
    if obj is None:
        raise NotFound(object_id=object_id)
    return obj


def component_tree(obj: ServiceObject, *, on: date) -> list[Node]:
    """The tree as it stood on the day: units installed on or before it and not removed by it.
    One query, whatever the history's length."""
    rows = (
        Component.objects.filter(object_id=obj.pk, installed_on__lte=on)
        .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=on))
        .values_list(*NODE_FIELDS)
    )
    return build_tree([Node(**dict(zip(NODE_FIELDS, row, strict=True))) for row in rows])


def component_history(obj: ServiceObject) -> list[Component]:
    """Every installation and removal after the object was built, newest first."""
    return list(
        obj.components.select_related("item", "replaces__item")
        .filter(Q(installed_on__gt=obj.installed_on) | Q(removed_on__isnull=False))
        .order_by("-installed_on", "-pk")
    )


def component_get(obj: ServiceObject, component_id: int) -> Component:
    component = obj.components.filter(pk=component_id).first()
    if component is None:
        raise NotFound(component_id=component_id)
    return component


def object_group_by_code(code: str) -> ObjectGroup | None:
    return ObjectGroup.objects.filter(code__iexact=code).first()


def object_group_list(*, user, is_active: bool | None = None) -> QuerySet[ObjectGroup]:
    """Object groups, for filters and pickers; every signed-in role may read them."""
    groups = ObjectGroup.objects.all() if user.is_authenticated else ObjectGroup.objects.none()
    if is_active is not None:
        groups = groups.filter(is_active=is_active)
    return groups.order_by("code")


def object_by_serial(*, customer, item, serial: str) -> ServiceObject | None:
    """The customer's service object of this item with this serial number, if exactly one."""
    if not serial:
        return None
    found = list(
        ServiceObject.objects.filter(customer=customer, item=item, serial_number=serial)[:2]
    )
    return found[0] if len(found) == 1 else None
