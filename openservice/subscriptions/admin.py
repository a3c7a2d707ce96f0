"""Subscriptions and their fees are worked on their pages and through the services (every change
recomputes fees and is audited); the admin shows them read-only. Plans are edited on the plan
pages, where the service refuses terms a used plan may no longer change."""

from django.contrib import admin

from openservice.subscriptions.models import (
    Fee,
    PriceChange,
    Subscription,
    SubscriptionPause,
    SubscriptionPlan,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PauseInline(ReadOnlyInline):
    model = SubscriptionPause
    fields = ("starts_on", "ends_on")


class PriceChangeInline(ReadOnlyInline):
    model = PriceChange
    fields = ("effective_on", "method", "value", "base_price", "index", "by", "at")


@admin.register(SubscriptionPlan)
class SubscriptionPlanAdmin(ReadOnlyAdmin):
    list_display = ("name", "period", "billing", "align_to_calendar", "accrue", "accrual_period")


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "plan", "base_price", "index", "status", "starts_on")
    list_filter = ("status", "plan")
    search_fields = ("number", "description", "customer__name")
    inlines = [PauseInline, PriceChangeInline]


@admin.register(Fee)
class FeeAdmin(ReadOnlyAdmin):
    list_display = ("subscription", "period_start", "period_end", "amount", "currency", "status")
    list_filter = ("status",)
    search_fields = ("subscription__number",)
