"""Items (parts, products, services, fees) and the service tasks technicians perform."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openservice.core.models import TimeStampedModel


class Item(TimeStampedModel):
    class Kind(models.TextChoices):
        PART = "part", _("Part")
        PRODUCT = "product", _("Product")
        SERVICE = "service", _("Service")
        FEE = "fee", _("Fee")

    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PART)
    unit = models.CharField(_("unit"), max_length=10, default="pcs")
    sales_price = models.DecimalField(
        _("sales price"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    cost_price = models.DecimalField(
        _("cost price"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    is_serialized = models.BooleanField(
        _("serialized"), default=False, help_text=_("Each unit carries its own serial number.")
    )
    vat_rate = models.DecimalField(
        _("VAT %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Empty: the default VAT rate (setting VAT_DEFAULT_RATE)."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["sku"]
        permissions = [("view_cost", _("Can see cost prices"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sales_price__gte=0, cost_price__gte=0),
                name="item_prices_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ServiceTask(TimeStampedModel):
    """A kind of work (annual lift inspection, filter change) with its default duration and
    the skills it needs. The internal note is for technicians, the external one for customers."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    default_duration_minutes = models.PositiveIntegerField(
        _("default duration (minutes)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
    )
    internal_note = models.TextField(_("internal note"), blank=True)
    external_note = models.TextField(_("external note"), blank=True)
    required_skills = models.ManyToManyField(
        "workforce.Skill",
        through="TaskSkill",
        related_name="tasks",
        verbose_name=_("required skills"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service task")
        verbose_name_plural = _("service tasks")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class TaskSkill(models.Model):
    task = models.ForeignKey(ServiceTask, on_delete=models.CASCADE, related_name="skill_needs")
    skill = models.ForeignKey("workforce.Skill", on_delete=models.PROTECT, related_name="+")
    min_level = models.PositiveSmallIntegerField(
        _("minimum level"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("required skill")
        verbose_name_plural = _("required skills")
        ordering = ["skill__code"]
        constraints = [
            models.UniqueConstraint(fields=["task", "skill"], name="task_skill_unique"),
            models.CheckConstraint(
                condition=models.Q(min_level__gte=1, min_level__lte=5),
                name="task_skill_min_level_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id} ≥ {self.min_level}"


class Bom(TimeStampedModel):
    """One version of an item's bill of materials.

    A draft is edited freely; approving freezes it. At most one approved version of an item is
    valid on any date (checked under a lock on the item in `bom_approve`). Changing an approved
    structure means copying it to a new draft version.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        RETIRED = "retired", _("Retired")

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="boms"
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bill of materials")
        verbose_name_plural = _("bills of materials")
        ordering = ["item__sku", "version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="bom_item_version_unique"),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="bom_valid_to_not_before_from",
                violation_error_message=_("Valid to must not be before valid from."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.sku} v{self.version}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def is_valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class BomLine(models.Model):
    """A component of a BOM version; `parent` nests lines into sub-assemblies within one BOM."""

    bom = models.ForeignKey(Bom, on_delete=models.CASCADE, related_name="lines")
    component_item = models.ForeignKey(
        Item, verbose_name=_("component"), on_delete=models.PROTECT, related_name="used_in_lines"
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=3,
        default=1,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    position = models.CharField(_("position"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent line"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )

    class Meta:
        verbose_name = _("BOM line")
        verbose_name_plural = _("BOM lines")
        ordering = ["bom", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="bom_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position or '-'} {self.component_item_id} × {self.quantity}"
