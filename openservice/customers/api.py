"""API for customers, sites, contacts and agreement groups."""

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from openservice.core.crud import MasterDataResource, add_master_data_routes
from openservice.core.errors import InvalidInput, NotFound
from openservice.core.schemas import (
    CoordinateOut,
    CountryCode,
    CurrencyCode,
    Email,
    Id,
    Latitude,
    Longitude,
    Text,
    TimeZoneName,
    order_by_param,
)
from openservice.customers import selectors, services
from openservice.customers.models import AgreementGroup

router = Router(tags=["customers"])


Code = Text(20, min_length=1)
Name = Text(200, min_length=1)


def _group_from_code(code: str | None) -> AgreementGroup | None:
    if not code:
        return None
    group = selectors.agreement_group_by_code(code)
    if group is None:
        raise InvalidInput({"agreement_group": [_("No agreement group has the code %s.") % code]})
    return group


# Agreement groups


class AgreementGroupOut(Schema):
    id: int
    code: str
    name: str
    description: str
    is_active: bool


class AgreementGroupCreateIn(Schema):
    code: Code
    name: Text(100, min_length=1)
    description: Text(2000) = ""


class AgreementGroupUpdateIn(Schema):
    code: Code = None
    name: Text(100, min_length=1) = None
    description: Text(2000) = None


class AgreementGroupFilters(Schema):
    q: Text(100) | None = None
    is_active: bool | None = None


add_master_data_routes(
    router,
    MasterDataResource(
        path="/agreement-groups",
        model_label="customers.agreementgroup",
        verbose="agreement group",
        out=AgreementGroupOut,
        create_in=AgreementGroupCreateIn,
        update_in=AgreementGroupUpdateIn,
        filters=AgreementGroupFilters,
        list=selectors.agreement_group_list,
        get=lambda user, pk: selectors.agreement_group_get(user=user, group_id=pk),
        create=lambda user, data: services.agreement_group_create(by=user, **data.dict()),
        update=lambda user, group, changes: services.agreement_group_update(
            group=group, by=user, **changes
        ),
        set_active=lambda user, group, active: services.agreement_group_set_active(
            group=group, by=user, is_active=active
        ),
    ),
)


# Customers


class CustomerOut(Schema):
    id: int
    number: str
    name: str
    vat_id: str
    currency: str
    agreement_group: str | None
    email: str
    phone: str
    billing_address: str
    note: str
    is_active: bool

    @staticmethod
    def resolve_agreement_group(customer) -> str | None:
        return customer.agreement_group.code if customer.agreement_group_id else None


class CustomerCreateIn(Schema):
    name: Name
    number: Text(20) = ""
    vat_id: Text(30) = ""
    currency: CurrencyCode | None = None
    agreement_group: Text(20) | None = None
    email: Email = ""
    phone: Text(40) = ""
    billing_address: Text(2000) = ""
    note: Text(5000) = ""


class CustomerUpdateIn(Schema):
    name: Name = None
    vat_id: Text(30) = None
    currency: CurrencyCode = None
    agreement_group: Text(20) | None = None
    email: Email = None
    phone: Text(40) = None
    billing_address: Text(2000) = None
    note: Text(5000) = None


class CustomerFilters(Schema):
    q: Text(100) | None = Field(None, description="Number, name, VAT id or email contains")
    agreement_group: Text(20) | None = None
    currency: CurrencyCode | None = None
    city: Text(100) | None = Field(None, description="Has a site in this city")
    is_active: bool | None = None
    order_by: order_by_param(selectors.CUSTOMER_ORDERING) = None


def _create_customer(user, data: CustomerCreateIn):
    fields = data.dict()
    fields["agreement_group"] = _group_from_code(fields["agreement_group"])
    fields["currency"] = fields["currency"] or ""
    return services.customer_create(by=user, **fields)


def _update_customer(user, customer, changes: dict):
    if "agreement_group" in changes:
        changes["agreement_group"] = _group_from_code(changes["agreement_group"])
    return services.customer_update(customer=customer, by=user, **changes)


