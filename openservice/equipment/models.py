"""Service objects (customer equipment) and their as-maintained component trees."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from openservice.core.models import TimeStampedModel


class ObjectGroup(TimeStampedModel):
    """A family of objects (passenger lifts, air handling units) for reports and agreements."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("object group")
        verbose_name_plural = _("object groups")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServiceObject(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="service_objects",
    )
    site = models.ForeignKey(
        "customers.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_objects",
    )
    item = models.ForeignKey(
        "catalog.Item",
        verbose_name=_("item (model)"),
        on_delete=models.PROTECT,
        related_name="service_objects",
    )
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True)
    installed_on = models.DateField(_("installed on"))
    warranty_ends_on = models.DateField(_("warranty ends on"), null=True, blank=True)
    group = models.ForeignKey(
        ObjectGroup,
        verbose_name=_("object group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_objects",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    bom = models.ForeignKey(
        "catalog.Bom",
        verbose_name=_("BOM version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_objects",
        help_text=_("The BOM version the component tree was built from or last upgraded to."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("service object")
        verbose_name_plural = _("service objects")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "serial_number"],
                condition=~models.Q(serial_number=""),
                name="service_object_serial_unique_per_item",
                violation_error_message=_("Another object of this item has this serial number."),
            ),
            models.CheckConstraint(
                condition=models.Q(warranty_ends_on__isnull=True)
                | models.Q(warranty_ends_on__gte=models.F("installed_on")),
                name="service_object_warranty_after_installation",
                violation_error_message=_("The warranty cannot end before installation."),
            ),
        ]
        indexes = [models.Index(fields=["serial_number"], name="service_object_serial_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.serial_number}".strip()

    def is_under_warranty(self, on) -> bool:
        return self.warranty_ends_on is not None and on <= self.warranty_ends_on


class Component(models.Model):
    """One physical unit in an object's tree, present from `installed_on` until `removed_on`.

    Rows are never deleted: a replacement closes the old unit (and its sub-units) and opens the
    new one, so the tree on any past date is the set of units installed on or before it and not
    yet removed on it. `slot` is the unit's place in the structure (positions from the root,
    e.g. "DRV/CTRL"); it survives replacements and is how BOM versions are compared.
    """

    object = models.ForeignKey(ServiceObject, on_delete=models.CASCADE, related_name="components")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    item = models.ForeignKey(
        "catalog.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    serial = models.CharField(_("serial"), max_length=60, blank=True)
    position = models.CharField(_("position"), max_length=40, blank=True)
    slot = models.CharField(_("slot"), max_length=400, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=1)
    installed_on = models.DateField(_("installed on"))
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_reason = models.CharField(_("removal reason"), max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["object", "slot", "pk"]
        indexes = [
            models.Index(fields=["object", "installed_on"], name="component_object_installed_idx"),
            models.Index(fields=["item", "serial"], name="component_item_serial_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(removed_on__isnull=True)
                | models.Q(removed_on__gte=models.F("installed_on")),
                name="component_removed_not_before_installed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slot or self.position} {self.item_id}"
