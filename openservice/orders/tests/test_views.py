"""Service order pages: the list with its filters, the order with its workflow buttons per
role, the actions through the page (each refusal shown where it was made), sign-off, posting,
the printable documents, and the role homes that list orders."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openservice.catalog.tests.factories import ItemFactory, ServiceTaskFactory
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.orders import services
from openservice.orders.models import OrderLine, ServiceOrder, StageChange
from openservice.orders.tests.factories import (
    add_line,
    make_order,
    move_to,
    order_in_stage,
    reason,
    service_object,
    signed_off_order,
    stage,
)
from openservice.workforce.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tech(technician_user):
    """The technician record of the `tech` login."""
    return TechnicianFactory(user=technician_user, name="Teemu Teknikko")


@pytest.fixture
def other_tech(make_user):
    from openservice.core.roles import Role

    return TechnicianFactory(user=make_user(Role.TECHNICIAN, username="tech2"), name="Other Tech")


@pytest.fixture
def site(db):
    customer = CustomerFactory(name="Kiinteistö Oy Esimerkki", currency="EUR")
    return SiteFactory(
        customer=customer,
        name="Main building",
        address="Esimerkkikatu 5",
        postcode="00100",
        city="Helsinki",
        access_notes="Key from the janitor, door code 1234.",
    )


def page(client, user, url, **kwargs):
    client.force_login(user)
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def listed(html: str) -> list[str]:
    return re.findall(r'data-order="([^"]+)"', html)


def stage_buttons(html: str) -> set[str]:
    workflow = re.search(r'<section class="card workflow".*?</section>', html, re.S)
    return set(re.findall(r'data-to="(\w+)"', workflow.group(0))) if workflow else set()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def detail_url(order) -> str:
    return reverse("orders:detail", args=[order.pk])


def refreshed(order) -> ServiceOrder:
    return ServiceOrder.objects.select_related("stage").get(pk=order.pk)


# The list


def test_list_shows_priority_with_a_label_and_stage_as_a_chip(client, manager, site):
    order = make_order(by=manager, site=site, priority="critical", description="Lift stuck")
    cancelled = move_to(make_order(by=manager, site=site), "cancelled", by=manager)

    html = page(client, manager, reverse("orders:list"))

    assert listed(html) == [cancelled.number, order.number]
    assert '<span class="prio prio-critical" data-priority="critical">Critical</span>' in html
    assert 'class="chip stage stage-new" data-stage="new">New</span>' in html
    assert 'class="chip stage stage-cancelled" data-stage="cancelled">Cancelled</span>' in html
    assert "Lift stuck" in html


def test_list_filters_are_in_the_url_and_combine(client, manager, dispatcher, site, tech):
    other_site = SiteFactory(name="Other place")
    today = timezone.localdate()
    match = make_order(
        by=manager,
        site=site,
        priority="high",
        preferred_technician=tech,
        service_on=today,
        description="Boiler service",
    )
    move_to(match, "scheduled", by=manager)
    make_order(by=manager, site=site, priority="high", preferred_technician=tech)  # new
    make_order(by=manager, site=site, priority="low", service_on=today)  # low
    make_order(by=manager, site=other_site, priority="high")  # other customer
    late = make_order(by=manager, site=site, priority="high", service_on=today + timedelta(9))
    move_to(late, "scheduled", by=manager)

    url = reverse("orders:list")
    query = {
        "stage": "scheduled",
        "priority": "high",
        "customer_id": site.customer_id,
        "technician_id": tech.pk,
        "service_on_from": today.isoformat(),
        "service_on_to": (today + timedelta(days=1)).isoformat(),
    }
    assert listed(page(client, dispatcher, url, data=query)) == [match.number]
    assert listed(page(client, dispatcher, url, data={"q": "boiler"})) == [match.number]
    assert set(listed(page(client, dispatcher, url, data={"stage": "scheduled"}))) == {
        match.number,
        late.number,
    }
    by_date = listed(page(client, dispatcher, url, data={"order_by": "service_on"}))
    assert by_date.index(match.number) < by_date.index(late.number)
    html = page(client, dispatcher, url, data=query)
    # The filter form keeps what was chosen, so the page is the saved filter.
    assert '<option value="scheduled" selected>' in html
    assert f'value="{today.isoformat()}"' in html


def test_list_sorts_by_urgency(client, manager, site):
    orders = {
        priority: make_order(by=manager, site=site, priority=priority)
        for priority in ("normal", "critical", "low", "high")
    }

    html = page(client, manager, reverse("orders:list"), data={"order_by": "-priority"})

    assert listed(html) == [orders[p].number for p in ("critical", "high", "normal", "low")]


def test_an_unreadable_filter_is_ignored_not_an_error(client, manager, site):
    order = make_order(by=manager, site=site)

    html = page(client, manager, reverse("orders:list"), data={"service_on_from": "soon"})

    assert listed(html) == [order.number]


def test_live_search_answers_htmx_with_the_rows_only(client, manager, site):
    make_order(by=manager, site=site, description="Escalator noise")
    make_order(by=manager, site=site, description="Door sensor")

    html = page(
        client, manager, reverse("orders:list"), data={"q": "escalator"}, HTTP_HX_REQUEST="true"
    )

    assert "<html" not in html
    assert 'class="filters"' not in html
    assert len(listed(html)) == 1
    assert "Escalator noise" in html


def test_empty_list_says_what_to_do(client, dispatcher):
    html = page(client, dispatcher, reverse("orders:list"), data={"stage": "closed"})

    assert "No orders match. Clear the filters or create an order." in html


def test_a_page_of_50_costs_the_same_queries_as_5(
    client, manager, site, tech, django_assert_num_queries
):
    client.force_login(manager)
    url = reverse("orders:list")
    for _ in range(5):
        order = make_order(by=manager, site=SiteFactory(), preferred_technician=tech)
        add_line(order, by=manager)
    with CaptureQueriesContext(connection) as five:
        assert len(listed(client.get(url).content.decode())) == 5
    for _ in range(50):
        order = make_order(by=manager, site=SiteFactory(), preferred_technician=tech)
        add_line(order, by=manager)

    with django_assert_num_queries(len(five.captured_queries)):
        html = client.get(url).content.decode()

    assert len(listed(html)) == 50
    assert "Page 1 of 2" in html


def test_pagination_links_keep_the_filters(client, manager, site):
    for _ in range(51):
        make_order(by=manager, site=site, priority="high")

    html = page(client, manager, reverse("orders:list"), data={"priority": "high"})

    assert len(listed(html)) == 50
    assert 'href="?priority=high&amp;page=2"' in html


def test_technician_lists_only_the_orders_assigned_to_them(
    client, manager, technician_user, tech, other_tech, site
):
    mine = make_order(by=manager, site=site, preferred_technician=tech)
    theirs = make_order(by=manager, site=site, preferred_technician=other_tech)
    unassigned = make_order(by=manager, site=site)

    html = page(client, technician_user, reverse("orders:list"))

    assert listed(html) == [mine.number]
    assert theirs.number not in html and unassigned.number not in html
    assert "<h1>My orders</h1>" in html
    assert 'data-nav="orders"' in html and ">My orders</a>" in html
    assert 'name="technician_id"' not in html  # no filters for what they cannot see
    assert 'name="customer_id"' not in html


def test_technician_cannot_open_someone_elses_order(
    client, manager, technician_user, tech, other_tech, site
):
    theirs = make_order(by=manager, site=site, preferred_technician=other_tech)
    client.force_login(technician_user)

    for name in ("orders:detail", "orders:work_description", "orders:work_receipt"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    response = client.post(reverse("orders:change_stage", args=[theirs.pk]), {"to": "scheduled"})
    assert response.status_code == 404
    assert refreshed(theirs).stage.code == "new"


def test_customer_user_sees_their_own_orders(client, manager, customer_user):
    own_customer = customer_user.customer_contact.customer
    own = make_order(by=manager, site=SiteFactory(customer=own_customer), description="Ours")
    add_line(own, by=manager, unit_price=Decimal("12.50"), unit_cost=Decimal("5.00"))
    foreign = make_order(by=manager, site=SiteFactory(), description="Someone else's")

    html = page(client, customer_user, reverse("orders:list"))
    assert listed(html) == [own.number]

    detail = page(client, customer_user, detail_url(own))
    assert "Ours" in detail
    assert "€12.50" in detail
    assert "Unit cost" not in detail and "€5.00" not in detail
    assert stage_buttons(detail) == set()
    assert 'id="history"' not in detail
    client.force_login(customer_user)
    assert client.get(detail_url(foreign)).status_code == 404


# The order page


def test_order_page_shows_header_relations_lines_and_totals(client, manager, site, tech):
    task = ServiceTaskFactory(name="Annual inspection", internal_note="Bring the torque key")
    obj = service_object(site.customer, site=site, by=manager)
    order = make_order(
        by=manager,
        site=site,
        priority="high",
        description="Yearly check",
        preferred_technician=tech,
        service_on=date(2030, 5, 6),
        objects=[obj],
        tasks=[task],
    )
    item = ItemFactory(name="Filter", sales_price=Decimal("19.90"), cost_price=Decimal("8.00"))
    add_line(order, by=manager, kind="item", item=item, quantity="3", unit_price=Decimal("19.90"))
    add_line(order, by=manager, kind="hour", quantity="1.5", unit_price=Decimal("80"), object=obj)
    cancelled = add_line(order, by=manager, description="Wrong line", unit_price=Decimal("999"))
    services.order_line_cancel(line=cancelled, by=manager)

    html = page(client, manager, detail_url(order))

    for text in (
        order.number,
        "Kiinteistö Oy Esimerkki",
        "Main building",
        "Esimerkkikatu 5, 00100 Helsinki",
        "Yearly check",
        "Teemu Teknikko",
        "May 6, 2030",
        "Annual inspection",
        "Bring the torque key",
        obj.number,
        "Filter",
        "€59.70",  # 3 × 19.90
        "€120.00",  # 1.5 h × 80
        "€179.70",  # cancelled lines do not count
        "Unit cost",
        "€8.00",
    ):
        assert text in html, text
    assert '<span class="prio prio-high" data-priority="high">High</span>' in html
    assert 'data-field="version">' in html
    assert '<span class="chip line-status-cancelled">Cancelled</span>' in html
    assert re.search(r'data-total="net">€179.70<', html)


def test_technician_sees_no_costs(client, manager, technician_user, tech, site):
    order = make_order(by=manager, site=site, preferred_technician=tech)
    add_line(order, by=manager, unit_price=Decimal("10.00"), unit_cost=Decimal("7.77"))

    html = page(client, technician_user, detail_url(order))

    assert "€10.00" in html
    assert "7.77" not in html and "Unit cost" not in html and 'data-total="cost"' not in html


@pytest.mark.parametrize(
    "code, role, expected",
    [
        ("new", "dispatcher", {"scheduled"}),
        ("new", "manager", {"scheduled"}),
        ("new", "tech", set()),
        ("scheduled", "dispatcher", {"new", "in_progress"}),
        ("scheduled", "tech", {"in_progress"}),
        ("in_progress", "tech", {"on_hold", "completed"}),
        ("on_hold", "tech", {"in_progress"}),
        ("completed", "tech", set()),
        ("completed", "dispatcher", {"in_progress"}),
        ("completed", "manager", {"in_progress", "closed"}),
        ("closed", "manager", set()),
        ("cancelled", "manager", set()),
    ],
)
def test_order_page_offers_only_the_allowed_transitions(
    client, request, manager, tech, site, code, role, expected
):
    order = order_in_stage(code, by=manager, site=site, preferred_technician=tech)
    user = {"tech": tech.user}.get(role) or request.getfixturevalue(role)

    html = page(client, user, detail_url(order))

    assert stage_buttons(html) == expected


def test_other_technicians_order_has_no_buttons_even_if_visible(client, manager, tech, site):
    """A technician who is also a dispatcher sees every order, but may still move only
    through the roles they hold: here the dispatcher's."""
    from openservice.core.roles import Role
    from openservice.core.tests.factories import UserFactory

    both = UserFactory(roles=[Role.TECHNICIAN, Role.DISPATCHER], username="both")
    order = order_in_stage("in_progress", by=manager, site=site, preferred_technician=tech)

    html = page(client, both, detail_url(order))

    assert stage_buttons(html) == {"on_hold", "completed"}


