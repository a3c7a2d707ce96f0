"""Service agreements: contracts whose recurring lines generate service orders, and the
templates (agreements in a template group) that new agreements and orders copy lines from."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openservice.core.choices import LineKind
from openservice.core.models import TimeStampedModel
from openservice.core.validators import validate_service_year


class TemplateGroup(TimeStampedModel):
    """A folder of agreement templates ("Lifts" → "Lifts, passenger"). An agreement in a
    template group is a template: it never has orders and never generates any."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("template group")
        verbose_name_plural = _("template groups")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServiceAgreement(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    class Grouping(models.TextChoices):
        """Which occurrences share a generated order (besides sharing the visit date)."""

        AGREEMENT = "agreement", _("One order per visit")
        TASK = "task", _("One order per task and visit")
        TECHNICIAN = "technician", _("One order per technician and visit")
        OBJECT = "object", _("One order per object and visit")

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    site = models.ForeignKey(
        "customers.Site",
        verbose_name=_("service site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
        help_text=_("Where the visits take place, unless an object's own site applies."),
    )
    description = models.CharField(_("description"), max_length=300)
    note = models.TextField(_("note"), blank=True)
    agreement_group = models.ForeignKey(
        "customers.AgreementGroup",
        verbose_name=_("agreement group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    calendar = models.ForeignKey(
        "calendars.WorkCalendar",
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
        help_text=_("The open days visits are planned on; empty means the company default."),
    )
    preferred_technician = models.ForeignKey(
        "workforce.Technician",
        verbose_name=_("preferred technician"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="preferred_agreements",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_agreements",
    )
    grouping = models.CharField(
        _("grouping of generated orders"),
        max_length=12,
        choices=Grouping.choices,
        default=Grouping.AGREEMENT,
    )
    currency = models.CharField(_("currency"), max_length=3)
    starts_on = models.DateField(_("starts on"), validators=[validate_service_year])
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, validators=[validate_service_year]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    template_group = models.ForeignKey(
        TemplateGroup,
        verbose_name=_("template group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="templates",
    )
    resumed_on = models.DateField(
        _("resumed on"),
        null=True,
        blank=True,
        help_text=_("Continuous generation does not catch up on the time it was suspended."),
    )
    renewed_from = models.ForeignKey(
        "self",
        verbose_name=_("renewal of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewals",
    )
    objects_covered = models.ManyToManyField(
        "equipment.ServiceObject",
        verbose_name=_("objects"),
        through="AgreementObject",
        blank=True,
        related_name="agreements",
    )
    tasks = models.ManyToManyField(
        "catalog.ServiceTask",
        verbose_name=_("tasks"),
        through="AgreementTask",
        blank=True,
        related_name="agreements",
    )

    class Meta:
        verbose_name = _("service agreement")
        verbose_name_plural = _("service agreements")
        ordering = ["-number"]
        indexes = [
            models.Index(fields=["customer", "status"], name="agreement_customer_idx"),
            models.Index(fields=["status", "starts_on"], name="agreement_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="agreement_validity_ordered",
                violation_error_message=_("The agreement cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(template_group__isnull=False)
                | models.Q(customer__isnull=False, site__isnull=False),
                name="agreement_customer_and_site",
                violation_error_message=_("An agreement needs a customer and a service site."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}"

    @property
    def is_template(self) -> bool:
        return self.template_group_id is not None

    def covers(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class AgreementObject(models.Model):
    """An object the agreement covers, with notes for the technician and for the customer."""

    agreement = models.ForeignKey(
        ServiceAgreement, on_delete=models.CASCADE, related_name="object_relations"
    )
    object = models.ForeignKey(
        "equipment.ServiceObject", on_delete=models.PROTECT, related_name="agreement_relations"
    )
    internal_note = models.TextField(_("internal note"), blank=True)
    external_note = models.TextField(_("external note"), blank=True)

    class Meta:
        verbose_name = _("covered object")
        verbose_name_plural = _("covered objects")
        ordering = ["agreement", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "object"], name="agreement_object_once")
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} → {self.object_id}"


class AgreementTask(models.Model):
    """A task the agreement covers, with notes for the technician and for the customer."""

    agreement = models.ForeignKey(
        ServiceAgreement, on_delete=models.CASCADE, related_name="task_relations"
    )
    task = models.ForeignKey(
        "catalog.ServiceTask", on_delete=models.PROTECT, related_name="agreement_relations"
    )
    internal_note = models.TextField(_("internal note"), blank=True)
    external_note = models.TextField(_("external note"), blank=True)

    class Meta:
        verbose_name = _("covered task")
        verbose_name_plural = _("covered tasks")
        ordering = ["agreement", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "task"], name="agreement_task_once")
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} → {self.task_id}"


class AgreementLine(TimeStampedModel):
    """A recurring piece of work or charge. Occurrence n falls on `starts_on` + n × interval
    (recurrence.py); its window says how far generation may move it to share a visit."""

    Kind = LineKind

    class IntervalUnit(models.TextChoices):
        NONE = "", _("Once")
        DAY = "day", _("Days")
        WEEK = "week", _("Weeks")
        MONTH = "month", _("Months")
        YEAR = "year", _("Years")

    class Window(models.TextChoices):
        EXACT = "exact", _("Exact date")
        SAME_WEEK = "same_week", _("Same week")
        SAME_MONTH = "same_month", _("Same month")
        DAYS = "days", _("Days before and after")

    agreement = models.ForeignKey(ServiceAgreement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
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
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Empty: the item's sales price when the order is generated."),
    )
    is_billable = models.BooleanField(_("billable"), default=True)
    interval_unit = models.CharField(
        _("interval"), max_length=5, choices=IntervalUnit.choices, blank=True, default=""
    )
    interval_every = models.PositiveSmallIntegerField(
        _("every"), default=1, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    window = models.CharField(
        _("time window"), max_length=10, choices=Window.choices, default=Window.EXACT
    )
    window_days_before = models.PositiveSmallIntegerField(
        _("days before"), default=0, validators=[MaxValueValidator(366)]
    )
    window_days_after = models.PositiveSmallIntegerField(
        _("days after"), default=0, validators=[MaxValueValidator(366)]
    )
    starts_on = models.DateField(_("starts on"), validators=[validate_service_year])
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, validators=[validate_service_year]
    )
    earliest_time = models.TimeField(_("earliest start"), null=True, blank=True)
    latest_time = models.TimeField(_("latest end"), null=True, blank=True)
    is_stopped = models.BooleanField(_("stopped"), default=False)
    # Marks generation reads so that it never makes up for what it was told to skip: the day a
    # stopped line was restarted (continuous runs start there at the earliest), and when its
    # schedule (start, interval) last changed (occurrences up to the last one generated before
    # that are not generated again on the new schedule).
    resumed_on = models.DateField(_("restarted on"), null=True, blank=True)
    schedule_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agreement line")
        verbose_name_plural = _("agreement lines")
        ordering = ["agreement", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="agreement_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(interval_every__gte=1), name="agreement_line_interval_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="agreement_line_period_ordered",
                violation_error_message=_("The line cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(earliest_time__isnull=True)
                | models.Q(latest_time__isnull=True)
                | models.Q(latest_time__gt=models.F("earliest_time")),
                name="agreement_line_times_ordered",
                violation_error_message=_("The latest end must be after the earliest start."),
            ),
            models.CheckConstraint(
                condition=models.Q(window="days")
                | models.Q(window_days_before=0, window_days_after=0),
                name="agreement_line_window_days_only_for_days",
                violation_error_message=_("Days before and after apply to a window in days."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}/{self.pk} {self.kind}"
