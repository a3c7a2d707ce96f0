"""Subscription pages: the list with its filters, one subscription (terms in words, fee
schedule, index history, pauses, accrual table, the actions its status offers), the
subscription form, the plan list and editor, and who may open and change them. Every action has
its allowed path and its refused one (shown where it was taken, nothing changed)."""

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openservice.agreements import services as agreements
from openservice.billing import services as billing
from openservice.billing.models import Invoice
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.subscriptions import services
from openservice.subscriptions.models import PriceChange, Subscription, SubscriptionPlan

pytestmark = pytest.mark.django_db

LIST_URL = "/subscriptions/"
NEW_URL = "/subscriptions/new/"
PLANS_URL = "/subscriptions/plans/"
NEW_PLAN_URL = "/subscriptions/plans/new/"


# -- Helpers -----------------------------------------------------------------------------------


def make_plan(name="Monthly", period="month", **fields):
    return services.plan_create(by=None, name=name, period=period, **fields)


def subscribe(plan=None, customer=None, *, starts_on=date(2027, 1, 1), **fields):
    values = {"description": "Remote monitoring", "base_price": Decimal("100.00"), **fields}
    return services.subscription_create(
        by=None,
        customer=customer or CustomerFactory(currency="EUR"),
        plan=plan or SubscriptionPlan.objects.filter(name="Monthly").first() or make_plan(),
        starts_on=starts_on,
        **values,
    )


def generate(through):
    services.subscriptions_generate_fees(through=through)


def invoice_all(through, on):
    billing.invoices_propose(by=None, through=through)
    for invoice in Invoice.objects.filter(status="draft"):
        billing.invoice_post(invoice=invoice, by=None, on=on)


def html(response) -> str:
    return response.content.decode()


