"""The demo's repair codes and repair history, loaded through the repairs and orders services.

Codes: a starter set for lifts and HVAC (conditions, symptom and diagnosis areas with their
codes, resolutions, and the repair stages OPEN, WAITING_PARTS and DONE).

History: past orders on lifts (LFT-MRL-630), air handling units (AHU-3000) and chillers
(CHL-120), each with a finished repair line, so the suggestions for a symptom on these models
have something to rank. A fix holds when no other order repairs the same object within 30 days;
the lines record when they were entered (today, for this backfilled history), so the fixes that
held finished more than 30 days ago, and the fixes that did not hold finished in the last 30
days and are followed by a repeat order that is still being worked on (its repair line open or
waiting for parts). With the data below, DOOR_NOT_CLOSING on a LFT-MRL-630 ranks REPLACED
(held 3 of 3) above ADJUSTED (held 2 of 4), then CLEANED and REPAIRED (1 of 1 each).

Dates follow today. Idempotent like the rest of the demo: codes are found by code, and each
history order by the marker in its description.
"""

from datetime import timedelta

from django.utils import timezone

from openservice.catalog import selectors as catalog_selectors
from openservice.core import selectors as core_selectors
from openservice.equipment import selectors as equipment_selectors
from openservice.equipment.tree import flatten
from openservice.orders import selectors as order_selectors
from openservice.orders import services as order_services
from openservice.repairs import selectors as repair_selectors
from openservice.repairs import services as repair_services
from openservice.repairs.models import (
    Condition,
    DiagnosisArea,
    DiagnosisCode,
    RepairStage,
    Resolution,
    SymptomArea,
    SymptomCode,
)
from openservice.workforce import selectors as workforce_selectors

CONDITIONS = [
    ("NORMAL_USE", "Normal use", "Worn or failed in normal use."),
    ("WEAR", "Wear beyond expectation", "Worn out sooner than the part should be."),
    ("MISUSE", "Misuse", "Damaged by wrong use (doors forced, overloading, blocked vents)."),
    ("VANDALISM", "Vandalism", "Damaged on purpose."),
]
# area code, area name, [(code, name)]
SYMPTOMS = [
    ("DOOR", "Doors", [("DOOR_NOT_CLOSING", "Door does not close"), ("DOOR_NOISE", "Door noise")]),
    ("DRIVE", "Drive", [("DRIVE_NOISE", "Drive noise"), ("DRIVE_STOPS", "Lift stops")]),
    ("COOLING", "Cooling", [("NO_COOLING", "No cooling"), ("LEAK", "Refrigerant or water leak")]),
    ("AIRFLOW", "Air flow", [("LOW_AIRFLOW", "Low air flow"), ("FAN_NOISE", "Fan noise")]),
]
DIAGNOSES = [
    (
        "ELEC",
        "Electrical",
        [("ELEC_SENSOR", "Sensor fault or misaligned"), ("ELEC_WIRING", "Wiring or connector")],
    ),
    (
        "MECH",
        "Mechanical",
        [
            ("MECH_ROLLERS", "Worn door rollers"),
            ("MECH_BEARING", "Worn bearing"),
            ("MECH_FILTER", "Clogged filter"),
        ],
    ),
    (
        "REFR",
        "Refrigeration",
        [("REFR_LOW_CHARGE", "Low refrigerant charge"), ("REFR_DRIER", "Clogged filter drier")],
    ),
]
RESOLUTIONS = [
    ("REPLACED", "Replaced", "The faulty part was replaced."),
    ("ADJUSTED", "Adjusted", "Adjusted or realigned; no parts."),
    ("CLEANED", "Cleaned", "Cleaned; no parts."),
    ("REPAIRED", "Repaired", "Repaired in place (wiring, leak, seal)."),
]
# code, name, finished, sort order
STAGES = [
    ("OPEN", "Open", False, 10),
    ("WAITING_PARTS", "Waiting for parts", False, 20),
    ("DONE", "Done", True, 90),
]

