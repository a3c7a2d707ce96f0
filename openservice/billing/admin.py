"""Invoices are worked on the billing pages and through the services (posting numbers them
gaplessly and freezes them); the admin shows them read-only."""

from django.contrib import admin

from openservice.billing.models import AccrualEntry, Invoice, InvoiceLine
from openservice.subscriptions.admin import ReadOnlyAdmin, ReadOnlyInline


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ("position", "description", "quantity", "unit_price", "vat_rate", "net_amount")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "customer", "status", "issued_on", "gross_amount")
    list_filter = ("status", "kind")
    search_fields = ("number", "customer__name", "reference")
    inlines = [InvoiceLineInline]


@admin.register(AccrualEntry)
class AccrualEntryAdmin(ReadOnlyAdmin):
    list_display = ("fee", "period_start", "period_end", "amount", "currency")
    date_hierarchy = "period_end"
