"""The master-data API pattern: list, get, create, update, deactivate and activate.

Each resource supplies its schemas, its selectors and small adapters onto its services; this
module wires them into a router with the permission checks, pagination and status codes that
every master-data resource shares. Business actions beyond these get their own endpoints.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from ninja.responses import Status

from openservice.core.roles import require_perm
from openservice.core.schemas import Id, PageIn, PageOut, paginate


@dataclass(frozen=True)
class MasterDataResource:
    path: str  # "/customers"
    model_label: str  # "customers.customer" (app label . model name), for permissions
    verbose: str  # "customer", for summaries
    out: type[Schema]
    create_in: type[Schema]
    update_in: type[Schema]
    filters: type[Schema]
    list: Callable[..., QuerySet]  # (user=, **filters) -> queryset
    get: Callable[[Any, int], Model]  # (user, id) -> instance or NotFound
    create: Callable[[Any, Schema], Model]  # (user, payload) -> instance
    update: Callable[[Any, Model, dict], Model]  # (user, instance, changes) -> instance
    set_active: Callable[[Any, Model, bool], Model]  # (user, instance, is_active) -> instance

    def perm(self, action: str) -> str:
        app_label, model = self.model_label.split(".")
        return f"{app_label}.{action}_{model}"


def add_master_data_routes(router: Router, resource: MasterDataResource) -> None:
    r = resource
    item_path = f"{r.path}/{{id}}"
    plural = r.path.strip("/").replace("-", "_").replace("/", "_")
    one = r.verbose.replace(" ", "_").lower()

    @router.get(
        r.path, response=PageOut[r.out], summary=f"List {r.verbose}s", operation_id=f"list_{plural}"
    )
    def list_records(request: HttpRequest, filters: Query[r.filters], page: Query[PageIn]):
        require_perm(request.auth, r.perm("view"))
        return paginate(r.list(user=request.auth, **filters.dict(exclude_none=True)), page)

    @router.get(item_path, response=r.out, summary=f"Get a {r.verbose}", operation_id=f"get_{one}")
    def get_record(request: HttpRequest, id: Path[Id]):
        require_perm(request.auth, r.perm("view"))
        return r.get(request.auth, id)

    @router.post(
        r.path, response={201: r.out}, summary=f"Create a {r.verbose}", operation_id=f"create_{one}"
    )
    def create_record(request: HttpRequest, payload: r.create_in):
        require_perm(request.auth, r.perm("add"))
        return Status(201, r.create(request.auth, payload))

    @router.patch(
        item_path, response=r.out, summary=f"Change a {r.verbose}", operation_id=f"update_{one}"
    )
    def update_record(request: HttpRequest, id: Path[Id], payload: r.update_in):
        require_perm(request.auth, r.perm("change"))
        instance = r.get(request.auth, id)
        # Only the fields the client sent, but each in full: exclude_unset would also drop
        # defaulted fields inside nested rows (a skill row without its level).
        changes = payload.dict(include=payload.model_fields_set)
        return r.update(request.auth, instance, changes)

    @router.post(
        f"{item_path}/deactivate",
        response=r.out,
        summary=f"Deactivate a {r.verbose}",
        operation_id=f"deactivate_{one}",
    )
    def deactivate_record(request: HttpRequest, id: Path[Id]):
        require_perm(request.auth, r.perm("change"))
        return r.set_active(request.auth, r.get(request.auth, id), False)

    @router.post(
        f"{item_path}/activate",
        response=r.out,
        summary=f"Reactivate a {r.verbose}",
        operation_id=f"activate_{one}",
    )
    def activate_record(request: HttpRequest, id: Path[Id]):
        require_perm(request.auth, r.perm("change"))
        return r.set_active(request.auth, r.get(request.auth, id), True)
