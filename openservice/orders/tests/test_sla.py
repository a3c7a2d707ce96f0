"""SLA tracking of orders through the services: what is stored on the order after each change,
the policy a new order takes, manual start / stop / cancel, the warning and breach scan,
recomputing after a calendar or policy change, and the live-state selectors.

The company default calendar is Finnish office hours: Mon-Fri 08:00-12:00 and 12:30-16:30
Europe/Helsinki (480 business minutes a day) with Finnish holidays; Helsinki is UTC+2 in January.
The default policy "Standard" counts in it: normal 120 / 960 minutes, high 60 / 480, critical
30 / 240, warning at 75%; `low` has no target (such orders are not measured).

Fri 15 January 2027 15:00 is the usual report time: the normal response is due Mon 18 at 08:30
(90 minutes on Friday + 30), its warning (90) at Friday's closing 16:30; resolution is due Tue 19
at 15:00 (90 + 480 + 390) and its warning (720) at Tue 10:30.

The SLA services read the time through `timezone.now()` where the caller gives no `now` (a
stage change's refresh, an update, a recompute after a calendar or policy change); the `wall`
fixture sets that clock, so no result depends on when the tests run.
"""

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from openservice.agreements import services as agreement_services
from openservice.calendars.services import calendar_create, calendar_update
from openservice.core.models import NumberSequence
from openservice.customers.tests.factories import (
    AgreementGroupFactory,
    CustomerFactory,
    SiteFactory,
)
from openservice.orders import services
from openservice.orders.errors import (
    NoSla,
    ReasonRequired,
    SlaAlreadyCancelled,
    SlaAlreadyStopped,
    SlaNotStopped,
    SlaPolicyInactive,
    SlaPolicyRequired,
    SlaSettled,
)
from openservice.orders.models import ServiceOrder, SlaClockChange, SlaEvent, StageChange
from openservice.orders.selectors import order_sla, sla_monitor, sla_state_now, sla_state_q
from openservice.orders.services import sla as sla_services
from openservice.orders.services.sla import SLA_FIELDS, orders_sla_recompute, sla_scan
from openservice.orders.tests.factories import make_order, reason, stage
from openservice.sla.clock import STATES
from openservice.sla.services import (
    assignment_create,
    policy_create,
    policy_set_active,
    policy_update,
)

pytestmark = pytest.mark.django_db

HEL = ZoneInfo("Europe/Helsinki")
OFFICE_DAY = [["08:00", "12:00"], ["12:30", "16:30"]]
OFFICE_HOURS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), OFFICE_DAY)
TARGETS = [
    {"priority": "normal", "response_minutes": 120, "resolution_minutes": 960},
    {"priority": "high", "response_minutes": 60, "resolution_minutes": 480},
    {"priority": "critical", "response_minutes": 30, "resolution_minutes": 240},
]


def hel(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL)


FRIDAY_1500 = hel(2027, 1, 15, 15, 0)


@dataclass
class Wall:
    """The SLA services' clock (what `timezone.now()` returns inside them)."""

    now: datetime


@pytest.fixture
def wall(monkeypatch):
    clock = Wall(FRIDAY_1500)
    monkeypatch.setattr(sla_services, "timezone", SimpleNamespace(now=lambda: clock.now))
    return clock


@pytest.fixture
def office(manager):
    return calendar_create(
        by=manager,
        name="Helsinki office",
        timezone="Europe/Helsinki",
        hours=OFFICE_HOURS,
        holiday_country="FI",
        is_default=True,
    )


@pytest.fixture
def standard(manager, office):
    """The default policy; it names no calendar, so it counts in the company default."""
    return policy_create(by=manager, name="Standard", targets=TARGETS, is_default=True)


@pytest.fixture
def sla(wall, office, standard):
    return SimpleNamespace(wall=wall, calendar=office, policy=standard)


def next_event(order) -> datetime | None:
    """The instant of the order's next SLA event still to be recorded (its earliest scheduled
    one): what the scan will pick up first."""
    return (
        SlaEvent.objects.filter(order=order, recorded_at__isnull=True)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )


def fields(order) -> dict:
    """The stored clock, and the next event the scan will record."""
    stored = ServiceOrder.objects.filter(pk=order.pk).values(*SLA_FIELDS).get()
    return stored | {"sla_next_event_at": next_event(order)}


def fresh(order) -> ServiceOrder:
    return ServiceOrder.objects.select_related("stage").get(pk=order.pk)


def new_order(wall, by, *, reported_at=FRIDAY_1500, now=None, **extra) -> ServiceOrder:
    now = now or reported_at
    wall.now = now
    return fresh(make_order(by=by, reported_at=reported_at, now=now, **extra))


def change(wall, order, code, at, *, by, now=None) -> ServiceOrder:
    """A stage change dated `at`, recorded at `now` (default: live, at `at`)."""
    now = now or at
    wall.now = now
    target = stage(code)
    services.order_change_stage(
        order=order,
        to=target,
        by=by,
        reason=reason() if target.requires_reason else None,
        at=at,
        now=now,
    )
    return fresh(order)


def events_of(order) -> list[tuple[str, datetime]]:
    """The order's recorded SLA events."""
    return list(
        SlaEvent.objects.filter(order=order, recorded_at__isnull=False)
        .order_by("at", "kind")
        .values_list("kind", "at")
    )


# -- A new order -----------------------------------------------------------------------------------


def test_a_new_order_is_measured_from_the_report(sla, manager):
    order = new_order(sla.wall, manager, now=hel(2027, 1, 15, 15, 5))

    assert order.sla_policy == sla.policy
    assert fields(order) == {
        "sla_state": "on_track",
        "sla_clock": "run",
        "sla_used_seconds": 0,
        "sla_running_since": FRIDAY_1500,
        "sla_responded_at": None,
        "sla_resolved_at": None,
        "sla_response_due_at": hel(2027, 1, 18, 8, 30),
        "sla_resolution_due_at": hel(2027, 1, 19, 15, 0),
        "sla_due_at": hel(2027, 1, 18, 8, 30),
        "sla_response_warning_at": hel(2027, 1, 15, 16, 30),
        "sla_response_breach_at": hel(2027, 1, 18, 8, 30),
        "sla_resolution_warning_at": hel(2027, 1, 19, 10, 30),
        "sla_resolution_breach_at": hel(2027, 1, 19, 15, 0),
        "sla_next_event_at": hel(2027, 1, 15, 16, 30),
    }


def test_a_high_priority_order_takes_the_high_targets(sla, manager):
    # Response 60 -> Fri 16:00 (warning 45 -> 15:45); resolution 480: 90 on Friday, 240 on
    # Monday morning, 150 after lunch -> Mon 15:00 (warning 360 -> Mon 12:00 + 30 -> 13:00).
    order = new_order(sla.wall, manager, priority="high")
    stored = fields(order)
    assert stored["sla_response_due_at"] == hel(2027, 1, 15, 16, 0)
    assert stored["sla_response_warning_at"] == hel(2027, 1, 15, 15, 45)
    assert stored["sla_resolution_due_at"] == hel(2027, 1, 18, 15, 0)
    assert stored["sla_resolution_warning_at"] == hel(2027, 1, 18, 13, 0)
    assert stored["sla_next_event_at"] == hel(2027, 1, 15, 15, 45)


