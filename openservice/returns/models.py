"""Returns (RMA, domain.md §6): a return order authorises a customer to send goods back; each
line is one item (or one service object) that is expected, arrives, may be inspected, and is
then processed by its disposition: credited, scrapped, replaced, sent back, or repaired through
a service order. Reason codes say why goods come back; disposition codes are user-defined and
each maps to one action."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openservice.core.models import TimeStampedModel


class ReturnCode(TimeStampedModel):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ReturnReasonGroup(ReturnCode):
    """Groups reasons for reporting (quality, logistics, commercial)."""

    class Meta(ReturnCode.Meta):
        verbose_name = _("return reason group")
        verbose_name_plural = _("return reason groups")


class ReturnReason(ReturnCode):
    """Why goods come back (DEFECT, WRONG_ITEM, …)."""

    group = models.ForeignKey(
        ReturnReasonGroup,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reasons",
    )

    class Meta(ReturnCode.Meta):
        verbose_name = _("return reason")
        verbose_name_plural = _("return reasons")


class DispositionCode(ReturnCode):
    """What is done with a returned line; user-defined, each mapped to one action."""

    class Action(models.TextChoices):
        CREDIT = "credit", _("Credit")
        CREDIT_ONLY = "credit_only", _("Credit only (no goods come back)")
        SCRAP = "scrap", _("Scrap")
        REPLACE_AND_CREDIT = "replace_and_credit", _("Replace and credit")
        REPLACE_AND_SCRAP = "replace_and_scrap", _("Replace and scrap")
        RETURN_TO_CUSTOMER = "return_to_customer", _("Return to customer")
        REPAIR = "repair", _("Repair")

    action = models.CharField(_("action"), max_length=20, choices=Action.choices)

    class Meta(ReturnCode.Meta):
        verbose_name = _("disposition code")
        verbose_name_plural = _("disposition codes")

    @property
    def credits(self) -> bool:
        return self.action in CREDIT_ACTIONS

    @property
    def replaces(self) -> bool:
        return self.action in REPLACE_ACTIONS


A = DispositionCode.Action
CREDIT_ACTIONS = frozenset({A.CREDIT, A.CREDIT_ONLY, A.REPLACE_AND_CREDIT})
REPLACE_ACTIONS = frozenset({A.REPLACE_AND_CREDIT, A.REPLACE_AND_SCRAP})


class ReturnOrder(TimeStampedModel):
    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("RMA number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="return_orders",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CREATED
    )
    reason = models.ForeignKey(
        ReturnReason, verbose_name=_("return reason"), on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField(_("return by"))
    currency = models.CharField(_("currency"), max_length=3)
    reference_order = models.ForeignKey(
        "orders.ServiceOrder",
        verbose_name=_("original order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns_referencing",
    )
    reference_invoice = models.ForeignKey(
        "billing.Invoice",
        verbose_name=_("original invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns_referencing",
    )
    note = models.TextField(_("note"), blank=True)
    requested_by_customer = models.BooleanField(_("requested by the customer"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("return order")
        verbose_name_plural = _("return orders")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["customer", "status"], name="return_customer_status_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.CLOSED, self.Status.CANCELLED)


class ReturnLine(TimeStampedModel):
    class Status(models.TextChoices):
        EXPECTED = "expected", _("Expected")
        REGISTERED = "registered", _("Registered")
        QUARANTINE = "quarantine", _("In quarantine")
        RECEIVED = "received", _("Received")
        CREDITED = "credited", _("Credited")
        SCRAPPED = "scrapped", _("Scrapped")
        REPLACED = "replaced", _("Replaced")
        IN_REPAIR = "in_repair", _("In repair")
        RETURNED = "returned", _("Returned to customer")
        CANCELLED = "cancelled", _("Cancelled")

    return_order = models.ForeignKey(ReturnOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=0)
    item = models.ForeignKey(
        "catalog.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    serial = models.CharField(_("serial"), max_length=60, blank=True)
    object = models.ForeignKey(
        "equipment.ServiceObject",
        verbose_name=_("service object"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_lines",
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    invoice_line = models.ForeignKey(
        "billing.InvoiceLine",
        verbose_name=_("original invoice line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_lines",
    )
    credit_price = models.DecimalField(
        _("credit price"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    reason = models.ForeignKey(
        ReturnReason, verbose_name=_("reason"), on_delete=models.PROTECT, related_name="+"
    )
    disposition = models.ForeignKey(
        DispositionCode,
        verbose_name=_("disposition"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.EXPECTED
    )
    inspection_note = models.TextField(_("inspection note"), blank=True)
    split_from = models.ForeignKey(
        "self",
        verbose_name=_("split from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="splits",
    )
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    credit_note_line = models.OneToOneField(
        "billing.InvoiceLine",
        verbose_name=_("credit-note line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_line",
    )
    service_order = models.ForeignKey(
        "orders.ServiceOrder",
        verbose_name=_("repair order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_lines",
    )

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["return_order", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="return_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(credit_price__isnull=True) | models.Q(credit_price__gte=0),
                name="return_line_credit_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.return_order_id}/{self.position}"

    @property
    def is_processable(self) -> bool:
        """Whether processing acts on the line now (given a disposition): its goods are here,
        or it is credited only and no goods come."""
        if self.status in ARRIVED:
            return True
        return (
            self.status == self.Status.EXPECTED
            and self.disposition is not None
            and self.disposition.action == DispositionCode.Action.CREDIT_ONLY
        )

    @property
    def amount(self) -> Decimal | None:
        if self.credit_price is None:
            return None
        return self.quantity * self.credit_price


# Lines that hold goods on our side, waiting for processing.
ARRIVED = frozenset({ReturnLine.Status.REGISTERED, ReturnLine.Status.RECEIVED})
# Lines holding goods on our side or in repair: a return is not closed by hand over them.
BUSY = frozenset(
    {
        ReturnLine.Status.REGISTERED,
        ReturnLine.Status.QUARANTINE,
        ReturnLine.Status.RECEIVED,
        ReturnLine.Status.IN_REPAIR,
    }
)
# Lines whose story has ended (the return closes when every line is here).
FINAL = frozenset(
    {
        ReturnLine.Status.CREDITED,
        ReturnLine.Status.SCRAPPED,
        ReturnLine.Status.REPLACED,
        ReturnLine.Status.RETURNED,
        ReturnLine.Status.CANCELLED,
    }
)


class Replacement(TimeStampedModel):
    """The replacement a replace disposition owes the customer: what to send, until shipped."""

    class Status(models.TextChoices):
        OPEN = "open", _("To ship")
        SHIPPED = "shipped", _("Shipped")

    number = models.CharField(_("number"), max_length=20, unique=True)
    return_line = models.OneToOneField(
        ReturnLine,
        verbose_name=_("return line"),
        on_delete=models.PROTECT,
        related_name="replacement",
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    serial = models.CharField(_("serial sent"), max_length=60, blank=True)
    shipped_on = models.DateField(_("shipped on"), null=True, blank=True)

    class Meta:
        verbose_name = _("replacement order")
        verbose_name_plural = _("replacement orders")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number