# The history, one order each: (model SKU, n-th object of the model, days ago the repair
# finished, symptom, diagnosis, resolution, SKU of the repaired unit or None, condition,
# description). Fixes that held finished more than 30 days ago; those within 30 days have a
# repeat below.
HISTORY = [
    ("LFT-MRL-630", 0, 210, "DOOR_NOT_CLOSING", "ELEC_SENSOR", "ADJUSTED", "LFT-LIGHTC",
     "NORMAL_USE", "Light curtain realigned"),
    ("LFT-MRL-630", 1, 180, "DOOR_NOT_CLOSING", "MECH_ROLLERS", "REPLACED", "LFT-ROLLER",
     "WEAR", "Door rollers worn flat, replaced"),
    ("LFT-MRL-630", 2, 150, "DOOR_NOT_CLOSING", "MECH_ROLLERS", "REPLACED", "LFT-ROLLER",
     "NORMAL_USE", "Roller set replaced on the landing door"),
    ("LFT-MRL-630", 3, 120, "DOOR_NOT_CLOSING", "ELEC_SENSOR", "CLEANED", "LFT-LIGHTC",
     "NORMAL_USE", "Light curtain cleaned of dust"),
    ("LFT-MRL-630", 4, 90, "DOOR_NOT_CLOSING", "MECH_ROLLERS", "REPLACED", "LFT-ROLLER",
     "MISUSE", "Door forced open; rollers replaced"),
    ("LFT-MRL-630", 5, 20, "DOOR_NOT_CLOSING", "ELEC_SENSOR", "ADJUSTED", "LFT-LIGHTC",
     "NORMAL_USE", "Light curtain adjusted"),
    ("LFT-MRL-630", 6, 60, "DOOR_NOT_CLOSING", "MECH_ROLLERS", "ADJUSTED", "LFT-ROLLER",
     "NORMAL_USE", "Door rollers adjusted"),
    ("LFT-MRL-630", 7, 14, "DOOR_NOT_CLOSING", "MECH_ROLLERS", "ADJUSTED", "LFT-ROLLER",
     "NORMAL_USE", "Door rollers adjusted"),
    ("LFT-MRL-630", 8, 45, "DOOR_NOT_CLOSING", "ELEC_WIRING", "REPAIRED", None,
     "NORMAL_USE", "Loose door contact wire fixed"),
    ("LFT-MRL-630", 1, 100, "DOOR_NOISE", "MECH_ROLLERS", "REPLACED", "LFT-ROLLER",
     "WEAR", "Noisy rollers replaced"),
    ("LFT-MRL-630", 2, 40, "DRIVE_STOPS", "ELEC_WIRING", "REPAIRED", "LFT-DRV-11",
     "NORMAL_USE", "Drive connector re-terminated"),
    ("AHU-3000", 0, 110, "FAN_NOISE", "MECH_BEARING", "REPLACED", "AHU-FAN-EC",
     "WEAR", "Fan motor with worn bearing replaced"),
    ("AHU-3000", 1, 80, "FAN_NOISE", "MECH_BEARING", "ADJUSTED", "AHU-FAN-EC",
     "NORMAL_USE", "Fan balanced and realigned"),
    ("AHU-3000", 2, 12, "FAN_NOISE", "MECH_BEARING", "ADJUSTED", "AHU-FAN-EC",
     "NORMAL_USE", "Fan realigned"),
    ("AHU-3000", 3, 50, "LOW_AIRFLOW", "MECH_FILTER", "CLEANED", None,
     "NORMAL_USE", "Filters and coil cleaned"),
    ("CHL-120", 0, 160, "NO_COOLING", "REFR_LOW_CHARGE", "REPAIRED", None,
     "NORMAL_USE", "Leak at a flare joint brazed; recharged"),
    ("CHL-120", 1, 130, "NO_COOLING", "REFR_DRIER", "REPLACED", "COOL-FDRY",
     "NORMAL_USE", "Filter drier replaced"),
    ("CHL-120", 2, 22, "NO_COOLING", "REFR_LOW_CHARGE", "ADJUSTED", None,
     "NORMAL_USE", "Refrigerant topped up"),
    ("CHL-120", 3, 75, "NO_COOLING", "REFR_LOW_CHARGE", "REPAIRED", None,
     "NORMAL_USE", "Leaking service valve replaced; recharged"),
]  # fmt: skip
# Repeat orders that are still being worked on: (model SKU, n-th object, days ago reported,
# symptom, diagnosis or None, repair stage, description).
REPEATS = [
    ("LFT-MRL-630", 5, 8, "DOOR_NOT_CLOSING", "MECH_ROLLERS", "WAITING_PARTS",
     "Door again not closing; rollers ordered"),
    ("LFT-MRL-630", 7, 3, "DOOR_NOT_CLOSING", None, "OPEN", "Door not closing again"),
    ("AHU-3000", 2, 4, "FAN_NOISE", "MECH_BEARING", "WAITING_PARTS",
     "Fan noise back; bearing worn, motor ordered"),
    ("CHL-120", 2, 5, "LEAK", "REFR_LOW_CHARGE", "OPEN", "Chiller low on refrigerant again"),
]  # fmt: skip
TEAMS = {"LFT-MRL-630": "LIFTS", "AHU-3000": "HVAC", "CHL-120": "HVAC"}