def test_a_reason_is_asked_where_the_target_stage_needs_one(client, manager, tech, site):
    order = order_in_stage("in_progress", by=manager, site=site, preferred_technician=tech)

    html = page(client, tech.user, detail_url(order))

    prompt = re.search(r'<details class="prompt" data-to="on_hold">.*?</details>', html, re.S)
    assert prompt, "on_hold needs a reason prompt"
    assert '<select name="reason" id="reason-on_hold" required>' in prompt.group(0)
    for code in ("CUSTOMER_REQUEST", "NO_ACCESS", "PARTS_MISSING"):
        assert f'<option value="{code}">' in prompt.group(0)
    assert 'data-to="completed">Move to Completed</button>' in html  # no prompt there


def test_stage_change_through_the_page(client, dispatcher, manager, site):
    order = make_order(by=manager, site=site)
    client.force_login(dispatcher)

    response = client.post(reverse("orders:change_stage", args=[order.pk]), {"to": "scheduled"})

    assert response.status_code == 302
    assert response["Location"] == detail_url(order)
    assert refreshed(order).stage.code == "scheduled"
    followed = client.get(response["Location"])
    assert f"{order.number} moved to Scheduled." in messages_of(followed)
    assert 'data-stage="scheduled">Scheduled</span>' in followed.content.decode()
    assert stage_buttons(followed.content.decode()) == {"new", "in_progress"}


