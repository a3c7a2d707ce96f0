"""Agreement pages: the list with its filters, one agreement (header, status actions, renewal,
covered objects and tasks, lines in words), the header form, the line editor, copying lines
from a template, and who may open and change them. Orders on the agreement page are the orders
app's (see orders/tests/test_generation_views.py)."""

import re
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openservice.agreements import services
from openservice.agreements.models import (
    AgreementLine,
    AgreementObject,
    AgreementTask,
    ServiceAgreement,
)
from openservice.calendars.services import calendar_create
from openservice.catalog.tests.factories import ItemFactory, ServiceTaskFactory
from openservice.core.models import AuditEvent
from openservice.core.roles import Role
from openservice.customers.tests.factories import (
    AgreementGroupFactory,
    CustomerFactory,
    SiteFactory,
)
from openservice.equipment.tests.factories import ServiceObjectFactory
from openservice.workforce.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/agreements/"
NEW_URL = "/agreements/new/"


# -- Helpers -----------------------------------------------------------------------------------


def customer_with_site(name="Kiinteistö Oy Esimerkki"):
    customer = CustomerFactory(name=name, currency="EUR")
    return customer, SiteFactory(customer=customer, name="Main building", city="Espoo")


def make_agreement(customer=None, site=None, *, status="draft", **fields):
    """An agreement through the services: a draft, or moved on to `status`."""
    if customer is None:
        customer, site = customer_with_site()
    values = {
        "description": "Lift maintenance",
        "starts_on": date(2027, 1, 1),
        "ends_on": date(2027, 12, 31),
        **fields,
    }
    agreement = services.agreement_create(by=None, customer=customer, site=site, **values)
    for action in {"draft": [], "active": ["activate"], "suspended": ["activate", "suspend"]}.get(
        status, ["cancel"]
    ):
        agreement = services.agreement_change_status(agreement=agreement, by=None, action=action)
    return agreement


def make_template(**fields):
    group = services.template_group_create(by=None, code="LIFTS", name="Lifts")
    values = {"description": "Passenger lift, monthly", "starts_on": date(2027, 1, 1), **fields}
    return services.agreement_create(by=None, template_group=group, **values)


def add_line(agreement, **fields):
    values = {"kind": "hour", "interval_unit": "month", **fields}
    return services.agreement_line_create(agreement=agreement, by=None, **values)


def html(response) -> str:
    return response.content.decode()


def text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def listed(response) -> list[str]:
    return re.findall(r'<tr data-agreement="([^"]+)">', html(response))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def field_errors(response, field: str) -> list[str]:
    block = re.search(
        rf'<div class="field[^"]*has-error">\s*<label for="[^"]*{field}">.*?</div>',
        html(response),
        re.S,
    )
    assert block, f"no errors on {field}"
    return re.findall(r'<p class="field-error"[^>]*>([^<]+)</p>', block.group(0))


def error_summary(response) -> str:
    match = re.search(r'<div class="error-summary" role="alert">(.*?)</div>', html(response), re.S)
    return text(match.group(1)) if match else ""


def header_form(agreement=None, **fields) -> dict:
    """The POST of the header form; `objects` and `tasks` map records to (internal, external)."""
    data = {
        "description": "Lift maintenance",
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
        "agreement_group": "",
        "sla_policy": "",
        "calendar": "",
        "preferred_technician": "",
        "responsible": "",
        "grouping": "agreement",
        "note": "",
    }
    if agreement is not None:
        data["site"] = agreement.site_id or ""
    for prefix in ("object", "task"):
        for record, (internal, external) in fields.pop(f"{prefix}s", {}).items():
            data[f"{prefix}_{record.pk}"] = "on"
            data[f"{prefix}_{record.pk}_internal"] = internal
            data[f"{prefix}_{record.pk}_external"] = external
    return {**data, **fields}


def line_form(**fields) -> dict:
    return {
        "kind": "hour",
        "description": "",
        "task": "",
        "object": "",
        "technician": "",
        "item": "",
        "quantity": "1",
        "unit": "",
        "unit_price": "",
        "is_billable": "on",
        "interval_unit": "month",
        "interval_every": "1",
        "window": "exact",
        "window_days_before": "0",
        "window_days_after": "0",
        "starts_on": "",
        "ends_on": "",
        "earliest_time": "",
        "latest_time": "",
        **fields,
    }


