"""Bill-of-materials pages: the items that have BOMs, and all versions of one item's BOM side
by side with the differences from each previous version marked. Views parse, call the
selectors, and render."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.catalog import selectors
from openservice.catalog.bom_compare import compare
from openservice.catalog.forms import BomFilterForm
from openservice.catalog.models import Bom
from openservice.core.pages import page_of


@login_required
@permission_required("catalog.view_bom", raise_exception=True)
def bom_list(request: HttpRequest):
    filters = BomFilterForm(request.GET or None)
    items = selectors.bom_item_list(user=request.user, **filters.selector_filters())
    context = {"filters": filters, "today": timezone.localdate(), **page_of(request, items)}
    template = "catalog/_bom_rows.html" if request.htmx else "catalog/bom_list.html"
    return render(request, template, context)


@login_required
@permission_required("catalog.view_bom", raise_exception=True)
def bom_detail(request: HttpRequest, item_id: int):
    versions = selectors.bom_versions(user=request.user, item_id=item_id)
    if not versions:
        raise Http404(_("This item has no BOM."))
    comparison = compare([(bom.version, list(bom.lines.all())) for bom in versions])
    today = timezone.localdate()
    columns = [
        {
            "bom": bom,
            "changes": changes,
            "is_in_use": bom.status == Bom.Status.APPROVED and bom.is_valid_on(today),
        }
        for bom, changes in zip(versions, comparison.changes, strict=True)
    ]
    return render(
        request,
        "catalog/bom_detail.html",
        {"item": versions[0].item, "columns": columns, "rows": comparison.rows},
    )