def load_repairs(manager, admin, report, *, now=None) -> None:
    codes = _load_codes(admin, report)
    now = now or timezone.now()
    objects = _objects_by_model(admin)
    technicians = _technicians_by_team(admin)
    stages = {stage.code: stage for stage in order_selectors.stage_list()}
    reasons = {code.code: code for code in core_selectors.reason_code_list()}
    for number, entry in enumerate(HISTORY, start=1):
        sku, index, days, symptom, diagnosis, resolution, part, condition, text = entry
        marker = f"(demo repair #{number:02d})"
        if order_selectors.order_list(user=admin, q=marker).exists():
            continue
        obj = objects[sku][index]
        finished_at = now - timedelta(days=days)
        order = _order(
            manager,
            obj,
            technicians[TEAMS[sku]][number % len(technicians[TEAMS[sku]])],
            f"{codes['symptom'][symptom].name} {marker}",
            reported_at=finished_at - timedelta(hours=20),
            now=now,
        )
        _walk(
            manager,
            order,
            stages,
            ["scheduled", "in_progress"],
            finished_at - timedelta(hours=3),
            now,
        )
        repair_services.repair_line_create(
            order=order,
            by=manager,
            object=obj,
            component=_unit(obj, part, now),
            condition=codes["condition"][condition],
            symptom_code=codes["symptom"][symptom],
            diagnosis_code=codes["diagnosis"][diagnosis],
            resolution=codes["resolution"][resolution],
            stage=codes["stage"]["DONE"],
            description=text,
            now=finished_at,
        )
        _walk(manager, order, stages, ["completed", "closed"], finished_at, now)
        report.add("repair history orders")
    for number, (sku, index, days, symptom, diagnosis, stage, text) in enumerate(REPEATS, 1):
        marker = f"(demo repeat repair #{number:02d})"
        if order_selectors.order_list(user=admin, q=marker).exists():
            continue
        obj = objects[sku][index]
        reported_at = now - timedelta(days=days)
        order = _order(
            manager,
            obj,
            technicians[TEAMS[sku]][0],
            f"{text} {marker}",
            reported_at=reported_at,
            now=now,
        )
        _walk(
            manager,
            order,
            stages,
            ["scheduled", "in_progress"],
            reported_at + timedelta(hours=1),
            now,
        )
        repair_services.repair_line_create(
            order=order,
            by=manager,
            object=obj,
            symptom_code=codes["symptom"][symptom],
            diagnosis_code=codes["diagnosis"][diagnosis] if diagnosis else None,
            stage=codes["stage"][stage],
            description=text,
            now=now,
        )
        if stage == "WAITING_PARTS":
            order_services.order_change_stage(
                order=order,
                to=stages["on_hold"],
                by=manager,
                reason=reasons["PARTS_MISSING"],
                at=reported_at + timedelta(hours=3),
                now=now,
            )
        report.add("repeat repair orders")