def line_values(line) -> dict:
    return {name: getattr(line, name) for name in services.LINE_FIELDS}


# -- List --------------------------------------------------------------------------------------


def test_agreement_list_shows_agreements_and_templates_with_their_status(client, manager):
    customer, site = customer_with_site("Tapiolan Torni")
    active = make_agreement(customer, site, status="active", description="Lifts, yearly")
    add_line(active)
    draft = make_agreement(description="Doors")
    template = make_template()
    client.force_login(manager)

    response = client.get(LIST_URL)

    body = html(response)
    assert response.status_code == 200
    assert listed(response) == [template.number, draft.number, active.number]
    row = re.search(rf'<tr data-agreement="{active.number}">(.*?)</tr>', body, re.S).group(1)
    assert [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] == [
        active.number,
        "Tapiolan Torni Main building",
        "Lifts, yearly",
        "Active",
        "Jan. 1, 2027 – Dec. 31, 2027",
        "—",
        "1",
    ]
    assert "Template in Lifts" in body
    assert '<a class="button primary" href="/agreements/new/">New agreement</a>' in body
    assert '<a class="button" href="/orders/generate/">Generate orders</a>' in body
    assert 'data-nav="agreements" aria-current="page"' in body


def test_agreement_list_searches_and_filters(client, manager):
    customer, site = customer_with_site("Tapiolan Torni")
    group = AgreementGroupFactory(code="GOLD", name="Gold")
    gold = make_agreement(customer, site, status="active", agreement_group=group)
    other = make_agreement(description="Doors and gates")
    template = make_template()
    client.force_login(manager)

    assert listed(client.get(LIST_URL, {"q": "gates"})) == [other.number]
    assert listed(client.get(LIST_URL, {"customer_id": customer.pk})) == [gold.number]
    assert listed(client.get(LIST_URL, {"status": "active"})) == [gold.number]
    assert listed(client.get(LIST_URL, {"agreement_group": "GOLD"})) == [gold.number]
    assert listed(client.get(LIST_URL, {"is_template": "true"})) == [template.number]
    assert listed(client.get(LIST_URL, {"is_template": "false"})) == [other.number, gold.number]
    assert listed(client.get(LIST_URL, {"order_by": "number"})) == [
        gold.number,
        other.number,
        template.number,
    ]
    empty = client.get(LIST_URL, {"q": "nothing like this"})
    assert "No agreements match. Clear the filters or create an agreement." in html(empty)


def test_agreement_list_htmx_returns_the_rows_and_paginates(client, manager):
    customer, site = customer_with_site()
    for n in range(27):
        make_agreement(customer, site, description=f"Agreement {n:02d}")
    client.force_login(manager)

    rows = client.get(LIST_URL, {"q": "Agreement"}, headers={"HX-Request": "true"})
    second = client.get(LIST_URL, {"q": "Agreement", "page": "2"})

    assert html(rows).lstrip().startswith("<table")
    assert len(listed(rows)) == 25
    assert len(listed(second)) == 2
    assert "Page 2 of 2" in html(second)
    assert 'href="?q=Agreement&amp;page=1"' in html(second)


def test_agreement_list_costs_the_same_queries_for_2_or_20_rows(
    client, manager, django_assert_num_queries
):
    customer, site = customer_with_site()
    client.force_login(manager)

    def add(count):
        for _n in range(count):
            add_line(make_agreement(customer, site, agreement_group=AgreementGroupFactory()))

    add(2)
    with CaptureQueriesContext(connection) as two:
        assert len(listed(client.get(LIST_URL))) == 2
    add(18)

    with django_assert_num_queries(len(two)):
        assert len(listed(client.get(LIST_URL))) == 20


# -- Access ------------------------------------------------------------------------------------


def test_dispatchers_read_agreements_without_any_change_button(client, dispatcher):
    agreement = make_agreement(status="active")
    line = add_line(agreement)
    client.force_login(dispatcher)

    listing = client.get(LIST_URL)
    detail = client.get(f"/agreements/{agreement.pk}/")

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert listed(listing) == [agreement.number]
    assert "New agreement" not in html(listing)
    assert '<a class="button" href="/orders/generate/">Generate orders</a>' in html(listing)
    assert f'<tr class="" data-line="{line.pk}">' in html(detail)
    for button in ("/edit/", "/status/", "/renew/", "/lines/new/", "/copy-lines/", "/delete/"):
        assert button not in html(detail), button


