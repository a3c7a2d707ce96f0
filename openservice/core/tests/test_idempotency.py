from openservice.core.models import IdempotencyRecord
from openservice.core.roles import Role
from openservice.customers.models import Customer

KEY = {"Idempotency-Key": "create-kone-1"}


def test_same_key_twice_creates_one_customer_and_replays_the_response(api_as, manager):
    api = api_as(manager)

    first = api.post("customers", {"name": "Kone Oy"}, **KEY)
    second = api.post("customers", {"name": "Kone Oy"}, **KEY)

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert Customer.objects.count() == 1
    assert Customer.objects.get().pk == first.json()["id"]


def test_same_key_with_a_different_body_is_refused(api_as, manager):
    api = api_as(manager)
    api.post("customers", {"name": "Kone Oy"}, **KEY)

    response = api.post("customers", {"name": "Wärtsilä Oyj"}, **KEY)

    assert response.status_code == 422
    assert response.json() == {
        "code": "core.idempotency_key_reused",
        "message": "This Idempotency-Key was used for a different request.",
        "details": {},
    }
    assert list(Customer.objects.values_list("name", flat=True)) == ["Kone Oy"]


def test_same_key_on_a_different_path_is_refused(api_as, manager):
    api = api_as(manager)
    api.post("customers", {"name": "Kone Oy"}, **KEY)

    response = api.post("agreement-groups", {"name": "Kone Oy"}, **KEY)

    assert response.status_code == 422
    assert response.json()["code"] == "core.idempotency_key_reused"


def test_key_over_255_characters_is_refused(api_as, manager):
    response = api_as(manager).post(
        "customers", {"name": "Kone Oy"}, **{"Idempotency-Key": "k" * 256}
    )

    assert response.status_code == 422
    assert response.json() == {
        "code": "core.invalid_idempotency_key",
        "message": "Idempotency-Key must be 1 to 255 printable ASCII characters.",
        "details": {},
    }
    assert not Customer.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_key_of_255_characters_is_accepted(api_as, manager):
    response = api_as(manager).post(
        "customers", {"name": "Kone Oy"}, **{"Idempotency-Key": "k" * 255}
    )

    assert response.status_code == 201
    assert IdempotencyRecord.objects.get().key == "k" * 255


def test_empty_key_is_refused(api_as, manager):
    response = api_as(manager).post("customers", {"name": "Kone Oy"}, **{"Idempotency-Key": ""})

    assert response.status_code == 422
    assert response.json()["code"] == "core.invalid_idempotency_key"
    assert not Customer.objects.exists()


def test_refused_request_does_not_keep_the_key(api_as, manager):
    api = api_as(manager)

    refused = api.post("customers", {"name": ""}, **KEY)
    assert refused.status_code == 422
    assert refused.json()["code"] == "core.invalid_input"
    assert not IdempotencyRecord.objects.exists()

    corrected = api.post("customers", {"name": "Kone Oy"}, **KEY)
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected.headers
    assert Customer.objects.get().name == "Kone Oy"
    record = IdempotencyRecord.objects.get()
    assert (record.user, record.key, record.status_code) == (manager, "create-kone-1", 201)


def test_permission_refusal_does_not_keep_the_key(api_as, dispatcher):
    response = api_as(dispatcher).post("customers", {"name": "Kone Oy"}, **KEY)

    assert response.status_code == 403
    assert not IdempotencyRecord.objects.exists()
    assert not Customer.objects.exists()


def test_keys_are_per_user(api_as, manager, make_user):
    other = make_user(Role.MANAGER, username="manager2")

    first = api_as(manager).post("customers", {"name": "Kone Oy"}, **KEY)
    second = api_as(other).post("customers", {"name": "Kone Oy"}, **KEY)

    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    assert first.json()["id"] != second.json()["id"]
    assert Customer.objects.count() == 2


def test_post_without_a_key_is_not_deduplicated(api_as, manager):
    api = api_as(manager)

    api.post("customers", {"name": "Kone Oy"})
    api.post("customers", {"name": "Kone Oy"})

    assert Customer.objects.filter(name="Kone Oy").count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_anonymous_post_with_a_key_is_not_authenticated(api_as, db):
    response = api_as(None).post("customers", {"name": "Kone Oy"}, **KEY)

    assert response.status_code == 401
    assert response.json()["code"] == "core.not_authenticated"
    assert not IdempotencyRecord.objects.exists()
