"""Writes for template groups, the tree agreement templates are filed in."""

from django.utils.translation import gettext as _

from openservice.agreements.models import TemplateGroup
from openservice.core.errors import InvalidInput
from openservice.core.services import only_fields, record_create, record_update


def template_group_create(*, by, code: str, name: str, parent=None) -> TemplateGroup:
    group = TemplateGroup(code=code, name=name, parent=parent)
    return record_create(group, by=by, verb="template_group.created", data={"code": code})


def template_group_update(*, group: TemplateGroup, by, **changes) -> TemplateGroup:
    changes = only_fields(("code", "name", "parent"), changes)
    parent = changes.get("parent")
    ancestor = parent
    while ancestor is not None:
        if ancestor.pk == group.pk:
            raise InvalidInput({"parent": [_("A group cannot sit inside itself.")]})
        ancestor = ancestor.parent
    return record_update(group, by=by, verb="template_group.updated", changes=changes)