def test_a_refused_change_is_shown_on_the_page_and_changes_nothing(client, manager, tech, site):
    order = order_in_stage("in_progress", by=manager, site=site, preferred_technician=tech)
    before = (order.version, StageChange.objects.filter(order=order).count())
    client.force_login(tech.user)

    response = client.post(
        reverse("orders:change_stage", args=[order.pk]), {"to": "on_hold"}, follow=True
    )

    assert response.redirect_chain == [(detail_url(order), 302)]
    assert messages_of(response) == ["This stage change needs a reason code."]
    html = response.content.decode()
    assert '<li class="message error">This stage change needs a reason code.</li>' in html
    order = refreshed(order)
    assert order.stage.code == "in_progress"
    assert (order.version, StageChange.objects.filter(order=order).count()) == before


def test_hold_with_a_reason_through_the_page(client, manager, tech, site):
    order = order_in_stage("in_progress", by=manager, site=site, preferred_technician=tech)
    client.force_login(tech.user)

    response = client.post(
        reverse("orders:change_stage", args=[order.pk]),
        {"to": "on_hold", "reason": "PARTS_MISSING", "note": "Motor on order"},
        follow=True,
    )

    assert refreshed(order).stage.code == "on_hold"
    change = StageChange.objects.filter(order=order).latest("pk")
    assert (change.reason.code, change.note, change.by) == (
        "PARTS_MISSING",
        "Motor on order",
        tech.user,
    )
    html = response.content.decode()
    assert "reason PARTS_MISSING" in html and "Motor on order" in html  # in the history