@pytest.mark.parametrize("role", ["dispatcher", "technician_user", "customer_user"])
def test_roles_that_do_not_manage_agreements_get_403_on_every_change(client, request, role):
    customer, site = customer_with_site()
    agreement = make_agreement(customer, site)
    line = add_line(agreement)
    template = make_template()
    add_line(template)
    client.force_login(request.getfixturevalue(role))
    base = f"/agreements/{agreement.pk}"

    assert client.get(NEW_URL).status_code == 403
    assert client.post(NEW_URL, header_form(customer=customer.pk, site=site.pk)).status_code == 403
    assert client.get(f"{base}/edit/").status_code == 403
    assert client.post(f"{base}/edit/", header_form(agreement, description="X")).status_code == 403
    assert client.post(f"{base}/status/", {"action": "activate"}).status_code == 403
    assert client.post(f"{base}/renew/", {}).status_code == 403
    assert client.get(f"{base}/lines/new/").status_code == 403
    assert client.post(f"{base}/lines/new/", line_form()).status_code == 403
    assert client.post(f"{base}/lines/{line.pk}/edit/", line_form()).status_code == 403
    assert client.post(f"{base}/lines/{line.pk}/delete/").status_code == 403
    assert client.get(f"{base}/copy-lines/").status_code == 403
    assert client.post(f"{base}/copy-lines/", {"source": template.pk}).status_code == 403
    agreement.refresh_from_db()
    assert (agreement.description, agreement.status) == ("Lift maintenance", "draft")
    assert list(agreement.lines.values_list("pk", flat=True)) == [line.pk]
    assert ServiceAgreement.objects.count() == 2


@pytest.mark.parametrize("role", ["technician_user", "customer_user"])
def test_technicians_and_customers_cannot_read_agreements(client, request, role):
    agreement = make_agreement(status="active")
    client.force_login(request.getfixturevalue(role))

    assert client.get(LIST_URL).status_code == 403
    assert client.get(f"/agreements/{agreement.pk}/").status_code == 403
    assert 'data-nav="agreements"' not in html(client.get("/"))


def test_agreement_pages_send_anonymous_users_to_the_login(client):
    agreement = make_agreement()

    for url in (LIST_URL, NEW_URL, f"/agreements/{agreement.pk}/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")


def test_unknown_agreement_or_line_is_404(client, manager):
    agreement = make_agreement()
    other_line = add_line(make_agreement())
    client.force_login(manager)

    assert client.get("/agreements/999999/").status_code == 404
    assert client.get("/agreements/999999/edit/").status_code == 404
    assert client.get(f"/agreements/{agreement.pk}/lines/{other_line.pk}/edit/").status_code == 404
    assert client.get(f"/agreements/{agreement.pk}/copy-lines/?source=999999").status_code == 404


# -- Detail ------------------------------------------------------------------------------------