def text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def cells(row: str) -> list[str]:
    return [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def listed(response) -> list[str]:
    return re.findall(r'<tr data-subscription="([^"]+)">', html(response))


def facts(response) -> dict[str, str]:
    return {
        name: text(value)
        for name, value in re.findall(r'<dd data-field="(\w+)">(.*?)</dd>', html(response), re.S)
    }


def fee_table(response) -> list[list[str]]:
    return [
        cells(row) for row in re.findall(r"<tr data-fee=[^>]*>(.*?)</tr>", html(response), re.S)
    ]


def history(response) -> list[list[str]]:
    return [
        cells(row) for row in re.findall(r"<tr data-change=[^>]*>(.*?)</tr>", html(response), re.S)
    ]


def prompts(response) -> list[str]:
    return re.findall(r'<details class="prompt" data-action="(\w+)"', html(response))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def field_errors(response, field: str) -> list[str]:
    block = re.search(
        rf'<div class="field[^"]*has-error">\s*<label for="[^"]*{field}">.*?</div>',
        html(response),
        re.S,
    )
    assert block, f"no errors on {field}"
    return [
        text(error)
        for error in re.findall(r'<p class="field-error"[^>]*>([^<]+)</p>', block.group(0))
    ]


def error_summary(response) -> str:
    match = re.search(r'<div class="error-summary" role="alert">(.*?)</div>', html(response), re.S)
    return text(match.group(1)) if match else ""


def state(subscription) -> tuple:
    subscription.refresh_from_db()
    return (
        subscription.status,
        subscription.ends_on,
        subscription.base_price,
        subscription.index,
        list(subscription.pauses.values_list("starts_on", "ends_on")),
        list(subscription.fees.order_by("period_start").values_list("period_start", "amount")),
    )


def subscription_form(**fields) -> dict:
    return {
        "plan": "",
        "description": "Remote monitoring",
        "base_price": "120.00",
        "index": "100",
        "currency": "",
        "starts_on": "2027-01-01",
        "ends_on": "",
        "agreement": "",
        **fields,
    }


def plan_form(**fields) -> dict:
    return {"name": "Quarterly", "period": "quarter", "billing": "advance", **fields}


# -- List --------------------------------------------------------------------------------------


def test_subscription_list_shows_each_subscription_with_terms_fee_and_status(client, manager):
    customer = CustomerFactory(name="Tapiolan Torni", currency="EUR")
    quarterly = make_plan("Quarterly", "quarter", billing="arrears", align_to_calendar=True)
    first = subscribe(quarterly, customer, index=Decimal("110"), ends_on=date(2027, 12, 31))
    second = subscribe(description="Door monitoring")
    client.force_login(manager)

    response = client.get(LIST_URL)

    body = html(response)
    assert response.status_code == 200
    assert listed(response) == [second.number, first.number]
    row = re.search(rf'<tr data-subscription="{first.number}">(.*?)</tr>', body, re.S).group(1)
    assert cells(row) == [
        first.number,
        f"Tapiolan Torni {customer.number}",
        "Remote monitoring",
        "Quarterly quarterly, in arrears, aligned to calendar quarters",
        "€110.00",
        "Jan. 1, 2027 – Dec. 31, 2027",
        "Active",
    ]
    assert "2 subscriptions" in body
    assert '<a class="button primary" href="/subscriptions/new/">New subscription</a>' in body
    assert '<a class="button" href="/subscriptions/plans/">Plans</a>' in body


def test_subscription_list_searches_filters_and_sorts(client, manager):
    customer = CustomerFactory(name="Tapiolan Torni")
    yearly = make_plan("Yearly", "year")
    lifts = subscribe(yearly, customer, description="Lift monitoring")
    doors = subscribe(description="Door monitoring", base_price=Decimal("50.00"))
    paused = subscribe(description="Gate monitoring")
    services.subscription_pause(subscription=paused, by=None, on=date(2027, 2, 1))
    client.force_login(manager)

    assert listed(client.get(LIST_URL, {"q": "door"})) == [doors.number]
    assert listed(client.get(LIST_URL, {"q": "Tapiolan"})) == [lifts.number]
    assert listed(client.get(LIST_URL, {"status": "paused"})) == [paused.number]
    assert listed(client.get(LIST_URL, {"plan_id": yearly.pk})) == [lifts.number]
    assert listed(client.get(LIST_URL, {"customer_id": customer.pk})) == [lifts.number]
    assert listed(client.get(LIST_URL, {"order_by": "number"})) == [
        lifts.number,
        doors.number,
        paused.number,
    ]
    assert listed(client.get(LIST_URL, {"order_by": "base_price"}))[0] == doors.number
    filters = html(client.get(LIST_URL))
    assert f'<option value="{customer.pk}">Tapiolan Torni</option>' in filters
    empty = client.get(LIST_URL, {"q": "nothing like this"})
    assert "No subscriptions match. Clear the filters or create a subscription." in html(empty)


def test_subscription_list_htmx_returns_the_rows_and_paginates(client, manager):
    plan, customer = make_plan(), CustomerFactory()
    for n in range(27):
        subscribe(plan, customer, description=f"Monitoring {n:02d}")
    client.force_login(manager)

    rows = client.get(LIST_URL, {"q": "Monitoring"}, headers={"HX-Request": "true"})
    second = client.get(LIST_URL, {"q": "Monitoring", "page": "2"})

    assert html(rows).lstrip().startswith("<table")
    assert len(listed(rows)) == 25
    assert len(listed(second)) == 2
    assert "Page 2 of 2" in html(second)
    assert 'href="?q=Monitoring&amp;page=1"' in html(second)


def test_subscription_list_costs_the_same_queries_for_2_or_20_rows(
    client, manager, django_assert_num_queries
):
    plan = make_plan()
    client.force_login(manager)
    for _n in range(2):
        subscribe(plan)
    with CaptureQueriesContext(connection) as two:
        assert len(listed(client.get(LIST_URL))) == 2
    for _n in range(18):
        subscribe(plan)

    with django_assert_num_queries(len(two)):
        assert len(listed(client.get(LIST_URL))) == 20


# -- Detail ------------------------------------------------------------------------------------


def test_subscription_page_shows_terms_fee_schedule_and_index_history(client, manager):
    customer = CustomerFactory(name="Tapiolan Torni", currency="EUR")
    site = SiteFactory(customer=customer)
    agreement = agreements.agreement_create(
        by=None,
        customer=customer,
        site=site,
        description="Lift maintenance",
        starts_on=date(2027, 1, 1),
    )
    made = subscribe(make_plan(), customer, ends_on=date(2027, 4, 15), agreement=agreement)
    services.subscription_change_price(
        subscription=made,
        by=manager,
        method="index_percent",
        value=Decimal("10"),
        effective_on=date(2027, 3, 1),
    )
    services.subscription_change_price(
        subscription=made,
        by=manager,
        method="base_to",
        value=Decimal("120"),
        effective_on=date(2027, 4, 1),
    )
    generate(date(2027, 4, 30))
    client.force_login(manager)

    response = client.get(f"/subscriptions/{made.pk}/")

    assert response.status_code == 200
    shown = facts(response)
    assert shown["customer"] == f"Tapiolan Torni {customer.number}"
    assert shown["plan"] == "Monthly"
    assert shown["terms"] == "monthly, in advance, anchored on the start date"
    assert shown["accrual"] == "no revenue accrual"
    assert shown["base_price"] == "€120.00"
    assert shown["index"] == "110"
    assert shown["full_fee"] == "€132.00"
    assert shown["currency"] == "EUR"
    assert shown["validity"] == "Jan. 1, 2027 – April 15, 2027"
    assert shown["agreement"] == f"{agreement.number} Lift maintenance"
    assert shown["status"] == "Ended"  # its last period was made
    assert fee_table(response) == [
        ["Jan. 1, 2027 – Jan. 31, 2027", "31 of 31", "€100.00 at index 100", "€100.00", "Open"],
        ["Feb. 1, 2027 – Feb. 28, 2027", "28 of 28", "€100.00 at index 100", "€100.00", "Open"],
        ["March 1, 2027 – March 31, 2027", "31 of 31", "€100.00 at index 110", "€110.00", "Open"],
        ["April 1, 2027 – April 15, 2027", "15 of 30", "€120.00 at index 110", "€66.00", "Open"],
    ]
    assert history(response) == [
        [
            "March 1, 2027",
            "Index by %",
            "+10 %",
            "€100.00 at index 100 → €100.00 at index 110 full period €100.00 → €110.00",
        ],
        [
            "April 1, 2027",
            "Base price to a value",
            "to €120.00",
            "€100.00 at index 110 → €120.00 at index 110 full period €110.00 → €132.00",
        ],
    ]
    assert "Never paused." in html(response)
    assert 'id="accruals"' not in html(response)  # the plan does not accrue
    assert prompts(response) == []  # an ended subscription takes no action
    assert f'href="/subscriptions/{made.pk}/edit/"' in html(response)


def test_subscription_page_shows_the_accrual_of_invoiced_fees_with_their_sum(client, manager):
    plan = make_plan("Quarterly", "quarter", accrue=True, accrual_period="month")
    made = subscribe(plan, starts_on=date(2027, 1, 15))
    generate(date(2027, 4, 15))  # two fees; only the first is invoiced
    invoice_all(through=date(2027, 1, 31), on=date(2027, 1, 31))
    client.force_login(manager)

    response = client.get(f"/subscriptions/{made.pk}/")
    partial = client.get(f"/subscriptions/{made.pk}/accruals/")  # billing's, loaded by htmx

    assert facts(response)["accrual"] == "accrues revenue monthly"
    assert [row[-1] for row in fee_table(response)] == ["Invoiced", "Open"]
    assert f'hx-get="/subscriptions/{made.pk}/accruals/"' in html(response)
    groups = re.findall(r'<tbody data-accrual-fee="([^"]+)">(.*?)</tbody>', html(partial), re.S)
    assert [day for day, _rows in groups] == ["2027-01-15"]
    assert [cells(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", groups[0][1], re.S)] == [
        ["Jan. 15, 2027 – April 14, 2027", "Jan. 15, 2027 – Jan. 31, 2027", "€18.89"],
        ["", "Feb. 1, 2027 – Feb. 28, 2027", "€31.11"],
        ["", "March 1, 2027 – March 31, 2027", "€34.44"],
        ["", "April 1, 2027 – April 14, 2027", "€15.56"],
        ["", "Sum of the fee", "€100.00"],
    ]


def test_a_credited_fee_shows_its_reversals_summing_to_nothing(client, manager):
    plan = make_plan("Quarterly", "quarter", accrue=True, accrual_period="month")
    made = subscribe(plan, starts_on=date(2027, 1, 15))
    generate(date(2027, 1, 15))
    invoice_all(through=date(2027, 1, 31), on=date(2027, 1, 31))
    invoice = Invoice.objects.get()
    billing.invoice_post(invoice=billing.invoice_credit(invoice=invoice, by=None), by=None)
    client.force_login(manager)

    body = html(client.get(f"/subscriptions/{made.pk}/"))
    partial = html(client.get(f"/subscriptions/{made.pk}/accruals/"))

    assert partial.count('<span class="chip">Reversal</span>') == 4
    assert re.search(r"<td[^>]*data-sum><strong>€0.00</strong></td>", partial)
    assert '<span class="chip fee-status-credited">Credited</span>' in body


def test_subscription_page_offers_the_actions_of_its_status(client, manager):
    active = subscribe()
    paused = subscribe()
    services.subscription_pause(subscription=paused, by=None, on=date(2027, 3, 1))
    cancelled = subscribe()
    services.subscription_cancel(subscription=cancelled, by=None, on=date(2027, 3, 1))
    client.force_login(manager)

    assert prompts(client.get(f"/subscriptions/{active.pk}/")) == ["pause", "cancel", "index"]
    paused_page = client.get(f"/subscriptions/{paused.pk}/")
    assert prompts(paused_page) == ["resume", "cancel", "index"]
    assert [
        cells(row)
        for row in re.findall(r"<tr data-pause=[^>]*>(.*?)</tr>", html(paused_page), re.S)
    ] == [["March 1, 2027", "until resumed"]]
    assert prompts(client.get(f"/subscriptions/{cancelled.pk}/")) == []
    assert "No fees yet" in html(client.get(f"/subscriptions/{active.pk}/"))


def test_subscription_page_costs_the_same_queries_for_few_or_many_fees(
    client, manager, django_assert_num_queries
):
    plan = make_plan("Quarterly", "quarter", accrue=True, accrual_period="month")
    few, many = subscribe(plan), subscribe(plan)
    for made, changes in ((few, 1), (many, 3)):
        for n in range(changes):
            services.subscription_change_price(
                subscription=made,
                by=manager,
                method="index_percent",
                value=Decimal("2"),
                effective_on=date(2027 + n, 1, 1),
            )
    services.subscriptions_generate_fees(through=date(2027, 1, 1), subscriptions=[few])
    services.subscriptions_generate_fees(through=date(2029, 12, 31), subscriptions=[many])
    invoice_all(through=date(2029, 12, 31), on=date(2029, 12, 31))
    client.force_login(manager)
    with CaptureQueriesContext(connection) as one_fee:
        assert len(fee_table(client.get(f"/subscriptions/{few.pk}/"))) == 1

    with django_assert_num_queries(len(one_fee)):
        response = client.get(f"/subscriptions/{many.pk}/")

    assert len(fee_table(response)) == 12
    assert len(history(response)) == 3
    with CaptureQueriesContext(connection) as few_accruals:
        client.get(f"/subscriptions/{few.pk}/accruals/")
    with django_assert_num_queries(len(few_accruals)):
        partial = client.get(f"/subscriptions/{many.pk}/accruals/")
    assert html(partial).count("Sum of the fee") == 12


# -- Actions -----------------------------------------------------------------------------------


def test_manager_pauses_then_resumes_and_the_open_fee_is_prorated(client, manager):
    made = subscribe()
    generate(date(2027, 2, 1))
    client.force_login(manager)

    paused = client.post(f"/subscriptions/{made.pk}/pause/", {"on": "2027-02-15"})

    assert (paused.status_code, paused["Location"]) == (302, f"/subscriptions/{made.pk}/")
    assert state(made)[0] == "paused"
    assert made.fees.get(period_start=date(2027, 2, 1)).amount == Decimal("50.00")  # 14 of 28

    resumed = client.post(f"/subscriptions/{made.pk}/resume/", {"on": "2027-02-22"}, follow=True)

    assert messages_of(resumed) == [
        f"Subscription {made.number} paused from Feb. 15, 2027.",
        f"Subscription {made.number} bills again from Feb. 22, 2027.",
    ]
    assert state(made)[0] == "active"
    assert made.fees.get(period_start=date(2027, 2, 1)).amount == Decimal("75.00")  # 21 of 28
    assert [
        cells(row) for row in re.findall(r"<tr data-pause=[^>]*>(.*?)</tr>", html(resumed), re.S)
    ] == [["Feb. 15, 2027", "Feb. 21, 2027"]]


def test_resuming_an_active_subscription_shows_the_refusal_on_its_form(client, manager):
    made = subscribe()
    generate(date(2027, 2, 1))
    before = state(made)
    client.force_login(manager)

    response = client.post(f"/subscriptions/{made.pk}/resume/", {"on": "2027-02-15"})

    assert response.status_code == 200
    assert '<details class="prompt" data-action="resume" open>' in html(response)
    assert error_summary(response) == (
        "Please correct the errors below. The subscription's status does not allow this action."
    )
    assert state(made) == before


def test_a_refusal_through_htmx_comes_back_as_the_form_alone(client, manager):
    made = subscribe()
    client.force_login(manager)
    headers = {"HX-Request": "true"}

    refused = client.post(
        f"/subscriptions/{made.pk}/resume/", {"on": "2027-02-15"}, headers=headers
    )
    done = client.post(f"/subscriptions/{made.pk}/pause/", {"on": "2027-02-15"}, headers=headers)

    assert html(refused).lstrip().startswith('<form method="post" action="/subscriptions/')
    assert "The subscription&#x27;s status does not allow this action." in html(refused)
    assert (done.status_code, done["HX-Redirect"]) == (200, f"/subscriptions/{made.pk}/")
    assert state(made)[0] == "paused"


def test_a_pause_without_a_day_or_before_the_start_is_refused_on_the_field(client, manager):
    made = subscribe()
    before = state(made)
    client.force_login(manager)

    empty = client.post(f"/subscriptions/{made.pk}/pause/", {"on": ""})
    early = client.post(f"/subscriptions/{made.pk}/pause/", {"on": "2026-12-31"})

    assert field_errors(empty, "on") == ["This field is required."]
    assert field_errors(early, "on") == [
        "The day must lie between the subscription's start and end."
    ]
    assert state(made) == before


def test_manager_cancels_on_a_day_and_the_last_fee_is_prorated(client, manager):
    made = subscribe()
    generate(date(2027, 3, 1))
    client.force_login(manager)

    response = client.post(f"/subscriptions/{made.pk}/cancel/", {"on": "2027-02-14"}, follow=True)

    assert messages_of(response) == [
        f"Subscription {made.number} cancelled: Feb. 14, 2027 is its last billed day."
    ]
    status, ends_on, *_rest, fees = state(made)
    assert (status, ends_on) == ("cancelled", date(2027, 2, 14))
    assert fees == [(date(2027, 1, 1), Decimal("100.00")), (date(2027, 2, 1), Decimal("50.00"))]
    assert prompts(response) == []


def test_cancelling_a_cancelled_subscription_changes_nothing(client, manager):
    made = subscribe()
    services.subscription_cancel(subscription=made, by=None, on=date(2027, 3, 31))
    before = state(made)
    client.force_login(manager)

    response = client.post(f"/subscriptions/{made.pk}/cancel/", {"on": "2027-02-14"})

    assert '<details class="prompt" data-action="cancel" open>' in html(response)
    assert error_summary(response) == (
        "Please correct the errors below. The subscription's status does not allow this action."
    )
    assert state(made) == before


def test_manager_indexes_a_subscription_and_open_fees_follow(client, manager):
    made = subscribe()
    generate(date(2027, 3, 1))
    client.force_login(manager)

    response = client.post(
        f"/subscriptions/{made.pk}/index/",
        {"method": "index_percent", "value": "5", "effective_on": "2027-03-01"},
        follow=True,
    )

    assert messages_of(response) == [f"Price of {made.number} changed from March 1, 2027."]
    assert history(response) == [
        [
            "March 1, 2027",
            "Index by %",
            "+5 %",
            "€100.00 at index 100 → €100.00 at index 105 full period €100.00 → €105.00",
        ]
    ]
    assert [row[3] for row in fee_table(response)] == ["€100.00", "€100.00", "€105.00"]
    assert facts(response)["full_fee"] == "€105.00"


def test_a_price_change_before_the_last_or_to_nothing_is_refused_on_its_field(client, manager):
    made = subscribe()
    services.subscription_change_price(
        subscription=made,
        by=None,
        method="index_to",
        value=Decimal("110"),
        effective_on=date(2027, 6, 1),
    )
    before = (state(made), PriceChange.objects.count())
    client.force_login(manager)
    url = f"/subscriptions/{made.pk}/index/"

    early = client.post(
        url, {"method": "index_percent", "value": "5", "effective_on": "2027-03-01"}
    )
    zero = client.post(url, {"method": "index_to", "value": "0", "effective_on": "2027-07-01"})

    assert field_errors(early, "effective_on") == [
        "A price change may not take effect before the last one recorded."
    ]
    assert '<details class="prompt" data-action="index" open>' in html(early)
    assert field_errors(zero, "value") == ["the index must stay above zero"]
    assert (state(made), PriceChange.objects.count()) == before


# -- Subscription form -------------------------------------------------------------------------


def test_manager_creates_a_subscription_with_an_agreement_of_its_customer(client, manager):
    customer = CustomerFactory(name="Tapiolan Torni", currency="SEK")
    agreement = agreements.agreement_create(
        by=None,
        customer=customer,
        site=SiteFactory(customer=customer),
        description="Lift maintenance",
        starts_on=date(2027, 1, 1),
    )
    other = CustomerFactory()
    agreements.agreement_create(
        by=None,
        customer=other,
        site=SiteFactory(customer=other),
        description="Other customer's",
        starts_on=date(2027, 1, 1),
    )
    plan = make_plan()
    client.force_login(manager)

    swapped = client.get(NEW_URL, {"customer": customer.pk}, headers={"HX-Request": "true"})
    assert f'<option value="{agreement.pk}">{agreement.number} Lift maintenance</option>' in html(
        swapped
    )
    assert "Other customer" not in html(swapped)

    response = client.post(
        NEW_URL,
        subscription_form(customer=customer.pk, plan=plan.pk, agreement=agreement.pk),
    )

    made = Subscription.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/subscriptions/{made.pk}/")
    assert (made.customer, made.agreement, made.plan, made.currency, made.base_price) == (
        customer,
        agreement,
        plan,
        "SEK",
        Decimal("120.00"),
    )


def test_a_negative_price_or_an_inactive_customer_creates_nothing(client, manager):
    customer = CustomerFactory()
    plan = make_plan()
    client.force_login(manager)

    negative = client.post(
        NEW_URL, subscription_form(customer=customer.pk, plan=plan.pk, base_price="-1")
    )
    backwards = client.post(
        NEW_URL,
        subscription_form(customer=customer.pk, plan=plan.pk, ends_on="2026-12-31"),
    )
    customer.is_active = False
    customer.save()
    inactive = client.post(NEW_URL, subscription_form(customer=customer.pk, plan=plan.pk))

    assert field_errors(negative, "base_price") == ["A price must not be negative."]
    assert field_errors(backwards, "ends_on") == ["The end must not be before the start."]
    assert field_errors(inactive, "customer") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert Subscription.objects.count() == 0


def test_editing_after_fees_changes_the_end_and_keeps_the_terms(client, manager):
    made = subscribe()
    generate(date(2027, 2, 1))
    client.force_login(manager)
    url = f"/subscriptions/{made.pk}/edit/"

    page = client.get(url)
    response = client.post(
        url,
        subscription_form(
            plan=made.plan_id,
            description="Remote monitoring, 24/7",
            base_price="999.00",
            currency="EUR",
            ends_on="2027-01-20",
        ),
    )

    assert re.search(r'name="base_price"[^>]*disabled', html(page))
    assert "Fees were made with it: change the price by indexation on the page." in html(page)
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.description, made.ends_on, made.base_price) == (
        "Remote monitoring, 24/7",
        date(2027, 1, 20),
        Decimal("100.00"),
    )
    assert list(made.fees.values_list("period_end", "amount")) == [
        (date(2027, 1, 20), Decimal("64.52"))  # 20 of 31; February's fee is gone
    ]


def test_editing_before_fees_refuses_a_start_after_the_end(client, manager):
    made = subscribe(ends_on=date(2027, 12, 31))
    client.force_login(manager)

    response = client.post(
        f"/subscriptions/{made.pk}/edit/",
        subscription_form(
            plan=made.plan_id, currency="EUR", starts_on="2028-01-01", ends_on="2027-12-31"
        ),
    )

    assert field_errors(response, "ends_on") == ["The end must not be before the start."]
    made.refresh_from_db()
    assert made.starts_on == date(2027, 1, 1)


# -- Access ------------------------------------------------------------------------------------


def test_administrators_read_everything_without_any_action(client, administrator):
    made = subscribe()
    plan = made.plan
    client.force_login(administrator)

    listing = client.get(LIST_URL)
    detail = client.get(f"/subscriptions/{made.pk}/")
    plans = client.get(PLANS_URL)

    assert (listing.status_code, detail.status_code, plans.status_code) == (200, 200, 200)
    assert listed(listing) == [made.number]
    assert "New subscription" not in html(listing)
    assert "New plan" not in html(plans)
    assert f"/plans/{plan.pk}/edit/" not in html(plans)
    assert prompts(detail) == []
    for button in ("/edit/", "/pause/", "/resume/", "/cancel/", "/index/"):
        assert button not in html(detail), button
    base = f"/subscriptions/{made.pk}"
    for url in (f"{base}/pause/", f"{base}/resume/", f"{base}/cancel/", f"{base}/edit/"):
        assert client.post(url, {"on": "2027-02-01"}).status_code == 403, url
    assert client.post(f"{base}/index/", {}).status_code == 403
    assert client.get(NEW_URL).status_code == 403
    assert client.post(NEW_PLAN_URL, plan_form()).status_code == 403
    assert client.post(f"/subscriptions/plans/{plan.pk}/delete/").status_code == 403
    assert state(made)[0] == "active"
    assert SubscriptionPlan.objects.count() == 1


@pytest.mark.parametrize("role", ["dispatcher", "technician_user", "customer_user"])
def test_other_roles_get_403_on_every_subscription_page(client, request, role):
    made = subscribe()
    plan = made.plan
    client.force_login(request.getfixturevalue(role))
    base = f"/subscriptions/{made.pk}"

    for url in (LIST_URL, f"{base}/", f"{base}/edit/", NEW_URL, PLANS_URL, NEW_PLAN_URL):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/subscriptions/plans/{plan.pk}/edit/").status_code == 403
    for action in ("pause", "resume", "cancel"):
        assert client.post(f"{base}/{action}/", {"on": "2027-02-01"}).status_code == 403
    assert client.post(f"/subscriptions/plans/{plan.pk}/delete/").status_code == 403
    assert (state(made)[0], SubscriptionPlan.objects.count()) == ("active", 1)


def test_subscription_pages_send_anonymous_users_to_the_login(client):
    for url in (LIST_URL, NEW_URL, PLANS_URL):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")


def test_unknown_subscription_or_plan_is_404(client, manager):
    client.force_login(manager)

    assert client.get("/subscriptions/999999/").status_code == 404
    assert client.get("/subscriptions/999999/edit/").status_code == 404
    assert client.post("/subscriptions/999999/pause/", {"on": "2027-01-01"}).status_code == 404
    assert client.get("/subscriptions/plans/999999/edit/").status_code == 404


# -- Plans -------------------------------------------------------------------------------------


def test_plan_list_shows_terms_in_words_and_use(client, manager):
    monthly = make_plan()
    quarterly = make_plan(
        "Quarterly aligned", "quarter", align_to_calendar=True, accrue=True, accrual_period="month"
    )
    subscribe(monthly)
    subscribe(monthly)
    client.force_login(manager)

    response = client.get(PLANS_URL)

    rows = {
        pk: cells(row)
        for pk, row in re.findall(r'<tr data-plan="(\d+)">(.*?)</tr>', html(response), re.S)
    }
    assert rows == {
        str(monthly.pk): [
            "Monthly",
            "monthly, in advance, anchored on the start date",
            "no revenue accrual",
            "Active",
            "2",
        ],
        str(quarterly.pk): [
            "Quarterly aligned",
            "quarterly, in advance, aligned to calendar quarters",
            "accrues revenue monthly",
            "Active",
            "0",
        ],
    }
    assert f'href="/subscriptions/?plan_id={monthly.pk}">2</a>' in html(response)
    filtered = client.get(PLANS_URL, {"q": "aligned"})
    assert re.findall(r'<tr data-plan="(\d+)">', html(filtered)) == [str(quarterly.pk)]
    assert "No plans match" in html(client.get(PLANS_URL, {"is_active": "false"}))


def test_manager_creates_a_plan_and_the_accrual_period_counts_only_when_accruing(client, manager):
    client.force_login(manager)

    page = client.get(NEW_PLAN_URL)
    plain = client.post(NEW_PLAN_URL, plan_form(name="Plain", accrual_period="month"))
    accruing = client.post(
        NEW_PLAN_URL, plan_form(name="Accruing", accrue="on", accrual_period="month")
    )

    assert re.search(r'<select name="accrual_period"[^>]*disabled', html(page))
    assert (plain.status_code, accruing.status_code) == (302, 302)
    assert list(
        SubscriptionPlan.objects.order_by("name").values_list("name", "accrue", "accrual_period")
    ) == [("Accruing", True, "month"), ("Plain", False, "")]


def test_a_plan_accruing_longer_than_it_invoices_is_refused_on_the_field(client, manager):
    client.force_login(manager)

    response = client.post(
        NEW_PLAN_URL, plan_form(period="month", accrue="on", accrual_period="quarter")
    )
    missing = client.post(NEW_PLAN_URL, plan_form(accrue="on", accrual_period=""))

    assert response.status_code == 200
    assert field_errors(response, "accrual_period") == [
        "The accrual period may not be longer than the invoicing period."
    ]
    assert error_summary(response) == "Please correct the errors below."
    assert field_errors(missing, "accrual_period") == [
        "A plan that accrues revenue needs an accrual period."
    ]
    assert SubscriptionPlan.objects.count() == 0


def test_a_used_plan_keeps_its_terms_but_changes_its_name(client, manager):
    plan = make_plan()
    subscribe(plan)
    client.force_login(manager)
    url = f"/subscriptions/plans/{plan.pk}/edit/"

    page = client.get(url)
    response = client.post(
        url, plan_form(name="Monthly fee", period="year", billing="arrears", is_active="on")
    )

    assert re.search(r'<select name="period"[^>]*disabled', html(page))
    assert "Delete plan" not in html(page)
    assert "1 subscription uses this plan" in html(page)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.name, plan.period, plan.billing, plan.is_active) == (
        "Monthly fee",
        "month",
        "advance",
        True,
    )


def test_an_unused_plan_is_deleted_and_a_used_one_stays(client, manager):
    unused = make_plan("Unused")
    used = make_plan("Used")
    subscribe(used)
    client.force_login(manager)

    deleted = client.post(f"/subscriptions/plans/{unused.pk}/delete/", follow=True)
    refused = client.post(f"/subscriptions/plans/{used.pk}/delete/", follow=True)

    assert messages_of(deleted) == ["Plan Unused deleted."]
    assert messages_of(refused) == ["Subscriptions use this plan; its billing terms cannot change."]
    assert refused.redirect_chain[-1][0] == f"/subscriptions/plans/{used.pk}/edit/"
    assert list(SubscriptionPlan.objects.values_list("name", flat=True)) == ["Used"]