def test_a_transition_the_role_may_not_make_is_refused_on_the_page(client, manager, tech, site):
    order = make_order(by=manager, site=site, preferred_technician=tech)
    client.force_login(tech.user)

    response = client.post(
        reverse("orders:change_stage", args=[order.pk]), {"to": "scheduled"}, follow=True
    )

    assert response.status_code == 200
    assert messages_of(response) == ["Your role may not make this stage change on this order."]
    assert refreshed(order).stage.code == "new"


def test_an_unknown_stage_is_refused_on_the_page(client, manager, site):
    order = make_order(by=manager, site=site)
    client.force_login(manager)

    response = client.post(
        reverse("orders:change_stage", args=[order.pk]), {"to": "teleported"}, follow=True
    )

    assert messages_of(response) == ["There is no stage with that code."]
    assert refreshed(order).stage.code == "new"


def test_cancel_with_a_reason_and_revoke(client, dispatcher, manager, site):
    order = order_in_stage("scheduled", by=manager, site=site)
    client.force_login(dispatcher)
    assert 'data-action="cancel"' in client.get(detail_url(order)).content.decode()

    refused = client.post(reverse("orders:cancel", args=[order.pk]), {}, follow=True)
    assert messages_of(refused) == ["Choose why the order is cancelled."]
    assert refreshed(order).stage.code == "scheduled"

    response = client.post(
        reverse("orders:cancel", args=[order.pk]), {"reason": "DUPLICATE"}, follow=True
    )
    assert messages_of(response) == [f"Order {order.number} cancelled."]
    assert refreshed(order).stage.code == "cancelled"
    html = response.content.decode()
    assert "Revoke cancellation (back to Scheduled)" in html
    assert stage_buttons(html) == set()

    client.post(reverse("orders:revoke_cancel", args=[order.pk]))
    assert refreshed(order).stage.code == "scheduled"


