"""API schemas of the repairs app: repair codes, repair lines (codes in and out by their code
strings), component replacements and resolution suggestions."""

from datetime import date, datetime

from ninja import Field, Schema

from openservice.core.roles import is_staff_member
from openservice.core.schemas import Id, MoneyIn, Text

Code = Text(30, min_length=1)

# -- Codes ---------------------------------------------------------------------------------------


class CodeOut(Schema):
    id: int
    code: str
    name: str
    description: str
    is_active: bool


class AreaCodeOut(CodeOut):
    area: str = Field(description="The code of the area the code belongs to")

    @staticmethod
    def resolve_area(record) -> str:
        return record.area.code


class RepairStageOut(CodeOut):
    is_finished: bool
    sort_order: int


class CodeCreateIn(Schema):
    code: Code
    name: Text(100, min_length=1)
    description: Text(2000) = ""
    is_active: bool = True


class AreaCodeCreateIn(CodeCreateIn):
    area: Code = Field(description="The code of the area")


class RepairStageCreateIn(CodeCreateIn):
    is_finished: bool = False
    sort_order: int = Field(0, ge=0, le=32767)


class CodeUpdateIn(Schema):
    code: Code = None
    name: Text(100, min_length=1) = None
    description: Text(2000) = None
    is_active: bool = None


class AreaCodeUpdateIn(CodeUpdateIn):
    area: Code = None


class RepairStageUpdateIn(CodeUpdateIn):
    is_finished: bool = None
    sort_order: int = Field(None, ge=0, le=32767)


class CodeFilters(Schema):
    q: Text(100) | None = Field(None, description="Code or name contains")
    is_active: bool | None = None


class AreaCodeFilters(CodeFilters):
    area: Code | None = Field(None, description="The area's code")


# -- Repair lines --------------------------------------------------------------------------------


class CodeRefOut(Schema):
    code: str
    name: str


class ReplacementOut(Schema):
    id: int
    repair_line_id: int
    removed_component_id: int = Field(description="The unit taken out (the one repaired)")
    installed_component_id: int = Field(description="The unit put in its place")
    order_line_id: int | None = Field(description="The billable item line added, if any")
    created_at: datetime

    @staticmethod
    def resolve_removed_component_id(record) -> int:
        return record.removed_id

    @staticmethod
    def resolve_installed_component_id(record) -> int:
        return record.installed_id


class RepairLineOut(Schema):
    id: int
    order_id: int
    object_id: int
    object_number: str
    component_id: int | None
    condition: CodeRefOut | None
    symptom_area: CodeRefOut | None
    symptom_code: CodeRefOut | None
    diagnosis_area: CodeRefOut | None
    diagnosis_code: CodeRefOut | None
    resolution: CodeRefOut | None
    stage: CodeRefOut
    technician_id: int | None
    description: str
    note: str = Field(description="Internal: empty for customers")
    created_at: datetime
    finished_at: datetime | None
    replacements: list[ReplacementOut]

    @staticmethod
    def resolve_note(line, context) -> str:
        request = (context or {}).get("request")
        staff = request is not None and is_staff_member(getattr(request, "auth", None))
        return line.note if staff else ""

    @staticmethod
    def resolve_object_number(line) -> str:
        return line.object.number

    @staticmethod
    def resolve_replacements(line) -> list:
        return list(line.replacements.all())


CODE_FIELDS = (
    "condition",
    "symptom_area",
    "symptom_code",
    "diagnosis_area",
    "diagnosis_code",
    "resolution",
    "stage",
)


class RepairLineCreateIn(Schema):
    object_id: Id = Field(description="An object the order covers")
    component_id: Id | None = Field(None, description="A unit installed in the object")
    condition: Code | None = None
    symptom_area: Code | None = Field(None, description="Default: the symptom code's area")
    symptom_code: Code | None = None
    diagnosis_area: Code | None = Field(None, description="Default: the diagnosis code's area")
    diagnosis_code: Code | None = None
    resolution: Code | None = None
    stage: Code | None = Field(None, description="Default: the first open repair stage")
    technician_id: Id | None = Field(None, description="Default: the order's technician")
    description: Text(300) = ""
    note: Text(5000) = ""


class RepairLineUpdateIn(Schema):
    object_id: Id = None
    component_id: Id | None = None
    condition: Code | None = None
    symptom_area: Code | None = None
    symptom_code: Code | None = None
    diagnosis_area: Code | None = None
    diagnosis_code: Code | None = None
    resolution: Code | None = None
    stage: Code = None
    technician_id: Id | None = None
    description: Text(300) = None
    note: Text(5000) = None


class ReplaceComponentIn(Schema):
    component_id: Id | None = Field(None, description="Default: the repair line's component")
    item_id: Id = Field(description="The item of the new unit")
    serial: Text(60) = ""
    reason: Text(200) = Field("", description="Default: the repair's description and order")
    on: date | None = Field(None, description="Default today; never in the future")
    bill: bool = Field(False, description="Add a billable item line for the new unit")
    unit_price: MoneyIn | None = Field(
        None, description="With bill: the line's price (default the item's sales price)"
    )


# -- Suggestions ---------------------------------------------------------------------------------


class SuggestionsIn(Schema):
    item_id: Id = Field(description="The item (model) of the object")
    symptom_code: Code


class SuggestionOut(Schema):
    resolution: str
    name: str
    used: int = Field(description="Finished repairs of the symptom on the model so fixed")
    held: int = Field(description="Of which no other order repaired the object within 30 days")
    held_rate: float = Field(ge=0, le=1)
