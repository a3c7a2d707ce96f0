"""Repair pages: the Repairs panel of an order (its repair lines and, for who may record them,
the form with its pickers), a repair line's edit and component-replacement pages, an object's
repair history, the repair reports and a technician's own repairs.

The panel and the history are sections of the order and object pages (core.sections): loaded
there by htmx, or pages of their own without JavaScript. The pickers that depend on another
choice (components of the object, codes of an area, suggestions for a symptom) are small
partials; the server checks every choice again when the form is sent, and a refusal comes back
on the form with nothing saved. Views parse, call selectors and services, and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openservice.catalog.selectors import item_list, items_by_id
from openservice.core.errors import DomainError
from openservice.core.pages import add_domain_error, page_of
from openservice.equipment.selectors import component_get, component_tree, object_get, object_list
from openservice.equipment.tree import flatten
from openservice.orders.selectors import order_get, orders_visible_among
from openservice.repairs import selectors, services
from openservice.repairs.forms import (
    CODE_FIELDS,
    CodePickerForm,
    ComponentPickerForm,
    RepairLineForm,
    RepairReportForm,
    ReplaceForm,
    chosen_id,
)
from openservice.repairs.models import (
    Condition,
    DiagnosisArea,
    DiagnosisCode,
    RepairStage,
    Resolution,
    SymptomArea,
    SymptomCode,
)
from openservice.workforce.selectors import technician_list, technician_of_user

SECTION = "section-repairs"  # the order page's card the panel lives in
HISTORY_IN_SECTION = 10
REPORT_ROWS = 50
REFUSED = 422  # a page whose form came back with errors; htmx swaps only 2xx, so it gets 200
CODE_MODELS = {
    "condition": Condition,
    "symptom_area": SymptomArea,
    "symptom_code": SymptomCode,
    "diagnosis_area": DiagnosisArea,
    "diagnosis_code": DiagnosisCode,
    "resolution": Resolution,
    "stage": RepairStage,
}
CODE_LABELS = {
    "symptom_code": gettext_lazy("Symptom"),
    "diagnosis_code": gettext_lazy("Diagnosis"),
}


def _refused(request) -> int:
    return 200 if request.htmx else REFUSED


def _may_record(user, order) -> bool:
    """Managers, and technicians on their own orders (the only ones they can open), while the
    order's stage allows changes."""
    return user.has_perm("repairs.add_repairline") and order.stage.allows_edit


def _may_change(user, order) -> bool:
    return user.has_perm("repairs.change_repairline") and order.stage.allows_edit


def _codes(user, line=None) -> dict:
    """The active codes of each list, plus the (maybe inactive) codes the line already has."""
    codes = {}
    for name, model in CODE_MODELS.items():
        found = selectors.code_list(model, user=user)
        kept = getattr(line, f"{name}_id", None) if line is not None else None
        codes[name] = found.filter(Q(is_active=True) | Q(pk=kept or None))
    return codes


def _order_objects(user, order):
    """The order's objects as whole rows (the order carries their ids only)."""
    ids = [obj.pk for obj in order.objects_covered.all()]
    return object_list(user=user).filter(pk__in=ids) if ids else object_list(user=user).none()


def _components(obj) -> list[tuple[int, str]]:
    """The object's installed units as choices: 'DOOR/ROLL · LFT-ROLLER Door roller set'."""
    if obj is None:
        return []
    nodes = flatten(component_tree(obj, on=timezone.localdate()))
    items = items_by_id(node.item_id for node in nodes)
    choices = []
    for node in nodes:
        item = items.get(node.item_id)
        label = f"{node.slot} · {item.sku} {item.name}" if item else node.slot
        choices.append((node.id, f"{label}, {node.serial}" if node.serial else label))
    return choices


def _pickers(order) -> dict:
    return {
        "components": reverse("repairs:components", args=[order.pk]),
        "symptom_code": reverse("repairs:symptom_codes"),
        "diagnosis_code": reverse("repairs:diagnosis_codes"),
    }


def _initial(line, objects: list, stages) -> dict:
    if line is None:
        first_open = next((stage for stage in stages if not stage.is_finished), None)
        return {
            "object": objects[0].pk if len(objects) == 1 else None,
            "stage": first_open.pk if first_open else None,
        }
    return {
        "object": line.object_id,
        "component": line.component_id,
        **{name: getattr(line, f"{name}_id") for name in CODE_MODELS},
        "description": line.description,
        "note": line.note,
    }