def test_technician_has_no_cancel_button_and_may_not_cancel(client, manager, tech, site):
    order = make_order(by=manager, site=site, preferred_technician=tech)
    client.force_login(tech.user)

    assert 'data-action="cancel"' not in client.get(detail_url(order)).content.decode()
    response = client.post(reverse("orders:cancel", args=[order.pk]), {"reason": "DUPLICATE"})
    assert response.status_code == 403
    assert refreshed(order).stage.code == "new"


# Lines


def test_technician_adds_hours_through_the_page(client, manager, tech, site):
    order = order_in_stage("in_progress", by=manager, site=site, preferred_technician=tech)
    client.force_login(tech.user)
    form = client.get(detail_url(order)).content.decode()
    assert 'id="line-kind"' in form
    assert re.search(rf'<option value="{tech.pk}" selected>', form)  # defaults to themselves

    response = client.post(
        reverse("orders:line_add", args=[order.pk]),
        {
            "kind": "hour",
            "description": "Diagnosis",
            "quantity": "1.5",
            "unit_price": "80",
            "technician": tech.pk,
        },
    )

    assert response.status_code == 302
    line = OrderLine.objects.get(order=order)
    assert (line.kind, line.quantity, line.net_amount, line.technician) == (
        "hour",
        Decimal("1.500"),
        Decimal("120.00"),
        tech,
    )
    assert line.unit_cost == tech.hourly_cost  # from the technician, not the form
    assert "Line added: Diagnosis." in messages_of(client.get(response["Location"]))


def test_an_item_line_takes_the_items_price(client, manager, site):
    order = make_order(by=manager, site=site)
    item = ItemFactory(name="V-belt", sales_price=Decimal("24.00"), unit="pcs")
    client.force_login(manager)

    client.post(
        reverse("orders:line_add", args=[order.pk]),
        {"kind": "item", "item": item.pk, "quantity": "2"},
    )

    line = OrderLine.objects.get(order=order)
    assert (line.description, line.unit_price, line.net_amount) == (
        "V-belt",
        Decimal("24.00"),
        Decimal("48.00"),
    )


