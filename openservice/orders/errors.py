from django.utils.translation import gettext_lazy as _

from openservice.core.errors import DomainError, InvalidInput


class UnknownStage(DomainError):
    code = "orders.unknown_stage"
    default_message = _("There is no stage with that code.")
    status = 422


class InvalidTransition(DomainError):
    code = "orders.invalid_transition"
    default_message = _("The workflow does not allow this stage change.")


class TransitionNotAllowedForRole(DomainError):
    code = "orders.transition_not_allowed"
    default_message = _("Your role may not make this stage change on this order.")
    status = 403


class ReasonRequired(DomainError):
    code = "orders.reason_required"
    default_message = _("This stage change needs a reason code.")


class ReasonNotUsable(DomainError):
    code = "orders.reason_not_usable"
    default_message = _("That reason code cannot be used for this.")


class ChangeInFuture(DomainError):
    code = "orders.change_in_future"
    default_message = _("A stage change cannot be dated in the future.")


class ChangeBeforePrevious(DomainError):
    code = "orders.change_before_previous"
    default_message = _("A stage change cannot be dated before the order's previous change.")


class StageReadOnly(DomainError):
    code = "orders.stage_read_only"
    default_message = _("The order's stage does not allow changes.")


class CancelNotAllowed(DomainError):
    code = "orders.cancel_not_allowed"
    default_message = _("The order cannot be cancelled in its stage or after posting.")


class NotCancelled(DomainError):
    code = "orders.not_cancelled"
    default_message = _("Only a cancelled order can have its cancellation revoked.")


class DeleteNotAllowed(DomainError):
    code = "orders.delete_not_allowed"
    default_message = _("The order cannot be deleted in its stage.")


class StaleVersion(DomainError):
    code = "orders.stale_version"
    default_message = _("Someone else changed the order meanwhile. Reload it and try again.")


class ObjectNotRelated(DomainError):
    code = "orders.object_not_related"
    default_message = _("The object is not one of the order's objects.")


class LineNotOpen(DomainError):
    code = "orders.line_not_open"
    default_message = _("Only an open line can be changed or cancelled.")


class SignOffRequired(DomainError):
    code = "orders.sign_off_required"
    default_message = _("The customer's sign-off is needed before posting.")


class PostingNotAllowed(DomainError):
    code = "orders.posting_not_allowed"
    default_message = _("The order's stage does not allow posting.")


class SignOffNotAllowed(DomainError):
    code = "orders.sign_off_not_allowed"
    default_message = _("Sign-off is recorded once the work has started.")


class NoAgreement(DomainError):
    code = "orders.no_agreement"
    default_message = _(
        "Lines move only between orders of the same agreement, and this order has none."
    )


class CustomerMismatch(DomainError):
    code = "orders.customer_mismatch"
    default_message = _("The site, objects and order must belong to the same customer.")


class ReportedInFuture(DomainError):
    code = "orders.reported_in_future"
    default_message = _("The reported time cannot be in the future.")


class NoSla(DomainError):
    code = "orders.no_sla"
    default_message = _("The order is not measured against an SLA (no policy or no target).")


class SlaNotStopped(DomainError):
    code = "orders.sla_not_stopped"
    default_message = _("The SLA clock was not stopped or cancelled by hand; nothing to restart.")


class SlaAlreadyStopped(DomainError):
    code = "orders.sla_already_stopped"
    default_message = _("The SLA clock is already stopped.")


class SlaAlreadyCancelled(DomainError):
    code = "orders.sla_already_cancelled"
    default_message = _("The SLA of this order is already cancelled.")


class SlaPolicyInactive(DomainError):
    code = "orders.sla_policy_inactive"
    default_message = _("That SLA policy is inactive.")
    status = 422


class SlaSettled(DomainError):
    code = "orders.sla_settled"
    default_message = _(
        "The SLA of this order is settled (its clock has stopped): its policy and priority can no "
        "longer change."
    )


class SlaPolicyRequired(DomainError):
    code = "orders.sla_policy_required"
    default_message = _(
        "An order measured against an SLA keeps a policy; cancel its SLA with a reason instead."
    )


class OtherAgreement(DomainError):
    code = "orders.other_agreement"
    default_message = _("Lines move only between orders of the same agreement.")


class LinesNotMovable(DomainError):
    code = "orders.lines_not_movable"
    default_message = _("Only open lines of the order can move, to another order.")


class AgreementRequired(InvalidInput):
    code = "orders.agreement_required"
    default_message = _("Orders must name the service agreement they are made under.")


class AgreementNotUsable(DomainError):
    code = "orders.agreement_not_usable"
    default_message = _(
        "Orders can be made only under an active agreement of the order's customer, valid on "
        "the service date (not a template)."
    )


class GenerationPeriodReversed(InvalidInput):
    code = "orders.generation_period_reversed"
    default_message = _("The period's start is after its end.")


class GenerationPeriodTooLong(InvalidInput):
    code = "orders.generation_period_too_long"
    default_message = _("Generate at most ten years at a time.")


class GenerationOnTemplate(DomainError):
    code = "orders.generation_on_template"
    default_message = _("Templates never generate orders.")
