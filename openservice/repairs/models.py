"""Repair management (domain.md §5): the codes managers maintain (conditions, symptom areas and
codes, diagnosis areas and codes, resolutions, repair stages) and the repair lines technicians
record on an order, one per repaired object (or component), coded so that history and
suggestions can be read across orders."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openservice.core.models import TimeStampedModel


class RepairCode(TimeStampedModel):
    """What every repair code has: a stable code (what the API and imports use), a name, and
    whether it is still offered."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Condition(RepairCode):
    """The condition the unit was found in (normal use, misuse, vandalism, …)."""

    class Meta(RepairCode.Meta):
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")


class SymptomArea(RepairCode):
    class Meta(RepairCode.Meta):
        verbose_name = _("symptom area")
        verbose_name_plural = _("symptom areas")


class SymptomCode(RepairCode):
    """A symptom within its area (DOOR → DOOR_NOT_CLOSING)."""

    area = models.ForeignKey(
        SymptomArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="codes"
    )

    class Meta(RepairCode.Meta):
        verbose_name = _("symptom code")
        verbose_name_plural = _("symptom codes")


class DiagnosisArea(RepairCode):
    class Meta(RepairCode.Meta):
        verbose_name = _("diagnosis area")
        verbose_name_plural = _("diagnosis areas")


class DiagnosisCode(RepairCode):
    """A diagnosis within its area (ELEC → ELEC_SENSOR)."""

    area = models.ForeignKey(
        DiagnosisArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="codes"
    )

    class Meta(RepairCode.Meta):
        verbose_name = _("diagnosis code")
        verbose_name_plural = _("diagnosis codes")


class Resolution(RepairCode):
    class Meta(RepairCode.Meta):
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")


class RepairStage(RepairCode):
    """Where a repair line stands; a finished stage stamps the line's `finished_at`."""

    is_finished = models.BooleanField(_("finished"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta(RepairCode.Meta):
        verbose_name = _("repair stage")
        verbose_name_plural = _("repair stages")
        ordering = ["sort_order", "code"]


class RepairLine(TimeStampedModel):
    """One repair on an order: the object (related to the order) and optionally one of its
    components, coded by condition, symptom, diagnosis and resolution (each code within its
    area), with its stage, technician, description and note."""

    order = models.ForeignKey(
        "orders.ServiceOrder",
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        related_name="repair_lines",
    )
    object = models.ForeignKey(
        "equipment.ServiceObject",
        verbose_name=_("object"),
        on_delete=models.PROTECT,
        related_name="repair_lines",
    )
    component = models.ForeignKey(
        "equipment.Component",
        verbose_name=_("component"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_lines",
    )
    condition = models.ForeignKey(
        Condition, verbose_name=_("condition"), null=True, blank=True, on_delete=models.PROTECT
    )
    symptom_area = models.ForeignKey(
        SymptomArea,
        verbose_name=_("symptom area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    symptom_code = models.ForeignKey(
        SymptomCode,
        verbose_name=_("symptom code"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    diagnosis_area = models.ForeignKey(
        DiagnosisArea,
        verbose_name=_("diagnosis area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    diagnosis_code = models.ForeignKey(
        DiagnosisCode,
        verbose_name=_("diagnosis code"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    resolution = models.ForeignKey(
        Resolution, verbose_name=_("resolution"), null=True, blank=True, on_delete=models.PROTECT
    )
    stage = models.ForeignKey(RepairStage, verbose_name=_("repair stage"), on_delete=models.PROTECT)
    technician = models.ForeignKey(
        "workforce.Technician",
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_lines",
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("repair line")
        verbose_name_plural = _("repair lines")
        ordering = ["order", "pk"]
        indexes = [
            models.Index(fields=["object", "-created_at"], name="repair_object_idx"),
            models.Index(fields=["symptom_code", "resolution"], name="repair_symptom_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.pk} {self.description}"


class ComponentReplacement(TimeStampedModel):
    """A component replaced from a repair line: the unit taken out (the one repaired, which the
    repair line keeps pointing at), the unit put in its place, and the billable item line added
    to the order for the new unit, if any. The component tree itself records the replacement
    (equipment's `component_replace`); this row says which repair and order it was made on."""

    repair_line = models.ForeignKey(
        RepairLine,
        verbose_name=_("repair line"),
        on_delete=models.PROTECT,
        related_name="replacements",
    )
    removed = models.ForeignKey(
        "equipment.Component",
        verbose_name=_("removed unit"),
        on_delete=models.PROTECT,
        related_name="repair_removals",
    )
    installed = models.OneToOneField(
        "equipment.Component",
        verbose_name=_("installed unit"),
        on_delete=models.PROTECT,
        related_name="repair_installation",
    )
    order_line = models.ForeignKey(
        "orders.OrderLine",
        verbose_name=_("order line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("component replacement")
        verbose_name_plural = _("component replacements")
        ordering = ["repair_line", "pk"]

    def __str__(self) -> str:
        return f"{self.repair_line_id}: {self.removed_id} → {self.installed_id}"
