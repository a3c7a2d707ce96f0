from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from openservice.agreements import recurrence
from openservice.agreements.models import AgreementLine, ServiceAgreement, TemplateGroup
from openservice.billing.models import AccrualEntry, Invoice, InvoiceLine
from openservice.catalog.models import Item, ServiceTask
from openservice.core.roles import Role, primary_role
from openservice.customers.models import AgreementGroup, Contact, Customer, Site
from openservice.customers.selectors import customer_of_user
from openservice.demo import data
from openservice.orders.models import OrderLine, ServiceOrder
from openservice.orders.services.generation import orders_generate_from_agreements
from openservice.repairs.models import (
    Condition,
    DiagnosisArea,
    DiagnosisCode,
    RepairLine,
    RepairStage,
    Resolution,
    SymptomArea,
    SymptomCode,
)
from openservice.repairs.selectors import resolution_suggestions
from openservice.subscriptions.models import Fee, PriceChange, Subscription, SubscriptionPlan
from openservice.subscriptions.selectors import fees_due
from openservice.workforce.models import DispatchTeam, Skill, Technician

DEMO_USERS = {
    "manager": Role.MANAGER,
    "dispatcher": Role.DISPATCHER,
    **{f"tech{n}": Role.TECHNICIAN for n in range(1, 9)},
    "customer1": Role.CUSTOMER,
    "admin": Role.ADMINISTRATOR,
}
MODELS = [
    get_user_model(),
    AgreementGroup,
    Customer,
    Site,
    Contact,
    Skill,
    DispatchTeam,
    Technician,
    Item,
    ServiceTask,
    TemplateGroup,
    ServiceAgreement,
    AgreementLine,
    SubscriptionPlan,
    Subscription,
    PriceChange,
]
REPAIR_CODES = [
    Condition,
    SymptomArea,
    SymptomCode,
    DiagnosisArea,
    DiagnosisCode,
    Resolution,
    RepairStage,
]
# Counted too on a rerun, which must add nothing (their numbers depend on today's date, or on
# what other parts of the demo add to the repairs).
GENERATED = [
    ServiceOrder,
    OrderLine,
    Fee,
    Invoice,
    InvoiceLine,
    AccrualEntry,
    *REPAIR_CODES,
    RepairLine,
]


def _load() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as the tests' settings


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker):
    """The demo loaded once for the module, in a transaction rolled back after it (each test
    runs in a savepoint of it, so the rerun's test leaves it as it was)."""
    outer = transaction.atomic()
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        outer.__enter__()
        try:
            output = _load()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield output
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(_loaded, db):
    return _loaded