def test_an_order_reported_earlier_is_measured_from_the_report(sla, manager):
    # Reported Friday 15:00, entered Monday 09:00: the response was due at 08:30, so the order
    # is breached as it is created, and the warning (never recorded) is the next event.
    order = new_order(sla.wall, manager, now=hel(2027, 1, 18, 9, 0))
    stored = fields(order)
    assert stored["sla_state"] == "breached"
    assert stored["sla_used_seconds"] == 0
    assert stored["sla_running_since"] == FRIDAY_1500
    assert stored["sla_response_due_at"] == hel(2027, 1, 18, 8, 30)
    assert stored["sla_next_event_at"] == hel(2027, 1, 15, 16, 30)
    assert StageChange.objects.get(order=order).at == FRIDAY_1500


def test_an_order_with_no_target_for_its_priority_is_not_measured(sla, manager):
    order = new_order(sla.wall, manager, priority="low")
    assert order.sla_policy == sla.policy
    assert fields(order) == dict(sla_services.NO_SLA) | {"sla_next_event_at": None}


# -- Stage changes ---------------------------------------------------------------------------------

PATH = [
    ("scheduled", hel(2027, 1, 15, 15, 30)),
    ("in_progress", hel(2027, 1, 18, 8, 15)),
    ("on_hold", hel(2027, 1, 18, 9, 0)),
    ("in_progress", hel(2027, 1, 19, 10, 0)),
    ("completed", hel(2027, 1, 20, 11, 0)),
]


@pytest.mark.parametrize("steps", [2, 3, 4, 5])
def test_changes_recorded_after_the_fact_store_what_live_changes_store(sla, manager, steps):
    path = PATH[:steps]
    last_at = path[-1][1]
    live = new_order(sla.wall, manager)
    for code, at in path:
        live = change(sla.wall, live, code, at, by=manager)

    late = new_order(sla.wall, manager, now=hel(2027, 1, 15, 15, 10))
    for code, at in path:
        late = change(sla.wall, late, code, at, by=manager, now=last_at)

    assert fields(late) == fields(live)
    assert live.stage.code == late.stage.code == path[-1][0]


def test_the_worked_path_in_full(sla, manager):
    # In progress Mon 08:15 (responded in time with 105 used, after the 90-minute warning at
    # Friday's closing), on hold Mon 09:00 (150 used), in progress Tue 10:00: 810 left -> Tue
    # 10:00-16:30 gives 360, Wed 450 more: 240 in the morning and 210 after lunch -> Wed 16:00.
    # Completed Wed 11:00: 150 + 360 + 180 = 690 used.
    order = new_order(sla.wall, manager)
    for code, at in PATH[:4]:
        order = change(sla.wall, order, code, at, by=manager)
    stored = fields(order)
    assert stored["sla_responded_at"] == hel(2027, 1, 18, 8, 15)
    assert stored["sla_response_breach_at"] is None
    assert stored["sla_response_warning_at"] == hel(2027, 1, 15, 16, 30)
    assert stored["sla_used_seconds"] == 150 * 60
    assert stored["sla_resolution_due_at"] == hel(2027, 1, 20, 16, 0)
    assert stored["sla_due_at"] == hel(2027, 1, 20, 16, 0)

    order = change(sla.wall, order, "completed", PATH[4][1], by=manager)
    stored = fields(order)
    assert stored["sla_state"] == "met"
    assert stored["sla_clock"] == "stop"
    assert stored["sla_used_seconds"] == 690 * 60
    assert stored["sla_resolved_at"] == hel(2027, 1, 20, 11, 0)
    assert stored["sla_due_at"] is None
    assert stored["sla_running_since"] is None
    # Stopped, but the response warning of Friday 16:30 happened and the scan has not seen it.
    assert stored["sla_next_event_at"] == hel(2027, 1, 15, 16, 30)
    assert sla_scan(now=hel(2027, 1, 20, 11, 0)).events == 1
    assert fields(order)["sla_next_event_at"] is None
    assert fields(order)["sla_state"] == "met"


def test_a_pause_over_the_weekend_costs_nothing(sla, manager):
    # In progress Fri 15:30 (responded), on hold Fri 16:00 (60 used) until Mon 10:00: the pause
    # covers 150 business minutes (Fri 16:00-16:30 and Mon 08:00-10:00), not the 66 hours on the
    # wall. Resolution: 900 left from Mon 10:00 -> Mon 360, Tue 480, Wed 60 -> Wed 09:00, the
    # unpaused Tue 15:00 plus 150 business minutes. Its warning (720): 660 after Mon 10:00 ->
    # Mon 360, Tue 240 + 60 -> Tue 13:30.
    order = new_order(sla.wall, manager)
    order = change(sla.wall, order, "scheduled", hel(2027, 1, 15, 15, 10), by=manager)
    order = change(sla.wall, order, "in_progress", hel(2027, 1, 15, 15, 30), by=manager)
    order = change(sla.wall, order, "on_hold", hel(2027, 1, 15, 16, 0), by=manager)

    assert fields(order) == {
        "sla_state": "paused",
        "sla_clock": "pause",
        "sla_used_seconds": 3600,
        "sla_running_since": None,
        "sla_responded_at": hel(2027, 1, 15, 15, 30),
        "sla_resolved_at": None,
        "sla_response_due_at": None,
        "sla_resolution_due_at": None,
        "sla_due_at": None,
        "sla_response_warning_at": None,
        "sla_response_breach_at": None,
        "sla_resolution_warning_at": None,
        "sla_resolution_breach_at": None,
        "sla_next_event_at": None,
    }

    order = change(sla.wall, order, "in_progress", hel(2027, 1, 18, 10, 0), by=manager)
    stored = fields(order)
    assert stored["sla_state"] == "on_track"
    assert stored["sla_clock"] == "run"
    assert stored["sla_used_seconds"] == 3600
    assert stored["sla_running_since"] == hel(2027, 1, 18, 10, 0)
    assert stored["sla_responded_at"] == hel(2027, 1, 15, 15, 30)  # the first entry
    assert stored["sla_response_due_at"] == hel(2027, 1, 18, 11, 0)
    assert stored["sla_response_breach_at"] is None
    assert stored["sla_resolution_due_at"] == hel(2027, 1, 20, 9, 0)
    assert stored["sla_due_at"] == hel(2027, 1, 20, 9, 0)
    assert stored["sla_resolution_warning_at"] == hel(2027, 1, 19, 13, 30)
    assert stored["sla_next_event_at"] == hel(2027, 1, 19, 13, 30)


