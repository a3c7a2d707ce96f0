"""Core writes: the audit log, number sequences and the shared save step of every service."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.core.errors import Conflict, InvalidInput, NotFound
from openservice.core.models import ApiToken, AuditEvent, NumberSequence


def audit(actor, verb: str, obj: models.Model, data: dict[str, Any] | None = None) -> AuditEvent:
    """Record one business action. Called by every service that changes something."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data or {},
    )


def audit_many(actor, verb: str, model: type[models.Model], rows) -> None:
    """Record one action on many records of a model in one insert: rows of (pk, data)."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    label = model._meta.label_lower
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(actor=actor, verb=verb, object_type=label, object_id=str(pk), data=data)
            for pk, data in rows
        ],
        batch_size=2000,
    )


@transaction.atomic
def sequence_next(code: str, *, prefix: str = "", padding: int = 5) -> str:
    """The next number of a sequence, e.g. 'C00042'.

    The row is locked until the caller's transaction ends, so concurrent callers queue and
    never get the same number; a rolled-back caller gives its number back (no gaps).
    `prefix` and `padding` apply only when the sequence does not exist yet.
    """
    sequence = NumberSequence.objects.select_for_update().filter(code=code).first()
    if sequence is None:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(code=code, prefix=prefix, padding=padding)
        except IntegrityError:
            pass  # another transaction created it first; lock theirs below
        sequence = NumberSequence.objects.select_for_update().get(code=code)
    number = sequence.next_number
    NumberSequence.objects.filter(pk=sequence.pk).update(next_number=number + 1)
    return sequence.format(number)


@transaction.atomic
def sequence_take(code: str, count: int, *, prefix: str = "", padding: int = 5) -> list[str]:
    """`count` consecutive numbers of a sequence in one update (for bulk writers such as order
    generation); locked and gapless like `sequence_next`."""
    if count <= 0:
        return []
    first = sequence_next(code, prefix=prefix, padding=padding)
    sequence = NumberSequence.objects.get(code=code)
    start = sequence.next_number - 1
    if count > 1:
        NumberSequence.objects.filter(pk=sequence.pk).update(next_number=start + count)
    return [first] + [sequence.format(number) for number in range(start + 1, start + count)]


def validation_field_errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: list(messages) for field, messages in error.message_dict.items()}
    return {"__all__": list(error.messages)}


def save_validated(instance: models.Model) -> None:
    """Validate a model (fields, choices, constraints) and save it.

    Field problems become `InvalidInput` (HTTP 422); a uniqueness race that validation could not
    see becomes `Conflict` (409). The save runs in a savepoint so the caller's transaction stays
    usable and unchanged on failure.
    """
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise InvalidInput(validation_field_errors(exc)) from exc
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise Conflict() from exc


def apply_changes(instance: models.Model, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the changed attributes; return {field: [old, new]} for the audit log."""
    changed = {}
    for field, value in changes.items():
        old = getattr(instance, field)
        if old != value:
            setattr(instance, field, value)
            changed[field] = [_audit_value(old), _audit_value(value)]
    return changed


def _audit_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


TOKEN_PREFIX = "os_"


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user, name: str = "", by=None) -> tuple[ApiToken, str]:
    """A new personal API token; the raw token is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[: len(TOKEN_PREFIX) + 6], digest=_token_digest(raw)
    )
    audit(by or user, "api_token.created", token, {"user": user.pk, "name": name})
    return token, raw


def token_authenticate(raw: str, *, now=None):
    """The active user owning an active token, or None.

    Marks the token used, at most once a minute, to spare a write per request.
    """
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_token_digest(raw), is_active=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def token_revoke(*, raw: str, by) -> ApiToken:
    """Deactivate the token whose raw value is given (a client logging out)."""
    token = ApiToken.objects.filter(digest=_token_digest(raw), is_active=True).first()
    if token is None:
        raise NotFound(_("No active token matches."), code="core.token_not_found")
    token.is_active = False
    token.save(update_fields=["is_active"])
    audit(by, "api_token.revoked", token)
    return token


def only_fields(allowed: tuple[str, ...], values: dict[str, Any]) -> dict[str, Any]:
    """Guard a service's **fields: a caller passing anything else is a programming error."""
    unknown = set(values) - set(allowed)
    if unknown:
        raise TypeError(f"not changeable here: {', '.join(sorted(unknown))}")
    return values


def record_create(instance: models.Model, *, by, verb: str, data: dict | None = None):
    """Validate, save and audit a new record (the shared tail of every `<entity>_create`)."""
    save_validated(instance)
    audit(by, verb, instance, data)
    return instance


def record_update(instance: models.Model, *, by, verb: str, changes: dict[str, Any]):
    """Lock the row, apply the changes, validate, save, and audit what actually changed."""
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    changed = apply_changes(locked, changes)
    if changed:
        save_validated(locked)
        audit(by, verb, locked, {"changes": changed})
    return locked


def record_set_active(instance: models.Model, *, by, verb: str, is_active: bool):
    """Activate or deactivate a record (master data is deactivated, never deleted, once used)."""
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if locked.is_active != is_active:
        locked.is_active = is_active
        locked.save(update_fields=["is_active", "updated_at"])
        audit(by, verb, locked, {"is_active": is_active})
    return locked


def set_skill_levels(
    *,
    through: type[models.Model],
    owner_field: str,
    owner: models.Model,
    level_field: str,
    pairs,
    error_field: str,
) -> dict[str, int]:
    """Replace an owner's (skill, level) rows in a through model, levels 1–5.

    Shared by technicians (their skills) and service tasks (the skills they require);
    returns {skill code: level} for the audit log.
    """
    levels = {skill.pk: (skill, level) for skill, level in pairs}
    for _skill, level in levels.values():
        if not 1 <= level <= 5:
            raise InvalidInput({error_field: [_("Skill levels run from 1 to 5.")]})
    through.objects.filter(**{owner_field: owner}).exclude(skill_id__in=levels).delete()
    for skill, level in levels.values():
        through.objects.update_or_create(
            **{owner_field: owner, "skill": skill}, defaults={level_field: level}
        )
    return {skill.code: level for skill, level in levels.values()}