def test_agreement_page_shows_header_relations_lines_and_loads_orders_and_forecast(client, manager):
    customer, site = customer_with_site("Tapiolan Torni")
    lift = ServiceObjectFactory(customer=customer, site=site, serial_number="KONE-1")
    task = ServiceTaskFactory(code="LIFT-CHECK", name="Lift check")
    calendar = calendar_create(
        by=None, name="Office", timezone="Europe/Helsinki", hours={"mon": [["08:00", "16:00"]]}
    )
    agreement = make_agreement(
        customer,
        site,
        calendar=calendar,
        preferred_technician=TechnicianFactory(name="Mikko Virtanen"),
        responsible=manager,
        grouping="task",
        note="Keys from the janitor.",
        objects=[(lift, "Machine room code 1234", "Yearly check in spring")],
        tasks=[(task, "Bring the load weights", "")],
    )
    line = add_line(
        agreement,
        task=task,
        object=lift,
        quantity=Decimal("2"),
        unit_price=Decimal("55"),
        interval_unit="week",
        interval_every=2,
        window="same_week",
        earliest_time=time(8),
        latest_time=time(16),
        starts_on=date(2027, 1, 4),
        ends_on=date(2027, 6, 30),
    )
    part = add_line(agreement, kind="item", item=ItemFactory(name="Oil"), quantity=Decimal("10"))
    stopped = add_line(agreement, kind="fee", description="Yearly fee", interval_unit="year")
    services.agreement_line_update(line=stopped, by=None, is_stopped=True)
    client.force_login(manager)

    response = client.get(f"/agreements/{agreement.pk}/")

    body = html(response)
    assert response.status_code == 200
    assert re.search(r'data-status="draft">Draft</span>', body)
    facts = {
        name: text(value)
        for name, value in re.findall(r'<dd data-field="(\w+)">(.*?)</dd>', body, re.S)
    }
    assert facts["customer"] == f"Tapiolan Torni {customer.number}"
    assert facts["site"] == "Main building Espoo"
    assert facts["validity"] == "Jan. 1, 2027 – Dec. 31, 2027"
    assert facts["calendar"] == "Office Europe/Helsinki"
    assert facts["technician"] == "Mikko Virtanen"
    assert facts["grouping"] == "One order per task and visit"
    assert "Keys from the janitor." in body
    assert "Internal: Machine room code 1234" in text(body)
    assert "For the customer: Yearly check in spring" in text(body)
    assert "Internal: Bring the load weights" in text(body)
    row = re.search(rf'data-line="{line.pk}">(.*?)</tr>', body, re.S).group(1)
    assert [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][:9] == [
        "Hours",
        "Lift check",
        "Lift check",
        lift.number,
        "2",
        "€55.00",
        "every 2 weeks, same-week window, 08:00–16:00",
        "Jan. 4, 2027 – June 30, 2027",
        "Running",
    ]
    part_row = re.search(rf'data-line="{part.pk}">(.*?)</tr>', body, re.S).group(1)
    assert [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", part_row, re.S)][4:6] == [
        "10 pcs",
        "the item's price",
    ]
    stopped_row = re.search(rf'data-line="{stopped.pk}">(.*?)</tr>', body, re.S).group(1)
    assert [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", stopped_row, re.S)][5:9] == [
        "—",
        "every year, exact date",
        "Jan. 1, 2027 – …",
        "Stopped",
    ]
    assert 'class="line-stopped"' in body
    assert f'hx-get="/agreements/{agreement.pk}/orders/" hx-trigger="load"' in body
    assert f'hx-get="/agreements/{agreement.pk}/forecast/" hx-trigger="load"' in body
    assert re.findall(r'data-action="(\w+)"', body) == ["activate", "cancel"]
    for link in ("/edit/", "/lines/new/", "/copy-lines/", f"/lines/{line.pk}/delete/"):
        assert f"/agreements/{agreement.pk}{link}" in body, link


def test_status_buttons_follow_the_status(client, manager):
    client.force_login(manager)

    def actions(agreement):
        return re.findall(r'data-action="(\w+)"', html(client.get(f"/agreements/{agreement.pk}/")))

    assert actions(make_agreement(status="active")) == ["suspend", "cancel", "renew"]
    assert actions(make_agreement(status="suspended")) == ["resume", "cancel", "renew"]
    cancelled = make_agreement(status="cancelled")
    assert actions(cancelled) == []
    assert "/edit/" not in html(client.get(f"/agreements/{cancelled.pk}/"))
    assert actions(make_template()) == ["cancel"]


# -- Status actions and renewal ----------------------------------------------------------------


def test_manager_activates_suspends_resumes_and_cancels(client, manager):
    agreement = make_agreement()
    client.force_login(manager)
    url = f"/agreements/{agreement.pk}/status/"

    statuses = []
    for action in ("activate", "suspend", "resume", "cancel"):
        response = client.post(url, {"action": action}, follow=True)
        agreement.refresh_from_db()
        statuses.append(agreement.status)
        assert response.redirect_chain == [(f"/agreements/{agreement.pk}/", 302)]

    assert statuses == ["active", "suspended", "active", "cancelled"]
    assert messages_of(response) == [f"Agreement {agreement.number} cancelled."]
    assert list(
        AuditEvent.objects.filter(object_id=str(agreement.pk))
        .order_by("pk")
        .values_list("verb", flat=True)
    ) == [
        "agreement.created",
        "agreement.activated",
        "agreement.suspended",
        "agreement.resumed",
        "agreement.cancelled",
    ]


def test_a_refused_status_change_is_shown_and_changes_nothing(client, manager):
    agreement = make_agreement()
    client.force_login(manager)

    response = client.post(f"/agreements/{agreement.pk}/status/", {"action": "resume"}, follow=True)
    unknown = client.post(f"/agreements/{agreement.pk}/status/", {"action": "explode"}, follow=True)

    agreement.refresh_from_db()
    assert agreement.status == "draft"
    assert messages_of(response) == ["The agreement's status does not allow this action."]
    assert messages_of(unknown) == ["Unknown action."]