def test_cancelling_the_order_cancels_its_sla(sla, manager):
    order = new_order(sla.wall, manager)
    sla.wall.now = hel(2027, 1, 18, 9, 0)
    services.order_cancel(order=order, by=manager, reason=reason(), now=sla.wall.now)
    stored = fields(order)
    assert stored["sla_state"] == "cancelled"
    assert stored["sla_clock"] == "stop"
    assert stored["sla_next_event_at"] is None
    assert stored["sla_response_breach_at"] is None
    assert sla_scan(now=hel(2027, 2, 1, 12, 0)).events == 0


def test_a_stage_change_stores_the_state_as_of_its_now(sla, manager):
    """`order_change_stage(now=...)` checks `at` against the `now` it is given, and
    `order_create(now=...)` stores the SLA state as of that `now`; a stage change should do the
    same rather than read the clock again. Here the SLA services' clock still says Friday 15:05
    while the change is made `now` = Monday 09:00, after the 08:30 response due."""
    order = new_order(sla.wall, manager, now=hel(2027, 1, 15, 15, 5))
    sla.wall.now = hel(2027, 1, 15, 15, 5)
    monday = hel(2027, 1, 18, 9, 0)
    services.order_change_stage(
        order=order, to=stage("scheduled"), by=manager, at=monday, now=monday
    )

    assert fields(order)["sla_state"] == "breached"  # as order_create(now=monday) would store


# -- The policy a new order takes ------------------------------------------------------------------


@pytest.fixture
def tiers(manager, sla):
    """Policies for each level, a customer in the GOLD group with its own assignment, and the
    GOLD group's assignment."""
    group = AgreementGroupFactory(code="GOLD")
    customer = CustomerFactory(agreement_group=group)

    def policy(name, response):
        targets = [{"priority": "normal", "response_minutes": response, "resolution_minutes": 960}]
        return policy_create(by=manager, name=name, targets=targets)

    tiers = SimpleNamespace(
        default=sla.policy,
        group_policy=policy("Gold", 100),
        customer_policy=policy("Customer's own", 90),
        agreement_policy=policy("Agreement", 80),
        explicit=policy("Explicit", 70),
        customer=customer,
        group=group,
    )
    assignment_create(by=manager, policy=tiers.customer_policy, customer=customer)
    assignment_create(by=manager, policy=tiers.group_policy, agreement_group=group)
    tiers.agreement = agreement_services.agreement_create(
        by=manager,
        customer=customer,
        site=SiteFactory(customer=customer),
        description="Care",
        starts_on=date(2000, 1, 1),
        sla_policy=tiers.agreement_policy,
    )
    tiers.agreement = agreement_services.agreement_change_status(
        agreement=tiers.agreement, by=manager, action="activate"
    )
    return tiers


def test_policy_precedence_at_creation(sla, manager, tiers):
    def policy_of(customer=tiers.customer, **extra):
        return new_order(sla.wall, manager, customer=customer, **extra).sla_policy

    assert policy_of(sla_policy=tiers.explicit) == tiers.explicit
    assert policy_of(sla_policy=tiers.explicit, agreement=tiers.agreement) == tiers.explicit
    assert policy_of(agreement=tiers.agreement) == tiers.agreement_policy
    assert policy_of() == tiers.customer_policy
    # Another customer of the group takes the group's; a customer with neither the default.
    assert policy_of(customer=CustomerFactory(agreement_group=tiers.group)) == tiers.group_policy
    assert policy_of(customer=CustomerFactory()) == tiers.default

    # Inactive policies are skipped, level by level.
    def deactivate(policy):
        return policy_set_active(policy=policy, by=manager, is_active=False)

    deactivate(tiers.agreement_policy)
    assert policy_of(agreement=tiers.agreement) == tiers.customer_policy
    deactivate(tiers.customer_policy)
    assert policy_of() == tiers.group_policy
    deactivate(tiers.group_policy)
    assert policy_of() == tiers.default
    deactivate(tiers.default)
    order = new_order(sla.wall, manager, customer=tiers.customer)
    assert order.sla_policy is None
    assert fields(order) == dict(sla_services.NO_SLA) | {"sla_next_event_at": None}


def test_the_policy_decides_the_targets(sla, manager, tiers):
    # The customer's own policy: response 90 from Fri 15:00 -> Friday's closing 16:30.
    order = new_order(sla.wall, manager, customer=tiers.customer)
    assert order.sla_response_due_at == hel(2027, 1, 15, 16, 30)


def test_an_explicit_inactive_policy_is_refused_and_nothing_is_created(sla, manager, tiers):
    inactive = policy_set_active(policy=tiers.explicit, by=manager, is_active=False)
    counts = (ServiceOrder.objects.count(), StageChange.objects.count())
    sequence = list(NumberSequence.objects.values_list("code", "next_number"))

    with pytest.raises(SlaPolicyInactive) as refused:
        make_order(
            by=manager,
            customer=tiers.customer,
            sla_policy=inactive,
            reported_at=FRIDAY_1500,
            now=FRIDAY_1500,
        )

    assert refused.value.status == 422
    assert refused.value.code == "orders.sla_policy_inactive"
    assert (ServiceOrder.objects.count(), StageChange.objects.count()) == counts
    assert list(NumberSequence.objects.values_list("code", "next_number")) == sequence


# -- Priority and policy changes -------------------------------------------------------------------


def test_a_priority_change_recomputes_the_due_instants(sla, manager):
    order = new_order(sla.wall, manager)
    normal = fields(order)

    sla.wall.now = hel(2027, 1, 15, 15, 50)
    services.order_update(order=order, by=manager, version=order.version, priority="high")
    order = fresh(order)
    stored = fields(order)
    assert stored["sla_response_due_at"] == hel(2027, 1, 15, 16, 0)
    assert stored["sla_resolution_due_at"] == hel(2027, 1, 18, 15, 0)
    assert stored["sla_due_at"] == hel(2027, 1, 15, 16, 0)
    assert stored["sla_state"] == "at_risk"  # the 45-minute warning was at 15:45
    assert stored["sla_next_event_at"] == hel(2027, 1, 15, 15, 45)

    services.order_update(order=order, by=manager, version=order.version, priority="low")
    order = fresh(order)
    assert fields(order) == dict(sla_services.NO_SLA) | {"sla_next_event_at": None}

    sla.wall.now = hel(2027, 1, 15, 15, 5)
    services.order_update(order=order, by=manager, version=order.version, priority="normal")
    assert fields(order) == normal


def test_changing_the_orders_policy_recomputes(sla, manager, tiers):
    order = new_order(sla.wall, manager)
    services.order_update(order=order, by=manager, version=order.version, sla_policy=tiers.explicit)
    # The explicit policy's 70 minutes: Fri 15:00 -> 16:10.
    assert fields(order)["sla_response_due_at"] == hel(2027, 1, 15, 16, 10)


# -- Manual stop, start and cancel -----------------------------------------------------------------


