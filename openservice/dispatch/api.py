"""API for appointments and the technicians' calendar feeds."""

from ninja import Router

router = Router(tags=["dispatch"])
