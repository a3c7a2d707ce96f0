"""From the database to the optimiser and back: the problem of a date range (open orders as
jobs, technicians' shifts from their calendars, pinned and started appointments as fixed, the
current plan as the starting point) and the snapshot that tells whether a proposal is stale."""

import math
from decimal import Decimal

from django.conf import settings

from openservice.core.choices import LineKind
from openservice.orders.models import OrderLine, ServiceOrder


def duration_minutes(order: ServiceOrder) -> int:
    """How long a visit to the order takes: its tasks' default durations added up; without
    tasks, the hours of its open hour lines; without those, DISPATCH_DEFAULT_VISIT_MINUTES."""
    tasks = sum(task.default_duration_minutes or 0 for task in order.tasks.all())
    if tasks:
        return tasks
    hours = sum(
        (
            line.quantity
            for line in order.lines.all()
            if line.kind == LineKind.HOUR and line.status == OrderLine.Status.OPEN
        ),
        Decimal(0),
    )
    if hours > 0:
        return math.ceil(hours * 60)
    return settings.DISPATCH_DEFAULT_VISIT_MINUTES
