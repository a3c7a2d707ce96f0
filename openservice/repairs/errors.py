"""Refusals of the repairs app: a code outside its area, or a replacement without a component,
is 422 on the field; a repair on an object or component the order does not cover, deleting a code
in use or a repair line with replacements is 409."""

from django.utils.translation import gettext_lazy as _

from openservice.core.errors import DomainError, InvalidInput


class CodeNotInArea(InvalidInput):
    code = "repairs.code_not_in_area"
    default_message = _("The code does not belong to the chosen area.")


class ObjectNotOnOrder(DomainError):
    code = "repairs.object_not_on_order"
    default_message = _("The order does not cover this object: relate it to the order first.")


class ComponentNotOfObject(DomainError):
    code = "repairs.component_not_of_object"
    default_message = _("The component is not installed in this object.")


class ComponentRequired(InvalidInput):
    code = "repairs.component_required"
    default_message = _("Choose the component to replace: the repair line names none.")


class CodeInUse(DomainError):
    code = "repairs.code_in_use"
    default_message = _("The code is in use and cannot be deleted; deactivate it instead.")


class LineHasReplacements(DomainError):
    code = "repairs.line_has_replacements"
    default_message = _("Components were replaced on this repair line: it is kept as their record.")


class NoRepairStage(DomainError):
    code = "repairs.no_stage"
    default_message = _("No repair stage is defined: a manager adds the repair stages first.")
