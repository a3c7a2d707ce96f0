"""Invoices and credit notes, their lines and the revenue accruals of invoiced fees
(domain.md §10). An invoice line points to what it bills (an order line or a subscription fee),
each of which can be invoiced once only; posting numbers an invoice gaplessly per year and makes
it immutable; corrections are credit notes that reference the original."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openservice.core.models import TimeStampedModel
from openservice.customers.models import currency_validator


class Invoice(TimeStampedModel):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")

    number = models.CharField(
        _("number"), max_length=30, blank=True, help_text=_("Assigned when posted.")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    credited_invoice = models.ForeignKey(
        "self",
        verbose_name=_("credits invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    # What the customer's copy says, frozen at posting.
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)
    vat_id = models.CharField(_("VAT id"), max_length=30, blank=True)
    net_amount = models.DecimalField(_("net"), max_digits=14, decimal_places=2, default=0)
    vat_amount = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=0)
    gross_amount = models.DecimalField(_("gross"), max_digits=14, decimal_places=2, default=0)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-pk"]
        permissions = [
            ("post_invoice", _("Can post invoices")),
            ("credit_invoice", _("Can credit invoices")),
            ("export_invoice", _("Can export invoices and accruals")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="invoice_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | ~Q(number=""), name="invoice_posted_has_number"
            ),
            models.CheckConstraint(
                condition=Q(kind="credit_note") | Q(credited_invoice__isnull=True),
                name="invoice_only_credit_notes_credit",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="invoice_customer_idx"),
            models.Index(fields=["status", "issued_on"], name="invoice_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number or _("Draft %(kind)s %(pk)s") % {
            "kind": self.get_kind_display().lower(),
            "pk": self.pk,
        }

    @property
    def is_posted(self) -> bool:
        return self.status == self.Status.POSTED


class InvoiceLine(models.Model):
    """A line and what it bills: an order line or a fee (each at most once, by the unique
    one-to-one keys), or nothing for lines other apps write (a return's credit). A credit note's
    line names the invoice line it reverses; its amounts are negative."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=0)
    order_line = models.OneToOneField(
        "orders.OrderLine",
        verbose_name=_("order line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_line",
    )
    fee = models.OneToOneField(
        "subscriptions.Fee",
        verbose_name=_("fee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_line",
    )
    # A line may be credited in parts (a return gives back some of the units it billed); the
    # credits never add up to more than the line (services/credits.py).
    credited_line = models.ForeignKey(
        "self",
        verbose_name=_("credits line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_lines",
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    net_amount = models.DecimalField(_("net"), max_digits=14, decimal_places=2)
    vat_rate = models.DecimalField(_("VAT %"), max_digits=5, decimal_places=2)
    vat_amount = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2)
    gross_amount = models.DecimalField(_("gross"), max_digits=14, decimal_places=2)
    period_start = models.DateField(_("service from"), null=True, blank=True)
    period_end = models.DateField(_("service until"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(order_line__isnull=True) | Q(fee__isnull=True),
                name="invoice_line_one_source",
            ),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0) & Q(vat_rate__lte=100),
                name="invoice_line_vat_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class AccrualEntry(models.Model):
    """A part of an invoiced fee recognised as revenue in one accrual period. The parts of a
    fee sum exactly to it; a credit writes the same parts negated, pointing to what they
    reverse."""

    invoice_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="accruals")
    fee = models.ForeignKey("subscriptions.Fee", on_delete=models.PROTECT, related_name="accruals")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("accrual entry")
        verbose_name_plural = _("accrual entries")
        ordering = ["fee", "period_start", "pk"]
        indexes = [models.Index(fields=["period_end"], name="accrual_period_idx")]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end} {self.amount} {self.currency}"
