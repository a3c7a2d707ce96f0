"""The order rules: reasons, `at` ordering, cancel and revoke, delete, read-only stages, stale
versions, sign-off and posting, line checks and amounts, cost visibility and domain events."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from openservice.catalog.tests.factories import ItemFactory
from openservice.core.errors import InvalidInput
from openservice.core.events import subscribe, unsubscribe
from openservice.core.models import AuditEvent, ReasonCode
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.orders import services
from openservice.orders.errors import (
    CancelNotAllowed,
    ChangeBeforePrevious,
    ChangeInFuture,
    DeleteNotAllowed,
    LineNotOpen,
    NoAgreement,
    NotCancelled,
    ObjectNotRelated,
    PostingNotAllowed,
    ReasonNotUsable,
    ReasonRequired,
    SignOffNotAllowed,
    SignOffRequired,
    StageReadOnly,
    StaleVersion,
)
from openservice.orders.events import OrderCancelled, OrderStageChanged
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


def state(order: ServiceOrder) -> dict:
    """What a refused operation must leave as it was."""
    order = ServiceOrder.objects.select_related("stage").get(pk=order.pk)
    return {
        "stage": order.stage.code,
        "version": order.version,
        "description": order.description,
        "stage_before_cancel": order.stage_before_cancel_id,
        "signed_off_at": order.signed_off_at,
        "posted_at": order.posted_at,
        "changes": StageChange.objects.filter(order=order).count(),
        "lines": list(
            OrderLine.objects.filter(order=order).values_list(
                "pk", "status", "quantity", "net_amount", "posted_at"
            )
        ),
        "audit": AuditEvent.objects.filter(
            object_type="orders.serviceorder", object_id=str(order.pk)
        ).count(),
    }


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


@pytest.fixture
def events():
    """Every OrderStageChanged and OrderCancelled published while the test runs."""
    published = []
    subscribe(OrderStageChanged, published.append)
    subscribe(OrderCancelled, published.append)
    yield published
    unsubscribe(OrderStageChanged, published.append)
    unsubscribe(OrderCancelled, published.append)


# Reasons


def test_putting_an_order_on_hold_needs_a_reason(manager, api_as):
    order = order_in_stage("in_progress", by=manager)
    before = state(order)

    response = api_as(manager).post(f"orders/{order.pk}/stage", {"to": "on_hold"})

    assert error_of(response) == (409, "orders.reason_required")
    assert state(order) == before
    with pytest.raises(ReasonRequired):
        services.order_change_stage(order=order, to=stage("on_hold"), by=manager)
    assert state(order) == before


def test_on_hold_with_a_reason_records_reason_and_note(manager, api_as):
    order = order_in_stage("in_progress", by=manager)

    response = api_as(manager).post(
        f"orders/{order.pk}/stage",
        {"to": "on_hold", "reason": "PARTS_MISSING", "note": "Valve on back order"},
    )

    assert response.status_code == 200
    assert response.json()["stage"] == {"code": "on_hold", "name": "On hold"}
    change = StageChange.objects.filter(order=order).latest("pk")
    assert (change.reason.code, change.note, change.by) == (
        "PARTS_MISSING",
        "Valve on back order",
        manager,
    )


def test_an_unknown_reason_code_is_invalid_input(manager, api_as):
    order = order_in_stage("in_progress", by=manager)
    before = state(order)

    response = api_as(manager).post(
        f"orders/{order.pk}/stage", {"to": "on_hold", "reason": "BORED"}
    )

    assert error_of(response) == (422, "core.invalid_input")
    assert response.json()["details"]["fields"] == {"reason": ["No reason code BORED."]}
    assert state(order) == before


def test_a_reason_code_not_usable_for_stage_changes_is_refused(manager, api_as):
    ReasonCode.objects.filter(code="NO_ACCESS").update(for_stage_change=False)
    order = order_in_stage("in_progress", by=manager)
    before = state(order)

    response = api_as(manager).post(
        f"orders/{order.pk}/stage", {"to": "on_hold", "reason": "NO_ACCESS"}
    )

    assert error_of(response) == (409, "orders.reason_not_usable")
    assert response.json()["details"] == {"reason": "NO_ACCESS", "purpose": "stage_change"}
    assert state(order) == before


def test_an_inactive_reason_code_is_not_usable(manager):
    ReasonCode.objects.filter(code="DUPLICATE").update(is_active=False)
    order = order_in_stage("in_progress", by=manager)
    before = state(order)

    with pytest.raises(ReasonNotUsable):
        services.order_change_stage(
            order=order, to=stage("on_hold"), by=manager, reason=reason("DUPLICATE")
        )

    assert state(order) == before


def test_a_reason_code_not_usable_for_cancelling_is_refused_on_cancel(manager, api_as):
    ReasonCode.objects.filter(code="LATE_ARRIVAL").update(for_cancel=False)
    order = make_order(by=manager)
    before = state(order)

    response = api_as(manager).post(f"orders/{order.pk}/cancel", {"reason": "LATE_ARRIVAL"})

    assert error_of(response) == (409, "orders.reason_not_usable")
    assert state(order) == before


# When a change happened


def test_a_stage_change_dated_in_the_past_is_allowed_and_recorded(manager, api_as):
    now = timezone.now()
    order = make_order(by=manager, reported_at=now - timedelta(days=3))
    at = (now - timedelta(days=2)).replace(microsecond=0)

    response = api_as(manager).post(
        f"orders/{order.pk}/stage", {"to": "scheduled", "at": at.isoformat()}
    )

    assert response.status_code == 200
    change = StageChange.objects.filter(order=order).latest("pk")
    assert change.at == at
    assert change.recorded_at >= now  # when it was entered, not when it happened


def test_a_stage_change_in_the_future_is_refused(manager, api_as):
    order = make_order(by=manager)
    before = state(order)
    at = timezone.now() + timedelta(hours=1)

    response = api_as(manager).post(
        f"orders/{order.pk}/stage", {"to": "scheduled", "at": at.isoformat()}
    )

    assert error_of(response) == (409, "orders.change_in_future")
    assert state(order) == before


def test_a_stage_change_before_the_previous_change_is_refused(manager, api_as):
    now = timezone.now()
    order = make_order(by=manager, reported_at=now - timedelta(days=3))
    services.order_change_stage(
        order=order, to=stage("scheduled"), by=manager, at=now - timedelta(days=1)
    )
    before = state(order)

    response = api_as(manager).post(
        f"orders/{order.pk}/stage",
        {"to": "in_progress", "at": (now - timedelta(days=2)).isoformat()},
    )

    assert error_of(response) == (409, "orders.change_before_previous")
    assert state(order) == before


def test_an_instant_without_an_offset_is_invalid_input(manager, api_as):
    order = make_order(by=manager, reported_at=timezone.now() - timedelta(days=3))
    before = state(order)
    naive = (timezone.now() - timedelta(days=1)).replace(tzinfo=None).isoformat()

    response = api_as(manager).post(f"orders/{order.pk}/stage", {"to": "scheduled", "at": naive})

    assert error_of(response) == (422, "core.invalid_input")
    assert list(response.json()["details"]["fields"]) == ["at"]
    assert state(order) == before


def test_a_stage_change_at_the_same_instant_as_the_previous_is_allowed(manager):
    at = timezone.now() - timedelta(hours=2)
    order = make_order(by=manager, reported_at=at)

    services.order_change_stage(order=order, to=stage("scheduled"), by=manager, at=at)

    assert list(StageChange.objects.filter(order=order).values_list("at", flat=True)) == [at, at]


def test_a_change_before_a_past_reported_at_is_refused(manager):
    now = timezone.now()
    order = make_order(by=manager, reported_at=now - timedelta(days=1))
    before = state(order)

    with pytest.raises(ChangeBeforePrevious):
        services.order_change_stage(
            order=order, to=stage("scheduled"), by=manager, at=now - timedelta(days=2)
        )
    with pytest.raises(ChangeInFuture):
        services.order_change_stage(
            order=order, to=stage("scheduled"), by=manager, at=now + timedelta(minutes=1), now=now
        )

    assert state(order) == before


def test_an_order_reported_in_the_past_entered_its_initial_stage_then(manager):
    reported_at = timezone.now() - timedelta(days=5)

    order = make_order(by=manager, reported_at=reported_at)

    change = StageChange.objects.get(order=order)
    assert (change.from_stage, change.to_stage.code, change.at, change.by) == (
        None,
        "new",
        reported_at,
        manager,
    )
    assert order.reported_at == reported_at


def test_an_order_created_without_reported_at_entered_its_initial_stage_now(manager):
    now = timezone.now()

    site = SiteFactory()
    order = services.order_create(by=manager, customer=site.customer, site=site, now=now)

    assert order.reported_at == now
    assert StageChange.objects.get(order=order).at == now


# Cancel and revoke


@pytest.mark.parametrize("code", ["new", "scheduled", "on_hold"])
def test_an_order_is_cancelled_with_a_reason_where_its_stage_allows(code, manager, api_as):
    order = order_in_stage(code, by=manager)
    version = order.version

    response = api_as(manager).post(
        f"orders/{order.pk}/cancel", {"reason": "DUPLICATE", "note": "Same as WO000001"}
    )

    assert response.status_code == 200
    assert response.json()["stage"] == {"code": "cancelled", "name": "Cancelled"}
    assert response.json()["version"] == version + 1
    order.refresh_from_db()
    assert order.stage_before_cancel.code == code
    change = StageChange.objects.filter(order=order).latest("pk")
    assert (change.from_stage.code, change.to_stage.code, change.reason.code, change.note) == (
        code,
        "cancelled",
        "DUPLICATE",
        "Same as WO000001",
    )


@pytest.mark.parametrize("code", ["in_progress", "completed", "closed", "cancelled"])
def test_an_order_cannot_be_cancelled_where_its_stage_does_not_allow(code, manager, api_as):
    order = order_in_stage(code, by=manager)
    before = state(order)

    response = api_as(manager).post(f"orders/{order.pk}/cancel", {"reason": "DUPLICATE"})

    assert error_of(response) == (409, "orders.cancel_not_allowed")
    assert state(order) == before


def test_cancelling_needs_a_reason(manager, api_as):
    order = make_order(by=manager)
    before = state(order)

    with pytest.raises(ReasonRequired):
        services.order_cancel(order=order, by=manager, reason=None)
    response = api_as(manager).post(f"orders/{order.pk}/cancel", {"note": "no reason"})

    assert error_of(response) == (422, "core.invalid_input")
    assert list(response.json()["details"]["fields"]) == ["reason"]
    assert state(order) == before


def test_an_order_with_posted_lines_cannot_be_cancelled(manager, api_as):
    order = signed_off_order("completed", by=manager)
    services.order_post(order=order, by=manager)
    services.order_change_stage(order=order, to=stage("in_progress"), by=manager)
    services.order_change_stage(order=order, to=stage("on_hold"), by=manager, reason=reason())
    before = state(order)
    assert before["stage"] == "on_hold"  # a stage that allows cancelling

    response = api_as(manager).post(f"orders/{order.pk}/cancel", {"reason": "DUPLICATE"})

    assert error_of(response) == (409, "orders.cancel_not_allowed")
    assert response.json()["details"] == {"stage": "on_hold", "posted": True}
    assert state(order) == before


@pytest.mark.parametrize("code", ["new", "scheduled", "on_hold"])
def test_revoking_a_cancellation_returns_to_the_stage_before_it(code, manager, api_as):
    order = move_to(order_in_stage(code, by=manager), "cancelled", by=manager)
    version = ServiceOrder.objects.get(pk=order.pk).version

    response = api_as(manager).post(f"orders/{order.pk}/revoke-cancel", {"note": "Not a dup"})

    assert response.status_code == 200
    assert response.json()["stage"]["code"] == code
    assert response.json()["version"] == version + 1
    order.refresh_from_db()
    assert order.stage_before_cancel is None
    change = StageChange.objects.filter(order=order).latest("pk")
    assert (change.from_stage.code, change.to_stage.code, change.note) == (
        "cancelled",
        code,
        "Not a dup",
    )


def test_revoking_without_a_body_is_allowed(manager, api_as):
    order = move_to(make_order(by=manager), "cancelled", by=manager)

    response = api_as(manager).post(f"orders/{order.pk}/revoke-cancel")

    assert response.status_code == 200
    assert response.json()["stage"]["code"] == "new"


def test_only_a_cancelled_order_can_have_its_cancellation_revoked(manager, api_as):
    order = order_in_stage("scheduled", by=manager)
    before = state(order)

    response = api_as(manager).post(f"orders/{order.pk}/revoke-cancel", {})

    assert error_of(response) == (409, "orders.not_cancelled")
    assert state(order) == before
    with pytest.raises(NotCancelled):
        services.order_revoke_cancel(order=order, by=manager)


# Delete


def test_an_order_is_deleted_only_in_the_new_stage(manager, api_as):
    order = make_order(by=manager)

    response = api_as(manager).delete(f"orders/{order.pk}")

    assert response.status_code == 204
    assert not ServiceOrder.objects.filter(pk=order.pk).exists()
    assert not StageChange.objects.filter(order_id=order.pk).exists()
    assert AuditEvent.objects.filter(verb="order.deleted", object_id=str(order.pk)).count() == 1


@pytest.mark.parametrize(
    "code", ["scheduled", "in_progress", "on_hold", "completed", "closed", "cancelled"]
)
def test_an_order_past_new_cannot_be_deleted(code, manager, api_as):
    order = order_in_stage(code, by=manager)
    before = state(order)

    response = api_as(manager).delete(f"orders/{order.pk}")

    assert error_of(response) == (409, "orders.delete_not_allowed")
    assert state(order) == before
    with pytest.raises(DeleteNotAllowed):
        services.order_delete(order=order, by=manager)


# Read-only stages and versions


@pytest.mark.parametrize("code", ["closed", "cancelled"])
def test_an_order_in_a_read_only_stage_cannot_be_edited(code, manager, api_as):
    order = order_in_stage("completed" if code == "closed" else "new", by=manager)
    line = add_line(order, by=manager)
    if code == "closed":
        services.order_change_stage(order=order, to=stage("closed"), by=manager)
    else:
        services.order_cancel(order=order, by=manager, reason=reason())
    source = make_order(by=manager, customer=order.customer)
    add_line(source, by=manager)
    before = state(order)
    api = api_as(manager)

    for response in (
        api.patch(f"orders/{order.pk}", {"version": before["version"], "description": "New"}),
        api.post(f"orders/{order.pk}/lines", {"kind": "fee", "quantity": "1"}),
        api.patch(f"orders/{order.pk}/lines/{line.pk}", {"quantity": "2"}),
        api.delete(f"orders/{order.pk}/lines/{line.pk}"),
        api.post(f"orders/{order.pk}/copy-lines", {"from_order_id": source.pk}),
    ):
        assert error_of(response) == (409, "orders.stage_read_only")
        assert response.json()["details"] == {"stage": code}

    assert state(order) == before
    with pytest.raises(StageReadOnly):
        services.order_update(order=order, by=manager, version=before["version"], priority="low")


def test_a_patch_with_the_version_read_changes_the_order_and_the_version(manager, api_as):
    order = make_order(by=manager, description="Lift stuck")

    response = api_as(manager).patch(
        f"orders/{order.pk}", {"version": 1, "description": "Lift stuck on floor 3"}
    )

    assert response.status_code == 200
    assert (response.json()["description"], response.json()["version"]) == (
        "Lift stuck on floor 3",
        2,
    )
    event = AuditEvent.objects.filter(verb="order.updated", object_id=str(order.pk)).get()
    assert event.data == {"changes": {"description": "Lift stuck on floor 3"}}


def test_a_patch_with_a_stale_version_is_refused_and_changes_nothing(manager, api_as):
    order = make_order(by=manager, description="Lift stuck")
    services.order_change_stage(order=order, to=stage("scheduled"), by=manager)  # version 2
    before = state(order)

    response = api_as(manager).patch(
        f"orders/{order.pk}", {"version": 1, "description": "Overwrite"}
    )

    assert error_of(response) == (409, "orders.stale_version")
    assert response.json()["details"] == {"expected": 1, "current": 2}
    assert state(order) == before
    with pytest.raises(StaleVersion):
        services.order_update(order=order, by=manager, version=1, description="Overwrite")
    assert state(order) == before


# Sign-off and posting


def test_sign_off_records_signer_instant_and_recorder(manager, technician_user, api_as):
    TechnicianFactory(user=technician_user)
    order = order_in_stage(
        "in_progress", by=manager, preferred_technician=technician_user.technician
    )
    before = timezone.now()

    response = api_as(technician_user).post(
        f"orders/{order.pk}/sign-off", {"signer_name": "Maija Asiakas"}
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.signer_name, order.signed_off_by) == ("Maija Asiakas", technician_user)
    assert order.signed_off_at >= before
    assert response.json()["signer_name"] == "Maija Asiakas"
    assert response.json()["signed_off_at"] is not None


@pytest.mark.parametrize("code", ["new", "scheduled", "on_hold", "closed", "cancelled"])
def test_sign_off_is_refused_before_the_work_started_or_after_it_is_closed(code, manager):
    order = order_in_stage(code, by=manager)
    before = state(order)

    with pytest.raises(SignOffNotAllowed):
        services.order_sign_off(order=order, by=manager, signer_name="Maija")

    assert state(order) == before


def test_posting_without_sign_off_is_refused(manager, api_as):
    order = order_in_stage("completed", by=manager)
    add_line(order, by=manager)
    before = state(order)

    response = api_as(manager).post(f"orders/{order.pk}/post")

    assert error_of(response) == (409, "orders.sign_off_required")
    assert state(order) == before


def test_posting_in_a_stage_that_does_not_allow_it_is_refused(manager, api_as):
    order = signed_off_order("in_progress", by=manager)
    before = state(order)

    response = api_as(manager).post(f"orders/{order.pk}/post")

    assert error_of(response) == (409, "orders.posting_not_allowed")
    assert state(order) == before
    for unsigned in ("new", "scheduled", "on_hold", "cancelled"):
        with pytest.raises(PostingNotAllowed):
            services.order_post(order=order_in_stage(unsigned, by=manager), by=manager)


@pytest.mark.parametrize("code", ["completed", "closed"])
def test_posting_freezes_the_open_lines_and_posting_again_posts_nothing(code, manager, api_as):
    order = signed_off_order(code, by=manager, lines=2)
    cancelled = add_line(order, by=manager) if code == "completed" else None
    if cancelled:
        services.order_line_cancel(line=cancelled, by=manager)
    version = ServiceOrder.objects.get(pk=order.pk).version
    api = api_as(manager)

    first = api.post(f"orders/{order.pk}/post")

    assert first.status_code == 200
    assert [line["status"] for line in first.json()["lines"]] == ["posted", "posted"] + (
        ["cancelled"] if cancelled else []
    )
    assert first.json()["version"] == version + 1
    assert first.json()["posted_at"] is not None
    after_first = state(order)

    second = api.post(f"orders/{order.pk}/post")

    assert second.status_code == 200
    assert second.json() == first.json()
    assert state(order) == after_first


def test_lines_added_after_posting_are_posted_by_the_next_post(manager):
    order = signed_off_order("completed", by=manager, lines=1)
    first_post_at = timezone.now() - timedelta(minutes=5)
    _order, posted = services.order_post(order=order, by=manager, now=first_post_at)
    assert posted == 1
    late = add_line(order, by=manager, description="Extra trip")

    _order, posted = services.order_post(order=order, by=manager)

    assert posted == 1
    order.refresh_from_db()
    assert order.posted_at == first_post_at  # the first posting's instant stays
    lines = list(order.lines.order_by("pk"))
    assert [line.status for line in lines] == ["posted", "posted"]
    assert lines[0].posted_at == first_post_at
    assert lines[1].pk == late.pk and lines[1].posted_at > first_post_at
    assert services.order_post(order=order, by=manager)[1] == 0


def test_a_posted_line_cannot_be_changed_or_cancelled(manager, api_as):
    order = signed_off_order("completed", by=manager)
    services.order_post(order=order, by=manager)
    line = order.lines.get()
    before = state(order)
    api = api_as(manager)

    response = api.patch(f"orders/{order.pk}/lines/{line.pk}", {"quantity": "3"})
    assert error_of(response) == (409, "orders.line_not_open")
    response = api.delete(f"orders/{order.pk}/lines/{line.pk}")
    assert error_of(response) == (409, "orders.line_not_open")

    assert state(order) == before
    with pytest.raises(LineNotOpen):
        services.order_line_cancel(line=line, by=manager)


def test_a_signed_off_order_cannot_be_signed_again_after_posting(manager):
    order = signed_off_order("completed", by=manager)
    services.order_post(order=order, by=manager)
    before = state(order)

    with pytest.raises(StageReadOnly):
        services.order_sign_off(order=order, by=manager, signer_name="Someone else")

    assert state(order) == before


def test_posting_needs_sign_off_before_anything_is_posted(manager):
    order = order_in_stage("closed", by=manager)
    before = state(order)

    with pytest.raises(SignOffRequired):
        services.order_post(order=order, by=manager)

    assert state(order) == before


# Lines


@pytest.mark.parametrize("quantity", ["0", "-1", "0.000", "-0.001"])
def test_a_line_quantity_must_be_positive(quantity, manager, api_as):
    order = make_order(by=manager)
    before = state(order)

    response = api_as(manager).post(
        f"orders/{order.pk}/lines", {"kind": "fee", "quantity": quantity, "unit_price": "5.00"}
    )

    assert error_of(response) == (422, "core.invalid_input")
    assert list(response.json()["details"]["fields"]) == ["quantity"]
    assert state(order) == before
    with pytest.raises(InvalidInput) as refused:
        add_line(order, by=manager, quantity=quantity)
    assert list(refused.value.field_errors) == ["quantity"]
    assert state(order) == before


@pytest.mark.parametrize("quantity", ["0", "-2"])
def test_a_line_quantity_cannot_be_changed_to_zero_or_less(quantity, manager, api_as):
    order = make_order(by=manager)
    line = add_line(order, by=manager)
    before = state(order)

    response = api_as(manager).patch(f"orders/{order.pk}/lines/{line.pk}", {"quantity": quantity})

    assert error_of(response) == (422, "core.invalid_input")
    assert state(order) == before


def test_a_line_on_an_object_not_related_to_the_order_is_refused(manager, api_as):
    customer = CustomerFactory()
    related = service_object(customer)
    unrelated = service_object(customer)
    order = make_order(by=manager, customer=customer, objects=[related])
    line = add_line(order, by=manager, object=related)
    before = state(order)
    api = api_as(manager)

    response = api.post(
        f"orders/{order.pk}/lines",
        {"kind": "hour", "quantity": "1", "object_id": unrelated.pk},
    )
    assert error_of(response) == (409, "orders.object_not_related")
    assert response.json()["details"] == {"object_id": unrelated.pk, "order_id": order.pk}
    response = api.patch(f"orders/{order.pk}/lines/{line.pk}", {"object_id": unrelated.pk})
    assert error_of(response) == (409, "orders.object_not_related")

    assert state(order) == before
    assert OrderLine.objects.get(pk=line.pk).object_id == related.pk
    with pytest.raises(ObjectNotRelated):
        add_line(order, by=manager, object=unrelated)


def test_moving_lines_of_an_order_without_agreement_is_refused(manager, api_as):
    order = make_order(by=manager)
    line = add_line(order, by=manager)
    target = make_order(by=manager, customer=order.customer)
    before, target_before = state(order), state(target)

    response = api_as(manager).post(
        f"orders/{order.pk}/move-lines", {"to_order_id": target.pk, "line_ids": [line.pk]}
    )

    assert error_of(response) == (409, "orders.no_agreement")
    assert (state(order), state(target)) == (before, target_before)
    with pytest.raises(NoAgreement):
        services.order_move_lines(order=order, target=target, lines=[line], by=manager)


def test_copying_lines_copies_the_open_lines_of_the_source(manager, api_as):
    source = make_order(by=manager)
    item = ItemFactory(name="Filter", sales_price=Decimal("12.50"), cost_price=Decimal("4.00"))
    add_line(source, by=manager, kind="item", quantity="2", item=item, unit_price=Decimal("12.50"))
    dropped = add_line(source, by=manager, description="Dropped")
    services.order_line_cancel(line=dropped, by=manager)
    order = make_order(by=manager)

    response = api_as(manager).post(f"orders/{order.pk}/copy-lines", {"from_order_id": source.pk})

    assert response.status_code == 200
    lines = response.json()["lines"]
    assert [(ln["kind"], ln["description"], ln["quantity"], ln["unit_price"]) for ln in lines] == [
        ("item", "Filter", "2.000", "12.50")
    ]
    assert lines[0]["status"] == "open"
    assert source.lines.count() == 2  # the source keeps its lines


@pytest.mark.parametrize(
    ("quantity", "unit_price", "net_amount"),
    [
        ("1.333", "0.10", "0.13"),
        ("0.125", "1.00", "0.13"),  # half up, not half even (0.12)
        ("2.5", "0.01", "0.03"),
        ("1.5", "0.01", "0.02"),
        ("3", "33.33", "99.99"),
        ("0.001", "0.01", "0.00"),
        ("999.999", "1234.56", "1234558.77"),
    ],
)
def test_a_line_amount_is_rounded_once_half_up(quantity, unit_price, net_amount, manager):
    order = make_order(by=manager)

    line = add_line(
        order,
        by=manager,
        quantity=quantity,
        unit_price=Decimal(unit_price),
        unit_cost=Decimal(unit_price),
    )

    line.refresh_from_db()
    assert line.net_amount == Decimal(net_amount)
    assert line.cost_amount == Decimal(net_amount)


def test_totals_sum_the_rounded_line_amounts_and_skip_cancelled_lines(manager, api_as):
    order = make_order(by=manager)
    for _ in range(3):
        add_line(order, by=manager, quantity="1.333", unit_price=Decimal("0.10"))
    cancelled = add_line(order, by=manager, quantity="5", unit_price=Decimal("100.00"))
    services.order_line_cancel(line=cancelled, by=manager)

    response = api_as(manager).get(f"orders/{order.pk}")

    assert response.json()["totals"] == {"net_amount": "0.39", "cost_amount": "0.00"}
    assert [line["net_amount"] for line in response.json()["lines"]] == [
        "0.13",
        "0.13",
        "0.13",
        "500.00",
    ]


def test_an_item_line_takes_price_cost_unit_and_description_from_the_item(manager, api_as):
    order = make_order(by=manager)
    item = ItemFactory(
        name="V-belt", unit="m", sales_price=Decimal("8.40"), cost_price=Decimal("3.15")
    )

    response = api_as(manager).post(
        f"orders/{order.pk}/lines", {"kind": "item", "quantity": "2.5", "item_id": item.pk}
    )

    assert response.status_code == 201
    line = response.json()
    assert (
        line["description"],
        line["unit"],
        line["unit_price"],
        line["unit_cost"],
        line["net_amount"],
        line["cost_amount"],
        line["item_id"],
        line["is_billable"],
        line["status"],
    ) == ("V-belt", "m", "8.40", "3.15", "21.00", "7.88", item.pk, True, "open")


def test_given_line_values_win_over_the_item_defaults(manager):
    order = make_order(by=manager)
    item = ItemFactory(name="V-belt", sales_price=Decimal("8.40"), cost_price=Decimal("3.15"))

    line = add_line(
        order,
        by=manager,
        kind="item",
        item=item,
        unit_price=Decimal("7.00"),
        unit_cost=Decimal("3.00"),
        unit="pcs",
        description="Belt, discounted",
    )

    assert (line.unit_price, line.unit_cost, line.unit, line.description) == (
        Decimal("7.00"),
        Decimal("3.00"),
        "pcs",
        "Belt, discounted",
    )


def test_an_hour_line_costs_the_technicians_hourly_cost(manager, api_as):
    order = make_order(by=manager)
    technician = TechnicianFactory(hourly_cost=Decimal("42.50"))

    response = api_as(manager).post(
        f"orders/{order.pk}/lines",
        {
            "kind": "hour",
            "quantity": "1.5",
            "technician_id": technician.pk,
            "unit_price": "80.00",
        },
    )

    assert response.status_code == 201
    line = response.json()
    assert (line["unit"], line["unit_cost"], line["cost_amount"], line["net_amount"]) == (
        "h",
        "42.50",
        "63.75",
        "120.00",
    )
    assert line["technician_id"] == technician.pk


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("manager", True),
        ("dispatcher", True),
        ("administrator", True),
        ("technician_user", False),
        ("customer_user", False),
    ],
)
def test_costs_are_hidden_from_technicians_and_customers(role, shown, request, manager, api_as):
    user = request.getfixturevalue(role)
    customer = CustomerFactory()
    if role == "customer_user":
        customer = user.customer_contact.customer
    technician = TechnicianFactory(user=user if role == "technician_user" else None)
    order = make_order(by=manager, customer=customer, preferred_technician=technician)
    add_line(order, by=manager, unit_price=Decimal("10.00"), unit_cost=Decimal("6.00"))

    for body in (
        api_as(user).get(f"orders/{order.pk}").json(),
        api_as(user).get("orders").json()["items"][0],
    ):
        line = body["lines"][0]
        if shown:
            assert (line["unit_cost"], line["cost_amount"]) == ("6.00", "6.00")
            assert body["totals"] == {"net_amount": "10.00", "cost_amount": "6.00"}
        else:
            assert (line["unit_cost"], line["cost_amount"]) == (None, None)
            assert body["totals"] == {"net_amount": "10.00", "cost_amount": None}
        assert line["unit_price"] == "10.00"


# Domain events


def test_each_stage_change_publishes_order_stage_changed(manager, events):
    now = timezone.now()
    order = make_order(by=manager, reported_at=now - timedelta(hours=3))
    first = now - timedelta(hours=2)
    second = now - timedelta(hours=1)

    services.order_change_stage(order=order, to=stage("scheduled"), by=manager, at=first)
    services.order_change_stage(order=order, to=stage("in_progress"), by=manager, at=second)

    assert events == [
        OrderStageChanged(
            order_id=order.pk,
            from_stage="new",
            to_stage="scheduled",
            to_category="scheduled",
            at=first,
        ),
        OrderStageChanged(
            order_id=order.pk,
            from_stage="scheduled",
            to_stage="in_progress",
            to_category="in_progress",
            at=second,
        ),
    ]


def test_cancelling_publishes_the_stage_change_and_order_cancelled(manager, events):
    order = order_in_stage("scheduled", by=manager)
    events.clear()
    now = timezone.now()

    services.order_cancel(order=order, by=manager, reason=reason("DUPLICATE"), now=now)
    services.order_revoke_cancel(order=order, by=manager, now=now)

    assert events == [
        OrderStageChanged(
            order_id=order.pk,
            from_stage="scheduled",
            to_stage="cancelled",
            to_category="cancelled",
            at=now,
        ),
        OrderCancelled(order_id=order.pk, reason="DUPLICATE", at=now),
        OrderStageChanged(
            order_id=order.pk,
            from_stage="cancelled",
            to_stage="scheduled",
            to_category="scheduled",
            at=now,
        ),
    ]


def test_a_refused_stage_change_publishes_nothing(manager, events):
    order = order_in_stage("in_progress", by=manager)
    events.clear()

    with pytest.raises(ReasonRequired):
        services.order_change_stage(order=order, to=stage("on_hold"), by=manager)
    with pytest.raises(CancelNotAllowed):
        services.order_cancel(order=order, by=manager, reason=reason())

    assert events == []


@pytest.mark.parametrize(
    ("role", "shown"),
    [("manager", True), ("technician_user", False)],
)
def test_cost_changes_in_the_history_are_hidden_from_technicians(
    role, shown, request, manager, api_as
):
    user = request.getfixturevalue(role)
    technician = TechnicianFactory(user=user if role == "technician_user" else None)
    order = make_order(by=manager, customer=CustomerFactory(), preferred_technician=technician)
    line = add_line(order, by=manager, unit_cost=Decimal("6.00"))
    services.order_line_update(
        line=line, by=manager, unit_cost=Decimal("7.25"), quantity=Decimal("2")
    )

    history = api_as(user).get(f"orders/{order.pk}/history").json()

    updated = next(entry for entry in history if entry["verb"] == "order.line_updated")
    expected = {"quantity": "2", "unit_cost": "7.25"} if shown else {"quantity": "2"}
    assert updated["data"] == {"line": line.pk, "changes": expected}


def test_customers_cannot_read_the_internal_history(customer_user, manager, api_as):
    order = make_order(by=manager, customer=customer_user.customer_contact.customer)

    response = api_as(customer_user).get(f"orders/{order.pk}/history")

    assert response.status_code == 403
    assert response.json()["code"] == "core.permission_denied"
