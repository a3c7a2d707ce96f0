"""API for the optimiser's plan proposals: ask for one, read it, accept or discard it."""

from ninja import Router

router = Router(tags=["dispatch"])