def snapshot(order):
    return fields(order), SlaClockChange.objects.filter(order=order).count()


def test_stopping_in_time_needs_no_reason(sla, manager):
    order = new_order(sla.wall, manager)
    stopped = services.order_sla_stop(order=order, by=manager, now=hel(2027, 1, 15, 16, 0))
    assert stopped.sla_state == "met"
    stored = fields(order)
    assert stored["sla_clock"] == "stop"
    assert stored["sla_used_seconds"] == 3600
    assert stored["sla_response_due_at"] is None
    assert stored["sla_next_event_at"] is None
    change_row = SlaClockChange.objects.get(order=order)
    assert (change_row.action, change_row.at, change_row.reason) == (
        "stop",
        hel(2027, 1, 15, 16, 0),
        None,
    )
    with pytest.raises(SlaAlreadyStopped):
        services.order_sla_stop(order=order, by=manager, now=hel(2027, 1, 15, 16, 5))


def test_stopping_after_a_missed_target_needs_a_reason(sla, manager):
    order = new_order(sla.wall, manager)
    late = hel(2027, 1, 18, 9, 0)  # the response was due at 08:30
    before = snapshot(order)

    with pytest.raises(ReasonRequired) as refused:
        services.order_sla_stop(order=order, by=manager, now=late)
    assert refused.value.details == {"action": "sla_stop"}
    assert snapshot(order) == before

    stopped = services.order_sla_stop(order=order, by=manager, reason=reason(), now=late)
    assert stopped.sla_state == "breached"
    stored = fields(order)
    assert stored["sla_clock"] == "stop"
    assert stored["sla_response_breach_at"] == hel(2027, 1, 18, 8, 30)
    assert stored["sla_used_seconds"] == 150 * 60
    assert SlaClockChange.objects.get(order=order).reason == reason()


def test_stopping_a_stopped_stage_is_refused(sla, manager):
    order = new_order(sla.wall, manager)
    order = change(sla.wall, order, "scheduled", hel(2027, 1, 15, 15, 10), by=manager)
    order = change(sla.wall, order, "in_progress", hel(2027, 1, 15, 15, 20), by=manager)
    order = change(sla.wall, order, "completed", hel(2027, 1, 15, 15, 40), by=manager)
    with pytest.raises(SlaAlreadyStopped):
        services.order_sla_stop(order=order, by=manager, now=hel(2027, 1, 15, 16, 0))


def test_starting_needs_a_manual_stop_or_cancel_first(sla, manager):
    order = new_order(sla.wall, manager)
    before = snapshot(order)
    with pytest.raises(SlaNotStopped):
        services.order_sla_start(order=order, by=manager, now=hel(2027, 1, 15, 15, 30))
    assert snapshot(order) == before

    # A stage that stops the clock is not a manual stop either.
    order = change(sla.wall, order, "scheduled", hel(2027, 1, 15, 15, 10), by=manager)
    order = change(sla.wall, order, "in_progress", hel(2027, 1, 15, 15, 20), by=manager)
    order = change(sla.wall, order, "completed", hel(2027, 1, 15, 15, 40), by=manager)
    with pytest.raises(SlaNotStopped):
        services.order_sla_start(order=order, by=manager, now=hel(2027, 1, 15, 16, 0))


def test_starting_after_a_manual_stop_resumes(sla, manager):
    # Stopped Fri 16:00 (60 used) until Mon 09:00: 60 more from Mon 09:00 -> response Mon 10:00.
    order = new_order(sla.wall, manager)
    services.order_sla_stop(order=order, by=manager, now=hel(2027, 1, 15, 16, 0))
    started = services.order_sla_start(order=order, by=manager, now=hel(2027, 1, 18, 9, 0))

    assert started.sla_state == "on_track"
    stored = fields(order)
    assert stored["sla_clock"] == "run"
    assert stored["sla_used_seconds"] == 3600
    assert stored["sla_running_since"] == hel(2027, 1, 18, 9, 0)
    assert stored["sla_response_due_at"] == hel(2027, 1, 18, 10, 0)
    # Once started, there is nothing to start again.
    with pytest.raises(SlaNotStopped):
        services.order_sla_start(order=order, by=manager, now=hel(2027, 1, 18, 9, 30))


def test_cancelling_the_sla_needs_a_reason(sla, manager):
    order = new_order(sla.wall, manager)
    before = snapshot(order)
    with pytest.raises(ReasonRequired):
        services.order_sla_cancel(order=order, by=manager, reason=None, now=hel(2027, 1, 18, 9))
    assert snapshot(order) == before

    cancelled = services.order_sla_cancel(
        order=order, by=manager, reason=reason("DUPLICATE"), now=hel(2027, 1, 18, 9, 0)
    )
    assert cancelled.sla_state == "cancelled"
    stored = fields(order)
    assert stored["sla_clock"] == "stop"
    assert stored["sla_next_event_at"] is None
    assert all(stored[field] is None for field in sla_services.INSTANT_FIELDS.values())
    with pytest.raises(SlaAlreadyCancelled):
        services.order_sla_cancel(
            order=order, by=manager, reason=reason(), now=hel(2027, 1, 18, 10)
        )
    with pytest.raises(SlaAlreadyCancelled):
        services.order_sla_stop(order=order, by=manager, reason=reason(), now=hel(2027, 1, 18, 10))
    assert sla_scan(now=hel(2027, 3, 1)).events == 0

    # A cancelled SLA can be started again: it follows the stage.
    started = services.order_sla_start(order=order, by=manager, now=hel(2027, 1, 18, 10, 0))
    assert started.sla_state == "breached"  # the response was due at 08:30, before the cancel
    assert fields(order)["sla_response_breach_at"] == hel(2027, 1, 18, 8, 30)


def test_manual_changes_need_an_sla(sla, manager):
    order = new_order(sla.wall, manager, priority="low")
    with pytest.raises(NoSla):
        services.order_sla_stop(order=order, by=manager, now=hel(2027, 1, 15, 16))
    with pytest.raises(NoSla):
        services.order_sla_cancel(
            order=order, by=manager, reason=reason(), now=hel(2027, 1, 15, 16)
        )
    with pytest.raises(NoSla):
        services.order_sla_start(order=order, by=manager, now=hel(2027, 1, 15, 16))
    assert not SlaClockChange.objects.filter(order=order).exists()


# -- The scan --------------------------------------------------------------------------------------


