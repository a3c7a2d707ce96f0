from django.utils.translation import gettext_lazy as _

from openservice.core.errors import DomainError


class BomNotEditable(DomainError):
    code = "catalog.bom_not_editable"
    default_message = _("Only a draft BOM can be changed: copy the version to a new draft.")


class BomCycle(DomainError):
    code = "catalog.bom_cycle"
    default_message = _("The component would make the BOM contain itself.")


class BomValidityOverlap(DomainError):
    code = "catalog.bom_validity_overlap"
    default_message = _(
        "Another approved version of this item is valid in the same period: "
        "limit the validity of one of them first."
    )


class BomEmpty(DomainError):
    code = "catalog.bom_empty"
    default_message = _("A BOM without lines cannot be approved.")


class BomNotApproved(DomainError):
    code = "catalog.bom_not_approved"
    default_message = _("Only an approved BOM can be retired.")
