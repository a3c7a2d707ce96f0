"""The top bar's navigation: only what the user's role may use."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openservice.core.roles import ROLE_LABELS, Role, primary_role
from openservice.core.sections import sections_for


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    key: str


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    items = [NavItem(_("Home"), reverse("web:home"), "home")]
    if user.has_perm("orders.view_serviceorder"):
        # Technicians see the orders assigned to them, customers their own (the selector narrows).
        label = _("My orders") if primary_role(user) == Role.TECHNICIAN else _("Orders")
        items.append(NavItem(label, reverse("orders:list"), "orders"))
    if primary_role(user) == Role.TECHNICIAN and user.has_perm("repairs.view_repairline"):
        items.append(NavItem(_("My repairs"), reverse("repairs:mine"), "repairs"))
    if user.has_perm("orders.view_slaevent"):
        items.append(NavItem(_("SLA"), reverse("orders:sla_monitor"), "monitor"))
    if user.has_perm("agreements.view_serviceagreement"):
        items.append(NavItem(_("Agreements"), reverse("agreements:list"), "agreements"))
    if user.has_perm("subscriptions.view_subscription"):
        items.append(NavItem(_("Subscriptions"), reverse("subscriptions:list"), "subscriptions"))
    if user.has_perm("billing.view_invoice"):
        # Customers read their own posted invoices (the selector narrows the list).
        label = _("My invoices") if primary_role(user) == Role.CUSTOMER else _("Invoices")
        items.append(NavItem(label, reverse("billing:list"), "invoices"))
    if user.has_perm("returns.view_returnorder"):
        # Customers read and request their own returns (the selector narrows the list).
        label = _("My returns") if primary_role(user) == Role.CUSTOMER else _("Returns")
        items.append(NavItem(label, reverse("returns:list"), "returns"))
    if user.has_perm("customers.view_customer"):
        # A customer's own company page is reached through the same URL (it redirects).
        label = _("My company") if primary_role(user) == Role.CUSTOMER else _("Customers")
        items.append(NavItem(label, reverse("customers:list"), "customers"))
    if user.has_perm("equipment.view_serviceobject"):
        # Customers see their own objects only (the selector narrows the list).
        items.append(NavItem(_("Objects"), reverse("equipment:list"), "objects"))
    if user.has_perm("dispatch.add_appointment"):
        items.append(NavItem(_("Dispatch"), reverse("dispatch:board"), "dispatch"))
    if user.has_perm("workforce.view_technician"):
        items.append(NavItem(_("Technicians"), reverse("workforce:list"), "technicians"))
    if user.has_perm("calendars.change_workcalendar"):
        items.append(NavItem(_("Calendars"), reverse("calendars:list"), "calendars"))
    if user.has_perm("sla.change_slapolicy"):
        items.append(NavItem(_("Policies"), reverse("sla:policy_list"), "sla"))
    if sections_for("reports", user):  # every app's reports the user may read
        items.append(NavItem(_("Reports"), reverse("reports:index"), "reports"))
    if user.is_staff:
        items.append(NavItem(_("Admin"), reverse("admin:index"), "admin"))
    return items


def role_label(user) -> str:
    role = primary_role(user)
    return str(ROLE_LABELS[role]) if role else ""