def test_demo_creates_the_company(demo):
    assert demo.startswith("Demo data loaded: ")
    _check_sla(demo)
    _check_agreements()
    _check_generated_orders()
    _check_billing()
    _check_orders_invoiced()
    _check_repairs()
    _check_returns()
    assert _counts() == {
        "User": 12,
        "AgreementGroup": 3,
        "Customer": 30,
        "Site": 40,
        "Contact": 60,
        "Skill": 6,
        "DispatchTeam": 2,
        "Technician": 8,
        "Item": 40,
        "ServiceTask": 10,
        "TemplateGroup": 5,
        "ServiceAgreement": 47,
        "AgreementLine": 137,
        "SubscriptionPlan": 5,
        "Subscription": 60,
        "PriceChange": 13,
    }
    numbers = sorted(Customer.objects.values_list("number", flat=True))
    assert numbers == [f"C{n:05d}" for n in range(1, 31)]
    assert set(AgreementGroup.objects.values_list("code", flat=True)) == {
        "GOLD",
        "SILVER",
        "BRONZE",
    }
    assert not Customer.objects.filter(agreement_group=None).exists()
    assert set(Item.objects.values_list("kind", flat=True)) == {"product", "part", "service", "fee"}
    customers = Customer.objects.prefetch_related("sites")
    assert all(customer.sites.count() >= 1 for customer in customers)
    for site in Site.objects.all():
        assert site.timezone == "Europe/Helsinki"
        assert site.latitude is not None and site.longitude is not None
        assert 59 < site.latitude < 61
        assert 24 < site.longitude < 26
        assert site.city in {"Helsinki", "Espoo", "Vantaa"}

    teams = {team.code: team for team in DispatchTeam.objects.all()}
    assert set(teams) == {"LIFTS", "HVAC"}
    assert Technician.objects.filter(team=teams["LIFTS"]).count() == 4
    assert Technician.objects.filter(team=teams["HVAC"]).count() == 4
    for technician in Technician.objects.prefetch_related("skill_levels"):
        assert technician.user is not None
        assert technician.skill_levels.count() >= 2
        assert all(1 <= level.level <= 5 for level in technician.skill_levels.all())
    tech1 = Technician.objects.get(user__username="tech1")
    assert tech1.name == "Mikko Virtanen"
    assert {(s.skill.code, s.level) for s in tech1.skill_levels.all()} == {
        ("LIFT", 5),
        ("ESC", 3),
        ("ELEC", 3),
    }
    for task in ServiceTask.objects.prefetch_related("skill_needs"):
        assert task.skill_needs.exists(), task.code
    fault = ServiceTask.objects.get(code="LIFT-FAULT")
    assert {(n.skill.code, n.min_level) for n in fault.skill_needs.all()} == {
        ("LIFT", 3),
        ("ELEC", 2),
    }


def test_demo_users_have_their_roles_and_the_demo_password(demo):
    users = {user.username: user for user in get_user_model().objects.all()}
    assert set(users) == set(DEMO_USERS)
    for username, role in DEMO_USERS.items():
        user = users[username]
        assert primary_role(user) == role, username
        assert user.is_active
        assert user.check_password(data.PASSWORD), username
    assert data.PASSWORD == "demo"
    assert users["admin"].is_staff

    customer = customer_of_user(users["customer1"])

    assert customer is not None
    assert customer.name == data.PORTAL_CUSTOMER
    assert customer.is_active
    assert customer.sites.filter(is_active=True).count() >= 2
    assert Contact.objects.filter(user__isnull=False).count() == 1


def _generated_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in GENERATED}


def test_demo_rerun_adds_nothing(demo):
    before, generated = _counts(), _generated_counts()

    output = _load()

    assert _counts() == before
    assert _generated_counts() == generated
    assert "already loaded" in output
    assert output.startswith("Demo data already loaded: nothing to add.")
    assert "customer1" in output


def _check_sla(demo) -> None:
    """Calendars, policies and orders in every SLA state (checked on the one demo load)."""
    from django.utils import timezone

    from openservice.calendars.models import WorkCalendar
    from openservice.orders.models import ServiceOrder, SlaEvent
    from openservice.orders.selectors import sla_state_now
    from openservice.sla.models import SlaAssignment, SlaPolicy

    default = WorkCalendar.objects.get(is_default=True)
    assert (default.name, default.timezone, default.holiday_country) == (
        "Finland office hours",
        "Europe/Helsinki",
        "FI",
    )
    assert default.hours["mon"] == [["08:00", "11:30"], ["12:00", "16:00"]]
    assert default.hours["sat"] == default.hours["sun"] == []
    assert set(SlaPolicy.objects.values_list("name", flat=True)) == {"Gold", "Silver", "Bronze"}
    assert SlaPolicy.objects.get(is_default=True).name == "Bronze"
    assert {(a.policy.name, a.agreement_group.code) for a in SlaAssignment.objects.all()} == {
        ("Gold", "GOLD"),
        ("Silver", "SILVER"),
        ("Bronze", "BRONZE"),
    }
    now = timezone.now()
    orders = ServiceOrder.objects.all()
    assert not orders.filter(sla_policy=None).exists()
    states = {sla_state_now(order, now) for order in orders}
    assert states == {"on_track", "at_risk", "breached", "met", "paused", "cancelled"}
    assert SlaEvent.objects.filter(recorded_at__isnull=False).exists()  # the demo ran a scan


