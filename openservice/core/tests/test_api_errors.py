import pytest

from openservice.customers.models import Customer, Site
from openservice.customers.tests.factories import CustomerFactory

ERROR_STATUSES = ["401", "403", "404", "409", "422"]
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def test_unknown_id_is_404(api_as, manager):
    response = api_as(manager).get("customers/999999")

    assert response.status_code == 404
    assert response.json() == {
        "code": "core.not_found",
        "message": "Not found.",
        "details": {"customer_id": 999999},
    }


def test_record_outside_the_users_scope_is_404(api_as, customer_user):
    other = CustomerFactory()

    response = api_as(customer_user).get(f"customers/{other.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "core.not_found"


def test_invalid_body_is_422_with_field_errors(api_as, manager):
    response = api_as(manager).post(
        "customers", {"name": "", "email": "not-an-email", "currency": "eur"}
    )

    assert response.status_code == 422
    assert response.json() == {
        "code": "core.invalid_input",
        "message": "Some fields are not valid.",
        "details": {
            "fields": {
                "name": ["String should have at least 1 character"],
                "email": ["not a valid email address"],
                "currency": ["String should match pattern '^[A-Z]{3}$'"],
            }
        },
    }
    assert not Customer.objects.exists()


def test_missing_field_is_422(api_as, manager):
    response = api_as(manager).post("customers", {})

    assert response.status_code == 422
    assert response.json()["details"]["fields"] == {"name": ["Field required"]}


def test_invalid_query_and_path_parameters_are_422(api_as, manager):
    by_query = api_as(manager).get("customers", {"limit": 0})
    by_path = api_as(manager).get("customers/abc")

    assert by_query.status_code == by_path.status_code == 422
    assert by_query.json()["details"]["fields"] == {
        "limit": ["Input should be greater than or equal to 1"]
    }
    assert list(by_path.json()["details"]["fields"]) == ["id"]


def test_unknown_reference_in_body_is_422(api_as, manager):
    response = api_as(manager).post("sites", {"customer_id": 999999, "name": "HQ"})

    assert response.status_code == 422
    assert response.json()["details"] == {"fields": {"customer_id": ["No such customer."]}}


def test_missing_permission_is_403(api_as, dispatcher):
    response = api_as(dispatcher).post("customers", {"name": "Kone Oy"})

    assert response.status_code == 403
    assert response.json() == {
        "code": "core.permission_denied",
        "message": "You do not have permission to do this.",
        "details": {"perm": "customers.add_customer"},
    }
    assert not Customer.objects.exists()


def test_domain_error_is_409(api_as, manager):
    customer = CustomerFactory(is_active=False)

    response = api_as(manager).post("sites", {"customer_id": customer.pk, "name": "HQ"})

    assert response.status_code == 409
    assert response.json() == {
        "code": "customers.customer_inactive",
        "message": "The customer is inactive: reactivate it first.",
        "details": {"customer_id": customer.pk},
    }
    assert not Site.objects.exists()


def test_malformed_json_gets_the_error_shape(api_as, manager):
    api = api_as(manager)
    response = api.client.post(
        "/api/v1/customers", "{not json", content_type="application/json", headers=api.headers
    )

    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "details"}
    assert not Customer.objects.exists()


@pytest.fixture
def openapi(api_as, db):
    response = api_as(None).get("openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_openapi_is_served_with_the_error_schema(openapi):
    assert openapi["info"]["title"] == "OpenService API"
    error_out = openapi["components"]["schemas"]["ErrorOut"]
    assert error_out["required"] == ["code", "message", "details"]
    assert set(error_out["properties"]) == {"code", "message", "details"}
    assert "/api/v1/customers" in openapi["paths"]


def test_every_operation_documents_the_error_responses(openapi):
    operations = list(_operations(openapi))
    assert len(operations) > 10
    for path, method, operation in operations:
        for status in ERROR_STATUSES:
            response = operation["responses"].get(status)
            assert response is not None, f"{method} {path} lacks {status}"
            assert response["content"]["application/json"]["schema"] == ERROR_REF


def test_post_operations_document_the_idempotency_key_header(openapi):
    for path, method, operation in _operations(openapi):
        headers = [
            parameter
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "header" and parameter["name"] == "Idempotency-Key"
        ]
        if method == "post":
            assert len(headers) == 1, f"{method} {path}"
            assert headers[0]["required"] is False
            assert headers[0]["schema"] == {"type": "string", "minLength": 1, "maxLength": 255}
        else:
            assert headers == [], f"{method} {path}"


def test_openapi_is_the_same_on_every_request(api_as, openapi):
    again = api_as(None).get("openapi.json").json()

    assert again == openapi


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


def test_healthz_accepts_only_get(client, db):
    assert client.post("/healthz").status_code == 405
