from django.utils.translation import gettext_lazy as _

from openservice.core.errors import DomainError


class CustomerInactive(DomainError):
    code = "customers.customer_inactive"
    default_message = _("The customer is inactive: reactivate it first.")
