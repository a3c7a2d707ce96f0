from openservice.customers.models import Customer


def test_manager_creates_customer_with_number_from_sequence(api_as, manager):
    response = api_as(manager).post("customers", {"name": "Kone Oy"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "C00001"
    assert body["currency"] == "EUR"
    assert Customer.objects.get(pk=body["id"]).name == "Kone Oy"


def test_customer_role_sees_only_own_customer(api_as, customer_user):
    from openservice.customers.tests.factories import CustomerFactory

    CustomerFactory()
    response = api_as(customer_user).get("customers")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [
        customer_user.customer_contact.customer_id
    ]
