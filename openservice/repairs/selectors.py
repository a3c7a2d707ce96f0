"""Reads for repair codes, repair history and resolution suggestions.

**Suggestions** (domain.md §5, Beyond): for a symptom on an item model, the resolutions that
fixed it before, ranked by how often the fix held — a fix held when no other order recorded a
repair on the same object within 30 days after it finished."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from openservice.core.errors import NotFound
from openservice.core.roles import Role, has_role, is_staff_member
from openservice.core.selectors import text_search
from openservice.repairs.models import ComponentReplacement, RepairLine

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


# -- Codes, repair lines of an order, replacements (the API and pages) -------------------------


def code_list(
    model,
    *,
    user,
    q: str | None = None,
    is_active: bool | None = None,
    area: str | None = None,
) -> QuerySet:
    """The codes of one list (a model of `services.CODE_MODELS`), for staff; `area` (an area's
    code) narrows symptom and diagnosis codes."""
    codes = model.objects.all() if is_staff_member(user) else model.objects.none()
    if any(field.name == "area" for field in model._meta.fields):
        codes = codes.select_related("area")
        if area:
            codes = codes.filter(area__code__iexact=area)
    codes = text_search(codes, q, ["code", "name"])
    if is_active is not None:
        codes = codes.filter(is_active=is_active)
    return codes.order_by(*model._meta.ordering, "pk")


def code_get(model, *, user, code_id: int):
    code = code_list(model, user=user).filter(pk=code_id).first()
    if code is None:
        raise NotFound(code_id=code_id)
    return code


def code_by_code(model, code: str):
    """The code of a list by its code string (in any case), or None."""
    return model.objects.filter(code__iexact=code).order_by("pk").first()


def repair_lines_of_order(order) -> QuerySet[RepairLine]:
    """The order's repair lines with their replacements, in the order they were recorded. The
    caller has checked that the user may see the order."""
    return _lines().filter(order=order).prefetch_related("replacements").order_by("pk")


def repair_line_get(order, line_id: int) -> RepairLine:
    line = repair_lines_of_order(order).filter(pk=line_id).first()
    if line is None:
        raise NotFound(repair_line_id=line_id)
    return line


def replacements_of_object(obj) -> dict[int, ComponentReplacement]:
    """{installed component id: replacement} for an object's components replaced from repair
    lines, with the repair line and its order: what the component history shows next to a
    replacement (one query, however long the history)."""
    rows = ComponentReplacement.objects.select_related(
        "repair_line__order", "repair_line__resolution"
    ).filter(installed__object=obj)
    return {row.installed_id: row for row in rows}


# -- Pages and reports: what was replaced, who may read the reports, history and figures -------


def may_read_repair_reports(user) -> bool:
    """The repair reports are for managers and dispatchers (technicians read their own
    repairs on "My repairs")."""
    return user.has_perm("repairs.view_repairline") and (
        user.is_superuser or has_role(user, Role.MANAGER, Role.DISPATCHER)
    )


def with_replaced_units(lines: QuerySet[RepairLine]) -> QuerySet[RepairLine]:
    """The lines with the components replaced on them and both units' items, in one more
    query whatever the number of lines (replaces the lines' other prefetches)."""
    replacements = ComponentReplacement.objects.select_related(
        "removed__item", "installed__item"
    ).order_by("pk")
    return lines.prefetch_related(None).prefetch_related(
        Prefetch("replacements", queryset=replacements)
    )


def _day_bounds(date_from, date_to):
    """The instants that start `date_from` and end `date_to` in the current time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=zone) if date_from else None
    end = datetime.combine(date_to, time.min, tzinfo=zone) + timedelta(days=1) if date_to else None
    return start, end


REPAIR_LINE_ORDERING = {
    "object": ("object__number", "-done_at", "-pk"),
    "technician": ("technician__name", "-done_at", "-pk"),
    "newest": ("-done_at", "-pk"),
}


def repair_line_list(
    *,
    user,
    object_q: str | None = None,
    object_id: int | None = None,
    technician_id: int | None = None,
    date_from=None,
    date_to=None,
    order_by: str = "newest",
) -> QuerySet[RepairLine]:
    """Repair lines for the history reports, dated by when they finished (or, still open,
    were recorded) as `done_at`. Report readers see every line; a technician only the lines
    recorded for them; anyone else none."""
    lines = _lines().annotate(done_at=Coalesce("finished_at", "created_at"))
    if not may_read_repair_reports(user):
        if not user.has_perm("repairs.view_repairline"):
            return lines.none()
        lines = lines.filter(technician__user=user)
    lines = text_search(lines, object_q, ["object__number", "object__serial_number"])
    if object_id is not None:
        lines = lines.filter(object_id=object_id)
    if technician_id is not None:
        lines = lines.filter(technician_id=technician_id)
    start, end = _day_bounds(date_from, date_to)
    if start is not None:
        lines = lines.filter(done_at__gte=start)
    if end is not None:
        lines = lines.filter(done_at__lt=end)
    return lines.order_by(*REPAIR_LINE_ORDERING[order_by])


def _failed_fixes(fixes: list[tuple[int, int, int, object]]) -> set[int]:
    """Of the fixes (pk, object id, order id, finished at), those followed by a repair of the
    same object on another order within `HELD_DAYS` after they finished (the rule of
    `resolution_suggestions`)."""
    if not fixes:
        return set()
    later: dict[int, list] = defaultdict(list)
    for object_id, order_id, created_at in (
        RepairLine.objects.filter(object_id__in={fix[1] for fix in fixes})
        .order_by()
        .values_list("object_id", "order_id", "created_at")
    ):
        later[object_id].append((order_id, created_at))
    failed = set()
    for pk, object_id, order_id, finished_at in fixes:
        window_end = finished_at + timedelta(days=HELD_DAYS)
        if any(
            other != order_id and finished_at < created_at <= window_end
            for other, created_at in later[object_id]
        ):
            failed.add(pk)
    return failed


@dataclass(frozen=True)
class TechnicianRepairs:
    technician_id: int | None
    name: str
    repairs: int  # lines in the period
    finished: int
    fixes: int  # finished with a resolution
    held: int  # fixes no other order had to repeat within 30 days

    @property
    def held_rate(self) -> float | None:
        return self.held / self.fixes if self.fixes else None


def repairs_by_technician(lines: QuerySet[RepairLine]) -> list[TechnicianRepairs]:
    """Per technician of `repair_line_list` rows: repairs, finished ones, fixes and how many
    held; by name (lines without a technician last)."""
    rows = list(
        lines.order_by().values_list(
            "pk", "object_id", "order_id", "finished_at", "resolution_id", "technician_id"
        )
    )
    names = dict(
        lines.order_by()
        .filter(technician__isnull=False)
        .values_list("technician_id", "technician__name")
        .distinct()
    )
    fixes = [row[:4] for row in rows if row[3] is not None and row[4] is not None]
    failed = _failed_fixes(fixes)
    counts: dict[int | None, list[int]] = {}
    for pk, _object_id, _order_id, finished_at, resolution_id, technician_id in rows:
        entry = counts.setdefault(technician_id, [0, 0, 0, 0])
        entry[0] += 1
        if finished_at is not None:
            entry[1] += 1
            if resolution_id is not None:
                entry[2] += 1
                entry[3] += pk not in failed
    summary = [
        TechnicianRepairs(technician_id, names.get(technician_id, ""), *entry)
        for technician_id, entry in counts.items()
    ]
    return sorted(
        summary, key=lambda row: (row.technician_id is None, row.name, row.technician_id or 0)
    )


@dataclass(frozen=True)
class ResolutionCount:
    code: str
    name: str
    used: int
    held: int

    @property
    def held_rate(self) -> float:
        return self.held / self.used if self.used else 0.0


@dataclass(frozen=True)
class CodeResolutions:
    """One symptom (or diagnosis) code and the resolutions that fixed it."""

    code: str
    name: str
    area: str
    resolutions: list[ResolutionCount]

    @property
    def used(self) -> int:
        return sum(row.used for row in self.resolutions)

    @property
    def held(self) -> int:
        return sum(row.held for row in self.resolutions)

    @property
    def held_rate(self) -> float:
        return self.held / self.used if self.used else 0.0


def resolutions_by_code(
    *, kind: str, date_from=None, date_to=None, item_id: int | None = None
) -> list[CodeResolutions]:
    """For each symptom code (`kind` "symptom") or diagnosis code ("diagnosis"), the
    resolutions of the fixes that finished in the period, with how often each held; codes by
    area and code, resolutions ranked as `resolution_suggestions` ranks them."""
    field = {"symptom": "symptom_code", "diagnosis": "diagnosis_code"}[kind]
    fixes = RepairLine.objects.filter(
        **{f"{field}__isnull": False}, resolution__isnull=False, finished_at__isnull=False
    )
    start, end = _day_bounds(date_from, date_to)
    if start is not None:
        fixes = fixes.filter(finished_at__gte=start)
    if end is not None:
        fixes = fixes.filter(finished_at__lt=end)
    if item_id is not None:
        fixes = fixes.filter(object__item_id=item_id)
    rows = list(
        fixes.order_by().values_list(
            "pk",
            "object_id",
            "order_id",
            "finished_at",
            f"{field}__code",
            f"{field}__name",
            f"{field}__area__code",
            "resolution__code",
            "resolution__name",
        )
    )
    failed = _failed_fixes([row[:4] for row in rows])
    codes: dict[tuple, dict[tuple, list[int]]] = defaultdict(dict)
    for pk, _object_id, _order_id, _at, code, name, area, resolution, resolution_name in rows:
        entry = codes[(area, code, name)].setdefault((resolution, resolution_name), [0, 0])
        entry[0] += 1
        entry[1] += pk not in failed
    report = []
    for (area, code, name), resolutions in sorted(codes.items()):
        counted = [
            ResolutionCount(resolution, resolution_name, used, held)
            for (resolution, resolution_name), (used, held) in resolutions.items()
        ]
        counted.sort(key=lambda row: (-row.held, -row.held_rate, row.code))
        report.append(CodeResolutions(code, name, area, counted))
    return report
