"""Reads for returns. Managers, dispatchers and administrators read every return; a customer's
contacts read their own customer's; technicians read none."""

from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from openservice.core.errors import NotFound
from openservice.core.roles import Role, has_role
from openservice.core.selectors import ordered, text_search
from openservice.returns.models import (
    DispositionCode,
    Replacement,
    ReturnCode,
    ReturnLine,
    ReturnOrder,
    ReturnReason,
    ReturnReasonGroup,
)

RETURN_ORDERING = {
    "number": "number",
    "created_at": "created_at",
    "deadline": "deadline",
    "customer": "customer__name",
    "status": "status",
}
STAFF = (Role.MANAGER, Role.DISPATCHER, Role.ADMINISTRATOR)
UNFINISHED = (ReturnOrder.Status.CREATED, ReturnOrder.Status.OPEN)


def overdue_q(today: date) -> Q:
    """Returns whose deadline has passed while goods are still expected on a line."""
    expected = ReturnLine.objects.filter(
        return_order=OuterRef("pk"), status=ReturnLine.Status.EXPECTED
    )
    return Q(deadline__lt=today, status__in=UNFINISHED) & Q(Exists(expected))


def is_overdue(ret: ReturnOrder, today: date) -> bool:
    """`overdue_q` for one return whose lines are loaded (no query with `with_lines`)."""
    return (
        ret.status in UNFINISHED
        and ret.deadline < today
        and any(line.status == ReturnLine.Status.EXPECTED for line in ret.lines.all())
    )


def _visible(user) -> QuerySet[ReturnOrder]:
    returns = ReturnOrder.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.has_perm(
        "returns.view_returnorder"
    ):
        return returns.none()
    if user.is_superuser or has_role(user, *STAFF):
        return returns
    if has_role(user, Role.CUSTOMER):
        return returns.filter(
            customer__contacts__user=user, customer__contacts__is_active=True
        ).distinct()
    return returns.none()


def return_list(
    *,
    user,
    q: str | None = None,
    customer_id: int | None = None,
    status: str | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    overdue_on: date | None = None,
    overdue: bool | None = None,
    today: date | None = None,
    order_by: str | None = None,
) -> QuerySet[ReturnOrder]:
    """`overdue`: only the returns overdue `today` (True) or only the others (False);
    `overdue_on`: only those overdue on that day."""
    returns = _visible(user).select_related("customer", "reason")
    if q:
        # A serial is searched on the lines: match by subquery, so a return with several
        # matching lines is still one row.
        matching = text_search(
            ReturnOrder.objects.all(),
            q,
            ["number", "customer__name", "customer__number", "note", "lines__serial"],
        )
        returns = returns.filter(pk__in=matching.values("pk"))
    if customer_id is not None:
        returns = returns.filter(customer_id=customer_id)
    if status is not None:
        returns = returns.filter(status=status)
    if created_from is not None:
        returns = returns.filter(created_at__date__gte=created_from)
    if created_to is not None:
        returns = returns.filter(created_at__date__lte=created_to)
    if overdue_on is not None:
        returns = returns.filter(overdue_q(overdue_on))
    if overdue is not None:
        condition = overdue_q(today or timezone.localdate())
        returns = returns.filter(condition) if overdue else returns.exclude(condition)
    return ordered(returns, order_by, RETURN_ORDERING, default=("-pk",))


def _lines() -> QuerySet[ReturnLine]:
    return ReturnLine.objects.select_related(
        "item",
        "object",
        "reason",
        "disposition",
        "invoice_line__invoice",
        "credit_note_line__invoice",
        "service_order__stage",
        "replacement",
    ).order_by("position", "pk")


def with_lines(returns: QuerySet[ReturnOrder]) -> QuerySet[ReturnOrder]:
    """The returns with their lines and what the lines link to, in a fixed number of queries."""
    return returns.prefetch_related(Prefetch("lines", queryset=_lines()))


def lines_of(ret: ReturnOrder) -> QuerySet[ReturnLine]:
    return _lines().filter(return_order=ret)


def return_get(*, user, return_id: int) -> ReturnOrder:
    found = (
        return_list(user=user)
        .select_related("reference_order", "reference_invoice", "created_by")
        .prefetch_related(Prefetch("lines", queryset=_lines()))
        .filter(pk=return_id)
        .first()
    )
    if found is None:
        raise NotFound(return_id=return_id)
    return found


def returns_of_order(order) -> QuerySet[ReturnLine]:
    """The return lines a service order repairs (origin `return`) or that name it as the
    original order."""
    return (
        ReturnLine.objects.filter(service_order=order)
        .select_related("return_order", "item", "object")
        .order_by("pk")
    )


def returns_referencing_order(order) -> QuerySet[ReturnOrder]:
    return ReturnOrder.objects.filter(reference_order=order).order_by("-pk")


def reason_groups(*, is_active: bool | None = None) -> QuerySet[ReturnReasonGroup]:
    groups = ReturnReasonGroup.objects.all()
    return groups if is_active is None else groups.filter(is_active=is_active)


def reasons(*, is_active: bool | None = None) -> QuerySet[ReturnReason]:
    found = ReturnReason.objects.select_related("group")
    return found if is_active is None else found.filter(is_active=is_active)


def dispositions(*, is_active: bool | None = None) -> QuerySet[DispositionCode]:
    found = DispositionCode.objects.all()
    return found if is_active is None else found.filter(is_active=is_active)


def reason_by_code(code: str) -> ReturnReason | None:
    return ReturnReason.objects.filter(code=code).first()


def disposition_by_code(code: str) -> DispositionCode | None:
    return DispositionCode.objects.filter(code=code).first()


def code_list(
    model, *, user, q: str | None = None, is_active: bool | None = None
) -> QuerySet[ReturnCode]:
    """One code list (a model of `services.CODE_MODELS`) for a user allowed to read it."""
    if not user.has_perm(f"returns.view_{model._meta.model_name}"):
        return model.objects.none()
    found = model.objects.all()
    if model is ReturnReason:
        found = found.select_related("group")
    found = text_search(found, q, ["code", "name"])
    if is_active is not None:
        found = found.filter(is_active=is_active)
    return found.order_by("code", "pk")


def code_get(model, *, user, code_id: int) -> ReturnCode:
    found = code_list(model, user=user).filter(pk=code_id).first()
    if found is None:
        raise NotFound(code_id=code_id)
    return found


def code_by_code(model, code: str) -> ReturnCode | None:
    return model.objects.filter(code=code).first()


def replacements(*, status: str | None = None) -> QuerySet[Replacement]:
    found = Replacement.objects.select_related("customer", "item", "return_line__return_order")
    return found if status is None else found.filter(status=status)


def credit_note_ids(ret: ReturnOrder) -> list[int]:
    return sorted(
        set(
            ReturnLine.objects.filter(return_order=ret, credit_note_line__isnull=False).values_list(
                "credit_note_line__invoice_id", flat=True
            )
        )
    )