def test_the_scan_records_each_crossing_once_as_the_live_state_moves_on(sla, manager):
    # The stored state is the state as of the last recompute; the live one follows the clock.
    order = new_order(sla.wall, manager, now=hel(2027, 1, 15, 15, 5))

    assert sla_scan(now=hel(2027, 1, 15, 16, 29)) == sla_services.ScanResult(events=0)
    assert sla_state_now(fresh(order), hel(2027, 1, 15, 16, 29)) == "on_track"

    # The warning at 16:30, twice at the same moment, and an hour later: one event.
    assert sla_scan(now=hel(2027, 1, 15, 16, 30)) == sla_services.ScanResult(events=1)
    assert sla_scan(now=hel(2027, 1, 15, 16, 30)) == sla_services.ScanResult(events=0)
    assert sla_scan(now=hel(2027, 1, 15, 17, 30)).events == 0
    assert events_of(order) == [("response_warning", hel(2027, 1, 15, 16, 30))]
    assert sla_state_now(fresh(order), hel(2027, 1, 15, 16, 30)) == "at_risk"
    assert fields(order)["sla_next_event_at"] == hel(2027, 1, 18, 8, 30)

    # The breach at Mon 08:30.
    assert sla_scan(now=hel(2027, 1, 18, 8, 30)).events == 1
    assert sla_state_now(fresh(order), hel(2027, 1, 18, 8, 30)) == "breached"
    assert fields(order)["sla_next_event_at"] == hel(2027, 1, 19, 10, 30)

    # Down from Monday to Wednesday: both resolution crossings, each at its own instant.
    assert sla_scan(now=hel(2027, 1, 20, 12, 0)) == sla_services.ScanResult(events=2)
    assert sla_scan(now=hel(2027, 1, 20, 12, 0)).events == 0
    assert events_of(order) == [
        ("response_warning", hel(2027, 1, 15, 16, 30)),
        ("response_breach", hel(2027, 1, 18, 8, 30)),
        ("resolution_warning", hel(2027, 1, 19, 10, 30)),
        ("resolution_breach", hel(2027, 1, 19, 15, 0)),
    ]
    assert sla_state_now(fresh(order), hel(2027, 1, 20, 12, 0)) == "breached"
    assert fields(order)["sla_next_event_at"] is None
    assert sla_scan(now=hel(2027, 6, 1)).events == 0


def test_a_scan_after_a_long_downtime_records_everything_with_its_instant(sla, manager):
    orders = [new_order(sla.wall, manager) for _ in range(3)]
    result = sla_scan(now=hel(2027, 2, 1, 12, 0))
    assert result == sla_services.ScanResult(events=12)
    for order in orders:
        assert events_of(order) == [
            ("response_warning", hel(2027, 1, 15, 16, 30)),
            ("response_breach", hel(2027, 1, 18, 8, 30)),
            ("resolution_warning", hel(2027, 1, 19, 10, 30)),
            ("resolution_breach", hel(2027, 1, 19, 15, 0)),
        ]
        assert sla_state_now(fresh(order), hel(2027, 2, 1, 12, 0)) == "breached"
        assert fields(order)["sla_next_event_at"] is None
    assert sla_scan(now=hel(2027, 2, 1, 12, 0)).events == 0
    assert SlaEvent.objects.count() == 12
    assert not SlaEvent.objects.filter(recorded_at__isnull=True).exists()


def test_an_interrupted_scan_is_rolled_back_and_the_rerun_records_each_event_once(sla, manager):
    orders = [new_order(sla.wall, manager) for _ in range(2)]
    before = [fields(order) for order in orders]

    with pytest.raises(RuntimeError), transaction.atomic():
        assert sla_scan(now=hel(2027, 1, 20, 12, 0)).events == 8
        raise RuntimeError("the job was killed")

    assert SlaEvent.objects.filter(recorded_at__isnull=False).count() == 0
    assert [fields(order) for order in orders] == before

    assert sla_scan(now=hel(2027, 1, 20, 12, 0)).events == 8
    assert sla_scan(now=hel(2027, 1, 20, 12, 0)).events == 0
    assert sorted(
        SlaEvent.objects.filter(recorded_at__isnull=False).values_list("order_id", "kind")
    ) == sorted((order.pk, kind) for order in orders for kind in sla_services.INSTANT_FIELDS)


def test_the_scan_never_picks_orders_without_an_sla(wall, manager, office):
    # Made before any policy exists, and one with a priority the policy has no target for.
    unmeasured = new_order(wall, manager)
    policy_create(by=manager, name="Standard", targets=TARGETS, is_default=True)
    low = new_order(wall, manager, priority="low")
    measured = new_order(wall, manager)

    assert unmeasured.sla_policy is None
    for order in (unmeasured, low):
        assert fields(order) == dict(sla_services.NO_SLA) | {"sla_next_event_at": None}
    result = sla_scan(now=hel(2027, 3, 1))
    assert result == sla_services.ScanResult(events=4)
    assert set(SlaEvent.objects.values_list("order_id", flat=True)) == {measured.pk}
    for order in (unmeasured, low):
        assert fields(order) == dict(sla_services.NO_SLA) | {"sla_next_event_at": None}


def test_a_stage_change_after_a_recorded_event_does_not_record_it_again(sla, manager):
    order = new_order(sla.wall, manager)
    sla_scan(now=hel(2027, 1, 15, 16, 30))  # the response warning
    order = change(sla.wall, order, "scheduled", hel(2027, 1, 15, 16, 40), by=manager)
    # The warning is recorded, so the next event is the breach.
    assert fields(order)["sla_next_event_at"] == hel(2027, 1, 18, 8, 30)
    assert sla_scan(now=hel(2027, 1, 18, 8, 30)).events == 1
    assert [kind for kind, _at in events_of(order)] == ["response_warning", "response_breach"]


# -- Calendar and policy changes -------------------------------------------------------------------


def completed_order(wall, by):
    """Reported Fri 15:00, in progress Mon 09:00, completed Mon 11:00 (270 used)."""
    order = new_order(wall, by)
    order = change(wall, order, "scheduled", hel(2027, 1, 18, 8, 45), by=by)
    order = change(wall, order, "in_progress", hel(2027, 1, 18, 9, 0), by=by)
    return change(wall, order, "completed", hel(2027, 1, 18, 11, 0), by=by)


