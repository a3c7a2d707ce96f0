"""Refusals of the repairs app: a code outside its area is 422 on the field; a repair on an
object or component the order does not cover is 409."""

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
