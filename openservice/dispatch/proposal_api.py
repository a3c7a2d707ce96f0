"""API for the optimiser's plan proposals: ask for one (nothing changes), read it, accept it
(the appointments are booked, unless anything it was made from changed) or discard it."""

from django.http import HttpRequest
from ninja import Path, Router

from openservice.core.references import referenced as _ref
from openservice.core.roles import require_perm
from openservice.core.schemas import Id
from openservice.dispatch import selectors, services
from openservice.dispatch.api import appointment_result
from openservice.dispatch.proposal_schemas import AcceptOut, OptimizeIn, ProposalOut
from openservice.orders.selectors import order_get
from openservice.workforce.selectors import technician_get

router = Router(tags=["dispatch"])

PROPOSE = "dispatch.add_proposal"
DECIDE = "dispatch.change_proposal"
VIEW = "dispatch.view_proposal"


@router.post(
    "/dispatch/optimize",
    response=ProposalOut,
    operation_id="optimize_dispatch",
    summary="Propose a plan for a period (stored as a proposal; nothing else changes)",
)
def optimize(request: HttpRequest, payload: OptimizeIn):
    require_perm(request.auth, PROPOSE)
    user = request.auth
    technician_ids = payload.technician_ids and [
        _ref(f"technician_ids.{n}", technician_get, user=user, technician_id=pk).pk
        for n, pk in enumerate(payload.technician_ids)
    ]
    order_ids = payload.order_ids and [
        _ref(f"order_ids.{n}", order_get, user=user, order_id=pk).pk
        for n, pk in enumerate(payload.order_ids)
    ]
    return services.proposal_create(
        by=user,
        date_from=payload.date_from,
        date_to=payload.date_to,
        technician_ids=technician_ids,
        order_ids=order_ids,
        time_limit_seconds=payload.time_limit_seconds,
    )


@router.get(
    "/dispatch/proposals/{id}",
    response=ProposalOut,
    operation_id="get_proposal",
    summary="A plan proposal",
)
def get_proposal(request: HttpRequest, id: Path[Id]):
    require_perm(request.auth, VIEW)
    return selectors.proposal_get(user=request.auth, proposal_id=id)


@router.post(
    "/dispatch/proposals/{id}/accept",
    response=AcceptOut,
    operation_id="accept_proposal",
    summary="Book the proposal's plan (409 dispatch.proposal_stale if anything changed since)",
)
def accept_proposal(request: HttpRequest, id: Path[Id]):
    require_perm(request.auth, DECIDE)
    proposal = selectors.proposal_get(user=request.auth, proposal_id=id)
    booked = services.proposal_accept(proposal=proposal, by=request.auth)
    proposal.refresh_from_db()
    return {
        "proposal": proposal,
        "appointments": [
            appointment_result(request, appointment, warnings) for appointment, warnings in booked
        ],
    }


@router.post(
    "/dispatch/proposals/{id}/discard",
    response=ProposalOut,
    operation_id="discard_proposal",
    summary="Set a proposal aside; nothing else changes",
)
def discard_proposal(request: HttpRequest, id: Path[Id]):
    require_perm(request.auth, DECIDE)
    proposal = selectors.proposal_get(user=request.auth, proposal_id=id)
    return services.proposal_discard(proposal=proposal, by=request.auth)
