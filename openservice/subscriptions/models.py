"""Service subscriptions: a fixed fee every period of a plan, whether or not service happens,
with indexation and revenue accrual (domain.md §9). periods.py holds the date arithmetic."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from openservice.core.models import TimeStampedModel
from openservice.core.validators import validate_service_year
from openservice.customers.models import currency_validator


class PeriodUnit(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class SubscriptionPlan(TimeStampedModel):
    """How a group of subscriptions bills: the invoicing period, in advance or in arrears,
    anchored on each start date or aligned to the calendar, and whether (and per which
    period) invoiced fees accrue as revenue."""

    class Billing(models.TextChoices):
        ADVANCE = "advance", _("In advance")
        ARREARS = "arrears", _("In arrears")

    name = models.CharField(_("name"), max_length=100, unique=True)
    period = models.CharField(_("invoicing period"), max_length=10, choices=PeriodUnit.choices)
    billing = models.CharField(
        _("billing"), max_length=10, choices=Billing.choices, default=Billing.ADVANCE
    )
    align_to_calendar = models.BooleanField(
        _("align to the calendar"),
        default=False,
        help_text=_(
            "Bill by calendar weeks, months, quarters or years; the first period is then partial."
        ),
    )
    accrue = models.BooleanField(_("accrue revenue"), default=False)
    accrual_period = models.CharField(
        _("accrual period"), max_length=10, choices=PeriodUnit.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("subscription plan")
        verbose_name_plural = _("subscription plans")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accrue=False) | ~Q(accrual_period=""),
                name="plan_accrual_period_when_accruing",
                violation_error_message=_("A plan that accrues revenue needs an accrual period."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Subscription(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        ENDED = "ended", _("Ended")

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="subscriptions",
    )
    agreement = models.ForeignKey(
        "agreements.ServiceAgreement",
        verbose_name=_("agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subscriptions",
    )
    plan = models.ForeignKey(
        SubscriptionPlan,
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        related_name="subscriptions",
    )
    description = models.CharField(_("description"), max_length=300)
    base_price = models.DecimalField(
        _("base price"),
        max_digits=14,
        decimal_places=2,
        help_text=_("The fee of a full period at index 100."),
    )
    index = models.DecimalField(
        _("index"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("100"),
        help_text=_("100 = no indexation; the fee is base price × index / 100."),
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    starts_on = models.DateField(_("starts on"), validators=[validate_service_year])
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, validators=[validate_service_year]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    fees_pending_from = models.DateField(
        _("fees pending from"),
        help_text=_(
            "Fee generation looks at the periods from this day on: every earlier period has "
            "its fee, or had none to make."
        ),
    )

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="subscription_ends_after_start",
                violation_error_message=_("The end must not be before the start."),
            ),
            models.CheckConstraint(
                condition=Q(base_price__gte=0),
                name="subscription_price_not_negative",
                violation_error_message=_("The base price must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(index__gt=0),
                name="subscription_index_positive",
                violation_error_message=_("The index must be above zero."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "fees_pending_from"], name="subscription_pending_idx"),
            models.Index(fields=["customer", "status"], name="subscription_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}"


class SubscriptionPause(models.Model):
    """A pause, first and last day inclusive (no last day while it lasts). Paused days bill
    nothing: a period paused throughout makes no fee, one paused in part is prorated."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="pauses")
    starts_on = models.DateField(_("paused from"))
    ends_on = models.DateField(_("paused until"), null=True, blank=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on or ''}"


class PriceChange(models.Model):
    """The subscription's price history: each indexation or base price change with the day it
    takes effect and the price before and after. A fee uses the price in effect on its period's
    first day."""

    class Method(models.TextChoices):
        INDEX_PERCENT = "index_percent", _("Index by %")
        INDEX_TO = "index_to", _("Index to a value")
        BASE_PERCENT = "base_percent", _("Base price by %")
        BASE_TO = "base_to", _("Base price to a value")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="price_changes"
    )
    method = models.CharField(_("method"), max_length=15, choices=Method.choices)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    effective_on = models.DateField(_("effective on"), validators=[validate_service_year])
    base_price_before = models.DecimalField(max_digits=14, decimal_places=2)
    index_before = models.DecimalField(max_digits=10, decimal_places=4)
    base_price = models.DecimalField(_("base price"), max_digits=14, decimal_places=2)
    index = models.DecimalField(_("index"), max_digits=10, decimal_places=4)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        ordering = ["effective_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.value} ({self.effective_on})"


class Fee(TimeStampedModel):
    """One period's fee of a subscription. Made once per period (unique on the period's first
    day); open (recomputed when the subscription changes, also while a draft invoice bills it)
    until an invoice billing it is posted, after which it never changes."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INVOICED = "invoiced", _("Invoiced")  # on a posted invoice
        CREDITED = "credited", _("Credited")

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="fees",
        db_index=False,  # fee_once_per_period's index starts with it
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    days = models.PositiveIntegerField(_("days billed"))
    full_days = models.PositiveIntegerField(_("days of the full period"))
    base_price = models.DecimalField(_("base price"), max_digits=14, decimal_places=2)
    index = models.DecimalField(_("index"), max_digits=10, decimal_places=4)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    is_adjusted = models.BooleanField(
        _("adjusted by hand"),
        default=False,
        help_text=_("A manager set the amount: later changes of the subscription leave it."),
    )

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["subscription", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start"], name="fee_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="fee_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(days__gte=1) & Q(days__lte=F("full_days")), name="fee_days_in_period"
            ),
        ]
        indexes = [models.Index(fields=["status", "period_start"], name="fee_status_idx")]

    def __str__(self) -> str:
        return f"{self.subscription.number} {self.period_start}–{self.period_end}"