def test_manager_renews_an_agreement_into_a_draft_for_the_next_period(client, manager):
    agreement = make_agreement(status="active")
    add_line(agreement, description="Monthly check")
    client.force_login(manager)

    response = client.post(f"/agreements/{agreement.pk}/renew/", {"starts_on": "", "ends_on": ""})

    renewal = ServiceAgreement.objects.get(renewed_from=agreement)
    assert response.status_code == 302
    assert response["Location"] == f"/agreements/{renewal.pk}/"
    assert (renewal.status, renewal.starts_on, renewal.ends_on) == (
        "draft",
        date(2028, 1, 1),
        date(2028, 12, 31),
    )
    assert list(renewal.lines.values_list("description", "starts_on")) == [
        ("Monthly check", date(2028, 1, 1))
    ]
    renewed = html(client.get(f"/agreements/{renewal.pk}/"))
    assert f'<a href="/agreements/{agreement.pk}/">{agreement.number}</a>' in renewed


def test_a_refused_renewal_shows_its_error_on_the_form_and_creates_nothing(client, manager):
    agreement = make_agreement(status="active")
    client.force_login(manager)

    response = client.post(
        f"/agreements/{agreement.pk}/renew/", {"starts_on": "2027-06-01", "ends_on": ""}
    )

    assert response.status_code == 200
    assert field_errors(response, "starts_on") == ["The renewal must start after the end."]
    assert '<details class="prompt" data-action="renew" open>' in html(response)
    assert ServiceAgreement.objects.count() == 1


# -- Header form -------------------------------------------------------------------------------