def _check_agreements() -> None:
    """Templates in a group tree, and about forty customer agreements in every status with
    a mix of grouping rules, windows, times, covered objects and tasks (the one demo load)."""
    today = timezone.localdate()
    groups = {group.code: group for group in TemplateGroup.objects.select_related("parent")}
    assert {code: g.parent.code if g.parent else None for code, g in groups.items()} == {
        "LIFTS": None,
        "LIFTS-PASS": "LIFTS",
        "LIFTS-ESC": "LIFTS",
        "HVAC": None,
        "HVAC-COOL": "HVAC",
    }
    templates = ServiceAgreement.objects.filter(template_group__isnull=False)
    assert templates.count() == 5
    for template in templates:
        assert template.status == "draft"
        assert template.customer_id is None
        assert template.lines.exists()
        assert not template.orders.exists()

    agreements = ServiceAgreement.objects.filter(template_group=None).select_related("customer")
    assert Counter(agreements.values_list("status", flat=True)) == {
        "active": 35,
        "suspended": 3,
        "draft": 2,
        "cancelled": 1,
        "expired": 1,
    }
    for agreement in agreements:
        assert agreement.site.customer_id == agreement.customer_id
        assert agreement.lines.exists(), agreement.description
        objects = {o.pk: o for o in agreement.objects_covered.all()}
        assert objects, agreement.description
        assert all(o.customer_id == agreement.customer_id for o in objects.values())
        line_tasks = set(agreement.lines.exclude(task=None).values_list("task_id", flat=True))
        assert set(agreement.tasks.values_list("pk", flat=True)) == line_tasks
        assert set(agreement.lines.exclude(object=None).values_list("object_id", flat=True)) <= set(
            objects
        )
        if agreement.status == "active":
            assert agreement.covers(today), agreement.description
    expired = agreements.get(status="expired")
    assert expired.ends_on < today
    renewal = expired.renewals.get()
    assert renewal.status == "active"
    assert renewal.starts_on == expired.ends_on + timedelta(days=1)
    assert renewal.lines.count() == expired.lines.count()
    assert all(a.starts_on > today for a in agreements.filter(status="draft"))

    assert set(agreements.values_list("grouping", flat=True)) == {
        "agreement",
        "task",
        "technician",
        "object",
    }
    assert set(agreements.values_list("sla_policy__name", flat=True)) == {
        None,
        "Gold",
        "Silver",
        "Bronze",
    }
    assert agreements.filter(calendar__name="Round the clock").exists()
    assert agreements.filter(preferred_technician__isnull=False).exists()
    lines = AgreementLine.objects.filter(agreement__template_group=None)
    assert set(lines.values_list("window", flat=True)) == {
        "exact",
        "same_week",
        "same_month",
        "days",
    }
    assert set(lines.values_list("interval_unit", flat=True)) == {"", "week", "month", "year"}
    assert set(lines.values_list("kind", flat=True)) == {"hour", "item", "fee", "expense"}
    assert lines.filter(earliest_time__isnull=False, latest_time__isnull=False).exists()
    assert lines.filter(object__isnull=False, technician__isnull=False).exists()
    assert lines.filter(is_stopped=True).count() == 1


