"""Refusals of the billing app (409 with a stable code; input errors are 422)."""

from django.utils.translation import gettext_lazy as _

from openservice.core.errors import DomainError, InvalidInput


class AlreadyPosted(DomainError):
    code = "billing.already_posted"
    default_message = _("The invoice is posted: it never changes (credit it instead).")


class IssueDateBeforeLast(DomainError):
    code = "billing.issue_date_before_last"
    default_message = _(
        "An invoice of this year was posted with a later issue date: numbers follow the dates."
    )


class InvoiceEmpty(DomainError):
    code = "billing.invoice_empty"
    default_message = _("An invoice without lines cannot be posted.")


class NotPosted(DomainError):
    code = "billing.not_posted"
    default_message = _("Only a posted invoice can be credited; change or delete the draft.")


class NotCreditable(DomainError):
    code = "billing.not_creditable"
    default_message = _("A credit note cannot be credited.")


class AlreadyCredited(DomainError):
    code = "billing.already_credited"
    default_message = _("These lines are credited already: more than was invoiced would be.")


class CreditExceedsInvoiced(DomainError):
    code = "billing.credit_exceeds_invoiced"
    default_message = _("The credit is larger than what the line invoiced.")


class CustomerMismatch(DomainError):
    code = "billing.customer_mismatch"
    default_message = _("The line belongs to another customer's invoice or another currency.")


class SourceInvoiced(DomainError):
    code = "billing.source_invoiced"
    default_message = _("This order line or fee is on an invoice already.")


class AmountTooLarge(InvalidInput):
    code = "billing.amount_too_large"
    default_message = _("The invoice's totals would exceed the largest amount it holds.")
