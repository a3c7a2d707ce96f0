"""The REST API: one NinjaAPI that mounts each app's router and maps errors to one shape.

Every error body is `{"code", "message", "details"}`: 400 a body that is not JSON, 401 not
authenticated, 403 not allowed, 404 unknown id, 409 a rule or conflict (`DomainError`), 422 input
that fails validation.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from openservice.agreements.api import router as agreements_router
from openservice.billing.api import router as billing_router
from openservice.calendars.api import router as calendars_router
from openservice.catalog.api import router as catalog_router
from openservice.core.api import router as core_router
from openservice.core.auth import BearerAuth, SessionAuth
from openservice.core.errors import DomainError
from openservice.core.idempotency import HEADER as IDEMPOTENCY_HEADER
from openservice.customers.api import router as customers_router
from openservice.dispatch.api import router as dispatch_router
from openservice.dispatch.proposal_api import router as proposals_router
from openservice.equipment.api import router as equipment_router
from openservice.orders.api import router as orders_router
from openservice.orders.generation_api import router as generation_router
from openservice.repairs.api import router as repairs_router
from openservice.reports.api import router as reports_router
from openservice.returns.api import router as returns_router
from openservice.sla.api import router as sla_router
from openservice.subscriptions.api import router as subscriptions_router
from openservice.workforce.api import router as workforce_router

ERROR_STATUSES = {
    "400": "Malformed request (for example a body that is not JSON)",
    "401": "Not authenticated",
    "403": "Not allowed",
    "404": "Not found",
    "409": "Refused by a rule or conflict",
    "422": "Invalid input",
}


class OpenServiceAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Document the shared error responses and the Idempotency-Key header on every operation."""
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "ErrorOut",
            {
                "type": "object",
                "title": "ErrorOut",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    # An object, except where a refusal lists findings (dispatch.conflict).
                    "details": {"anyOf": [{"type": "object"}, {"type": "array"}]},
                },
            },
        )
        error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for path_item in schema["paths"].values():
            for method, operation in path_item.items():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    responses.setdefault(status, {"description": description, "content": error_ref})
                if method == "post":
                    operation.setdefault("parameters", []).append(
                        {
                            "in": "header",
                            "name": IDEMPOTENCY_HEADER,
                            "required": False,
                            "description": "Retrying with the same key returns the first response.",
                            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                        }
                    )
        return schema


api = OpenServiceAPI(
    title="OpenService API",
    version="1",
    description="Service management: customers, master data, and (as they arrive) agreements, "
    "orders, repairs, returns, dispatch, subscriptions and SLAs.",
    urls_namespace="api",
    auth=[BearerAuth(), SessionAuth()],
)


def _error(request: HttpRequest, status: int, code: str, message: str, details=None):
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError):
    return _error(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        if location and location[0] in ("query", "path", "header", "cookie", "filters", "page"):
            location = location[1:] or location
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        fields.setdefault(".".join(location) or "__all__", []).append(message)
    return _error(
        request, 422, "core.invalid_input", _("Some fields are not valid."), {"fields": fields}
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError):
    return _error(request, 401, "core.not_authenticated", _("Log in or send a bearer token."))


@api.exception_handler(DjangoPermissionDenied)
def permission_denied(request: HttpRequest, exc: DjangoPermissionDenied):
    return _error(
        request, 403, "core.permission_denied", _("You do not have permission to do this.")
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return _error(request, 404, "core.not_found", _("Not found."))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    return _error(request, exc.status_code, f"core.http_{exc.status_code}", str(exc))


api.add_router("/", core_router)
api.add_router("/", calendars_router)
api.add_router("/", customers_router)
api.add_router("/", catalog_router)
api.add_router("/", workforce_router)
api.add_router("/", equipment_router)
api.add_router("/", sla_router)
api.add_router("/", generation_router)  # before agreements: /agreements/generate is a path
api.add_router("/", agreements_router)
api.add_router("/", orders_router)
api.add_router("/", subscriptions_router)  # declares /subscriptions/fees/generate before {id}
api.add_router("/", billing_router)  # declares /invoices/propose before {id}
api.add_router("/", repairs_router)  # also serves /orders/{id}/repairs and /objects/{id}/repairs
api.add_router("/", returns_router)  # also serves /return-codes/… and /replacements
api.add_router("/", dispatch_router)  # also serves /technicians/{id}/calendar.ics
api.add_router("/", proposals_router)
api.add_router("/", reports_router)