def _check_generated_orders() -> None:
    """The demo generated the next months of orders, from active agreements only."""
    today = timezone.localdate()
    until = today + relativedelta(months=data.AGREEMENT_GENERATION_MONTHS)
    generated = ServiceOrder.objects.filter(origin="agreement").select_related("agreement")
    assert generated.count() > 100
    assert {order.agreement.status for order in generated} == {"active"}
    assert not generated.filter(agreement__template_group__isnull=False).exists()
    assert not ServiceOrder.objects.filter(origin="manual", agreement__isnull=False).exists()
    assert set(generated.values_list("stage__code", flat=True)) == {"new"}
    # Every active agreement with a line recurring at least quarterly has orders.
    frequent = {
        line.agreement_id
        for line in AgreementLine.objects.filter(
            agreement__status="active", agreement__template_group=None, is_stopped=False
        )
        if line.interval_unit == "week"
        or (line.interval_unit == "month" and line.interval_every <= 3)
    }
    assert len(frequent) >= 30
    assert set(generated.values_list("agreement_id", flat=True)) >= frequent
    lines = OrderLine.objects.filter(order__origin="agreement").select_related(
        "order", "agreement_line"
    )
    assert not lines.filter(agreement_line=None).exists()
    for line in lines:
        assert today <= line.occurrence_on <= until
        source = line.agreement_line
        assert source.agreement_id == line.order.agreement_id
        first, last = recurrence.window(
            line.occurrence_on,
            source.window,
            source.window_days_before,
            source.window_days_after,
        )
        assert first <= line.order.service_on <= last
    for order in generated.filter(agreement__sla_policy__isnull=False):
        assert order.sla_policy_id == order.agreement.sla_policy_id

    again = orders_generate_from_agreements(date_from=today, date_to=until)

    assert (again.orders_created, again.lines_created, again.orders_joined) == (0, 0, 0)


def _check_billing(today=None) -> None:
    """Sixty subscriptions on every plan kind with their stories, and the billing of the last
    three months and of this month so far: gapless numbers in date order, a credit note, the
    accruals, and nothing left due by today (the posted orders included)."""
    today = today or timezone.localdate()
    subscriptions = Subscription.objects.select_related("plan", "agreement")
    assert subscriptions.count() == 60
    kinds = Counter(
        (s.plan.period, s.plan.billing, s.plan.align_to_calendar) for s in subscriptions
    )
    assert kinds == {
        ("month", "advance", False): 24,
        ("quarter", "advance", True): 15,
        ("year", "advance", False): 7,
        ("year", "arrears", False): 7,
        ("week", "arrears", True): 7,
    }
    assert Counter(s.status for s in subscriptions) == {
        "active": 54,
        "ended": 4,
        "paused": 1,
        "cancelled": 1,
    }
    linked = [s for s in subscriptions if s.agreement_id]
    assert len(linked) >= 20
    assert all(s.agreement.customer_id == s.customer_id for s in linked)
    assert Counter(PriceChange.objects.values_list("method", flat=True)) == {
        "index_percent": 12,
        "base_to": 1,
    }
    assert subscriptions.filter(index=Decimal("103.5")).count() == 12
    assert Fee.objects.filter(index=Decimal("103.5")).exists()  # the index reached the fees
    for subscription in subscriptions.filter(status__in=["ended", "cancelled"]):
        last = subscription.fees.order_by("period_start").last()
        assert last.period_end == subscription.ends_on < today
        assert last.days < last.full_days  # prorated: it ends mid-period
    paused = subscriptions.get(status="paused")
    pause = paused.pauses.get()
    assert pause.ends_on is None
    assert not paused.fees.filter(period_start__gte=pause.starts_on).exists()

    posted = Invoice.objects.filter(status="posted")
    assert not Invoice.objects.filter(status="draft").exists()
    month = today.replace(day=1)
    for back in range(1, 4):
        start = month - relativedelta(months=back)
        end = start + relativedelta(months=1) - timedelta(days=1)
        issued = posted.filter(kind="invoice", issued_on__gte=start, issued_on__lte=end)
        assert issued.count() >= 10, start
        assert set(issued.values_list("issued_on", flat=True)) == {end}
    by_year = defaultdict(list)
    for invoice in posted.order_by("issued_on", "pk"):
        by_year[invoice.issued_on.year].append(invoice.number)
    for year, numbers in by_year.items():
        assert numbers == [f"{year}-{n:06d}" for n in range(1, len(numbers) + 1)]
    for invoice in posted.prefetch_related("lines"):
        lines = list(invoice.lines.all())
        assert lines
        assert invoice.net_amount == sum(line.net_amount for line in lines)
        assert invoice.gross_amount == invoice.net_amount + invoice.vat_amount

    # The returns demo's credit notes reference their RMA numbers; this is billing's own.
    credit_note = Invoice.objects.exclude(reference__startswith="RMA").get(kind="credit_note")
    assert credit_note.status == "posted"
    assert credit_note.gross_amount < 0
    assert credit_note.reference == credit_note.credited_invoice.number
    assert credit_note.credited_invoice.issued_on < credit_note.issued_on
    credit_line = credit_note.lines.get()
    assert credit_line.credited_line.fee.status == "credited"
    reversals = AccrualEntry.objects.filter(invoice_line=credit_line)
    assert reversals.exists()
    assert all(
        entry.reverses.invoice_line_id == credit_line.credited_line_id for entry in reversals
    )

    entries = defaultdict(list)
    for entry in AccrualEntry.objects.filter(reverses=None).select_related("invoice_line"):
        entries[entry.invoice_line].append(entry.amount)
    assert len(entries) >= 20
    assert all(sum(amounts) == line.net_amount for line, amounts in entries.items())
    assert any(len(amounts) >= 12 for amounts in entries.values())  # a year, month by month

    assert not fees_due(through=today).exists()


