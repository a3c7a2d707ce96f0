"""`Idempotency-Key` for API POSTs: a retry with the same key and user gets the first response.

The record is inserted before the view runs, in the same transaction as the view's writes: a
concurrent retry waits on the unique (user, key) index and then replays the stored response, so
nothing is created twice. Only successful (2xx) responses are kept; after a refusal the key can
be used again with a corrected request. The same key with a different request is refused (422).
"""

import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from openservice.core.auth import request_user
from openservice.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "details": {}}, status=status)


def _digest(request: HttpRequest) -> str:
    hasher = hashlib.sha256()
    hasher.update(request.method.encode())
    hasher.update(request.get_full_path().encode())
    hasher.update(b"\0")
    hasher.update(request.body)
    return hasher.hexdigest()


def _replay(record: IdempotencyRecord, digest: str) -> HttpResponse:
    if record.request_digest != digest:
        return _error(
            422,
            "core.idempotency_key_reused",
            _("This Idempotency-Key was used for a different request."),
        )
    response = HttpResponse(
        record.response_body, status=record.status_code, content_type=record.content_type
    )
    response[REPLAY_HEADER] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not (0 < len(key) <= MAX_KEY_LENGTH) or not key.isprintable() or not key.isascii():
            return _error(
                422,
                "core.invalid_idempotency_key",
                _("Idempotency-Key must be 1 to 255 printable ASCII characters."),
            )
        user = request_user(request)
        if user is None:
            return self.get_response(request)  # the API answers 401
        digest = _digest(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=user,
                        key=key,
                        method=request.method,
                        path=request.path[:500],
                        request_digest=digest,
                    )
            except IntegrityError:
                return _replay(IdempotencyRecord.objects.get(user=user, key=key), digest)
            response = self.get_response(request)
            if 200 <= response.status_code < 300 and not response.streaming:
                record.status_code = response.status_code
                record.response_body = response.content.decode(response.charset or "utf-8")
                record.content_type = response.get("Content-Type", "application/json")
                record.save(update_fields=["status_code", "response_body", "content_type"])
            else:
                record.delete()
        return response
