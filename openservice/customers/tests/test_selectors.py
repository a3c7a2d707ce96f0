"""Customer selectors: who sees which rows, the filters, and constant queries per page."""

import pytest

from openservice.core.errors import NotFound
from openservice.core.roles import Role
from openservice.customers import selectors
from openservice.customers.api import AgreementGroupOut, ContactOut, CustomerOut, SiteOut
from openservice.customers.tests.factories import (
    AgreementGroupFactory,
    ContactFactory,
    CustomerFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

STAFF = ["manager", "dispatcher", "technician_user", "administrator"]


@pytest.fixture
def two_customers(customer_user):
    """The portal user's customer with a site, and another customer with a site and contact."""
    own = customer_user.customer_contact.customer
    other = CustomerFactory(name="Other Oy")
    return {
        "own": own,
        "other": other,
        "own_site": SiteFactory(customer=own),
        "other_site": SiteFactory(customer=other),
        "other_contact": ContactFactory(customer=other),
    }


def ids(queryset):
    return [row.pk for row in queryset]


# Visibility


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_every_customer_site_and_contact(request, role, two_customers):
    user = request.getfixturevalue(role)
    own, other = two_customers["own"], two_customers["other"]

    assert set(ids(selectors.customer_list(user=user))) == {own.pk, other.pk}
    assert set(ids(selectors.site_list(user=user))) == {
        two_customers["own_site"].pk,
        two_customers["other_site"].pk,
    }
    assert set(ids(selectors.contact_list(user=user))) == {
        own.contacts.get().pk,
        two_customers["other_contact"].pk,
    }
    assert selectors.customer_get(user=user, customer_id=other.pk) == other


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_every_agreement_group(request, role):
    user = request.getfixturevalue(role)
    gold, silver = AgreementGroupFactory(code="GOLD"), AgreementGroupFactory(code="SILVER")

    assert ids(selectors.agreement_group_list(user=user)) == [gold.pk, silver.pk]


def test_customer_user_sees_only_their_own_customer_sites_and_contacts(
    customer_user, two_customers
):
    own = two_customers["own"]

    assert ids(selectors.customer_list(user=customer_user)) == [own.pk]
    assert ids(selectors.site_list(user=customer_user)) == [two_customers["own_site"].pk]
    assert ids(selectors.contact_list(user=customer_user)) == [customer_user.customer_contact.pk]
    assert selectors.customer_of_user(customer_user) == own


def test_customer_user_cannot_get_another_customers_rows(customer_user, two_customers):
    with pytest.raises(NotFound):
        selectors.customer_get(user=customer_user, customer_id=two_customers["other"].pk)
    with pytest.raises(NotFound):
        selectors.site_get(user=customer_user, site_id=two_customers["other_site"].pk)
    with pytest.raises(NotFound):
        selectors.contact_get(user=customer_user, contact_id=two_customers["other_contact"].pk)


def test_customer_user_gets_their_own_rows(customer_user, two_customers):
    own_site = two_customers["own_site"]

    assert (
        selectors.customer_get(user=customer_user, customer_id=own_site.customer_id)
        == (two_customers["own"])
    )
    assert selectors.site_get(user=customer_user, site_id=own_site.pk) == own_site


def test_deactivated_contacts_user_sees_nothing(customer_user, manager, two_customers):
    from openservice.customers.services import contact_set_active

    contact_set_active(contact=customer_user.customer_contact, by=manager, is_active=False)

    assert ids(selectors.customer_list(user=customer_user)) == []
    assert ids(selectors.site_list(user=customer_user)) == []
    assert ids(selectors.contact_list(user=customer_user)) == []
    assert selectors.customer_of_user(customer_user) is None
    with pytest.raises(NotFound):
        selectors.customer_get(user=customer_user, customer_id=two_customers["own"].pk)


def test_customer_user_sees_no_agreement_groups(customer_user):
    group = AgreementGroupFactory(code="GOLD")

    assert ids(selectors.agreement_group_list(user=customer_user)) == []
    with pytest.raises(NotFound):
        selectors.agreement_group_get(user=customer_user, group_id=group.pk)


def test_user_without_role_sees_nothing(make_user, two_customers):
    user = make_user()
    AgreementGroupFactory(code="GOLD")

    assert ids(selectors.customer_list(user=user)) == []
    assert ids(selectors.site_list(user=user)) == []
    assert ids(selectors.contact_list(user=user)) == []
    assert ids(selectors.agreement_group_list(user=user)) == []
    assert selectors.customer_counts(user=user) == {"total": 0, "active": 0}
    with pytest.raises(NotFound):
        selectors.customer_get(user=user, customer_id=two_customers["own"].pk)


def test_customer_of_user_is_none_for_staff_and_anonymous(manager):
    from django.contrib.auth.models import AnonymousUser

    assert selectors.customer_of_user(manager) is None
    assert selectors.customer_of_user(AnonymousUser()) is None


def test_customer_counts_counts_visible_and_active_customers(manager, customer_user):
    CustomerFactory(is_active=False)
    CustomerFactory()

    assert selectors.customer_counts(user=manager) == {"total": 3, "active": 2}
    assert selectors.customer_counts(user=customer_user) == {"total": 1, "active": 1}


# Customer filters


def test_customer_list_q_searches_number_name_vat_id_and_email(manager):
    by_number = CustomerFactory(number="K-777", name="Alpha")
    by_name = CustomerFactory(name="Kone Oy")
    by_vat = CustomerFactory(name="Beta", vat_id="FI-KONE")
    by_email = CustomerFactory(name="Gamma", email="info@kone.example")
    CustomerFactory(name="Wärtsilä")

    assert set(ids(selectors.customer_list(user=manager, q="kone"))) == {
        by_name.pk,
        by_vat.pk,
        by_email.pk,
    }
    assert ids(selectors.customer_list(user=manager, q="k-777")) == [by_number.pk]


def test_customer_list_filters_by_agreement_group_code_in_any_case(manager):
    gold = CustomerFactory(agreement_group=AgreementGroupFactory(code="GOLD"))
    CustomerFactory(agreement_group=AgreementGroupFactory(code="SILVER"))
    CustomerFactory()

    assert ids(selectors.customer_list(user=manager, agreement_group="gold")) == [gold.pk]


def test_customer_list_filters_by_currency(manager):
    CustomerFactory(currency="EUR")
    sek = CustomerFactory(currency="SEK")

    assert ids(selectors.customer_list(user=manager, currency="SEK")) == [sek.pk]


def test_customer_list_filters_by_a_site_city_once_per_customer(manager):
    espoo = CustomerFactory()
    SiteFactory(customer=espoo, city="Espoo")
    SiteFactory(customer=espoo, city="Espoo")
    SiteFactory(city="Helsinki")

    assert ids(selectors.customer_list(user=manager, city="espoo")) == [espoo.pk]


def test_customer_list_filters_by_is_active(manager):
    active = CustomerFactory()
    inactive = CustomerFactory(is_active=False)

    assert ids(selectors.customer_list(user=manager, is_active=True)) == [active.pk]
    assert ids(selectors.customer_list(user=manager, is_active=False)) == [inactive.pk]


def test_customer_list_orders_by_name_by_default_and_by_the_given_key(manager):
    b = CustomerFactory(name="Beta", number="N1")
    a = CustomerFactory(name="Alpha", number="N3")
    c = CustomerFactory(name="Gamma", number="N2")

    assert ids(selectors.customer_list(user=manager)) == [a.pk, b.pk, c.pk]
    assert ids(selectors.customer_list(user=manager, order_by="-name")) == [c.pk, b.pk, a.pk]
    assert ids(selectors.customer_list(user=manager, order_by="number")) == [b.pk, c.pk, a.pk]
    assert ids(selectors.customer_list(user=manager, order_by="-created")) == [c.pk, a.pk, b.pk]


# Site and contact filters


def test_site_list_filters_by_customer_q_city_country_and_is_active(manager):
    kone = CustomerFactory(name="Kone")
    office = SiteFactory(customer=kone, name="Office", city="Espoo", country="FI")
    depot = SiteFactory(customer=kone, name="Depot", city="Stockholm", country="SE")
    closed = SiteFactory(customer=kone, name="Old depot", city="Espoo", is_active=False)
    elsewhere = SiteFactory(name="Elsewhere", city="Espoo")

    assert ids(selectors.site_list(user=manager, customer_id=kone.pk)) == [
        depot.pk,
        office.pk,
        closed.pk,
    ]
    assert ids(selectors.site_list(user=manager, q="depot")) == [depot.pk, closed.pk]
    assert set(ids(selectors.site_list(user=manager, city="ESPOO"))) == {
        office.pk,
        closed.pk,
        elsewhere.pk,
    }
    assert ids(selectors.site_list(user=manager, country="SE")) == [depot.pk]
    assert ids(selectors.site_list(user=manager, customer_id=kone.pk, is_active=False)) == [
        closed.pk
    ]
    assert ids(selectors.site_list(user=manager, customer_id=kone.pk, order_by="-city")) == [
        depot.pk,
        closed.pk,
        office.pk,
    ]


def test_contact_list_filters_by_customer_q_and_is_active(manager):
    kone = CustomerFactory(name="Kone")
    aino = ContactFactory(customer=kone, name="Aino", role="Facility manager")
    eero = ContactFactory(customer=kone, name="Eero", phone="+358 40 1", is_active=False)
    other = ContactFactory(name="Aapo", role="Facility manager")

    assert ids(selectors.contact_list(user=manager, customer_id=kone.pk)) == [aino.pk, eero.pk]
    assert set(ids(selectors.contact_list(user=manager, q="facility"))) == {aino.pk, other.pk}
    assert ids(selectors.contact_list(user=manager, q="+358 40")) == [eero.pk]
    assert ids(selectors.contact_list(user=manager, customer_id=kone.pk, is_active=True)) == [
        aino.pk
    ]
    assert ids(selectors.contact_list(user=manager, customer_id=kone.pk, order_by="-name")) == [
        eero.pk,
        aino.pk,
    ]


def test_agreement_group_list_filters_by_q_and_is_active(manager):
    gold = AgreementGroupFactory(code="GOLD", name="Gold tier")
    AgreementGroupFactory(code="SILVER", name="Silver tier")
    old = AgreementGroupFactory(code="OLD", name="Legacy gold", is_active=False)

    assert ids(selectors.agreement_group_list(user=manager, q="gold")) == [gold.pk, old.pk]
    assert ids(selectors.agreement_group_list(user=manager, is_active=False)) == [old.pk]
    assert selectors.agreement_group_by_code("gold") == gold


# Queries per page: a page of 50 costs what a page of 5 costs


def _serialize(queryset, out, size):
    """One page as the API returns it, so related fields the schema reads are loaded too."""
    return [out.from_orm(row).dict() for row in queryset[:size]]


@pytest.fixture
def many_rows():
    groups = [AgreementGroupFactory(code=code) for code in ("GOLD", "SILVER", "BRONZE")]
    for n in range(52):
        AgreementGroupFactory(code=f"TIER{n}")
    for n in range(55):
        customer = CustomerFactory(agreement_group=groups[n % 3])
        SiteFactory(customer=customer)
        ContactFactory(customer=customer)


@pytest.mark.parametrize(
    ("selector", "out"),
    [
        (selectors.customer_list, CustomerOut),
        (selectors.site_list, SiteOut),
        (selectors.contact_list, ContactOut),
        (selectors.agreement_group_list, AgreementGroupOut),
    ],
    ids=["customers", "sites", "contacts", "agreement_groups"],
)
@pytest.mark.parametrize("size", [5, 50])
def test_list_selector_page_costs_one_query_whatever_its_size(
    manager, many_rows, django_assert_num_queries, selector, out, size
):
    queryset = selector(user=manager)

    with django_assert_num_queries(1):
        page = _serialize(queryset, out, size)

    assert len(page) == size


def test_customer_list_page_reads_group_codes_without_extra_queries(
    manager, many_rows, django_assert_num_queries
):
    queryset = selectors.customer_list(user=manager, order_by="number")

    with django_assert_num_queries(1):
        codes = {row["agreement_group"] for row in _serialize(queryset, CustomerOut, 50)}

    assert codes == {"GOLD", "SILVER", "BRONZE"}


@pytest.mark.parametrize("size", [5, 50])
def test_customer_users_scoped_lists_cost_one_query_per_page(
    make_user, django_assert_num_queries, size
):
    user = make_user(Role.CUSTOMER)
    customer = CustomerFactory()
    ContactFactory(customer=customer, user=user)
    for _n in range(55):
        SiteFactory(customer=customer)
        ContactFactory(customer=customer)
    sites, contacts = selectors.site_list(user=user), selectors.contact_list(user=user)

    with django_assert_num_queries(2):
        site_page = _serialize(sites, SiteOut, size)
        contact_page = _serialize(contacts, ContactOut, size)

    assert (len(site_page), len(contact_page)) == (size, size)
