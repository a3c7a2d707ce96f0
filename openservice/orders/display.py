"""Shaping an order for its pages: totals of its lines and the history timeline with stage
names. Plain data from what the selectors loaded; no queries."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from openservice.orders.models import OrderLine, ServiceOrder, Stage

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Totals:
    net_amount: Decimal
    cost_amount: Decimal
    posted_amount: Decimal
    open_lines: int


def totals(order: ServiceOrder) -> Totals:
    """Sums over the lines that count (cancelled lines do not); each line is already rounded."""
    live = [line for line in order.lines.all() if line.status != OrderLine.Status.CANCELLED]
    return Totals(
        net_amount=sum((line.net_amount for line in live), ZERO),
        cost_amount=sum((line.cost_amount for line in live), ZERO),
        posted_amount=sum(
            (line.net_amount for line in live if line.status == OrderLine.Status.POSTED), ZERO
        ),
        open_lines=sum(1 for line in live if line.status == OrderLine.Status.OPEN),
    )


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    by: str | None
    kind: str  # "created", "stage", "cancelled", "revoked" or the audit verb's last part
    from_stage: str = ""
    to_stage: str = ""
    to_category: str = ""
    reason: str | None = None
    note: str = ""
    data: Any = None


def history(entries: list[dict], stages: dict[str, Any]) -> list[HistoryRow]:
    """`order_history` entries with stage names instead of codes, newest first."""

    def name(code):
        stage = stages.get(code)
        return stage.name if stage is not None else code or ""

    rows = []
    for entry in entries:
        if entry["kind"] == "stage":
            to, came_from = stages.get(entry["to_stage"]), stages.get(entry["from_stage"])
            category = to.category if to is not None else ""
            if entry["from_stage"] is None:
                kind = "created"
            elif category == Stage.Category.CANCELLED:
                kind = "cancelled"
            elif came_from is not None and came_from.category == Stage.Category.CANCELLED:
                kind = "revoked"
            else:
                kind = "stage"
            rows.append(
                HistoryRow(
                    at=entry["at"],
                    by=entry["by"],
                    kind=kind,
                    from_stage=name(entry["from_stage"]),
                    to_stage=name(entry["to_stage"]),
                    to_category=category,
                    reason=entry["reason"],
                    note=entry["note"],
                )
            )
        else:
            rows.append(
                HistoryRow(
                    at=entry["at"],
                    by=entry["by"],
                    kind=entry["verb"].split(".", 1)[-1],
                    data=entry["data"],
                )
            )
    return rows[::-1]
