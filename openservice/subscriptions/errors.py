"""Refusals of the subscriptions app: input that breaks a rule of one record is 422 with a code
of its own; an action the subscription's state or its invoiced fees refuse is 409."""

from django.utils.translation import gettext_lazy as _

from openservice.core.errors import DomainError, InvalidInput


class AccrualLongerThanPeriod(InvalidInput):
    code = "subscriptions.accrual_longer_than_period"
    default_message = _("The accrual period may not be longer than the invoicing period.")


class EndBeforeStart(InvalidInput):
    code = "subscriptions.end_before_start"
    default_message = _("The end must not be before the start.")


class NegativePrice(InvalidInput):
    code = "subscriptions.negative_price"
    default_message = _("A price must not be negative.")


class InvalidIndex(InvalidInput):
    code = "subscriptions.invalid_index"
    default_message = _("The index must stay above zero.")


class AmountTooLarge(InvalidInput):
    code = "subscriptions.amount_too_large"
    default_message = _("A full period's fee would exceed the largest amount an invoice holds.")


class ThroughTooFar(InvalidInput):
    code = "subscriptions.through_too_far"
    default_message = _("Generate fees at most ten years ahead.")


class InvalidStatusChange(DomainError):
    code = "subscriptions.invalid_status_change"
    default_message = _("The subscription's status does not allow this action.")


class CustomerMismatch(DomainError):
    code = "subscriptions.customer_mismatch"
    default_message = _("The agreement belongs to another customer.")


class CustomerInactive(DomainError):
    code = "subscriptions.customer_inactive"
    default_message = _("The customer is inactive and gets no new subscriptions.")


class HasFees(DomainError):
    code = "subscriptions.has_fees"
    default_message = _(
        "Fees were made with these terms: the plan, start, currency and price change only "
        "before the first fee (use indexation to change the price)."
    )


class HasPriceChanges(DomainError):
    code = "subscriptions.has_price_changes"
    default_message = _(
        "The price has a history of changes: change it by indexation, from a day on."
    )


class ChangeBeforeLast(DomainError):
    code = "subscriptions.change_before_last"
    default_message = _("A price change may not take effect before the last one recorded.")


class FeeInvoiced(DomainError):
    code = "subscriptions.fee_invoiced"
    default_message = _("The fee is invoiced and never changes; credit it instead.")


class PlanInUse(DomainError):
    code = "subscriptions.plan_in_use"
    default_message = _("Subscriptions use this plan; its billing terms cannot change.")