def test_a_calendar_change_recomputes_open_orders(sla, manager):
    done = completed_order(sla.wall, manager)
    running = new_order(sla.wall, manager, now=hel(2027, 1, 15, 15, 5))
    sla_scan(now=hel(2027, 1, 15, 16, 30))  # the response warnings are recorded
    done_fields = fields(done)
    assert done_fields["sla_used_seconds"] == 270 * 60

    # Monday 18 January becomes a closed day: the response needs 30 on Tuesday -> 08:30;
    # resolution: 90 + Tue 480 = 570, Wed 390 more -> 15:00; its warning 720 -> Wed 10:30.
    sla.wall.now = hel(2027, 1, 18, 7, 0)
    calendar_update(calendar=sla.calendar, by=manager, closed_days=[date(2027, 1, 18)])
    stored = fields(running)
    assert stored["sla_response_due_at"] == hel(2027, 1, 19, 8, 30)
    assert stored["sla_due_at"] == hel(2027, 1, 19, 8, 30)
    assert stored["sla_resolution_due_at"] == hel(2027, 1, 20, 15, 0)
    assert stored["sla_resolution_warning_at"] == hel(2027, 1, 20, 10, 30)
    assert stored["sla_state"] == "at_risk"
    assert stored["sla_next_event_at"] == hel(2027, 1, 19, 8, 30)  # the warning is recorded
    assert fields(done) == done_fields

    # Friday closes at 15:30: 30 on Friday, Monday closed, 90 on Tuesday -> Tue 09:30;
    # resolution: 30 + 480 = 510, Wed 450 more -> 12:30 + 210 = 16:00.
    sla.wall.now = hel(2027, 1, 18, 7, 30)
    calendar_update(
        calendar=sla.calendar,
        by=manager,
        hours={**OFFICE_HOURS, "fri": [["08:00", "12:00"], ["12:30", "15:30"]]},
    )
    stored = fields(running)
    assert stored["sla_response_due_at"] == hel(2027, 1, 19, 9, 30)
    assert stored["sla_resolution_due_at"] == hel(2027, 1, 20, 16, 0)
    # The warning moved to Tue 09:00 but was recorded already; the breach is next.
    assert stored["sla_response_warning_at"] == hel(2027, 1, 19, 9, 0)
    assert stored["sla_next_event_at"] == hel(2027, 1, 19, 9, 30)
    assert fields(done) == done_fields

    # The scan records the rest once each.
    sla_scan(now=hel(2027, 1, 25, 12, 0))
    assert [kind for kind, _at in events_of(running)] == [
        "response_warning",
        "response_breach",
        "resolution_warning",
        "resolution_breach",
    ]


def test_a_change_to_a_calendar_the_policy_does_not_use_changes_nothing(sla, manager):
    order = new_order(sla.wall, manager)
    before = fields(order)
    sla.wall.now = hel(2027, 1, 18, 9, 0)  # a recompute now would find the order breached
    other = calendar_create(by=manager, name="Night shift", timezone="Europe/Helsinki")
    calendar_update(calendar=other, by=manager, hours={"mon": [["22:00", "06:00"]]})
    assert fields(order) == before


def test_a_policy_target_change_recomputes_open_orders(sla, manager):
    done = completed_order(sla.wall, manager)
    done_fields = fields(done)
    running = new_order(sla.wall, manager, now=hel(2027, 1, 15, 15, 5))

    # Response 240: 90 on Friday, 150 on Monday -> Mon 10:30; warning 180 -> Mon 09:30.
    sla.wall.now = hel(2027, 1, 15, 16, 0)
    targets = [dict(row) for row in TARGETS]
    targets[0]["response_minutes"] = 240
    policy_update(policy=sla.policy, by=manager, targets=targets)
    stored = fields(running)
    assert stored["sla_response_due_at"] == hel(2027, 1, 18, 10, 30)
    assert stored["sla_response_warning_at"] == hel(2027, 1, 18, 9, 30)
    assert stored["sla_next_event_at"] == hel(2027, 1, 18, 9, 30)
    assert stored["sla_resolution_due_at"] == hel(2027, 1, 19, 15, 0)
    assert fields(done) == done_fields

    # A 50% warning: 120 of 240 -> Mon 08:30; 480 of 960 -> 90 + 390 -> Mon 15:00.
    policy_update(policy=sla.policy, by=manager, warning_percent=50)
    stored = fields(running)
    assert stored["sla_response_warning_at"] == hel(2027, 1, 18, 8, 30)
    assert stored["sla_resolution_warning_at"] == hel(2027, 1, 18, 15, 0)
    assert fields(done) == done_fields


def test_a_policy_on_its_own_calendar_counts_in_it(wall, manager, office):
    # Mondays only, 10:00-11:00: response 120 from Fri 15:00 -> Mon 25 January 11:00.
    mondays = calendar_create(
        by=manager, name="Mondays", timezone="Europe/Helsinki", hours={"mon": [["10:00", "11:00"]]}
    )
    policy = policy_create(by=manager, name="Mondays", targets=TARGETS, calendar=mondays)
    order = new_order(wall, manager, sla_policy=policy)
    assert fields(order)["sla_response_due_at"] == hel(2027, 1, 25, 11, 0)
    # Changing the default calendar does not move it; changing its own does.
    calendar_update(calendar=office, by=manager, closed_days=[date(2027, 1, 18)])
    assert fields(order)["sla_response_due_at"] == hel(2027, 1, 25, 11, 0)
    calendar_update(calendar=mondays, by=manager, hours={"mon": [["10:00", "12:00"]]})
    assert fields(order)["sla_response_due_at"] == hel(2027, 1, 18, 12, 0)