class _Form:
    """A repair line form with what its view needs next to it: the chosen object (for its
    components and suggestions) and the suggestions for the chosen symptom."""

    def __init__(self, request, order, *, data=None, line=None):
        user = request.user
        objects_qs = _order_objects(user, order)
        self.objects = list(objects_qs)
        codes = _codes(user, line)
        initial = _initial(line, self.objects, list(codes["stage"]))
        probe = RepairLineForm(
            data,
            objects=objects_qs,
            components=[],
            codes=codes,
            urls=_pickers(order),
            initial=initial,
        )
        object_id = chosen_id(probe, "object")
        self.object = next((obj for obj in self.objects if obj.pk == object_id), None)
        self.components = _components(self.object)
        # A line keeps the unit it repaired after that unit is replaced: keep it choosable.
        if self._keeps_replaced_unit(line):
            label = _("%(slot)s (replaced)") % {"slot": line.component.slot}
            self.components.append((line.component_id, label))
        probe.fields["component"].choices = [
            *probe.fields["component"].choices[:1],
            *self.components,
        ]
        self.form = probe
        self.suggestions = _suggestions(self.object, chosen_id(probe, "symptom_code"))

    def _keeps_replaced_unit(self, line) -> bool:
        return (
            line is not None
            and line.component_id is not None
            and self.object is not None
            and line.object_id == self.object.pk
            and all(choice != line.component_id for choice, _label in self.components)
        )

    def component(self):
        """The chosen unit as a record (the form checked it is one of the object's)."""
        component_id = self.form.cleaned_data.get("component")
        if component_id is None or self.object is None:
            return None
        return component_get(self.object, component_id)


def _suggestions(obj, symptom_code_id: int | None):
    """None when there is nothing to ask about yet; else the ranked suggestions (maybe [])."""
    if obj is None or symptom_code_id is None:
        return None
    return selectors.resolution_suggestions(item_id=obj.item_id, symptom_code_id=symptom_code_id)


def _panel(request, order, *, editor: _Form | None = None, status=200, notice: str = ""):
    user = request.user
    may_record = _may_record(user, order)
    if editor is None and may_record:
        editor = _Form(request, order)
    context = {
        "order": order,
        "lines": selectors.with_replaced_units(selectors.repair_lines_of_order(order)),
        "editor": editor,
        "form": editor.form if editor else None,
        "may_change": _may_change(user, order),
        "notice": notice,
        "section_id": SECTION,
    }
    template = "repairs/_order_panel.html" if request.htmx else "repairs/order_repairs.html"
    return render(request, template, context, status=status)


@login_required
@permission_required("repairs.view_repairline", raise_exception=True)
def order_repairs(request: HttpRequest, pk: int):
    """The order's repairs: its Repairs section (htmx), or a page of its own."""
    return _panel(request, order_get(user=request.user, order_id=pk))


