"""Reads for repair codes, repair history and resolution suggestions.

**Suggestions** (domain.md §5, Beyond): for a symptom on an item model, the resolutions that
fixed it before, ranked by how often the fix held — a fix held when no other order recorded a
repair on the same object within 30 days after it finished."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet

from openservice.repairs.models import RepairLine

HELD_DAYS = 30


def _lines() -> QuerySet[RepairLine]:
    return RepairLine.objects.select_related(
        "order",
        "object",
        "component",
        "condition",
        "symptom_area",
        "symptom_code",
        "diagnosis_area",
        "diagnosis_code",
        "resolution",
        "stage",
        "technician__user",
    )


def repair_history_of_object(obj) -> QuerySet[RepairLine]:
    """Every repair on the object, newest first."""
    return _lines().filter(object=obj).order_by("-created_at", "-pk")


def repair_history_of_technician(technician) -> QuerySet[RepairLine]:
    return _lines().filter(technician=technician).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class Suggestion:
    resolution_id: int
    code: str
    name: str
    used: int  # finished repairs of this symptom on this item model with this resolution
    held: int  # of which no other order repaired the object within 30 days

    @property
    def held_rate(self) -> float:
        return self.held / self.used if self.used else 0.0


def resolution_suggestions(*, item_id: int, symptom_code_id: int) -> list[Suggestion]:
    """Past resolutions of the symptom on objects of the item, most often held first (then the
    better rate, then the code), with their counts."""
    fixes = list(
        RepairLine.objects.filter(
            object__item_id=item_id,
            symptom_code_id=symptom_code_id,
            resolution__isnull=False,
            finished_at__isnull=False,
        )
        .select_related("resolution")
        .order_by("pk")
    )
    if not fixes:
        return []
    later: dict[int, list] = defaultdict(list)
    for object_id, order_id, created_at in (
        RepairLine.objects.filter(object_id__in={fix.object_id for fix in fixes})
        .order_by()
        .values_list("object_id", "order_id", "created_at")
    ):
        later[object_id].append((order_id, created_at))
    counts: dict[int, list] = {}
    for fix in fixes:
        window_end = fix.finished_at + timedelta(days=HELD_DAYS)
        failed = any(
            order_id != fix.order_id and fix.finished_at < created_at <= window_end
            for order_id, created_at in later[fix.object_id]
        )
        entry = counts.setdefault(fix.resolution_id, [fix.resolution, 0, 0])
        entry[1] += 1
        entry[2] += 0 if failed else 1
    suggestions = [
        Suggestion(resolution.pk, resolution.code, resolution.name, used, held)
        for resolution, used, held in counts.values()
    ]
    return sorted(suggestions, key=lambda s: (-s.held, -s.held_rate, s.code))