def test_a_new_default_calendar_recomputes_orders_on_policies_without_one(sla, manager):
    # Standard names no calendar, so it counts in whichever calendar is the default. Round the
    # clock: response Fri 15:00 + 2 h -> 17:00, resolution + 16 h -> Sat 07:00.
    order = new_order(sla.wall, manager)
    sla.wall.now = hel(2027, 1, 15, 15, 30)
    always = calendar_create(
        by=manager,
        name="Round the clock",
        timezone="Europe/Helsinki",
        hours={
            day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
        is_default=True,
    )
    stored = fields(order)
    assert stored["sla_response_due_at"] == hel(2027, 1, 15, 17, 0)
    assert stored["sla_resolution_due_at"] == hel(2027, 1, 16, 7, 0)

    # The office becomes the default again: back to Monday 08:30.
    calendar_update(calendar=sla.calendar, by=manager, is_default=True)
    assert fields(order)["sla_response_due_at"] == hel(2027, 1, 18, 8, 30)
    always.refresh_from_db()
    assert not always.is_default


def test_a_target_removed_and_added_back_measures_the_orders_again(sla, manager):
    """Stored SLA fields are a function of the history, the policy's targets for the order's
    priority and the calendar (services/sla.py). Removing the `normal` target unmeasures an open
    normal order; putting the same target back should measure it again, exactly as before."""
    order = new_order(sla.wall, manager)
    before = fields(order)

    policy_update(policy=sla.policy, by=manager, targets=TARGETS[1:])
    assert fields(order) == dict(sla_services.NO_SLA) | {"sla_next_event_at": None}

    policy_update(policy=sla.policy, by=manager, targets=TARGETS)
    assert fields(order) == before


# -- Live state ------------------------------------------------------------------------------------


def orders_in_every_state(wall, by) -> dict[str, ServiceOrder]:
    """Orders whose states differ on Mon 18 January (each comment says why)."""
    monday = hel(2027, 1, 18, 8, 0)  # response warning 09:30, due 10:00
    thursday = hel(2027, 1, 14, 8, 0)  # response due Thu 10:00
    orders = {}
    orders["running"] = new_order(wall, by, reported_at=monday)
    orders["friday"] = new_order(wall, by)  # warned Fri 16:30, due Mon 08:30
    orders["thursday"] = new_order(wall, by, reported_at=thursday)  # breached Thu 10:00

    order = new_order(wall, by, reported_at=monday)
    order = change(wall, order, "scheduled", hel(2027, 1, 18, 8, 5), by=by)
    order = change(wall, order, "in_progress", hel(2027, 1, 18, 8, 10), by=by)
    orders["paused"] = change(wall, order, "on_hold", hel(2027, 1, 18, 8, 20), by=by)

    order = new_order(wall, by, reported_at=thursday)
    order = change(wall, order, "scheduled", hel(2027, 1, 14, 9, 0), by=by)
    order = change(wall, order, "in_progress", hel(2027, 1, 14, 11, 0), by=by)
    orders["paused_late"] = change(wall, order, "on_hold", hel(2027, 1, 14, 12, 45), by=by)

    order = new_order(wall, by, reported_at=monday)
    order = change(wall, order, "scheduled", hel(2027, 1, 18, 8, 5), by=by)
    order = change(wall, order, "in_progress", hel(2027, 1, 18, 8, 10), by=by)
    orders["met"] = change(wall, order, "completed", hel(2027, 1, 18, 8, 40), by=by)

    order = new_order(wall, by, reported_at=thursday)
    order = change(wall, order, "scheduled", hel(2027, 1, 14, 9, 0), by=by)
    order = change(wall, order, "in_progress", hel(2027, 1, 14, 11, 0), by=by)
    orders["met_late"] = change(wall, order, "completed", hel(2027, 1, 14, 12, 45), by=by)

    order = new_order(wall, by, reported_at=monday)
    wall.now = hel(2027, 1, 18, 8, 30)
    services.order_sla_stop(order=order, by=by, now=wall.now)
    orders["stopped"] = fresh(order)

    order = new_order(wall, by, reported_at=monday)
    wall.now = hel(2027, 1, 18, 8, 30)
    services.order_sla_cancel(order=order, by=by, reason=reason(), now=wall.now)
    orders["sla_cancelled"] = fresh(order)

    order = new_order(wall, by, reported_at=monday)
    wall.now = hel(2027, 1, 18, 8, 30)
    services.order_cancel(order=order, by=by, reason=reason(), now=wall.now)
    orders["order_cancelled"] = fresh(order)

    orders["unmeasured"] = new_order(wall, by, reported_at=monday, priority="low")
    return orders


EXPECTED_STATES = {
    hel(2027, 1, 18, 8, 40): {
        "running": "on_track",
        "friday": "breached",
        "thursday": "breached",
        "paused": "paused",
        "paused_late": "breached",
        "met": "met",
        "met_late": "breached",
        "stopped": "met",
        "sla_cancelled": "cancelled",
        "order_cancelled": "cancelled",
        "unmeasured": "",
    },
    hel(2027, 1, 18, 9, 30): {"running": "at_risk"},
    hel(2027, 1, 18, 10, 0): {"running": "breached"},
}


def test_state_query_and_state_of_one_order_agree(sla, manager):
    orders = orders_in_every_state(sla.wall, manager)
    ids = {order.pk for order in orders.values()}
    nows = [
        hel(2027, 1, 18, 8, 40),
        hel(2027, 1, 18, 9, 29),
        hel(2027, 1, 18, 9, 30),
        hel(2027, 1, 18, 10, 0),
        hel(2027, 1, 19, 12, 0),
        hel(2027, 2, 1, 12, 0),
    ]
    seen = set()
    for now in nows:
        for scanned in (False, True):  # the stored state lags until the scan: no matter
            if scanned:
                sla_scan(now=now)
            loaded = {o.pk: o for o in ServiceOrder.objects.filter(pk__in=ids)}
            for state in STATES:
                by_query = set(
                    ServiceOrder.objects.filter(pk__in=ids)
                    .filter(sla_state_q(state, now))
                    .values_list("pk", flat=True)
                )
                by_order = {pk for pk, o in loaded.items() if sla_state_now(o, now) == state}
                assert by_query == by_order, (now, scanned, state)
                if by_order:
                    seen.add(state)
            expected = EXPECTED_STATES.get(now, {})
            for name, state in expected.items():
                assert sla_state_now(loaded[orders[name].pk], now) == state, (now, name)
    assert seen == set(STATES)


def test_the_monitor_filters_by_the_live_state(sla, manager):
    orders = orders_in_every_state(sla.wall, manager)
    now = hel(2027, 1, 18, 9, 30)
    at_risk = set(sla_monitor(user=manager, now=now, state="at_risk").values_list("pk", flat=True))
    assert at_risk == {orders["running"].pk}
    shown = set(sla_monitor(user=manager, now=now).values_list("pk", flat=True))
    # Open clocks only: running or paused.
    assert shown == {
        orders[name].pk for name in ("running", "friday", "thursday", "paused", "paused_late")
    }


def test_order_sla_reports_the_business_time_used(sla, manager):
    order = new_order(sla.wall, manager)

    view = order_sla(fresh(order), now=hel(2027, 1, 15, 16, 0))
    assert (view.business_minutes_used, view.percent_used, view.state) == (60, 50.0, "on_track")
    assert (view.response_minutes, view.resolution_minutes) == (120, 960)
    assert view.due_at == hel(2027, 1, 18, 8, 30)
    # Over the weekend: 90 of 120 (75%); Monday 08:15: 105 (87.5%); 09:00: 150 (125%).
    view = order_sla(fresh(order), now=hel(2027, 1, 17, 12, 0))
    assert (view.business_minutes_used, view.percent_used, view.state) == (90, 75.0, "at_risk")
    view = order_sla(fresh(order), now=hel(2027, 1, 18, 8, 15))
    assert (view.business_minutes_used, view.percent_used) == (105, 87.5)
    view = order_sla(fresh(order), now=hel(2027, 1, 18, 9, 0))
    assert (view.business_minutes_used, view.percent_used, view.state) == (150, 125.0, "breached")

    # Responded at 09:00: now measured against resolution. At 10:30, 240 of 960 (25%).
    order = change(sla.wall, order, "scheduled", hel(2027, 1, 18, 8, 50), by=manager)
    order = change(sla.wall, order, "in_progress", hel(2027, 1, 18, 9, 0), by=manager)
    view = order_sla(fresh(order), now=hel(2027, 1, 18, 10, 30))
    assert (view.business_minutes_used, view.percent_used) == (240, 25.0)
    assert view.due_at == hel(2027, 1, 19, 15, 0)
    # On hold at 10:30: the time stands still.
    order = change(sla.wall, order, "on_hold", hel(2027, 1, 18, 10, 30), by=manager)
    view = order_sla(fresh(order), now=hel(2027, 1, 19, 16, 0))
    assert (view.business_minutes_used, view.percent_used) == (240, 25.0)
    assert view.clock == "pause"
    assert view.state == "breached"  # the response was missed

    unmeasured = new_order(sla.wall, manager, priority="low")
    view = order_sla(fresh(unmeasured), now=hel(2027, 1, 18, 9, 0))
    assert (view.state, view.business_minutes_used, view.percent_used) == (None, None, None)


# -- Recomputing many orders -----------------------------------------------------------------------


def varied_orders(wall, by, count: int) -> list[ServiceOrder]:
    """Orders on two policies and three priorities, some moved along, all recorded by Wed 20
    January 12:00."""
    second = policy_create(by=by, name="Second", targets=TARGETS, calendar=None, warning_percent=60)
    recorded = hel(2027, 1, 20, 12, 0)
    orders = []
    for n in range(count):
        reported = hel(2027, 1, 11, 8, 0) + timedelta(hours=7 * n)
        order = new_order(
            wall,
            by,
            reported_at=reported,
            now=recorded,
            priority=("normal", "high", "critical")[n % 3],
            sla_policy=second if n % 2 else None,
        )
        steps = ["scheduled", "in_progress", "on_hold", "in_progress", "completed"][: n % 6]
        for index, code in enumerate(steps):
            at = reported + timedelta(hours=2 * index + 1)
            order = change(wall, order, code, at, by=by, now=recorded)
        orders.append(order)
    return orders


def recompute_queries(orders, now, **options) -> int:
    with CaptureQueriesContext(connection) as queries:
        orders_sla_recompute(orders=ServiceOrder.objects.filter(pk__in=orders), now=now, **options)
    return len(queries)


def test_recomputing_many_orders_takes_a_constant_number_of_queries(
    sla, manager, django_assert_max_num_queries
):
    recorded = hel(2027, 1, 20, 12, 0)
    varied_orders(sla.wall, manager, 30)
    ids = list(ServiceOrder.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 30
    expected = {pk: fields(ServiceOrder(pk=pk)) for pk in ids}
    ServiceOrder.objects.update(**sla_services.NO_SLA)

    # 10 here: the ids, the batch, the policies and their targets (and, for a policy that names
    # a calendar, its closed and open days), the default calendar of each of the two policies,
    # the histories (stage changes, manual changes), the recorded events, and the update.
    with django_assert_max_num_queries(12):
        assert orders_sla_recompute(orders=ServiceOrder.objects.all(), now=recorded) == 30
    assert {pk: fields(ServiceOrder(pk=pk)) for pk in ids} == expected

    # The same per batch, whatever the number of orders in it.
    few = recompute_queries(ids[:3], recorded)
    many = recompute_queries(ids, recorded)
    assert few == many
    batches = recompute_queries(ids, recorded, batch_size=10)
    assert batches - 1 == 3 * (many - 1)
    assert {pk: fields(ServiceOrder(pk=pk)) for pk in ids} == expected


# -- Concurrency (PostgreSQL) ----------------------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks (select_for_update) only matter on PostgreSQL; "
    "SQLite serialises writers on the whole database",
)


def run_threads(*jobs) -> list:
    """Run each (name, job) in its own thread and connection; the job's result or its error."""
    outcomes: list = [None] * len(jobs)

    def run(index, job):
        try:
            outcomes[index] = job()
        except BaseException as exc:  # reported by the caller's assertion
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, job), name=name)
        for index, (name, job) in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_scans_at_once_record_each_event_once(wall, manager, office, standard):
    orders = [new_order(wall, manager) for _ in range(40)]
    now = hel(2027, 1, 20, 12, 0)
    scanned = threading.Event()

    def first():
        # Holds the row locks of what it recorded for a while before committing.
        with transaction.atomic():
            result = sla_scan(now=now)
            scanned.set()
            time.sleep(0.3)
        return result

    def second():
        scanned.wait(timeout=10)
        return sla_scan(now=now)

    results = run_threads(("first", first), ("second", second))

    assert all(isinstance(result, sla_services.ScanResult) for result in results), results
    # The second scan waited for the rows the first one held, then found nothing to record.
    assert [result.events for result in results] == [4 * len(orders), 0]
    pairs = list(SlaEvent.objects.filter(recorded_at=now).values_list("order_id", "kind"))
    assert len(pairs) == len(set(pairs)) == 4 * len(orders)
    for order in orders:
        assert sla_state_now(fresh(order), now) == "breached"
        assert fields(order)["sla_next_event_at"] is None


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_recompute_racing_a_stage_change_keeps_the_stage_change(
    wall, manager, office, standard, monkeypatch
):
    """A calendar change recomputes the open orders while someone moves one of them along. The
    recompute reads the histories without locking the orders, so here it has read them when the
    stage change commits; whatever it then writes must still account for that change."""
    order = new_order(wall, manager)
    order = change(wall, order, "scheduled", hel(2027, 1, 15, 15, 10), by=manager)
    wall.now = hel(2027, 1, 15, 15, 30)
    histories_read, stage_changed = threading.Event(), threading.Event()
    recorded_kinds = sla_services._events

    def recorded_kinds_after_the_change(order_ids):
        # Called by the recompute right after it has read the histories.
        if threading.current_thread().name == "recompute":
            histories_read.set()
            stage_changed.wait(timeout=3)  # a recompute that locks the orders gets here first
        return recorded_kinds(order_ids)

    monkeypatch.setattr(sla_services, "_events", recorded_kinds_after_the_change)
    user = type(manager).objects.get(pk=manager.pk)

    def recompute():
        calendar_update(calendar=office, by=user, closed_days=[date(2027, 1, 18)])

    def start_work():
        histories_read.wait(timeout=10)
        services.order_change_stage(
            order=ServiceOrder.objects.get(pk=order.pk),
            to=stage("in_progress"),
            by=user,
            at=hel(2027, 1, 15, 15, 30),
            now=hel(2027, 1, 15, 15, 30),
        )
        stage_changed.set()

    assert run_threads(("recompute", recompute), ("stage change", start_work)) == [None, None]

    order = fresh(order)
    assert order.stage.code == "in_progress"
    stored = fields(order)
    with transaction.atomic():
        sla_services.order_sla_refresh(order=order, now=wall.now)
    assert stored["sla_responded_at"] == hel(2027, 1, 15, 15, 30)
    assert stored == fields(order)  # what the history and the new calendar give


def test_a_settled_sla_keeps_its_policy_and_priority(sla, manager, tiers):
    order = completed_order(sla.wall, manager)
    before = fields(order)
    for change in ({"priority": "low"}, {"sla_policy": tiers.explicit}):
        with pytest.raises(SlaSettled):
            services.order_update(order=order, by=manager, version=fresh(order).version, **change)
    assert fields(order) == before
    assert fresh(order).priority == "normal"
    # Other header fields still change.
    services.order_update(order=order, by=manager, version=fresh(order).version, description="Done")
    assert fresh(order).description == "Done"


def test_an_sla_is_taken_away_only_by_cancelling_it(sla, manager):
    order = new_order(sla.wall, manager)
    with pytest.raises(SlaPolicyRequired):
        services.order_update(order=order, by=manager, version=order.version, sla_policy=None)
    assert fresh(order).sla_policy == sla.policy
