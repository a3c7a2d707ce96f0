"""Service object pages: the list with search and filters, one object with its component tree
(on any past day) and history, and the managers' actions on the tree. Views parse, call the
selectors and services, and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from openservice.catalog.models import Bom
from openservice.catalog.selectors import bom_list, item_list, items_by_id
from openservice.core.errors import DomainError
from openservice.core.pages import add_domain_error, page_of
from openservice.core.sections import sections_for
from openservice.equipment import display, selectors, services
from openservice.equipment.forms import (
    BomUpgradeForm,
    ComponentReplaceForm,
    ObjectFilterForm,
    TreeDayForm,
)
from openservice.equipment.tree import flatten

HISTORY_SHOWN = 50


@login_required
@permission_required("equipment.view_serviceobject", raise_exception=True)
def object_list(request: HttpRequest):
    groups = selectors.object_group_list(user=request.user, is_active=True)
    filters = ObjectFilterForm(request.GET or None, groups=groups)
    objects = selectors.object_list(user=request.user, **filters.selector_filters())
    context = {"filters": filters, "today": timezone.localdate(), **page_of(request, objects)}
    template = "equipment/_object_rows.html" if request.htmx else "equipment/list.html"
    return render(request, template, context)


def _upgrade_form(user, obj, data=None) -> BomUpgradeForm:
    """The approved versions of the object's item to choose from (one query)."""
    versions = bom_list(user=user, item_id=obj.item_id, status=Bom.Status.APPROVED)
    return BomUpgradeForm(data, versions=list(versions.order_by("version")), current_id=obj.bom_id)


@login_required
@permission_required("equipment.view_serviceobject", raise_exception=True)
def object_detail(request: HttpRequest, pk: int):
    obj = selectors.object_get(user=request.user, object_id=pk)
    today = timezone.localdate()
    day_form = TreeDayForm(request.GET or None, initial={"on": today})
    on = day_form.day(default=today)
    roots = selectors.component_tree(obj, on=on)
    items = items_by_id(node.item_id for node in flatten(roots))
    events = display.timeline(selectors.component_history(obj), obj.installed_on)
    show_all = request.GET.get("history") == "all"
    can_change = request.user.has_perm("equipment.change_serviceobject")
    return render(
        request,
        "equipment/detail.html",
        {
            "obj": obj,
            "today": today,
            "on": on,
            "day_form": day_form,
            "tree": display.named_tree(roots, items, focus=day_form.focus()),
            "events": events if show_all else events[:HISTORY_SHOWN],
            "event_count": len(events),
            "can_replace": can_change and on == today,
            "upgrade_form": _upgrade_form(request.user, obj) if can_change else None,
            "can_save_as_bom": can_change and request.user.has_perm("catalog.add_bom"),
            "can_view_bom": request.user.has_perm("catalog.view_bom"),
            # Panels of higher apps (repair history, …), each loaded from its own URL.
            "sections": sections_for("object", request.user),
        },
    )


@login_required
@permission_required("equipment.change_serviceobject", raise_exception=True)
def component_replace(request: HttpRequest, pk: int, component_id: int):
    """A small form for one unit; loaded into the tree by htmx, or a page of its own without
    JavaScript. A refusal comes back on the form; success goes back to the object."""
    obj = selectors.object_get(user=request.user, object_id=pk)
    component = selectors.component_get(obj, component_id)
    today = timezone.localdate()
    form = ComponentReplaceForm(
        request.POST or None,
        items=item_list(user=request.user, is_active=True),
        today=today,
        initial={"item": component.item_id, "on": today},
        auto_id=f"replace-{component.pk}-%s",  # several forms can be open in one tree
    )
    if request.method == "POST" and form.is_valid():
        try:
            new = services.component_replace(
                obj=obj, component=component, by=request.user, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(item)s is now installed in %(slot)s.")
                % {"item": form.cleaned_data["item"], "slot": new.slot or new.position},
            )
            url = (
                f"{reverse('equipment:detail', args=[obj.pk])}"
                f"?component={new.pk}#component-{new.pk}"
            )
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = "equipment/_replace_form.html" if request.htmx else "equipment/replace.html"
    return render(request, template, {"obj": obj, "component": component, "form": form})


@require_POST
@login_required
@permission_required("equipment.change_serviceobject", raise_exception=True)
def object_upgrade(request: HttpRequest, pk: int):
    obj = selectors.object_get(user=request.user, object_id=pk)
    form = _upgrade_form(request.user, obj, request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an approved version of the BOM to upgrade to."))
        return redirect("equipment:detail", obj.pk)
    bom = form.selected_bom()
    try:
        counts = services.object_upgrade_bom(obj=obj, to_bom=bom, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "The object now follows BOM version %(version)s: %(replaced)s replaced, "
                "%(added)s added, %(removed)s removed."
            )
            % {"version": bom.version, **counts},
        )
    return redirect("equipment:detail", obj.pk)


@require_POST
@login_required
@permission_required(["equipment.change_serviceobject", "catalog.add_bom"], raise_exception=True)
def object_save_as_bom(request: HttpRequest, pk: int):
    obj = selectors.object_get(user=request.user, object_id=pk)
    try:
        bom = services.object_save_as_bom(obj=obj, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("equipment:detail", obj.pk)
    messages.success(
        request,
        _("The current tree is saved as draft version %(version)s of the BOM of %(item)s.")
        % {"version": bom.version, "item": obj.item},
    )
    return redirect(f"{reverse('catalog:bom_detail', args=[obj.item_id])}#version-{bom.version}")
