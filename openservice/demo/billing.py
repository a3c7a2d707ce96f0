"""The demo's subscriptions and invoices, loaded through the subscriptions and billing services.

Sixty subscriptions, two per customer: monthly plans (in advance, anchored on the start day),
quarterly (in advance, calendar quarters, accruing monthly), yearly (in advance or in arrears,
accruing monthly) and weekly on-call standby (in arrears, ISO weeks). Some belong to the
customer's agreement, some are indexed (+3.5 % from a past month) or had their base price
changed, some end in the middle of a period, one is paused and one cancelled.

Then the billing of the last `HISTORY_MONTHS` months, as the billing run would have done it at
each month's end: fees generated through the month, invoices proposed through its last day and
posted on it (gapless numbers in date order), with a credit note in the last of those months;
and the current month up to today, which also bills the demo's posted orders.

Dates follow today. Idempotent like the rest of the demo: plans are found by name and
subscriptions by customer and description (their changes are made only when they are created),
fee generation and proposals add only what is missing, and the credit note is made once.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from openservice.agreements import selectors as agreement_selectors
from openservice.billing import selectors as billing_selectors
from openservice.billing import services as billing_services
from openservice.customers import selectors as customer_selectors
from openservice.demo import data
from openservice.subscriptions import periods
from openservice.subscriptions import selectors as subscription_selectors
from openservice.subscriptions import services as subscription_services

HISTORY_MONTHS = 3  # complete months billed before the current one
ONE_DAY = timedelta(days=1)

PLANS = {
    "monthly": {
        "name": "Monthly in advance",
        "period": "month",
        "billing": "advance",
    },
    "quarterly": {
        "name": "Quarterly in advance, calendar quarters",
        "period": "quarter",
        "billing": "advance",
        "align_to_calendar": True,
        "accrue": True,
        "accrual_period": "month",
    },
    "yearly_advance": {
        "name": "Yearly in advance",
        "period": "year",
        "billing": "advance",
        "accrue": True,
        "accrual_period": "month",
    },
    "yearly_arrears": {
        "name": "Yearly in arrears",
        "period": "year",
        "billing": "arrears",
        "accrue": True,
        "accrual_period": "month",
    },
    "weekly": {
        "name": "Weekly in arrears, calendar weeks",
        "period": "week",
        "billing": "arrears",
        "align_to_calendar": True,
    },
}

# (description, plan, base price); subscription j gets product (3 × j) mod 8, so a customer's
# two subscriptions always differ and every plan is used evenly.
PRODUCTS = [
    ("Remote monitoring of the lifts", "monthly", "45.00"),
    ("Energy reporting", "quarterly", "390.00"),
    ("Building automation cloud licence", "yearly_advance", "1200.00"),
    ("Lift alarm centre connection", "monthly", "32.50"),
    ("Remote monitoring of the air handling units", "quarterly", "270.00"),
    ("Spare parts held in stock", "yearly_arrears", "2400.00"),
    ("Emergency phone line (GSM)", "monthly", "19.90"),
    ("On-call technician standby", "weekly", "150.00"),
]
SUBSCRIPTION_COUNT = 60
# Subscriptions (by j) with a story; days are (month after the first billed month, day), an
# end or a cancellation moved a day earlier when a period would end on it.
ENDING = {1: (2, 15), 19: (2, 15), 21: (2, 15), 33: (2, 15)}
PAUSED = {18: (1, 10)}
CANCELLED = {4: (1, 20)}
BASE_CHANGE = {16: ((1, 1), "base_to", Decimal("52.00"))}
INDEXED_EVERY = 5  # j mod 5 == 2: +3.5 % effective on the first day of the last billed month
INDEX_PERCENT = Decimal("3.5")
CREDIT_NOTE_NOTE = "Goodwill: the service was interrupted during the period; its fee is credited."


def subscription_specs() -> list[dict]:
    """The demo's subscriptions as plain values; days are offsets from the first day of the
    first billed month (yearly-in-arrears ones started a year earlier, so that their first
    year ends inside the billed months)."""
    specs = []
    for j in range(SUBSCRIPTION_COUNT):
        description, plan, price = PRODUCTS[(j * 3) % len(PRODUCTS)]
        specs.append(
            {
                "j": j,
                "customer": data.CUSTOMERS[j // 2][0],
                "description": description,
                "plan": plan,
                "base_price": Decimal(price) + Decimal(5 * (j % 4)),
                "start_days": 5 * (j % 15) - 20,
                "start_years": -1 if plan == "yearly_arrears" else 0,
                "with_agreement": j % 2 == 0,
            }
        )
    return specs


def load_billing(manager, admin, report, *, today: date | None = None) -> None:
    """The plans and subscriptions (once), then a billing run at the end of each of the last
    `HISTORY_MONTHS` months and one through today. `today` is for checks of other days."""
    today = today or timezone.localdate()
    first = today.replace(day=1) - relativedelta(months=HISTORY_MONTHS)
    plans = _load_plans(admin, report)
    _load_subscriptions(manager, admin, plans, first, report)
    for offset in range(HISTORY_MONTHS):
        month_end = first + relativedelta(months=offset + 1) - ONE_DAY
        _bill(manager, through=month_end, report=report, today=today)
        if offset == HISTORY_MONTHS - 1:
            credited_month = first + relativedelta(months=offset - 1)
            _credit_note(manager, admin, credited_month, on=month_end, today=today, report=report)
    _bill(manager, through=today, report=report, today=today)


def _load_plans(admin, report) -> dict:
    existing = {plan.name: plan for plan in subscription_selectors.plan_list(user=admin)}
    plans = {}
    for key, fields in PLANS.items():
        plan = existing.get(fields["name"])
        if plan is None:
            plan = subscription_services.plan_create(by=admin, **fields)
            report.add("subscription plans")
        plans[key] = plan
    return plans


def _day(first: date, month: int, day: int) -> date:
    start = first + relativedelta(months=month)
    return start + relativedelta(day=day)  # clamped to the month's last day


def _inside_period(plan, starts_on: date, day: date) -> date:
    """`day`, or the day before it when the subscription's period ends on it: the demo's ends
    and cancellations fall inside a period, so that its last fee is prorated."""
    period = next(
        periods.periods(
            starts_on, plan.period, aligned=plan.align_to_calendar, through=day, since=day
        )
    )
    return day - ONE_DAY if day == period.full_end else day


def _load_subscriptions(manager, admin, plans: dict, first: date, report) -> None:
    customers = {c.name: c for c in customer_selectors.customer_list(user=admin)}
    existing = {
        (s.customer_id, s.description) for s in subscription_selectors.subscription_list(user=admin)
    }
    agreements = {}
    for agreement in agreement_selectors.agreement_list(
        user=admin, status="active", is_template=False
    ).order_by("pk"):
        agreements.setdefault(agreement.customer_id, agreement)
    index_on = first + relativedelta(months=HISTORY_MONTHS - 1)
    for spec in subscription_specs():
        customer = customers[spec["customer"]]
        if (customer.pk, spec["description"]) in existing:
            continue
        j = spec["j"]
        starts_on = first + relativedelta(years=spec["start_years"], days=spec["start_days"])
        plan = plans[spec["plan"]]
        ends_on = None
        if j in ENDING:
            ends_on = _inside_period(plan, starts_on, _day(first, *ENDING[j]))
        subscription = subscription_services.subscription_create(
            by=manager,
            customer=customer,
            plan=plan,
            description=spec["description"],
            base_price=spec["base_price"],
            starts_on=starts_on,
            ends_on=ends_on,
            agreement=agreements.get(customer.pk) if spec["with_agreement"] else None,
        )
        report.add("subscriptions")
        changes = []
        if j in BASE_CHANGE:
            (month, day), method, value = BASE_CHANGE[j]
            changes.append((_day(first, month, day), method, value))
        if j % INDEXED_EVERY == 2 and starts_on < index_on:
            changes.append((index_on, "index_percent", INDEX_PERCENT))
        for effective_on, method, value in changes:
            subscription_services.subscription_change_price(
                subscription=subscription,
                by=manager,
                method=method,
                value=value,
                effective_on=effective_on,
            )
            report.add("price changes")
        if j in PAUSED:
            subscription_services.subscription_pause(
                subscription=subscription, by=manager, on=_day(first, *PAUSED[j])
            )
        if j in CANCELLED:
            subscription_services.subscription_cancel(
                subscription=subscription,
                by=manager,
                on=_inside_period(plan, starts_on, _day(first, *CANCELLED[j])),
            )


def _posted_at(day: date, today: date):
    """When a billing run of `day` posted: that morning, or now for today's run."""
    now = timezone.now()
    if day >= today:
        return now
    return min(datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone()), now)