def _check_orders_invoiced() -> None:
    """The demo's posted orders (posted today) are on today's invoices."""
    billable = OrderLine.objects.filter(status="posted", is_billable=True)
    assert billable.exists()
    assert not billable.filter(invoice_line__isnull=True).exists()
    assert InvoiceLine.objects.filter(order_line__isnull=False).count() == billable.count()


def _check_repairs() -> None:
    """The starter codes for lifts and HVAC, and a repair history that gives the suggestions
    something to rank: fixes that held and fixes followed by a repeat order within 30 days."""
    assert {"NORMAL_USE", "WEAR", "MISUSE", "VANDALISM"} <= set(
        Condition.objects.values_list("code", flat=True)
    )
    symptoms = defaultdict(set)
    for code in SymptomCode.objects.select_related("area"):
        symptoms[code.area.code].add(code.code)
    assert symptoms["DOOR"] == {"DOOR_NOT_CLOSING", "DOOR_NOISE"}
    assert symptoms["DRIVE"] == {"DRIVE_NOISE", "DRIVE_STOPS"}
    assert symptoms["COOLING"] >= {"NO_COOLING", "LEAK"}
    diagnoses = defaultdict(set)
    for code in DiagnosisCode.objects.select_related("area"):
        diagnoses[code.area.code].add(code.code)
    assert diagnoses["ELEC"] == {"ELEC_SENSOR", "ELEC_WIRING"}
    assert diagnoses["MECH"] >= {"MECH_ROLLERS", "MECH_BEARING"}
    assert "REFR_LOW_CHARGE" in diagnoses["REFR"]
    assert {"REPLACED", "ADJUSTED", "CLEANED", "REPAIRED"} <= set(
        Resolution.objects.values_list("code", flat=True)
    )
    stages = dict(RepairStage.objects.values_list("code", "is_finished"))
    assert stages == {"OPEN": False, "WAITING_PARTS": False, "DONE": True}

    lines = RepairLine.objects.select_related("stage", "order__stage", "object__item")
    finished = lines.filter(order__description__contains="(demo repair #")
    assert finished.count() == 19
    assert all(line.stage.is_finished for line in finished)
    assert all(line.finished_at and line.resolution_id for line in finished)
    assert {line.order.stage.code for line in finished} == {"closed"}
    repeats = lines.filter(order__description__contains="(demo repeat repair #")
    assert repeats.count() == 4
    assert not any(line.stage.is_finished for line in repeats)
    assert {line.order.stage.code for line in repeats} == {"in_progress", "on_hold"}
    assert finished.filter(technician__user__username="tech1").exists()
    assert finished.filter(component__isnull=False).exists()

    lift = Item.objects.get(sku="LFT-MRL-630")
    door = SymptomCode.objects.get(code="DOOR_NOT_CLOSING")
    found = resolution_suggestions(item_id=lift.pk, symptom_code_id=door.pk)
    assert [(s.code, s.used, s.held) for s in found] == [
        ("REPLACED", 3, 3),
        ("ADJUSTED", 4, 2),
        ("CLEANED", 1, 1),
        ("REPAIRED", 1, 1),
    ]
    chiller = Item.objects.get(sku="CHL-120")
    no_cooling = SymptomCode.objects.get(code="NO_COOLING")
    found = resolution_suggestions(item_id=chiller.pk, symptom_code_id=no_cooling.pk)
    assert [(s.code, s.used, s.held) for s in found] == [
        ("REPAIRED", 2, 2),
        ("REPLACED", 1, 1),
        ("ADJUSTED", 1, 0),
    ]


