"""SLA policy pages: the list, one policy with its targets and assignments, the form that creates
and changes a policy, (de)activation, assignments, and who may open them."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openservice.calendars import services as calendar_services
from openservice.core.roles import Role
from openservice.customers.tests.factories import AgreementGroupFactory, CustomerFactory
from openservice.sla import services
from openservice.sla.models import SlaAssignment, SlaPolicy

pytestmark = pytest.mark.django_db

LIST_URL = "/sla/policies/"
NEW_URL = "/sla/policies/new/"
GOLD_TARGETS = [
    {"priority": "critical", "response_minutes": 60, "resolution_minutes": 240},
    {"priority": "high", "response_minutes": 150, "resolution_minutes": 480},
]


def make_policy(**fields) -> SlaPolicy:
    values = {"name": "Gold", "targets": GOLD_TARGETS, **fields}
    return services.policy_create(by=None, **values)


def make_calendar(name="Helsinki office"):
    return calendar_services.calendar_create(
        by=None,
        name=name,
        timezone="Europe/Helsinki",
        hours={day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        holiday_country="FI",
    )


def policy_form(**fields) -> dict:
    """The POST of the policy form: critical and high targets unless told otherwise."""
    return {
        "name": "Gold",
        "description": "",
        "calendar": "",
        "warning_percent": "75",
        "critical_response": "60",
        "critical_resolution": "240",
        "high_response": "150",
        "high_resolution": "480",
        "normal_response": "",
        "normal_resolution": "",
        "low_response": "",
        "low_resolution": "",
        **fields,
    }


def html(response) -> str:
    return response.content.decode()


def text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def listed_names(response) -> list[str]:
    return re.findall(r'<a href="/sla/policies/\d+/">([^<]+)</a>', html(response))


def stored_targets(policy) -> dict:
    return {
        target.priority: (target.response_minutes, target.resolution_minutes)
        for target in policy.targets.all()
    }


def field_errors(response, field: str) -> list[str]:
    cell = re.search(
        rf'id="id_{field}"[^>]*>(.*?)(?:</td>|</div>)', html(response), re.S
    ) or re.search(rf'id="assign-{field}"[^>]*>(.*?)</div>', html(response), re.S)
    assert cell, field
    return re.findall(r'<p class="field-error"[^>]*>([^<]+)</p>', cell.group(1))


def error_summary(response) -> str:
    match = re.search(r'<div class="error-summary" role="alert">(.*?)</div>', html(response), re.S)
    return text(match.group(1)) if match else ""


def target_cells(response) -> dict:
    rows = re.findall(
        r'<tr class="prio-row[^"]*" data-priority="(\w+)">(.*?)</tr>', html(response), re.S
    )
    return {
        priority: [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][1:]
        for priority, row in rows
    }


# List


def test_policy_list_shows_calendar_warning_targets_default_and_status(client, manager):
    make_policy(calendar=make_calendar(), is_default=True, warning_percent=80)
    make_policy(
        name="Bronze",
        targets=[{"priority": "normal", "response_minutes": 480, "resolution_minutes": 2400}],
    )
    retired = make_policy(name="Legacy")
    services.policy_set_active(policy=retired, by=None, is_active=False)
    client.force_login(manager)

    response = client.get(LIST_URL)

    body = html(response)
    assert response.status_code == 200
    assert listed_names(response) == ["Bronze", "Gold", "Legacy"]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]
    cells = [[text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]
    assert cells == [
        ["Bronze", "company default", "75%", "Normal 8 h / 40 h", "Active"],
        [
            "Gold Default",
            "Helsinki office",
            "80%",
            "Critical 1 h / 4 h High 2 h 30 min / 8 h",
            "Active",
        ],
        [
            "Legacy",
            "company default",
            "75%",
            "Critical 1 h / 4 h High 2 h 30 min / 8 h",
            "Inactive",
        ],
    ]
    assert '<span class="prio prio-critical">Critical</span> 1 h / 4 h' in body
    assert '<a class="button primary" href="/sla/policies/new/">New SLA policy</a>' in body
    assert 'data-nav="sla"' in body


def test_policy_list_searches_and_filters_by_status(client, manager):
    make_policy(description="For key accounts")
    make_policy(name="Bronze")
    services.policy_set_active(policy=make_policy(name="Legacy"), by=None, is_active=False)
    client.force_login(manager)

    assert listed_names(client.get(LIST_URL, {"q": "key acc"})) == ["Gold"]
    assert listed_names(client.get(LIST_URL, {"is_active": "false"})) == ["Legacy"]
    assert listed_names(client.get(LIST_URL, {"is_active": "true"})) == ["Bronze", "Gold"]
    empty = client.get(LIST_URL, {"q": "platinum"})
    assert "No SLA policies match. Clear the filters or create a policy." in html(empty)


def test_policy_list_htmx_request_returns_only_the_rows(client, manager):
    make_policy()
    client.force_login(manager)

    response = client.get(LIST_URL, headers={"HX-Request": "true"})

    assert listed_names(response) == ["Gold"]
    assert html(response).lstrip().startswith("<table")


def test_policy_list_costs_the_same_queries_for_2_or_20_rows(
    client, manager, django_assert_num_queries
):
    calendar = make_calendar()

    def add_policies(first, count):
        for n in range(first, first + count):
            make_policy(name=f"Policy {n:02d}", calendar=calendar if n % 2 else None)

    client.force_login(manager)
    add_policies(0, 2)
    with CaptureQueriesContext(connection) as two:
        assert len(listed_names(client.get(LIST_URL))) == 2
    add_policies(2, 18)

    # session, user, roles, permissions, the count, the page with calendars, its targets
    with django_assert_num_queries(len(two)):
        assert len(listed_names(client.get(LIST_URL))) == 20
    assert len(two) == 8


@pytest.mark.parametrize("role", ["dispatcher", "technician_user"])
def test_staff_who_only_read_see_policies_without_change_buttons(client, request, role):
    policy = make_policy()
    client.force_login(request.getfixturevalue(role))

    listing = client.get(LIST_URL)
    detail = client.get(f"/sla/policies/{policy.pk}/")

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert listed_names(listing) == ["Gold"]
    assert "New SLA policy" not in html(listing)
    assert 'data-nav="sla"' not in html(listing)
    for button in ("/edit/", "/active/", "/assignments/", ">Remove<"):
        assert button not in html(detail), button


@pytest.mark.parametrize("role", ["dispatcher", "technician_user", "customer_user"])
def test_roles_that_do_not_manage_policies_get_403_on_every_change(client, request, role):
    policy = make_policy()
    customer = CustomerFactory()
    assignment = services.assignment_create(by=None, policy=policy, customer=CustomerFactory())
    client.force_login(request.getfixturevalue(role))
    base = f"/sla/policies/{policy.pk}"

    assert client.get(NEW_URL).status_code == 403
    assert client.post(NEW_URL, policy_form(name="Sneaky")).status_code == 403
    assert client.get(f"{base}/edit/").status_code == 403
    assert client.post(f"{base}/edit/", policy_form(name="Renamed")).status_code == 403
    assert client.post(f"{base}/active/", {"active": "false"}).status_code == 403
    assert client.post(f"{base}/assignments/", {"customer": customer.pk}).status_code == 403
    assert client.post(f"{base}/assignments/{assignment.pk}/remove/").status_code == 403
    policy.refresh_from_db()
    assert (policy.name, policy.is_active) == ("Gold", True)
    assert list(SlaAssignment.objects.values_list("pk", flat=True)) == [assignment.pk]


def test_customers_get_403_on_the_policy_pages(client, customer_user):
    policy = make_policy()
    client.force_login(customer_user)

    assert client.get(LIST_URL).status_code == 403
    assert client.get(f"/sla/policies/{policy.pk}/").status_code == 403


def test_policy_pages_send_anonymous_users_to_the_login(client):
    policy = make_policy()

    for url in (
        LIST_URL,
        f"/sla/policies/{policy.pk}/",
        NEW_URL,
        f"/sla/policies/{policy.pk}/edit/",
    ):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")


def test_unknown_policy_is_404(client, manager):
    client.force_login(manager)

    assert client.get("/sla/policies/999999/").status_code == 404
    assert client.get("/sla/policies/999999/edit/").status_code == 404


# Detail


def test_policy_detail_shows_targets_in_business_hours_and_minutes(client, manager):
    calendar = make_calendar()
    policy = make_policy(calendar=calendar, warning_percent=80, description="Key accounts")
    client.force_login(manager)

    response = client.get(f"/sla/policies/{policy.pk}/")

    body = html(response)
    assert response.status_code == 200
    assert target_cells(response) == {
        "critical": ["1 h", "4 h"],
        "high": ["2 h 30 min", "8 h"],
        "normal": ["no target", "—"],
        "low": ["no target", "—"],
    }
    assert f'<a href="/calendars/{calendar.pk}/">Helsinki office</a>' in body
    assert '<dd data-field="warning">80% of a target used</dd>' in body
    assert "Key accounts" in body
    assert f'<a class="button" href="/sla/policies/{policy.pk}/edit/">Edit</a>' in body
    assert ">Deactivate</button>" in body
    assert "Assign to a customer or an agreement group" in body


def test_policy_without_a_calendar_counts_in_the_company_default(client, manager):
    policy = make_policy(is_default=True)
    client.force_login(manager)

    body = html(client.get(f"/sla/policies/{policy.pk}/"))

    assert '<dd data-field="calendar">Company default calendar</dd>' in body
    assert "as the default policy it applies to every order with no more specific policy" in body


# Create and edit


def test_manager_creates_a_policy_through_the_form(client, manager):
    calendar = make_calendar()
    client.force_login(manager)

    form = client.get(NEW_URL)
    response = client.post(
        NEW_URL,
        policy_form(
            name="Platinum",
            description="Round the clock",
            calendar=calendar.pk,
            warning_percent="60",
            is_default="on",
            normal_response="240",
            normal_resolution="960",
        ),
    )

    policy = SlaPolicy.objects.get(name="Platinum")
    assert form.status_code == 200
    assert '<option value="" selected>Company default</option>' in html(form)
    assert (response.status_code, response["Location"]) == (302, f"/sla/policies/{policy.pk}/")
    assert stored_targets(policy) == {
        "critical": (60, 240),
        "high": (150, 480),
        "normal": (240, 960),
    }
    assert (policy.calendar_id, policy.warning_percent, policy.is_default) == (
        calendar.pk,
        60,
        True,
    )
    assert policy.description == "Round the clock"
    assert "SLA policy Platinum created." in html(client.get(response["Location"]))


def test_policy_form_errors_are_shown_in_place_and_nothing_is_saved(client, manager):
    client.force_login(manager)

    no_targets = client.post(
        NEW_URL,
        policy_form(
            critical_response="", critical_resolution="", high_response="", high_resolution=""
        ),
    )
    wrong_rows = client.post(
        NEW_URL,
        policy_form(
            critical_resolution="30",
            high_resolution="",
            low_response="0",
            low_resolution="10",
            warning_percent="100",
        ),
    )

    assert no_targets.status_code == 200
    assert "Set the targets of at least one priority." in error_summary(no_targets)
    assert field_errors(wrong_rows, "critical_resolution") == [
        "Resolution cannot be due before the response."
    ]
    assert field_errors(wrong_rows, "high_resolution") == [
        "Give the resolution too, or leave both empty."
    ]
    assert field_errors(wrong_rows, "low_response") == [
        "Ensure this value is greater than or equal to 1."
    ]
    assert "Ensure this value is less than or equal to 99." in html(wrong_rows)
    assert "Please correct the errors below." in error_summary(wrong_rows)
    assert not SlaPolicy.objects.exists()


def test_a_refusal_of_the_service_is_shown_next_to_its_field(client, manager):
    make_policy()
    client.force_login(manager)

    response = client.post(NEW_URL, policy_form(name="Gold"))

    assert response.status_code == 200
    assert field_errors(response, "name") == ["SLA policy with this Name already exists."]
    assert SlaPolicy.objects.count() == 1


def test_manager_edits_a_policy_through_the_form(client, manager):
    old_calendar, new_calendar = make_calendar(), make_calendar("Night shift")
    policy = make_policy(calendar=old_calendar)
    url = f"/sla/policies/{policy.pk}/edit/"
    client.force_login(manager)

    form = client.get(url)
    response = client.post(
        url,
        policy_form(
            name="Gold plus",
            calendar=new_calendar.pk,
            warning_percent="90",
            critical_response="30",
            critical_resolution="120",
            high_response="",
            high_resolution="",
            low_response="960",
            low_resolution="4800",
        ),
    )

    body = html(form)
    assert 'name="critical_response" value="60"' in body
    assert 'name="high_resolution" value="480"' in body
    assert (
        f'<option value="{old_calendar.pk}" selected>Helsinki office (Europe/Helsinki)</option>'
        in body
    )
    assert (response.status_code, response["Location"]) == (302, f"/sla/policies/{policy.pk}/")
    policy.refresh_from_db()
    assert stored_targets(policy) == {"critical": (30, 120), "low": (960, 4800)}
    assert (policy.name, policy.calendar_id, policy.warning_percent) == (
        "Gold plus",
        new_calendar.pk,
        90,
    )


def test_an_inactive_calendar_stays_choosable_for_the_policy_that_has_it(client, manager):
    calendar = make_calendar()
    policy = make_policy(calendar=calendar)
    calendar_services.calendar_set_active(calendar=calendar, by=None, is_active=False)
    client.force_login(manager)

    edit = html(client.get(f"/sla/policies/{policy.pk}/edit/"))
    new = html(client.get(NEW_URL))

    assert f'<option value="{calendar.pk}" selected>' in edit
    assert f'<option value="{calendar.pk}"' not in new


def test_manager_deactivates_and_reactivates_a_policy(client, manager):
    policy = make_policy()
    client.force_login(manager)
    url = f"/sla/policies/{policy.pk}/active/"

    off = client.post(url, {"active": "false"}, follow=True)
    policy.refresh_from_db()
    assert policy.is_active is False
    assert "SLA policy deactivated." in html(off)
    assert ">Reactivate</button>" in html(off)

    on = client.post(url, {"active": "true"}, follow=True)
    policy.refresh_from_db()
    assert policy.is_active is True
    assert "SLA policy reactivated." in html(on)


# Assignments


def test_manager_assigns_a_policy_and_removes_the_assignment(client, manager):
    policy = make_policy()
    customer = CustomerFactory(number="C00042", name="Kone Oy")
    group = AgreementGroupFactory(code="GOLD", name="Gold tier")
    base = f"/sla/policies/{policy.pk}"
    client.force_login(manager)

    to_customer = client.post(f"{base}/assignments/", {"customer": customer.pk}, follow=True)
    to_group = client.post(f"{base}/assignments/", {"agreement_group": group.pk}, follow=True)

    assert "Gold now applies to C00042 Kone Oy." in html(to_customer)
    assert "Gold now applies to GOLD." in html(to_group)
    assignments = list(SlaAssignment.objects.order_by("pk"))
    assert [(a.policy_id, a.customer_id, a.agreement_group_id) for a in assignments] == [
        (policy.pk, customer.pk, None),
        (policy.pk, None, group.pk),
    ]
    body = html(to_group)
    assert f'<a href="/customers/{customer.pk}/">C00042 Kone Oy</a>' in body
    assert '<span class="chip">GOLD</span> Gold tier' in body
    assert body.count(">Remove</button>") == 2

    removed = client.post(f"{base}/assignments/{assignments[0].pk}/remove/", follow=True)

    assert "Gold no longer applies to C00042 Kone Oy." in html(removed)
    assert list(SlaAssignment.objects.values_list("pk", flat=True)) == [assignments[1].pk]
    assert html(removed).count(">Remove</button>") == 1


def test_dispatchers_cannot_remove_assignments(client, dispatcher):
    policy = make_policy()
    assignment = services.assignment_create(by=None, policy=policy, customer=CustomerFactory())
    client.force_login(dispatcher)

    response = client.post(f"/sla/policies/{policy.pk}/assignments/{assignment.pk}/remove/")

    assert response.status_code == 403
    assert SlaAssignment.objects.filter(pk=assignment.pk).exists()


def test_a_customer_with_another_policy_is_refused_on_the_assignment_form(client, manager):
    silver = make_policy(name="Silver")
    customer = CustomerFactory(name="Kone Oy")
    services.assignment_create(by=None, policy=silver, customer=customer)
    gold = make_policy()
    client.force_login(manager)

    response = client.post(f"/sla/policies/{gold.pk}/assignments/", {"customer": customer.pk})

    assert response.status_code == 200
    assert "The policy was not assigned." in error_summary(response)
    assert "A policy is already assigned there; change or remove that assignment." in error_summary(
        response
    )
    assert f'<option value="{customer.pk}" selected>' in html(response)
    assert target_cells(response)["critical"] == ["1 h", "4 h"]
    assert list(SlaAssignment.objects.values_list("policy_id", flat=True)) == [silver.pk]


def test_the_assignment_form_wants_exactly_one_customer_or_group(client, manager):
    policy = make_policy()
    customer, group = CustomerFactory(), AgreementGroupFactory()
    client.force_login(manager)
    url = f"/sla/policies/{policy.pk}/assignments/"

    neither = client.post(url, {"customer": "", "agreement_group": ""})
    both = client.post(url, {"customer": customer.pk, "agreement_group": group.pk})
    unknown = client.post(url, {"customer": 999999})

    assert "Choose a customer or an agreement group." in error_summary(neither)
    assert "Choose a customer or an agreement group, not both." in error_summary(both)
    assert field_errors(unknown, "customer") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not SlaAssignment.objects.exists()


def test_an_assignment_is_removed_only_through_its_own_policy(client, administrator):
    gold, silver = make_policy(), make_policy(name="Silver")
    assignment = services.assignment_create(by=None, policy=silver, customer=CustomerFactory())
    client.force_login(administrator)

    response = client.post(f"/sla/policies/{gold.pk}/assignments/{assignment.pk}/remove/")

    assert response.status_code == 404
    assert SlaAssignment.objects.filter(pk=assignment.pk).exists()


def test_policy_navigation_is_shown_to_managers_and_administrators(client, make_user):
    for role, shown in ((Role.MANAGER, True), (Role.ADMINISTRATOR, True), (Role.DISPATCHER, False)):
        client.force_login(make_user(role))
        assert ('data-nav="sla"' in html(client.get("/"))) is shown, role