def test_new_agreement_form_offers_the_chosen_customers_sites_and_objects(client, manager):
    customer, site = customer_with_site()
    lift = ServiceObjectFactory(customer=customer, site=site)
    other = ServiceObjectFactory()
    client.force_login(manager)

    empty = html(client.get(NEW_URL))
    chosen = html(client.get(NEW_URL, {"customer": customer.pk}))

    assert "Choose the customer first: its objects appear here." in empty
    assert f'name="object_{lift.pk}"' in chosen
    assert f'name="object_{other.pk}"' not in chosen
    sites = re.search(r'<div id="site-field">.*?</div>\s*</div>', chosen, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', sites) == [str(site.pk)]
    assert 'hx-get="/agreements/new/"' in chosen and 'hx-select-oob="#object-fields"' in chosen


def test_manager_creates_an_agreement_with_its_objects_and_tasks(client, manager):
    customer, site = customer_with_site()
    lift = ServiceObjectFactory(customer=customer, site=site)
    ServiceObjectFactory(customer=customer, site=site)  # offered, not ticked
    task = ServiceTaskFactory()
    technician = TechnicianFactory()
    client.force_login(manager)

    response = client.post(
        f"{NEW_URL}?customer={customer.pk}",
        header_form(
            customer=customer.pk,
            site=site.pk,
            description="Lifts of the main building",
            preferred_technician=technician.pk,
            responsible=manager.pk,
            grouping="object",
            objects={lift: ("Machine room code 1234", "Spring check")},
            tasks={task: ("", "Bring the logbook")},
        ),
    )

    agreement = ServiceAgreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/agreements/{agreement.pk}/"
    assert (
        agreement.customer,
        agreement.site,
        agreement.description,
        agreement.status,
        agreement.starts_on,
        agreement.ends_on,
        agreement.preferred_technician,
        agreement.responsible,
        agreement.grouping,
        agreement.currency,
    ) == (
        customer,
        site,
        "Lifts of the main building",
        "draft",
        date(2027, 1, 1),
        date(2027, 12, 31),
        technician,
        manager,
        "object",
        "EUR",
    )
    assert list(
        AgreementObject.objects.values_list("object", "internal_note", "external_note")
    ) == [(lift.pk, "Machine room code 1234", "Spring check")]
    assert list(AgreementTask.objects.values_list("task", "internal_note", "external_note")) == [
        (task.pk, "", "Bring the logbook")
    ]


def test_manager_creates_a_template_without_a_customer(client, manager):
    group = services.template_group_create(by=None, code="LIFTS", name="Lifts")
    task = ServiceTaskFactory()
    client.force_login(manager)

    response = client.post(
        NEW_URL,
        header_form(
            customer="",
            site="",
            template_group=group.pk,
            description="Passenger lift",
            tasks={task: ("Check the brakes", "")},
        ),
    )

    template = ServiceAgreement.objects.get()
    assert response.status_code == 302
    assert (template.template_group, template.customer, template.site) == (group, None, None)
    assert list(template.task_relations.values_list("task", "internal_note")) == [
        (task.pk, "Check the brakes")
    ]


def test_a_new_agreement_needs_a_customer_and_site_unless_it_is_a_template(client, manager):
    client.force_login(manager)

    response = client.post(NEW_URL, header_form(customer="", site="", ends_on="2026-01-01"))

    assert response.status_code == 200
    assert field_errors(response, "customer") == ["Choose the customer, or a template group."]
    assert field_errors(response, "site") == ["Choose where the visits take place."]
    assert field_errors(response, "ends_on") == ["The agreement cannot end before it starts."]
    assert ServiceAgreement.objects.count() == 0


def test_manager_changes_the_header_and_the_covered_objects_and_tasks(client, manager):
    customer, site = customer_with_site()
    lift, door = (ServiceObjectFactory(customer=customer, site=site) for _n in range(2))
    check, clean = ServiceTaskFactory(), ServiceTaskFactory()
    agreement = make_agreement(
        customer, site, objects=[(lift, "old", "")], tasks=[check, (clean, "", "")]
    )
    calendar = calendar_create(
        by=None, name="Office", timezone="Europe/Helsinki", hours={"mon": [["08:00", "16:00"]]}
    )
    client.force_login(manager)
    form = html(client.get(f"/agreements/{agreement.pk}/edit/"))
    assert re.search(rf'name="object_{lift.pk}"[^>]*checked', form)
    assert 'value="old"' in form

    response = client.post(
        f"/agreements/{agreement.pk}/edit/",
        header_form(
            agreement,
            description="Lifts and doors",
            ends_on="2027-06-30",
            calendar=calendar.pk,
            objects={lift: ("new", "For you"), door: ("", "")},
            tasks={check: ("Weights", "")},
        ),
    )

    agreement.refresh_from_db()
    assert response.status_code == 302
    assert (agreement.description, agreement.ends_on, agreement.calendar) == (
        "Lifts and doors",
        date(2027, 6, 30),
        calendar,
    )
    assert sorted(
        agreement.object_relations.values_list("object", "internal_note", "external_note")
    ) == [
        (lift.pk, "new", "For you"),
        (door.pk, "", ""),
    ]
    assert list(agreement.task_relations.values_list("task", "internal_note")) == [
        (check.pk, "Weights")
    ]


def test_removing_an_object_a_line_names_is_refused_on_the_form_and_changes_nothing(
    client, manager
):
    customer, site = customer_with_site()
    lift = ServiceObjectFactory(customer=customer, site=site)
    agreement = make_agreement(customer, site, objects=[lift])
    add_line(agreement, object=lift)
    client.force_login(manager)

    response = client.post(
        f"/agreements/{agreement.pk}/edit/", header_form(agreement, description="Renamed")
    )

    agreement.refresh_from_db()
    assert response.status_code == 200
    assert error_summary(response) == (
        "Please correct the errors below. "
        "A line names this object; change the line before removing the object."
    )
    assert agreement.description == "Lift maintenance"
    assert list(agreement.object_relations.values_list("object", flat=True)) == [lift.pk]


# -- Lines -------------------------------------------------------------------------------------


def test_manager_adds_a_line_with_every_field(client, manager):
    customer, site = customer_with_site()
    lift = ServiceObjectFactory(customer=customer, site=site)
    agreement = make_agreement(customer, site, objects=[lift])
    task = ServiceTaskFactory(name="Lift check")
    technician = TechnicianFactory()
    item = ItemFactory(name="Oil", unit="l")
    client.force_login(manager)
    assert client.get(f"/agreements/{agreement.pk}/lines/new/").status_code == 200

    response = client.post(
        f"/agreements/{agreement.pk}/lines/new/",
        line_form(
            kind="item",
            task=task.pk,
            object=lift.pk,
            technician=technician.pk,
            item=item.pk,
            quantity="2.5",
            unit_price="12.40",
            is_billable="",
            interval_unit="week",
            interval_every="2",
            window="days",
            window_days_before="2",
            window_days_after="3",
            starts_on="2027-01-04",
            ends_on="2027-06-30",
            earliest_time="08:00",
            latest_time="16:00",
        ),
    )

    line = AgreementLine.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/agreements/{agreement.pk}/#lines"
    assert line_values(line) == {
        "kind": "item",
        "description": "Oil",
        "task": task,
        "object": lift,
        "technician": technician,
        "item": item,
        "quantity": Decimal("2.500"),
        "unit": "l",
        "unit_price": Decimal("12.40"),
        "is_billable": False,
        "interval_unit": "week",
        "interval_every": 2,
        "window": "days",
        "window_days_before": 2,
        "window_days_after": 3,
        "starts_on": date(2027, 1, 4),
        "ends_on": date(2027, 6, 30),
        "earliest_time": time(8),
        "latest_time": time(16),
        "is_stopped": False,
    }


def test_a_new_lines_empty_start_is_the_agreements_and_window_days_need_a_days_window(
    client, manager
):
    agreement = make_agreement()
    client.force_login(manager)

    client.post(
        f"/agreements/{agreement.pk}/lines/new/",
        line_form(description="Check", window="same_month", window_days_before="4"),
    )

    line = AgreementLine.objects.get()
    assert (line.starts_on, line.window, line.window_days_before) == (
        date(2027, 1, 1),
        "same_month",
        0,
    )


def test_a_refused_line_shows_the_service_errors_on_its_fields_and_saves_nothing(client, manager):
    agreement = make_agreement()
    client.force_login(manager)
    url = f"/agreements/{agreement.pk}/lines/new/"

    too_wide = client.post(url, line_form(interval_unit="week", window="same_month"))
    outside = client.post(url, line_form(starts_on="2026-12-01"))
    times = client.post(url, line_form(earliest_time="16:00", latest_time="08:00"))

    assert field_errors(too_wide, "window") == ["The window must be narrower than the interval."]
    assert field_errors(outside, "starts_on") == ["The line cannot start before the agreement."]
    assert field_errors(times, "latest_time") == [
        "The latest end must be after the earliest start."
    ]
    assert AgreementLine.objects.count() == 0


def test_manager_edits_and_stops_a_line(client, manager):
    agreement = make_agreement()
    task = ServiceTaskFactory()
    line = add_line(agreement, description="Check", task=task, unit_price=Decimal("10"))
    client.force_login(manager)
    form = html(client.get(f"/agreements/{agreement.pk}/lines/{line.pk}/edit/"))
    assert 'value="Check"' in form and 'value="2027-01-01"' in form

    response = client.post(
        f"/agreements/{agreement.pk}/lines/{line.pk}/edit/",
        line_form(
            description="Yearly check",
            interval_unit="year",
            starts_on="2027-03-01",
            unit_price="",
            is_stopped="on",
        ),
    )

    line.refresh_from_db()
    assert response.status_code == 302
    assert (
        line.description,
        line.task_id,
        line.interval_unit,
        line.starts_on,
        line.unit_price,
        line.is_stopped,
    ) == ("Yearly check", None, "year", date(2027, 3, 1), None, True)


def test_editing_a_line_needs_its_start(client, manager):
    agreement = make_agreement()
    line = add_line(agreement)
    client.force_login(manager)

    response = client.post(f"/agreements/{agreement.pk}/lines/{line.pk}/edit/", line_form())

    assert field_errors(response, "starts_on") == ["This field is required."]
    line.refresh_from_db()
    assert line.starts_on == date(2027, 1, 1)


def test_manager_deletes_a_line(client, manager):
    agreement = make_agreement()
    kept, deleted = add_line(agreement), add_line(agreement, description="Old")
    client.force_login(manager)

    response = client.post(f"/agreements/{agreement.pk}/lines/{deleted.pk}/delete/", follow=True)

    assert list(agreement.lines.values_list("pk", flat=True)) == [kept.pk]
    assert messages_of(response) == ["Line deleted: Old."]


def test_lines_of_a_cancelled_agreement_cannot_change(client, manager):
    agreement = make_agreement()
    line = add_line(agreement)
    services.agreement_change_status(agreement=agreement, by=None, action="cancel")
    client.force_login(manager)

    response = client.post(f"/agreements/{agreement.pk}/lines/{line.pk}/delete/", follow=True)

    assert messages_of(response) == ["A cancelled or expired agreement cannot change."]
    assert list(agreement.lines.values_list("pk", flat=True)) == [line.pk]


# -- Copying lines -----------------------------------------------------------------------------


def test_copy_page_shows_the_template_tree_and_the_chosen_templates_lines(client, manager):
    template = make_template()
    parent = template.template_group
    child = services.template_group_create(by=None, code="LIFTS-P", name="Passenger", parent=parent)
    services.agreement_create(
        by=None, template_group=child, description="Panorama lift", starts_on=date(2027, 1, 1)
    )
    weekly = add_line(template, description="Weekly round", interval_unit="week")
    agreement = make_agreement()
    client.force_login(manager)

    picker = html(client.get(f"/agreements/{agreement.pk}/copy-lines/"))
    chosen = html(client.get(f"/agreements/{agreement.pk}/copy-lines/", {"source": template.pk}))

    assert re.findall(r'data-group="([\w-]+)"', picker) == ["LIFTS", "LIFTS-P"]
    assert 'style="--depth: 1" data-group="LIFTS-P"' in picker
    assert f'href="?source={template.pk}"' in picker
    assert "Passenger lift, monthly" in picker and "Panorama lift" in picker
    assert f'<tr data-line="{weekly.pk}">' in chosen
    assert "every week, exact date" in chosen
    assert re.search(rf'name="line_ids" value="{weekly.pk}"[^>]*checked', chosen)


def test_manager_copies_the_ticked_lines_of_a_template_with_their_tasks(client, manager):
    template = make_template()
    task = ServiceTaskFactory()
    services.agreement_update(agreement=template, by=None, tasks=[(task, "Brakes", "")])
    wanted = add_line(template, description="Monthly check", task=task, starts_on=date(2027, 3, 1))
    add_line(template, description="Not this one")
    agreement = make_agreement(starts_on=date(2027, 2, 1))
    client.force_login(manager)

    response = client.post(
        f"/agreements/{agreement.pk}/copy-lines/",
        {"source": template.pk, "line_ids": [wanted.pk]},
        follow=True,
    )

    copied = agreement.lines.get()
    assert response.redirect_chain == [(f"/agreements/{agreement.pk}/#lines", 302)]
    assert messages_of(response) == [f"1 line copied from {template.number}."]
    assert (copied.description, copied.task_id, copied.starts_on) == (
        "Monthly check",
        task.pk,
        date(2027, 4, 1),
    )
    assert list(agreement.task_relations.values_list("task", "internal_note")) == [
        (task.pk, "Brakes")
    ]


def test_copying_lines_of_another_agreement_is_offered_by_search(client, manager):
    source = make_agreement(description="Doors and gates")
    line = add_line(source, description="Gate service")
    agreement = make_agreement()
    client.force_login(manager)

    found = html(client.get(f"/agreements/{agreement.pk}/copy-lines/", {"q": "gates"}))
    client.post(
        f"/agreements/{agreement.pk}/copy-lines/", {"source": source.pk, "line_ids": [line.pk]}
    )

    assert f'data-source="{source.number}"' in found
    assert f'data-source="{agreement.number}"' not in found
    assert list(agreement.lines.values_list("description", flat=True)) == ["Gate service"]


def test_copying_no_line_is_refused_on_the_form(client, manager):
    template = make_template()
    add_line(template)
    agreement = make_agreement()
    client.force_login(manager)

    response = client.post(f"/agreements/{agreement.pk}/copy-lines/", {"source": template.pk})

    assert response.status_code == 200
    assert error_summary(response) == "No lines were copied. Tick at least one line to copy."
    assert agreement.lines.count() == 0


# -- Navigation and layering -------------------------------------------------------------------


def test_agreements_are_in_the_navigation_of_managers_dispatchers_and_administrators(
    client, make_user
):
    for role, shown in (
        (Role.MANAGER, True),
        (Role.DISPATCHER, True),
        (Role.ADMINISTRATOR, True),
        (Role.TECHNICIAN, False),
        (Role.CUSTOMER, False),
    ):
        client.force_login(make_user(role))
        assert ('data-nav="agreements"' in html(client.get("/"))) is shown, role


def test_the_agreements_app_never_imports_orders():
    package = Path(services.__file__).parents[1]  # the app: services is a package in it
    for module in package.rglob("*.py"):
        if "tests" in module.parts:
            continue
        assert "openservice.orders" not in module.read_text(), module