def _load_codes(admin, report) -> dict[str, dict]:
    """The starter code set, found by code or created."""

    def code(model, code: str, name: str, **fields):
        found = repair_selectors.code_by_code(model, code)
        if found is None:
            found = repair_services.code_create(model, by=admin, code=code, name=name, **fields)
            report.add("repair codes")
        return found

    codes: dict[str, dict] = {key: {} for key in ("condition", "symptom", "diagnosis")}
    for key, description, text in CONDITIONS:
        codes["condition"][key] = code(Condition, key, description, description=text)
    for kind, area_model, code_model, areas in [
        ("symptom", SymptomArea, SymptomCode, SYMPTOMS),
        ("diagnosis", DiagnosisArea, DiagnosisCode, DIAGNOSES),
    ]:
        for area_code, area_name, members in areas:
            area = code(area_model, area_code, area_name)
            for member, name in members:
                codes[kind][member] = code(code_model, member, name, area=area)
    codes["resolution"] = {
        key: code(Resolution, key, name, description=text) for key, name, text in RESOLUTIONS
    }
    codes["stage"] = {
        key: code(RepairStage, key, name, is_finished=finished, sort_order=order)
        for key, name, finished, order in STAGES
    }
    return codes


def _objects_by_model(admin) -> dict[str, list]:
    """The active objects of each history model at active customers, by number."""
    found = {}
    for sku in TEAMS:
        item = next(
            item for item in catalog_selectors.item_list(user=admin, q=sku) if item.sku == sku
        )
        found[sku] = [
            obj
            for obj in equipment_selectors.object_list(user=admin, item_id=item.pk).order_by(
                "number"
            )
            if obj.status == obj.Status.ACTIVE and obj.customer.is_active and obj.site_id
        ]
    return found


def _technicians_by_team(admin) -> dict[str, list]:
    found: dict[str, list] = {}
    for technician in workforce_selectors.technician_list(user=admin, is_active=True).order_by(
        "name"
    ):
        if technician.team_id:
            found.setdefault(technician.team.code, []).append(technician)
    # tech1 (the browser tests' technician) first, so their "My repairs" is never empty.
    for technicians in found.values():
        technicians.sort(key=lambda t: (t.user.username if t.user_id else "~", t.name))
    return found


def _order(manager, obj, technician, description: str, *, reported_at, now):
    return order_services.order_create(
        by=manager,
        customer=obj.customer,
        site=obj.site,
        description=description,
        priority="high",
        reported_at=reported_at,
        service_on=reported_at.date(),
        preferred_technician=technician,
        objects=[obj],
        now=now,
    )


def _walk(manager, order, stages, steps, start, now) -> None:
    """Move the order through the steps, an hour apart from `start` (never after now)."""
    for offset, step in enumerate(steps):
        order_services.order_change_stage(
            order=order,
            to=stages[step],
            by=manager,
            at=min(start + timedelta(hours=offset), now),
            now=now,
        )


def _unit(obj, sku: str | None, now):
    """The object's installed unit of the item, if any."""
    if sku is None:
        return None
    nodes = flatten(equipment_selectors.component_tree(obj, on=now.date()))
    items = catalog_selectors.items_by_id(node.item_id for node in nodes)
    node = next((n for n in nodes if items[n.item_id].sku == sku), None)
    return equipment_selectors.component_get(obj, node.id) if node else None
