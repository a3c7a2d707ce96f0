"""Refusals of the agreements app. Input that breaks a line's rules is 422 with field errors and
a code of its own; a refused action on the agreement's state is 409."""

from django.utils.translation import gettext_lazy as _

from openservice.core.errors import DomainError, InvalidInput


class LineOutsideValidity(InvalidInput):
    code = "agreements.line_outside_validity"
    default_message = _("The line's period must lie inside the agreement's validity.")


class IntervalNotPositive(InvalidInput):
    code = "agreements.interval_not_positive"
    default_message = _("The interval must be at least 1.")


class WindowWiderThanInterval(InvalidInput):
    code = "agreements.window_wider_than_interval"
    default_message = _(
        "The time window is wider than the interval: one visit could serve two occurrences."
    )


class ObjectNotCovered(InvalidInput):
    code = "agreements.object_not_covered"
    default_message = _("A line may only name an object the agreement covers.")


class CustomerMismatch(DomainError):
    code = "agreements.customer_mismatch"
    default_message = _("The site or an object belongs to another customer.")


class CustomerInactive(DomainError):
    code = "agreements.customer_inactive"
    default_message = _("The customer is inactive and gets no new agreements.")


class InvalidStatusChange(DomainError):
    code = "agreements.invalid_status_change"
    default_message = _("The agreement's status does not allow this action.")


class IsTemplate(DomainError):
    code = "agreements.is_template"
    default_message = _("A template is never active and never generates orders.")


class ReadOnly(DomainError):
    code = "agreements.read_only"
    default_message = _("A cancelled or expired agreement cannot change.")


class ObjectInUse(DomainError):
    code = "agreements.object_in_use"
    default_message = _("A line names this object; change the line before removing the object.")


class LineInUse(DomainError):
    code = "agreements.line_in_use"
    default_message = _("Orders were generated from this line; stop it instead of deleting it.")


class RenewalPeriodInvalid(InvalidInput):
    code = "agreements.renewal_period_invalid"
    default_message = _("The renewal needs a start after the agreement's end.")


class PolicyInactive(DomainError):
    code = "agreements.sla_policy_inactive"
    default_message = _("The SLA policy is inactive.")


class AgreementInUse(DomainError):
    code = "agreements.in_use"
    default_message = _("Orders were made under this agreement; cancel it instead.")


class AmountTooLarge(InvalidInput):
    code = "agreements.amount_too_large"
    default_message = _("The line's quantity times its price is too large for an order line.")
