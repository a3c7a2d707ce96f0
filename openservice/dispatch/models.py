"""Appointments: a technician's visit to a service order, planned on the dispatch board."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openservice.core.models import TimeStampedModel


class Appointment(TimeStampedModel):
    """One visit of one technician to one order, from `starts_at` to `ends_at` (UTC instants).
    The status moves forward only: tentative → confirmed → travelling → on_site → done, or to
    cancelled while not done. The appointments of an order drive its stage (see services)."""

    class Status(models.TextChoices):
        TENTATIVE = "tentative", _("tentative")
        CONFIRMED = "confirmed", _("confirmed")
        TRAVELLING = "travelling", _("travelling")
        ON_SITE = "on_site", _("on site")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    ACTIVE = (Status.TENTATIVE, Status.CONFIRMED, Status.TRAVELLING, Status.ON_SITE)
    MOVABLE = (Status.TENTATIVE, Status.CONFIRMED)

    order = models.ForeignKey(
        "orders.ServiceOrder",
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        related_name="appointments",
    )
    technician = models.ForeignKey(
        "workforce.Technician",
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.CONFIRMED
    )
    is_pinned = models.BooleanField(
        _("pinned"), default=False, help_text=_("The optimiser leaves pinned appointments alone.")
    )
    travel_minutes = models.PositiveIntegerField(_("travel minutes"), default=0)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["technician", "starts_at"], name="appointment_tech_start_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
                violation_error_message=_("The appointment must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(travel_minutes__gte=0),
                name="appointment_travel_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} / {self.technician_id} @ {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