def test_a_bad_line_comes_back_on_the_form(client, manager, site):
    order = make_order(by=manager, site=site)
    client.force_login(manager)

    response = client.post(
        reverse("orders:line_add", args=[order.pk]), {"kind": "fee", "quantity": "0"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert '<details class="add-line" open>' in html
    assert "Ensure this value is greater than or equal to 0.001." in html
    assert "Describe the line or choose an item." in html
    assert not OrderLine.objects.filter(order=order).exists()


def test_no_line_form_where_the_stage_is_read_only_and_a_post_is_refused(client, manager, site):
    order = signed_off_order("closed", by=manager, site=site)
    client.force_login(manager)
    assert 'id="line-kind"' not in client.get(detail_url(order)).content.decode()

    response = client.post(
        reverse("orders:line_add", args=[order.pk]),
        {"kind": "fee", "description": "Late fee", "quantity": "1"},
    )

    assert response.status_code == 200
    assert "The order&#x27;s stage does not allow changes." in response.content.decode()
    assert order.lines.count() == 1


def test_cancel_a_line_through_the_page(client, manager, site):
    order = make_order(by=manager, site=site)
    line = add_line(order, by=manager, description="Extra")
    client.force_login(manager)

    response = client.post(reverse("orders:line_cancel", args=[order.pk, line.pk]), follow=True)

    assert messages_of(response) == ["Line cancelled: Extra."]
    line.refresh_from_db()
    assert line.status == "cancelled"


# Sign-off and posting


def test_sign_off_through_the_page(client, manager, tech, site):
    order = order_in_stage("completed", by=manager, site=site, preferred_technician=tech)
    add_line(order, by=manager, description="Work", unit_price=Decimal("50.00"))
    client.force_login(tech.user)
    html = client.get(detail_url(order)).content.decode()
    assert 'id="signoff-signer_name"' in html and 'id="signoff-confirm"' in html
    assert "Work done" in html and "€50.00" in html  # the receipt the customer signs for

    response = client.post(
        reverse("orders:sign_off", args=[order.pk]),
        {"signer_name": "Maija Asiakas", "confirm": "on"},
        follow=True,
    )

    order = refreshed(order)
    assert (order.signer_name, order.signed_off_by) == ("Maija Asiakas", tech.user)
    assert order.signed_off_at is not None
    assert messages_of(response) == ["Signed off by Maija Asiakas."]
    html = response.content.decode()
    assert 'data-field="signer">Maija Asiakas<' in html
    assert 'id="signoff-signer_name"' not in html


def test_sign_off_needs_the_name_and_the_confirmation(client, manager, tech, site):
    order = order_in_stage("completed", by=manager, site=site, preferred_technician=tech)
    client.force_login(tech.user)

    response = client.post(reverse("orders:sign_off", args=[order.pk]), {"signer_name": ""})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the name of the person who signs." in html
    assert "The customer must confirm the work to sign off." in html
    assert refreshed(order).signed_off_at is None


def test_sign_off_refused_before_the_work_started_is_shown_on_the_form(client, manager, site):
    order = make_order(by=manager, site=site)
    client.force_login(manager)
    assert 'id="signoff-signer_name"' not in client.get(detail_url(order)).content.decode()

    response = client.post(
        reverse("orders:sign_off", args=[order.pk]), {"signer_name": "Early", "confirm": "on"}
    )

    assert response.status_code == 200
    assert "Sign-off is recorded once the work has started." in response.content.decode()
    assert refreshed(order).signed_off_at is None


def test_post_button_only_for_managers(client, manager, dispatcher, tech, site):
    order = signed_off_order("completed", by=manager, lines=2, site=site, preferred_technician=tech)

    assert 'data-action="post">Post 2 lines</button>' in page(client, manager, detail_url(order))
    assert 'data-action="post"' not in page(client, dispatcher, detail_url(order))
    assert 'data-action="post"' not in page(client, tech.user, detail_url(order))
    assert client.post(reverse("orders:post", args=[order.pk])).status_code == 403


def test_manager_posts_through_the_page_and_posting_again_posts_nothing(client, manager, site):
    order = signed_off_order("completed", by=manager, lines=2, site=site)
    client.force_login(manager)

    response = client.post(reverse("orders:post", args=[order.pk]), follow=True)

    assert messages_of(response) == [f"2 lines of {order.number} posted."]
    assert set(order.lines.values_list("status", flat=True)) == {"posted"}
    html = response.content.decode()
    assert "Every line is posted." in html
    assert html.count('<span class="chip line-status-posted">Posted</span>') == 2
    again = client.post(reverse("orders:post", args=[order.pk]), follow=True)
    assert messages_of(again) == ["Nothing new to post: every line is already posted."]


def test_posting_without_sign_off_is_refused_on_the_page(client, manager, site):
    order = order_in_stage("completed", by=manager, site=site)
    add_line(order, by=manager)
    client.force_login(manager)
    assert (
        "Posting needs the customer's sign-off first."
        in client.get(detail_url(order)).content.decode()
    )

    response = client.post(reverse("orders:post", args=[order.pk]), follow=True)

    assert messages_of(response) == ["The customer's sign-off is needed before posting."]
    assert set(order.lines.values_list("status", flat=True)) == {"open"}


# History


def test_history_timeline_lists_stage_changes_and_actions(client, manager, site):
    order = signed_off_order("completed", by=manager, site=site)

    html = page(client, manager, detail_url(order))

    history = re.search(r'<section class="card" id="history">.*?</section>', html, re.S).group(0)
    kinds = re.findall(r'data-kind="(\w+)"', history)
    assert kinds == ["stage", "signed_off", "line_added", "stage", "stage", "created"]
    assert "In progress → Completed" in history
    assert "by Maija Asiakas" in history
    assert "by manager" in history


# New order and edit


def test_dispatcher_creates_an_order(client, dispatcher, tech, site):
    task = ServiceTaskFactory(name="Filter change")
    client.force_login(dispatcher)
    assert client.get(reverse("orders:create")).status_code == 200

    response = client.post(
        reverse("orders:create"),
        {
            "customer": site.customer_id,
            "site": site.pk,
            "description": "Noise in the fan",
            "priority": "high",
            "service_on": "2030-01-15",
            "preferred_technician": tech.pk,
            "tasks": [task.pk],
        },
    )

    order = ServiceOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(order)
    assert (order.customer, order.site, order.priority, order.origin) == (
        site.customer,
        site,
        "high",
        "manual",
    )
    assert (order.service_on, order.preferred_technician) == (date(2030, 1, 15), tech)
    assert list(order.tasks.all()) == [task]
    assert order.stage.code == "new"
    assert f"Order {order.number} created." in messages_of(client.get(response["Location"]))


def test_choosing_the_customer_narrows_the_sites(client, dispatcher, site):
    SiteFactory(name="Somebody else's site")
    client.force_login(dispatcher)

    html = client.get(reverse("orders:create"), {"customer": site.customer_id}).content.decode()

    site_field = re.search(r'<div id="site-field">.*?</div>\s*</div>', html, re.S).group(0)
    assert "Main building" in site_field
    assert "Somebody else" not in site_field
    assert 'hx-get="/orders/new/"' in html


def test_a_site_of_another_customer_is_refused_on_the_form(client, dispatcher, site):
    other = SiteFactory(name="Foreign site")
    client.force_login(dispatcher)

    response = client.post(
        reverse("orders:create"),
        {"customer": site.customer_id, "site": other.pk, "priority": "normal"},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ServiceOrder.objects.exists()


def test_technician_and_customer_may_not_create_orders(client, technician_user, customer_user):
    for user in (technician_user, customer_user):
        client.force_login(user)
        assert client.get(reverse("orders:create")).status_code == 403


def test_edit_refuses_a_stale_version_on_the_form(client, manager, dispatcher, site):
    order = make_order(by=manager, site=site, description="Before")
    services.order_update(order=order, by=manager, version=order.version, description="Meanwhile")
    client.force_login(dispatcher)

    response = client.post(
        reverse("orders:edit", args=[order.pk]),
        {"site": site.pk, "description": "Mine", "priority": "low", "version": 1},
    )

    assert response.status_code == 200
    assert "Someone else changed the order meanwhile." in response.content.decode()
    assert refreshed(order).description == "Meanwhile"

    current = refreshed(order).version
    response = client.post(
        reverse("orders:edit", args=[order.pk]),
        {"site": site.pk, "description": "Mine", "priority": "low", "version": current},
    )
    assert response.status_code == 302
    assert (refreshed(order).description, refreshed(order).priority) == ("Mine", "low")


# Printable pages


def test_work_description_has_what_the_technician_needs(client, manager, tech, site):
    task = ServiceTaskFactory(name="Belt check", internal_note="Old belts crack at the seam")
    obj = service_object(site.customer, site=site, by=manager)
    order = make_order(
        by=manager,
        site=site,
        description="Squeaking belt",
        preferred_technician=tech,
        objects=[obj],
        tasks=[task],
    )

    html = page(client, tech.user, reverse("orders:work_description", args=[order.pk]))

    for text in (
        "Work description",
        order.number,
        "Kiinteistö Oy Esimerkki",
        "Esimerkkikatu 5",
        "00100 Helsinki",
        "Key from the janitor, door code 1234.",
        "Squeaking belt",
        "Belt check",
        "Old belts crack at the seam",
        obj.number,
        obj.serial_number,
    ):
        assert text in html, text
    assert "data-nav" not in html and 'class="topbar"' not in html


def test_work_receipt_has_the_lines_totals_and_sign_off(client, manager, site):
    order = signed_off_order("completed", by=manager, lines=2, site=site)
    add_line(order, by=manager, description="Travel", unit_price=Decimal("35.50"))

    html = page(client, manager, reverse("orders:work_receipt", args=[order.pk]))

    assert "Work receipt" in html
    assert html.count("data-line=") == 3
    assert "€35.50" in html
    assert re.search(r'data-total="net"><strong>€55.50<', html)
    assert 'data-field="signer">Maija Asiakas<' in html
    assert "data-nav" not in html
    assert "cost" not in html.lower()


def test_customer_gets_the_receipt_but_not_the_internal_notes(client, manager, customer_user):
    customer = customer_user.customer_contact.customer
    task = ServiceTaskFactory(internal_note="Internal: customer is difficult")
    order = make_order(by=manager, site=SiteFactory(customer=customer), tasks=[task])

    receipt = page(client, customer_user, reverse("orders:work_receipt", args=[order.pk]))
    description = page(client, customer_user, reverse("orders:work_description", args=[order.pk]))

    assert order.number in receipt
    assert "customer is difficult" not in description


# Role homes


def test_manager_home_shows_orders_by_stage_and_orders_to_post(client, manager, site):
    make_order(by=manager, site=site)
    make_order(by=manager, site=site)
    to_post = signed_off_order("completed", by=manager, site=site)

    html = page(client, manager, "/")

    assert re.search(r'data-stage-count="new">2<', html)
    assert re.search(r'data-stage-count="completed">1<', html)
    assert 'data-stage-count="cancelled"' not in html
    posting = re.search(r'id="orders-to-post">.*?</section>', html, re.S).group(0)
    assert to_post.number in posting


def test_technician_home_lists_their_orders_today_first(client, manager, tech, other_tech, site):
    today = timezone.localdate()
    later = make_order(
        by=manager, site=site, preferred_technician=tech, service_on=today + timedelta(days=3)
    )
    now = make_order(
        by=manager, site=site, preferred_technician=tech, service_on=today, description="Today!"
    )
    overdue = make_order(
        by=manager, site=site, preferred_technician=tech, service_on=today - timedelta(days=2)
    )
    done = order_in_stage("completed", by=manager, site=site, preferred_technician=tech)
    theirs = make_order(by=manager, site=site, preferred_technician=other_tech, service_on=today)

    html = page(client, tech.user, "/")

    day = re.search(r'id="my-day">.*?</section>', html, re.S).group(0)
    assert listed(day) == [now.number, overdue.number, later.number]
    assert "Overdue" in day
    assert "Today!" in day and "Open order" in day  # the next one is expanded
    assert done.number not in day and theirs.number not in day


def test_customer_home_lists_their_open_orders(client, manager, customer_user):
    customer = customer_user.customer_contact.customer
    own_site = SiteFactory(customer=customer)
    open_order = make_order(by=manager, site=own_site)
    closed = signed_off_order("closed", by=manager, site=own_site)
    foreign = make_order(by=manager, site=SiteFactory())

    html = page(client, customer_user, "/")

    orders = re.search(r'id="open-orders">.*?</section>', html, re.S).group(0)
    assert listed(orders) == [open_order.number]
    assert closed.number not in orders and foreign.number not in orders
    assert 'data-nav="orders"' in html


def test_reason_codes_for_the_prompt_are_those_usable_for_stage_changes(
    client, manager, tech, site
):
    unusable = reason("LATE_ARRIVAL")
    unusable.for_stage_change = False
    unusable.save()
    order = order_in_stage("in_progress", by=manager, site=site, preferred_technician=tech)

    html = page(client, tech.user, detail_url(order))

    assert '<option value="LATE_ARRIVAL">' not in html
    assert stage("on_hold").requires_reason
