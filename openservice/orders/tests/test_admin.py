"""Managers configure the workflow in the admin; a stage in use cannot be deleted."""

import pytest
from django.urls import reverse

from openservice.core.roles import Role
from openservice.orders.models import Stage, StageTransition
from openservice.orders.tests.factories import make_order


@pytest.fixture
def staff_manager(make_user):
    return make_user(Role.MANAGER, username="staff-manager", is_staff=True)


def test_manager_sees_stages_and_transitions_in_the_admin(client, staff_manager):
    client.force_login(staff_manager)

    stages = client.get(reverse("admin:orders_stage_changelist"))
    transitions = client.get(reverse("admin:orders_stagetransition_changelist"))

    assert stages.status_code == 200
    assert b"in_progress" in stages.content
    assert transitions.status_code == 200
    assert b"Dispatcher, Service manager" in transitions.content


def test_manager_changes_a_stage_flag_in_the_admin(client, staff_manager):
    client.force_login(staff_manager)
    stage = Stage.objects.get(code="scheduled")
    url = reverse("admin:orders_stage_change", args=[stage.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"allows_delete": "on", "allows_edit": "on", "allows_cancel": "on"})
    data = {k: v for k, v in data.items() if v is not False}

    response = client.post(url, data)

    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.allows_delete is True


def test_a_stage_in_use_cannot_be_deleted(client, staff_manager, manager):
    make_order(by=manager)  # in the initial stage `new`
    client.force_login(staff_manager)
    stage = Stage.objects.get(code="new")

    response = client.post(reverse("admin:orders_stage_delete", args=[stage.pk]), {"post": "yes"})

    assert response.status_code == 200  # the admin explains which orders protect it
    assert b"protected" in response.content.lower() or b"Cannot delete" in response.content
    assert Stage.objects.filter(code="new").exists()
    assert StageTransition.objects.filter(from_stage=stage).exists()


def test_dispatchers_read_but_cannot_change_the_workflow(client, make_user):
    client.force_login(make_user(Role.DISPATCHER, username="d-staff", is_staff=True))
    stage = Stage.objects.get(code="scheduled")
    url = reverse("admin:orders_stage_change", args=[stage.pk])

    page = client.get(url)
    refused = client.post(url, {"code": "scheduled", "name": "Renamed"})

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert refused.status_code == 403
    stage.refresh_from_db()
    assert stage.name == "Scheduled"


def test_changing_a_stages_sla_clock_in_the_admin_recomputes_open_orders(
    client, staff_manager, manager
):
    from datetime import UTC, datetime, timedelta

    from openservice.sla.services import policy_create

    policy_create(
        by=manager,
        name="Round the clock",
        is_default=True,
        targets=[{"priority": "normal", "response_minutes": 60, "resolution_minutes": 240}],
    )
    reported = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    order = make_order(by=manager, reported_at=reported)
    assert (order.sla_clock, order.sla_response_due_at) == ("run", reported + timedelta(hours=1))
    client.force_login(staff_manager)
    stage = Stage.objects.get(code="new")
    url = reverse("admin:orders_stage_change", args=[stage.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["sla_clock"] = "pause"
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}

    response = client.post(url, data)

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.sla_clock, order.sla_state, order.sla_response_due_at) == (
        "pause",
        "paused",
        None,
    )