add_master_data_routes(
    router,
    MasterDataResource(
        path="/customers",
        model_label="customers.customer",
        verbose="customer",
        out=CustomerOut,
        create_in=CustomerCreateIn,
        update_in=CustomerUpdateIn,
        filters=CustomerFilters,
        list=selectors.customer_list,
        get=lambda user, pk: selectors.customer_get(user=user, customer_id=pk),
        create=_create_customer,
        update=_update_customer,
        set_active=lambda user, customer, active: services.customer_set_active(
            customer=customer, by=user, is_active=active
        ),
    ),
)


# Sites


class SiteOut(Schema):
    id: int
    customer_id: int
    name: str
    address: str
    postcode: str
    city: str
    country: str
    latitude: CoordinateOut
    longitude: CoordinateOut
    timezone: str
    access_notes: str
    is_active: bool


class SiteCreateIn(Schema):
    customer_id: Id
    name: Name
    address: Text(200) = ""
    postcode: Text(20) = ""
    city: Text(100) = ""
    country: CountryCode = "FI"
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    timezone: TimeZoneName = "Europe/Helsinki"
    access_notes: Text(5000) = ""


class SiteUpdateIn(Schema):
    name: Name = None
    address: Text(200) = None
    postcode: Text(20) = None
    city: Text(100) = None
    country: CountryCode = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    timezone: TimeZoneName = None
    access_notes: Text(5000) = None


class SiteFilters(Schema):
    customer_id: Id | None = None
    q: Text(100) | None = Field(None, description="Name, address, postcode or city contains")
    city: Text(100) | None = None
    country: CountryCode | None = None
    is_active: bool | None = None
    order_by: order_by_param(selectors.SITE_ORDERING) = None


def _customer_for_write(user, customer_id: int):
    """The customer a new site or contact belongs to; an unknown one is a field error."""
    try:
        return selectors.customer_get(user=user, customer_id=customer_id)
    except NotFound as exc:
        raise InvalidInput({"customer_id": [_("No such customer.")]}) from exc


def _create_site(user, data: SiteCreateIn):
    fields = data.dict()
    customer = _customer_for_write(user, fields.pop("customer_id"))
    return services.site_create(by=user, customer=customer, **fields)


add_master_data_routes(
    router,
    MasterDataResource(
        path="/sites",
        model_label="customers.site",
        verbose="site",
        out=SiteOut,
        create_in=SiteCreateIn,
        update_in=SiteUpdateIn,
        filters=SiteFilters,
        list=selectors.site_list,
        get=lambda user, pk: selectors.site_get(user=user, site_id=pk),
        create=_create_site,
        update=lambda user, site, changes: services.site_update(site=site, by=user, **changes),
        set_active=lambda user, site, active: services.site_set_active(
            site=site, by=user, is_active=active
        ),
    ),
)


# Contacts


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    email: str
    phone: str
    role: str
    user_id: int | None
    is_active: bool


class ContactCreateIn(Schema):
    customer_id: Id
    name: Name
    email: Email = ""
    phone: Text(40) = ""
    role: Text(100) = ""


class ContactUpdateIn(Schema):
    name: Name = None
    email: Email = None
    phone: Text(40) = None
    role: Text(100) = None


class ContactFilters(Schema):
    customer_id: Id | None = None
    q: Text(100) | None = Field(None, description="Name, email, phone or role contains")
    is_active: bool | None = None
    order_by: order_by_param(selectors.CONTACT_ORDERING) = None


def _create_contact(user, data: ContactCreateIn):
    fields = data.dict()
    customer = _customer_for_write(user, fields.pop("customer_id"))
    return services.contact_create(by=user, customer=customer, **fields)


add_master_data_routes(
    router,
    MasterDataResource(
        path="/contacts",
        model_label="customers.contact",
        verbose="contact",
        out=ContactOut,
        create_in=ContactCreateIn,
        update_in=ContactUpdateIn,
        filters=ContactFilters,
        list=selectors.contact_list,
        get=lambda user, pk: selectors.contact_get(user=user, contact_id=pk),
        create=_create_contact,
        update=lambda user, contact, changes: services.contact_update(
            contact=contact, by=user, **changes
        ),
        set_active=lambda user, contact, active: services.contact_set_active(
            contact=contact, by=user, is_active=active
        ),
    ),
)
