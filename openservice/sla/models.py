"""SLA policies: per-priority response and resolution targets in business minutes, measured on a
work calendar, and where they apply (a customer or an agreement group; agreements name theirs)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openservice.core.choices import Priority
from openservice.core.models import TimeStampedModel

MAX_TARGET_MINUTES = 10_000_000  # about 19 years of round-the-clock time


class SlaPolicy(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    calendar = models.ForeignKey(
        "calendars.WorkCalendar",
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sla_policies",
        help_text=_("Business hours the targets count in; empty means the company default."),
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("warning at % used"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    is_default = models.BooleanField(
        _("default policy"),
        default=False,
        help_text=_("Orders with no more specific policy take this one."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="sla_policy_single_default",
                violation_error_message=_("Only one SLA policy can be the default."),
            ),
            models.CheckConstraint(
                condition=models.Q(warning_percent__gte=1, warning_percent__lte=99),
                name="sla_policy_warning_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    response_minutes = models.PositiveIntegerField(
        _("response (business minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)],
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (business minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)],
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["policy", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_unique"),
            models.CheckConstraint(
                condition=models.Q(response_minutes__gte=1)
                & models.Q(resolution_minutes__gte=models.F("response_minutes")),
                name="sla_target_resolution_after_response",
                violation_error_message=_("Resolution cannot be due before the response."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.priority}"


class SlaAssignment(TimeStampedModel):
    """A policy for every order of one customer, or of every customer in an agreement group."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="assignments")
    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_assignment",
    )
    agreement_group = models.OneToOneField(
        "customers.AgreementGroup",
        verbose_name=_("agreement group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_assignment",
    )

    class Meta:
        verbose_name = _("SLA assignment")
        verbose_name_plural = _("SLA assignments")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(customer__isnull=False, agreement_group__isnull=True)
                    | models.Q(customer__isnull=True, agreement_group__isnull=False)
                ),
                name="sla_assignment_one_target",
                violation_error_message=_("Assign to a customer or to an agreement group."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} → {self.customer_id or self.agreement_group_id}"
