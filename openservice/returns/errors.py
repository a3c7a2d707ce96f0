"""Refusals of the returns app, each with its stable code: a state the return or line is not
in is 409; a value outside what the line allows is 422 on its field."""

from django.utils.translation import gettext_lazy as _

from openservice.core.errors import DomainError, InvalidInput


class ReturnClosed(DomainError):
    code = "returns.closed"
    default_message = _("The return is closed: it can no longer change.")


class ReturnCancelled(DomainError):
    code = "returns.cancelled"
    default_message = _("The return is cancelled: it can no longer change.")


class NotCancellable(DomainError):
    code = "returns.not_cancellable"
    default_message = _("Only a return nothing has arrived for can be cancelled.")


class LineNotInStatus(DomainError):
    code = "returns.line_status"
    default_message = _("The line is not in a status that allows this.")


class ArrivalExceedsExpected(InvalidInput):
    code = "returns.arrival_exceeds_expected"
    default_message = _("More arrived than the line expects.")


class DispositionMissing(DomainError):
    code = "returns.disposition_missing"
    default_message = _("Set a disposition on the line before processing it.")


class ObjectRequired(DomainError):
    code = "returns.object_required"
    default_message = _("A repair needs a line that names a service object.")


class ObjectWithoutSite(DomainError):
    code = "returns.object_without_site"
    default_message = _("The service object has no site to send the repair order to.")


class CreditPriceMissing(DomainError):
    code = "returns.credit_price_missing"
    default_message = _("Give the line a credit price before crediting it.")


class AlreadyCredited(DomainError):
    code = "returns.already_credited"
    default_message = _("The line has been credited already.")


class ExceedsInvoiced(DomainError):
    code = "returns.exceeds_invoiced"
    default_message = _("More would come back than the invoice line billed.")


class LinesFixed(DomainError):
    code = "returns.lines_fixed"
    default_message = _("Lines can be changed only while nothing has arrived.")


class CodeInUse(DomainError):
    code = "returns.code_in_use"
    default_message = _("The code is in use and cannot be deleted; deactivate it instead.")


class ReplacementShipped(DomainError):
    code = "returns.replacement_shipped"
    default_message = _("The replacement has been shipped already.")
