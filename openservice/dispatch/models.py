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


class Proposal(TimeStampedModel):
    """A plan the optimiser proposed for a date range: its assignments and the work it left
    out, kept unchanged until a dispatcher accepts or discards it. `snapshot` is what the plan
    was made from (the orders' versions and the technicians' appointments), so accepting it
    after any of that changed is refused rather than booking a plan made for another day."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACCEPTED = "accepted", _("accepted")
        DISCARDED = "discarded", _("discarded")

    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    time_limit_seconds = models.PositiveIntegerField(_("time limit (seconds)"))
    seconds = models.DecimalField(_("seconds taken"), max_digits=8, decimal_places=2, default=0)
    # {"assignments": [...], "unassigned": [...], "breaks": [...]} as the API shows them.
    result = models.JSONField(_("result"), default=dict)
    snapshot = models.JSONField(_("snapshot"), default=dict)
    travel_minutes = models.PositiveIntegerField(_("travel minutes"), default=0)
    late_minutes = models.PositiveIntegerField(_("late minutes"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted or discarded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("accepted or discarded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan proposal")
        verbose_name_plural = _("plan proposals")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_to__gte=models.F("date_from")),
                name="proposal_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date_from}–{self.date_to} ({self.status})"


class CalendarFeed(TimeStampedModel):
    """The secret token of a technician's iCalendar feed of appointments. Whoever holds the
    address reads the feed, so it is long and random, and resetting it locks out the old one."""

    technician = models.OneToOneField(
        "workforce.Technician",
        verbose_name=_("technician"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("token"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"feed of {self.technician_id}"