@require_POST
@login_required
@permission_required("repairs.add_repairline", raise_exception=True)
def line_add(request: HttpRequest, pk: int):
    order = order_get(user=request.user, order_id=pk)
    editor = _Form(request, order, data=request.POST)
    form = editor.form
    if form.is_valid():
        try:
            line = services.repair_line_create(
                order=order, by=request.user, **form.service_fields(editor.component())
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            notice = _("Repair recorded on %(object)s.") % {"object": line.object.number}
            if request.htmx:
                return _panel(request, order, notice=notice)
            messages.success(request, notice)
            return redirect("repairs:order_repairs", order.pk)
    return _panel(request, order, editor=editor, status=_refused(request))


def _line_page(request, order, line, *, editor=None, status=200):
    user = request.user
    may_change = _may_change(user, order)
    if editor is None and may_change:
        editor = _Form(request, order, line=line)
    return render(
        request,
        "repairs/line_edit.html",
        {
            "order": order,
            "line": line,
            "editor": editor,
            "form": editor.form if editor else None,
            "may_delete": user.has_perm("repairs.delete_repairline") and order.stage.allows_edit,
            "may_replace": may_change,
        },
        status=status,
    )


@login_required
@permission_required("repairs.change_repairline", raise_exception=True)
def line_edit(request: HttpRequest, pk: int, line_id: int):
    """One repair line's own page: its form, and the ways to replace a unit or remove it."""
    order = order_get(user=request.user, order_id=pk)
    line = selectors.repair_line_get(order, line_id)
    if request.method != "POST":
        return _line_page(request, order, line)
    if not _may_change(request.user, order):
        messages.error(request, _("The order's stage does not allow changes."))
        return redirect("repairs:line_edit", order.pk, line.pk)
    editor = _Form(request, order, data=request.POST, line=line)
    form = editor.form
    if form.is_valid():
        fields = form.service_fields(editor.component())
        changes = {name: fields[name] for name in form.changed_data}
        try:
            services.repair_line_update(line=line, by=request.user, **changes)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Repair saved."))
            return redirect(f"{reverse('orders:detail', args=[order.pk])}#{SECTION}")
    return _line_page(request, order, line, editor=editor, status=REFUSED)


@require_POST
@login_required
@permission_required("repairs.delete_repairline", raise_exception=True)
def line_delete(request: HttpRequest, pk: int, line_id: int):
    order = order_get(user=request.user, order_id=pk)
    line = selectors.repair_line_get(order, line_id)
    try:
        services.repair_line_delete(line=line, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("repairs:line_edit", order.pk, line.pk)
    messages.success(request, _("Repair removed."))
    return redirect(f"{reverse('orders:detail', args=[order.pk])}#{SECTION}")


def _components_of_line(line) -> list[tuple[int, str]]:
    return _components(line.object)


@login_required
@permission_required("repairs.change_repairline", raise_exception=True)
def component_replace(request: HttpRequest, pk: int, line_id: int):
    """Replace a unit of the line's object (the line's own by default) with a new one, and
    optionally bill it on the order."""
    order = order_get(user=request.user, order_id=pk)
    line = selectors.repair_line_get(order, line_id)
    if not _may_change(request.user, order):
        messages.error(request, _("The order's stage does not allow changes."))
        return redirect("repairs:line_edit", order.pk, line.pk)
    today = timezone.localdate()
    form = ReplaceForm(
        request.POST or None,
        components=_components_of_line(line),
        items=item_list(user=request.user, is_active=True),
        today=today,
        may_bill=request.user.has_perm("orders.add_orderline"),
        initial={"component": line.component_id, "on": today},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            replacement = services.repair_component_replace(
                line=line,
                by=request.user,
                component=component_get(line.object, data["component"]),
                item=data["item"],
                serial=data["serial"],
                reason=data["reason"],
                on=data["on"],
                bill=data.get("bill", False),
                unit_price=data.get("unit_price"),
                today=today,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(item)s is now installed in %(object)s.")
                % {"item": data["item"], "object": line.object.number},
            )
            if replacement.order_line_id:
                messages.info(request, _("The new unit was added to the order's lines."))
            return redirect(f"{reverse('orders:detail', args=[order.pk])}#{SECTION}")
    return render(
        request,
        "repairs/replace.html",
        {"order": order, "line": line, "form": form},
        status=REFUSED if form.is_bound else 200,
    )


# -- Pickers: partials swapped into the form by htmx ----------------------------------------


@login_required
@permission_required("repairs.view_repairline", raise_exception=True)
def components(request: HttpRequest, pk: int):
    """The component picker for the object chosen on the order's repair form."""
    order = order_get(user=request.user, order_id=pk)
    object_id = request.GET.get("object", "")
    obj = None
    if object_id.isdigit():
        obj = _order_objects(request.user, order).filter(pk=int(object_id)).first()
    form = ComponentPickerForm(components=_components(obj))
    return render(request, "repairs/_swap_field.html", {"field": form["component"]})


def _code_picker(request, code: str):
    area = next(area for area, name in CODE_FIELDS.items() if name == code)
    value = request.GET.get(area, "")
    form = CodePickerForm(
        name=code,
        label=CODE_LABELS[code],
        codes=selectors.code_list(CODE_MODELS[code], user=request.user, is_active=True),
        area_id=int(value) if value.isdigit() else None,
    )
    return render(
        request,
        "repairs/_swap_field.html",
        {"field": form[code], "clears_suggestions": code == "symptom_code"},
    )


@login_required
@permission_required("repairs.view_symptomcode", raise_exception=True)
def symptom_codes(request: HttpRequest):
    """The symptom picker narrowed to the chosen symptom area (all codes without one)."""
    return _code_picker(request, "symptom_code")


@login_required
@permission_required("repairs.view_diagnosiscode", raise_exception=True)
def diagnosis_codes(request: HttpRequest):
    return _code_picker(request, "diagnosis_code")


@login_required
@permission_required("repairs.view_repairline", raise_exception=True)
def suggestions(request: HttpRequest, pk: int):
    """What fixed the chosen symptom before on objects of the chosen object's model."""
    order = order_get(user=request.user, order_id=pk)
    object_id, code_id = request.GET.get("object", ""), request.GET.get("symptom_code", "")
    obj = None
    if object_id.isdigit():
        obj = _order_objects(request.user, order).filter(pk=int(object_id)).first()
    found = _suggestions(obj, int(code_id) if code_id.isdigit() else None)
    return render(request, "repairs/_suggestions.html", {"suggestions": found})


# -- History ---------------------------------------------------------------------------------


def _order_links(user, lines) -> set[int]:
    """The orders of the lines the user may open (the others would be 'not found' for them):
    all for the office, a technician's own (preferred or booked), a customer's user their
    customer's."""
    return orders_visible_among(user=user, order_ids={line.order_id for line in lines})


@login_required
@permission_required("equipment.view_serviceobject", raise_exception=True)
def object_history(request: HttpRequest, pk: int):
    """Every repair of the object, newest first: the object page's Repairs section (the
    latest ones, htmx) or a page of its own. The history is part of the object's record:
    whoever may see the object (a customer's user: their own) may read it, as in the API."""
    obj = object_get(user=request.user, object_id=pk)
    history = selectors.with_replaced_units(selectors.repair_history_of_object(obj))
    if request.htmx:
        lines = list(history[: HISTORY_IN_SECTION + 1])
        context = {
            "obj": obj,
            "lines": lines[:HISTORY_IN_SECTION],
            "more": len(lines) > HISTORY_IN_SECTION,
        }
        context["linked"] = _order_links(request.user, context["lines"])
        return render(request, "repairs/_object_history.html", context)
    context = {"obj": obj, **page_of(request, history, per_page=REPORT_ROWS)}
    context["lines"] = list(context["page_obj"])
    context["linked"] = _order_links(request.user, context["lines"])
    return render(request, "repairs/object_history.html", context)


@login_required
@permission_required("repairs.view_repairline", raise_exception=True)
def my_repairs(request: HttpRequest):
    """A technician's own repairs, newest first, filterable by date."""
    form = RepairReportForm(request.GET or None)
    filters = form.filters()
    me = technician_of_user(request.user)
    context = {"form": form, "me": me, "title": _("My repairs")}
    if filters is not None and me is not None:
        filters.update(technician_id=me.pk, object_q=None)
        lines = selectors.with_replaced_units(
            selectors.repair_line_list(user=request.user, **filters)
        )
        context.update(page_of(request, lines, per_page=REPORT_ROWS))
        context["lines"] = list(context["page_obj"])
        context["linked"] = _order_links(request.user, context["lines"])
    return render(
        request, "repairs/my_repairs.html", context, status=200 if filters is not None else 422
    )


# -- Reports ---------------------------------------------------------------------------------


def _reader(request) -> None:
    if not selectors.may_read_repair_reports(request.user):
        raise PermissionDenied


def _report(request, *, by: str):
    _reader(request)
    technicians = technician_list(user=request.user).prefetch_related(None)
    fields = ("date_from", "date_to", "q" if by == "object" else "technician")
    form = RepairReportForm(request.GET or None, technicians=technicians, fields=fields)
    filters = form.filters()
    context = {"form": form, "by": by}
    if filters is not None:
        lines = selectors.repair_line_list(user=request.user, order_by=by, **filters)
        if by == "technician":
            context["summary"] = selectors.repairs_by_technician(lines)
            period = request.GET.copy()
            for name in ("page", "technician"):
                period.pop(name, None)
            context["period_query"] = f"{period.urlencode()}&" if period else ""
        context.update(page_of(request, selectors.with_replaced_units(lines), per_page=REPORT_ROWS))
        context["lines"] = list(context["page_obj"])
    return render(
        request, "repairs/report_history.html", context, status=200 if filters is not None else 422
    )


@login_required
def report_by_object(request: HttpRequest):
    """Repair history by object: every repair in the period, object by object."""
    return _report(request, by="object")


@login_required
def report_by_technician(request: HttpRequest):
    """Repair history by technician, with each technician's repairs, fixes and how many held."""
    return _report(request, by="technician")


@login_required
def report_resolutions(request: HttpRequest):
    """Resolutions by symptom and by diagnosis: for each code, what fixed it, how often and
    how often the fix held."""
    _reader(request)
    form = RepairReportForm(request.GET or None)
    filters = form.filters()
    context = {"form": form}
    if filters is not None:
        period = {"date_from": filters["date_from"], "date_to": filters["date_to"]}
        context["symptoms"] = selectors.resolutions_by_code(kind="symptom", **period)
        context["diagnoses"] = selectors.resolutions_by_code(kind="diagnosis", **period)
    return render(
        request,
        "repairs/report_resolutions.html",
        context,
        status=200 if filters is not None else 422,
    )
