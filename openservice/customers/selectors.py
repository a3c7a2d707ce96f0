"""Reads for customers, sites, contacts and agreement groups, with row-level visibility.

Staff (managers, dispatchers, technicians, administrators) read all master data; a customer user
reads only the customer they are a contact of. The API, the pages and reports all read here.
"""

from django.db.models import Count, Q, QuerySet

from openservice.core.errors import NotFound
from openservice.core.roles import Role, has_role, is_staff_member
from openservice.core.selectors import ordered, text_search
from openservice.customers.models import AgreementGroup, Contact, Customer, Site

CUSTOMER_ORDERING = {"number": "number", "name": "name", "created": "created_at"}
SITE_ORDERING = {"name": "name", "city": "city", "customer": "customer__name"}
CONTACT_ORDERING = {"name": "name", "customer": "customer__name"}


def _customer_scope(user) -> Q | None:
    """None: everything; a Q: only that; Q(pk__in=[]): nothing."""
    if is_staff_member(user):
        return None
    if has_role(user, Role.CUSTOMER):
        # Same rule as customer_of_user: a deactivated contact's login no longer sees the data.
        return Q(contacts__user=user, contacts__is_active=True)
    return Q(pk__in=[])


def customer_of_user(user) -> Customer | None:
    """The customer a portal user belongs to, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Customer.objects.filter(contacts__user=user, contacts__is_active=True).first()


def customers_exist(customer_ids) -> bool:
    """Whether every id names a customer (for jobs and commands, which act for no user)."""
    ids = set(customer_ids)
    return Customer.objects.filter(pk__in=ids).count() == len(ids)


def _visible_customers(user) -> QuerySet[Customer]:
    scope = _customer_scope(user)
    customers = Customer.objects.all()
    return customers if scope is None else customers.filter(scope)


def customer_list(
    *,
    user,
    q: str | None = None,
    agreement_group: str | None = None,
    currency: str | None = None,
    city: str | None = None,
    is_active: bool | None = None,
    order_by: str | None = None,
) -> QuerySet[Customer]:
    customers = _visible_customers(user).select_related("agreement_group")
    customers = text_search(customers, q, ["number", "name", "vat_id", "email"])
    if agreement_group:
        customers = customers.filter(agreement_group__code__iexact=agreement_group)
    if currency:
        customers = customers.filter(currency=currency)
    if city:
        customers = customers.filter(
            pk__in=Site.objects.filter(city__iexact=city).values("customer_id")
        )
    if is_active is not None:
        customers = customers.filter(is_active=is_active)
    return ordered(customers, order_by, CUSTOMER_ORDERING, default=("name", "pk"))


def customer_get(*, user, customer_id: int) -> Customer:
    customer = (
        _visible_customers(user).select_related("agreement_group").filter(pk=customer_id).first()
    )
    if customer is None:
        raise NotFound(customer_id=customer_id)
    return customer


def customer_counts(*, user) -> dict[str, int]:
    customers = _visible_customers(user)
    return customers.aggregate(total=Count("pk"), active=Count("pk", filter=Q(is_active=True)))


def site_list(
    *,
    user,
    customer_id: int | None = None,
    q: str | None = None,
    city: str | None = None,
    country: str | None = None,
    is_active: bool | None = None,
    order_by: str | None = None,
) -> QuerySet[Site]:
    scope = _customer_scope(user)
    sites = Site.objects.select_related("customer")
    if scope is not None:
        sites = sites.filter(customer__in=Customer.objects.filter(scope))
    sites = text_search(sites, q, ["name", "address", "postcode", "city"])
    if customer_id is not None:
        sites = sites.filter(customer_id=customer_id)
    if city:
        sites = sites.filter(city__iexact=city)
    if country:
        sites = sites.filter(country=country)
    if is_active is not None:
        sites = sites.filter(is_active=is_active)
    return ordered(sites, order_by, SITE_ORDERING, default=("customer__name", "name", "pk"))


def site_get(*, user, site_id: int) -> Site:
    site = site_list(user=user).filter(pk=site_id).first()
    if site is None:
        raise NotFound(site_id=site_id)
    return site


def contact_list(
    *,
    user,
    customer_id: int | None = None,
    q: str | None = None,
    is_active: bool | None = None,
    order_by: str | None = None,
) -> QuerySet[Contact]:
    scope = _customer_scope(user)
    contacts = Contact.objects.select_related("customer", "user")
    if scope is not None:
        contacts = contacts.filter(customer__in=Customer.objects.filter(scope))
    contacts = text_search(contacts, q, ["name", "email", "phone", "role"])
    if customer_id is not None:
        contacts = contacts.filter(customer_id=customer_id)
    if is_active is not None:
        contacts = contacts.filter(is_active=is_active)
    return ordered(contacts, order_by, CONTACT_ORDERING, default=("customer__name", "name", "pk"))


def contact_get(*, user, contact_id: int) -> Contact:
    contact = contact_list(user=user).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(contact_id=contact_id)
    return contact


def agreement_group_list(
    *, user, q: str | None = None, is_active: bool | None = None
) -> QuerySet[AgreementGroup]:
    groups = (
        AgreementGroup.objects.all() if is_staff_member(user) else AgreementGroup.objects.none()
    )
    groups = text_search(groups, q, ["code", "name"])
    if is_active is not None:
        groups = groups.filter(is_active=is_active)
    return groups.order_by("code")


def agreement_group_get(*, user, group_id: int) -> AgreementGroup:
    group = agreement_group_list(user=user).filter(pk=group_id).first()
    if group is None:
        raise NotFound(agreement_group_id=group_id)
    return group


def agreement_group_by_code(code: str) -> AgreementGroup | None:
    return AgreementGroup.objects.filter(code__iexact=code).first()
