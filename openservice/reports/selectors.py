"""Reports: read-only figures over the other apps' data, through their selectors (so a report
shows exactly the rows its reader may see)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth

from openservice.core.choices import Priority
from openservice.orders.models import SlaState
from openservice.orders.selectors import order_list, sla_state_q

GROUP_BY = ("customer", "agreement_group", "priority", "technician", "month")
COUNTS = (
    "orders",
    "met",
    "breached",
    "response_met",
    "response_breached",
    "resolution_met",
    "resolution_breached",
)


@dataclass(frozen=True)
class ComplianceRow:
    key: str | None
    label: str
    orders: int
    met: int
    breached: int
    open: int
    response_met: int
    response_breached: int
    resolution_met: int
    resolution_breached: int

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def compliance_percent(self) -> float | None:
        """Met among the orders whose outcome is known (met or breached); open ones wait."""
        return round(self.met * 100 / self.decided, 1) if self.decided else None

    def share(self, part: int) -> float:
        return round(part * 100 / self.orders, 1) if self.orders else 0.0


@dataclass(frozen=True)
class ComplianceReport:
    group_by: str
    date_from: date
    date_to: date
    rows: list[ComplianceRow]
    total: ComplianceRow


def _counts(now: datetime) -> dict:
    return {
        "orders": Count("pk"),
        "met": Count("pk", filter=sla_state_q(SlaState.MET, now)),
        "breached": Count("pk", filter=sla_state_q(SlaState.BREACHED, now)),
        "response_met": Count(
            "pk",
            filter=Q(sla_responded_at__isnull=False, sla_response_breach_at__isnull=True),
        ),
        "response_breached": Count("pk", filter=Q(sla_response_breach_at__lte=now)),
        "resolution_met": Count(
            "pk",
            filter=Q(sla_resolved_at__isnull=False, sla_resolution_breach_at__isnull=True),
        ),
        "resolution_breached": Count("pk", filter=Q(sla_resolution_breach_at__lte=now)),
    }


def _row(key, label, values: dict) -> ComplianceRow:
    return ComplianceRow(
        key=None if key is None else str(key),
        label=label,
        open=values["orders"] - values["met"] - values["breached"],
        **{name: values[name] for name in COUNTS},
    )


def sla_compliance(
    *, user, group_by: str, date_from: date, date_to: date, now: datetime
) -> ComplianceReport:
    """SLA outcomes of the orders reported from `date_from` to `date_to` (inclusive, in the
    company's time zone) that are measured against an SLA, cancelled SLAs left out: per group,
    how many met, breached or are still open, response and resolution separately, and the
    compliance share (met among those decided)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    orders = (
        order_list(user=user)
        .prefetch_related(None)
        .filter(sla_policy__isnull=False, reported_at__gte=start, reported_at__lt=end)
        .exclude(sla_state__in=["", SlaState.CANCELLED])
    )
    counts = _counts(now)
    total = _row(None, "", orders.aggregate(**counts))
    if group_by == "customer":
        grouped = orders.values(key=F("customer_id"), name=F("customer__name"))
    elif group_by == "agreement_group":
        grouped = orders.values(
            key=F("customer__agreement_group__code"), name=F("customer__agreement_group__name")
        )
    elif group_by == "priority":
        grouped = orders.values(key=F("priority"), name=F("priority"))
    elif group_by == "technician":
        grouped = orders.values(
            key=F("preferred_technician_id"), name=F("preferred_technician__name")
        )
    elif group_by == "month":
        grouped = orders.annotate(month=TruncMonth("reported_at", tzinfo=zone)).values(
            key=F("month"), name=F("month")
        )
    else:
        raise ValueError(f"unknown grouping {group_by!r}")
    labels = dict(Priority.choices)
    rows = []
    for values in grouped.annotate(**counts).order_by("key"):
        key, name = values.pop("key"), values.pop("name")
        if group_by == "priority":
            name = str(labels.get(key, key))
        elif group_by == "month" and key is not None:
            key = key.astimezone(zone).date().isoformat()[:7]
            name = key
        rows.append(_row(key, name or "—", values))
    if group_by == "priority":
        rank = {value: index for index, value in enumerate(reversed(Priority.values))}
        rows.sort(key=lambda row: rank.get(row.key, 99))
    elif group_by in ("customer", "technician", "agreement_group"):
        rows.sort(key=lambda row: (row.key is None, row.label.lower()))
    return ComplianceReport(group_by, date_from, date_to, rows, total)