def _bill(manager, *, through: date, report, today: date) -> None:
    """One billing run: the fees through the day, the invoices due by it, posted on it."""
    run = subscription_services.subscriptions_generate_fees(through=through, by=manager)
    report.add("fees", run.fees_created)
    proposal = billing_services.invoices_propose(by=manager, through=through)
    posted = billing_services.invoices_post(
        invoice_ids=proposal.invoice_ids,
        by=manager,
        on=through,
        now=_posted_at(through, today),
    )
    report.add("invoices", len(posted))


def _credit_note(manager, admin, month_start: date, *, on: date, today: date, report) -> None:
    """Credit one accruing fee of an invoice issued in the month from `month_start`, posted on
    `on` (once: a rerun finds the credit note)."""
    if billing_selectors.invoice_list(user=admin, kind="credit_note").exists():
        return
    invoices = billing_selectors.invoice_list(
        user=admin,
        kind="invoice",
        status="posted",
        issued_from=month_start,
        issued_to=month_start + relativedelta(months=1) - ONE_DAY,
        order_by="number",
    )
    for found in invoices:
        invoice = billing_selectors.invoice_get(user=admin, invoice_id=found.pk)
        line = next(
            (
                line
                for line in invoice.lines.all()
                if line.fee is not None and line.fee.subscription.plan.accrue
            ),
            None,
        )
        if line is None:
            continue
        credit_note = billing_services.invoice_credit(
            invoice=invoice, by=manager, line_ids=[line.pk]
        )
        billing_services.invoice_update(invoice=credit_note, by=manager, note=CREDIT_NOTE_NOTE)
        billing_services.invoice_post(
            invoice=credit_note, by=manager, on=on, now=_posted_at(on, today)
        )
        report.add("credit notes")
        return
