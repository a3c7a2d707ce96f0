"""Orders built through the services (numbers, the initial StageChange and the audit trail
come with them). Stages and transitions are the default workflow of migration 0002."""

from datetime import date
from decimal import Decimal

from openservice.catalog.models import Item
from openservice.catalog.tests.factories import ItemFactory
from openservice.core.models import ReasonCode
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.equipment.services import object_create
from openservice.orders import services
from openservice.orders.models import ServiceOrder, Stage

# The shortest path from `new` to each stage through the default workflow, made by a manager.
PATH_TO = {
    "new": [],
    "scheduled": ["scheduled"],
    "in_progress": ["scheduled", "in_progress"],
    "on_hold": ["scheduled", "in_progress", "on_hold"],
    "completed": ["scheduled", "in_progress", "completed"],
    "closed": ["scheduled", "in_progress", "completed", "closed"],
}


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


def reason(code: str = "CUSTOMER_REQUEST") -> ReasonCode:
    return ReasonCode.objects.get(code=code)


def service_object(customer, *, site=None, by=None):
    """A service object of the customer (no BOM, so no component tree)."""
    return object_create(
        by=by,
        customer=customer,
        site=site,
        item=ItemFactory(kind=Item.Kind.PRODUCT),
        installed_on=date(2024, 1, 15),
    )


def make_order(*, by, customer=None, site=None, **fields) -> ServiceOrder:
    """A new order through `order_create`; a customer and site are made when not given."""
    if customer is None:
        customer = site.customer if site is not None else CustomerFactory()
    if site is None:
        site = SiteFactory(customer=customer)
    return services.order_create(by=by, customer=customer, site=site, **fields)


def move_to(order: ServiceOrder, code: str, *, by) -> ServiceOrder:
    """Walk the order from `new` to the stage through the workflow (`by` must be a manager);
    `cancelled` is reached with the cancel action."""
    if code == "cancelled":
        return services.order_cancel(order=order, by=by, reason=reason())
    for step in PATH_TO[code]:
        target = stage(step)
        order = services.order_change_stage(
            order=order,
            to=target,
            by=by,
            reason=reason() if target.requires_reason else None,
        )
    return order


def order_in_stage(code: str, *, by, **fields) -> ServiceOrder:
    order = move_to(make_order(by=by, **fields), code, by=by)
    return ServiceOrder.objects.select_related("stage").get(pk=order.pk)


def add_line(order: ServiceOrder, *, by, kind="fee", quantity="1", **fields):
    fields.setdefault("unit_price", Decimal("10.00"))
    return services.order_line_add(
        order=order, by=by, kind=kind, quantity=Decimal(quantity), **fields
    )


def signed_off_order(code: str = "completed", *, by, lines: int = 1, **fields) -> ServiceOrder:
    """An order in `code` (in_progress, completed or closed) with lines and a sign-off."""
    order = order_in_stage("in_progress", by=by, **fields)
    for _ in range(lines):
        add_line(order, by=by)
    services.order_sign_off(order=order, by=by, signer_name="Maija Asiakas")
    if code != "in_progress":
        order = services.order_change_stage(order=order, to=stage("completed"), by=by)
    if code == "closed":
        order = services.order_change_stage(order=order, to=stage("closed"), by=by)
    return ServiceOrder.objects.select_related("stage").get(pk=order.pk)
