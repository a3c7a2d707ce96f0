"""Service orders: configurable stages and transitions, orders, lines and the stage log."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openservice.core.choices import LineKind, Priority
from openservice.core.models import TimeStampedModel


class Stage(TimeStampedModel):
    """A step of the order workflow. Configuration, not code: flags decide what an order in
    the stage allows, and `sla_clock` whether business time counts against the SLA."""

    class Category(models.TextChoices):
        NEW = "new", _("New")
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        ON_HOLD = "on_hold", _("On hold")
        COMPLETED = "completed", _("Completed")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class SlaClock(models.TextChoices):
        RUN = "run", _("Runs")
        PAUSE = "pause", _("Paused")
        STOP = "stop", _("Stopped")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_initial = models.BooleanField(_("initial stage"), default=False)
    allows_edit = models.BooleanField(_("allows editing"), default=True)
    allows_delete = models.BooleanField(_("allows deleting"), default=False)
    allows_cancel = models.BooleanField(_("allows cancelling"), default=False)
    allows_posting = models.BooleanField(_("allows posting"), default=False)
    requires_reason = models.BooleanField(_("requires a reason"), default=False)
    sla_clock = models.CharField(
        _("SLA clock"), max_length=10, choices=SlaClock.choices, default=SlaClock.RUN
    )

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_initial"],
                condition=models.Q(is_initial=True),
                name="stage_single_initial",
                violation_error_message=_("Only one stage can be the initial stage."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StageTransition(models.Model):
    """An allowed move between two stages, and the roles (groups) that may make it."""

    from_stage = models.ForeignKey(
        Stage, verbose_name=_("from"), on_delete=models.CASCADE, related_name="transitions_out"
    )
    to_stage = models.ForeignKey(
        Stage, verbose_name=_("to"), on_delete=models.CASCADE, related_name="transitions_in"
    )
    roles = models.ManyToManyField(
        Group, verbose_name=_("roles allowed"), related_name="stage_transitions", blank=True
    )

    class Meta:
        verbose_name = _("stage transition")
        verbose_name_plural = _("stage transitions")
        ordering = ["from_stage__sort_order", "to_stage__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["from_stage", "to_stage"], name="transition_unique"),
            models.CheckConstraint(
                condition=~models.Q(from_stage=models.F("to_stage")),
                name="transition_between_two_stages",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage.code} → {self.to_stage.code}"


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")


class ServiceOrder(TimeStampedModel):
    Priority = Priority

    class Origin(models.TextChoices):
        AGREEMENT = "agreement", _("Agreement")
        MANUAL = "manual", _("Manual")
        PORTAL = "portal", _("Portal")
        RETURN = "return", _("Return")
        API = "api", _("API")

    number = models.CharField(_("number"), max_length=20, unique=True)
    # Foreign keys led by a composite index (Meta.indexes) have no index of their own: one
    # index less per row is one less to write for every generated order.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="service_orders",
        db_index=False,
    )
    site = models.ForeignKey(
        "customers.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        related_name="service_orders",
    )
    agreement = models.ForeignKey(
        "agreements.ServiceAgreement",
        verbose_name=_("agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
    )
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("stage"),
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
    )
    origin = models.CharField(
        _("origin"), max_length=10, choices=Origin.choices, default=Origin.MANUAL
    )
    preferred_technician = models.ForeignKey(
        "workforce.Technician",
        verbose_name=_("preferred technician"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="preferred_orders",
        db_index=False,
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_orders",
    )
    currency = models.CharField(_("currency"), max_length=3)
    reported_at = models.DateTimeField(_("reported at"))
    service_on = models.DateField(_("service on"), null=True, blank=True)
    requested_start = models.DateTimeField(_("requested start"), null=True, blank=True)
    requested_end = models.DateTimeField(_("requested end"), null=True, blank=True)
    calendar_conflict = models.BooleanField(_("calendar conflict"), default=False)
    generation_key = models.CharField(
        _("generation key"),
        max_length=40,
        blank=True,
        help_text=_(
            "For orders generated from an agreement: the grouping they were made under "
            '("agreement", "task:12"), so later runs can add occurrences of the same group.'
        ),
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sign-off recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signer_name = models.CharField(_("signer's name"), max_length=200, blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    stage_before_cancel = models.ForeignKey(
        Stage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where a revoked cancellation returns to."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # The SLA clock, recomputed from the stage history on every change (services/sla.py) and
    # stored for fast queries. Instants are UTC; the *_warning_at / *_breach_at instants are
    # the crossings that happen (past, or projected while the clock runs).
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    sla_state = models.CharField(
        _("SLA state"), max_length=10, choices=SlaState.choices, blank=True
    )
    sla_clock = models.CharField(_("SLA clock"), max_length=5, blank=True)
    sla_used_seconds = models.PositiveBigIntegerField(_("SLA business seconds used"), default=0)
    sla_running_since = models.DateTimeField(null=True, blank=True)
    sla_responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    sla_resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    sla_response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    sla_resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_due_at = models.DateTimeField(
        _("next SLA deadline"),
        null=True,
        blank=True,
        help_text=_("The due instant of the target still open while the clock counts."),
    )
    sla_response_warning_at = models.DateTimeField(null=True, blank=True)
    sla_response_breach_at = models.DateTimeField(null=True, blank=True)
    sla_resolution_warning_at = models.DateTimeField(null=True, blank=True)
    sla_resolution_breach_at = models.DateTimeField(null=True, blank=True)
    objects_covered = models.ManyToManyField(
        "equipment.ServiceObject",
        verbose_name=_("objects"),
        blank=True,
        related_name="service_orders",
    )
    tasks = models.ManyToManyField(
        "catalog.ServiceTask", verbose_name=_("tasks"), blank=True, related_name="service_orders"
    )

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-number"]
        permissions = [
            ("cancel_serviceorder", _("Can cancel orders and revoke cancellations")),
            ("sign_off_serviceorder", _("Can record a customer's sign-off")),
            ("post_serviceorder", _("Can post orders")),
            ("view_cost", _("Can see costs on orders")),
            ("manage_sla", _("Can stop, restart and cancel SLA clocks")),
            ("view_reports", _("Can see reports on orders (SLA compliance)")),
            ("generate_serviceorder", _("Can generate orders from agreements")),
        ]
        indexes = [
            models.Index(fields=["stage", "service_on"], name="order_stage_service_on_idx"),
            models.Index(fields=["customer", "-created_at"], name="order_customer_idx"),
            models.Index(fields=["preferred_technician", "service_on"], name="order_tech_idx"),
            models.Index(fields=["sla_state", "sla_due_at"], name="order_sla_due_idx"),
            models.Index(fields=["agreement", "service_on"], name="order_agreement_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requested_start__isnull=True)
                | models.Q(requested_end__isnull=True)
                | models.Q(requested_end__gte=models.F("requested_start")),
                name="order_requested_window_ordered",
                violation_error_message=_("The requested end must not be before the start."),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(TimeStampedModel):
    """Hours, items, expenses and fees of an order. Amounts are rounded once, here."""

    Kind = LineKind

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CANCELLED = "cancelled", _("Cancelled")
        POSTED = "posted", _("Posted")

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    task = models.ForeignKey(
        "catalog.ServiceTask",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    object = models.ForeignKey(
        "equipment.ServiceObject",
        verbose_name=_("object"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    technician = models.ForeignKey(
        "workforce.Technician",
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey(
        "catalog.Item",
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit = models.CharField(_("unit"), max_length=10, default="pcs")
    unit_cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=2, default=0)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2, default=0)
    net_amount = models.DecimalField(_("net amount"), max_digits=14, decimal_places=2, default=0)
    cost_amount = models.DecimalField(_("cost amount"), max_digits=14, decimal_places=2, default=0)
    is_billable = models.BooleanField(_("billable"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    executed_on = models.DateField(_("executed on"), null=True, blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    # Set on generated lines: the agreement line and the occurrence they were generated for
    # (the date before any move within the line's window). Unique together, so an occurrence
    # becomes an order line once, whatever runs overlap, repeat or crash.
    agreement_line = models.ForeignKey(
        "agreements.AgreementLine",
        verbose_name=_("agreement line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_lines",
        db_index=False,  # the unique (agreement line, occurrence) index leads with it
    )
    occurrence_on = models.DateField(_("occurrence"), null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0, unit_cost__gte=0),
                name="order_line_prices_not_negative",
            ),
            models.UniqueConstraint(
                fields=["agreement_line", "occurrence_on"],
                name="order_line_occurrence_once",
                violation_error_message=_("This occurrence has already been generated."),
            ),
            models.CheckConstraint(
                condition=models.Q(agreement_line__isnull=True, occurrence_on__isnull=True)
                | models.Q(agreement_line__isnull=False, occurrence_on__isnull=False),
                name="order_line_occurrence_with_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.pk} {self.kind}"


class StageChange(models.Model):
    """One move of an order between stages: the log the SLA clock is computed from."""

    order = models.ForeignKey(
        ServiceOrder,
        on_delete=models.CASCADE,
        related_name="stage_changes",
        db_index=False,  # stage_change_order_at_idx leads with it
    )
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    reason = models.ForeignKey(
        "core.ReasonCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["order", "at", "pk"]
        indexes = [models.Index(fields=["order", "at"], name="stage_change_order_at_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_stage_id} → {self.to_stage_id}"


class SlaClockChange(models.Model):
    """A manual start, stop or cancel of an order's SLA clock; replayed with the stage history."""

    class Action(models.TextChoices):
        START = "start", _("Start")
        STOP = "stop", _("Stop")
        CANCEL = "cancel", _("Cancel")

    order = models.ForeignKey(
        ServiceOrder, on_delete=models.CASCADE, related_name="sla_clock_changes"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.ForeignKey(
        "core.ReasonCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SLA clock change")
        verbose_name_plural = _("SLA clock changes")
        ordering = ["order", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.action}"


class SlaEvent(models.Model):
    """A warning or breach of an order's SLA: exactly one per order and kind. The row is
    scheduled (`recorded_at` empty) as soon as the clock knows when the crossing happens or will
    happen, moved when a recompute moves it, and recorded by the scan once its instant has
    passed; a recorded event never changes again."""

    class Kind(models.TextChoices):
        RESPONSE_WARNING = "response_warning", _("Response at risk")
        RESPONSE_BREACH = "response_breach", _("Response breached")
        RESOLUTION_WARNING = "resolution_warning", _("Resolution at risk")
        RESOLUTION_BREACH = "resolution_breach", _("Resolution breached")

    # No index of its own: the unique (order, kind) index serves lookups by order, and every
    # index less is less work for the scan's UPDATE.
    order = models.ForeignKey(
        ServiceOrder, on_delete=models.CASCADE, related_name="sla_events", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("crossed at"))
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA event")
        verbose_name_plural = _("SLA events")
        ordering = ["-at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "kind"], name="sla_event_once_per_kind"),
        ]
        indexes = [
            # The scan's index: the due instants of the events not recorded yet.
            models.Index(
                fields=["at"],
                name="sla_event_due_idx",
                condition=models.Q(recorded_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.kind}"
