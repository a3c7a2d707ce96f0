"""Refusals of the sla app."""

from django.utils.translation import gettext_lazy as _

from openservice.core.errors import DomainError


class PolicyInUse(DomainError):
    code = "sla.policy_in_use"
    default_message = _("Orders are measured against this policy; deactivate it instead.")


class AlreadyAssigned(DomainError):
    code = "sla.already_assigned"
    default_message = _("A policy is already assigned there; change or remove that assignment.")
