from django.utils.translation import gettext_lazy as _

from openservice.core.errors import DomainError


class ComponentNotInstalled(DomainError):
    code = "equipment.component_not_installed"
    default_message = _("The component has already been removed from the object.")


class ReplacementBeforeInstallation(DomainError):
    code = "equipment.replacement_before_installation"
    default_message = _(
        "The replacement is dated before the component (or a part of it) was installed."
    )


class ReplacementInFuture(DomainError):
    code = "equipment.replacement_in_future"
    default_message = _("A replacement cannot be dated in the future.")


class SerialInUse(DomainError):
    code = "equipment.serial_in_use"
    default_message = _("A unit with this item and serial is already installed.")


class BomNotApplicable(DomainError):
    code = "equipment.bom_not_applicable"
    default_message = _("Only an approved BOM version of the object's own item can be applied.")


class CustomerMismatch(DomainError):
    code = "equipment.site_of_another_customer"
    default_message = _("The site belongs to another customer.")


class ObjectRetired(DomainError):
    code = "equipment.object_retired"
    default_message = _("The object is retired: reactivate it first.")


class NothingToSave(DomainError):
    code = "equipment.empty_tree"
    default_message = _("The object has no installed components to save as a BOM.")
