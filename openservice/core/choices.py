"""Choices shared by several apps."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.TextChoices):
    """An order's priority; SLA policies set targets per priority."""

    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class LineKind(models.TextChoices):
    """What an order line or an agreement line charges for."""

    HOUR = "hour", _("Hours")
    ITEM = "item", _("Item")
    EXPENSE = "expense", _("Expense")
    FEE = "fee", _("Fee")
