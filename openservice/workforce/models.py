"""Technicians, their skills (with levels) and the dispatch teams they belong to."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openservice.core.models import TimeStampedModel


class Skill(TimeStampedModel):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DispatchTeam(TimeStampedModel):
    """A group of technicians a dispatcher plans together (by region or trade)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_dispatch_teams",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dispatch team")
        verbose_name_plural = _("dispatch teams")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Technician(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="technician",
    )
    name = models.CharField(_("name"), max_length=200)
    team = models.ForeignKey(
        DispatchTeam,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="technicians",
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    calendar = models.ForeignKey(
        "calendars.WorkCalendar",
        verbose_name=_("working calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="technicians",
        help_text=_("Empty: the company's default calendar."),
    )
    home_latitude = models.DecimalField(
        _("home latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    home_longitude = models.DecimalField(
        _("home longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    hourly_cost = models.DecimalField(
        _("hourly cost"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    skills = models.ManyToManyField(
        Skill, through="TechnicianSkill", related_name="technicians", verbose_name=_("skills")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")
        ordering = ["name", "pk"]
        permissions = [("view_cost", _("Can see technicians' hourly cost"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hourly_cost__gte=0), name="technician_hourly_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(home_latitude__isnull=True, home_longitude__isnull=True)
                | models.Q(home_latitude__isnull=False, home_longitude__isnull=False),
                name="technician_home_both_or_neither",
                violation_error_message=_("Give both home latitude and longitude, or neither."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TechnicianSkill(models.Model):
    technician = models.ForeignKey(
        Technician, on_delete=models.CASCADE, related_name="skill_levels"
    )
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="technician_levels")
    level = models.PositiveSmallIntegerField(
        _("level"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("technician skill")
        verbose_name_plural = _("technician skills")
        ordering = ["skill__code"]
        constraints = [
            models.UniqueConstraint(fields=["technician", "skill"], name="technician_skill_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="technician_skill_level_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill.code} {self.level}"
