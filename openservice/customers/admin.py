from django.contrib import admin

from openservice.core.admin import AuditedAdmin
from openservice.customers.models import AgreementGroup, Contact, Customer, Site
from openservice.customers.services import customer_create


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ("name", "address", "postcode", "city", "country", "timezone", "is_active")
    show_change_link = True


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "role", "email", "phone", "user", "is_active")
    raw_id_fields = ("user",)


@admin.register(AgreementGroup)
class AgreementGroupAdmin(AuditedAdmin):
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")
    list_filter = ("is_active",)


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin):
    list_display = ("number", "name", "agreement_group", "currency", "is_active")
    list_filter = ("is_active", "agreement_group", "currency")
    search_fields = ("number", "name", "vat_id", "email")
    inlines = [SiteInline, ContactInline]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.base_fields["number"].required = False
            form.base_fields["number"].help_text = "Leave empty to take the next number."
        return form

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        fields = {
            name: form.cleaned_data[name]
            for name in ("vat_id", "billing_address", "agreement_group", "email", "phone", "note")
        }
        created = customer_create(
            by=request.user,
            name=obj.name,
            number=obj.number,
            currency=obj.currency,
            **fields,
        )
        obj.pk = created.pk
        obj.number = created.number


@admin.register(Site)
class SiteAdmin(AuditedAdmin):
    list_display = ("name", "customer", "city", "country", "timezone", "is_active")
    list_filter = ("is_active", "country")
    search_fields = ("name", "address", "city", "customer__name", "customer__number")
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)


@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    list_display = ("name", "customer", "role", "email", "user", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "email", "customer__name")
    list_select_related = ("customer", "user")
    autocomplete_fields = ("customer",)
    raw_id_fields = ("user",)