def _check_returns() -> None:
    """The return codes, returns in every status (some requested by the portal customer, some
    overdue), every disposition used, and the repair that sent a unit back."""
    from openservice.orders.models import Stage
    from openservice.returns.models import (
        DispositionCode,
        Replacement,
        ReturnLine,
        ReturnOrder,
        ReturnReason,
        ReturnReasonGroup,
    )

    assert set(ReturnReasonGroup.objects.values_list("code", flat=True)) == {
        "QUALITY",
        "LOGISTICS",
        "COMMERCIAL",
    }
    assert {"DEFECT", "WRONG_ITEM", "DAMAGED_IN_TRANSIT", "NOT_NEEDED"} <= set(
        ReturnReason.objects.values_list("code", flat=True)
    )
    assert dict(DispositionCode.objects.values_list("code", "action")) == {
        "CREDIT": "credit",
        "CREDIT_ONLY": "credit_only",
        "SCRAP": "scrap",
        "REPLACE": "replace_and_credit",
        "REPLACE_SCRAP": "replace_and_scrap",
        "RETURN": "return_to_customer",
        "REPAIR": "repair",
    }
    returns = ReturnOrder.objects.all()
    assert 12 <= returns.count() <= 20
    statuses = Counter(returns.values_list("status", flat=True))
    assert all(statuses[status] >= 1 for status in ("created", "open", "closed", "cancelled"))
    assert returns.filter(requested_by_customer=True, customer__name=data.PORTAL_CUSTOMER).exists()
    today = timezone.localdate()
    assert returns.filter(
        status__in=["created", "open"], deadline__lt=today, lines__status="expected"
    ).exists()  # overdue
    lines = ReturnLine.objects.all()
    assert lines.filter(status="registered", split_from__status="expected").exists()  # partial
    assert {"expected", "registered", "quarantine", "received", "in_repair"} <= set(
        lines.values_list("status", flat=True)
    )
    assert set(lines.exclude(disposition=None).values_list("disposition__code", flat=True)) == set(
        DispositionCode.objects.values_list("code", flat=True)
    )
    credited = lines.filter(status="credited", invoice_line__isnull=False).get()
    assert credited.credit_note_line.invoice.credited_invoice == credited.invoice_line.invoice
    assert credited.credit_note_line.invoice.status == "posted"
    assert Counter(Replacement.objects.values_list("status", flat=True)) == {
        "open": 1,
        "shipped": 1,
    }
    repaired = lines.get(status="returned", service_order__isnull=False)
    order = repaired.service_order
    assert order.origin == "return"
    assert order.stage_changes.filter(to_stage__category=Stage.Category.COMPLETED).exists()
    assert order.stage.category in {Stage.Category.COMPLETED, Stage.Category.CLOSED}
    assert repaired.return_order.status == "closed"
    in_repair = lines.get(status="in_repair")
    assert in_repair.service_order.stage.category not in {
        Stage.Category.COMPLETED,
        Stage.Category.CLOSED,
        Stage.Category.CANCELLED,
    }
