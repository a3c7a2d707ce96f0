"""The dispatch board: dispatchers and managers plan on it, administrators look at it.

The board is one page; its toolbar (period, view, filters) reloads the board in place with
htmx. Every action posts the board's state with it, so the answer is drawn for the board the
dispatcher is looking at: a placed, moved, cancelled or pinned card answers with the rows it
touched and the queue (or, when the board's layout changed, the whole board); a refusal answers
with the same rows unchanged and the refusal's messages in the row it was aimed at. Plan
proposals answer with the whole board and the proposal on it. Without JavaScript every form
posts normally: success redirects back to the board with a message, a refusal shows the board
with the refusal in place."""

from dataclasses import replace
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from openservice.core.errors import DomainError, InvalidInput, NotFound
from openservice.core.pages import add_domain_error
from openservice.dispatch import services
from openservice.dispatch.board import (
    DAY,
    SLA_RISK_MARGIN,
    Board,
    Refusal,
    board_read,
    board_technicians,
    queue_orders,
    visit_order,
)
from openservice.dispatch.board_forms import (
    AssignForm,
    BoardForm,
    BoardState,
    PlaceForm,
    ProposeForm,
)
from openservice.dispatch.errors import AppointmentConflict
from openservice.dispatch.models import Appointment, Proposal
from openservice.dispatch.planning import duration_minutes
from openservice.dispatch.selectors import appointment_get, proposal_get
from openservice.dispatch.services.edits import appointment_update
from openservice.workforce.selectors import skill_list, team_list, technician_get

PLAN = "dispatch.add_appointment"
PROPOSE = "dispatch.add_proposal"
DECIDE = "dispatch.change_proposal"


def _may_view(user) -> bool:
    """Planners; and administrators, who read every appointment and proposal (read-only).
    Technicians read only their own appointments: the board is not for them."""
    return user.has_perm(PLAN) or (
        user.has_perm("dispatch.view_appointment") and user.has_perm("dispatch.view_proposal")
    )


def _state(request: HttpRequest, data) -> tuple[BoardForm, BoardState]:
    user = request.user
    form = BoardForm(
        data,
        teams=team_list(user=user, is_active=True),
        skills=skill_list(user=user, is_active=True),
    )
    return form, form.state()


def _open_proposal(user, proposal_id: int | None) -> Proposal | None:
    """The proposal to show as ghost cards: only an open one (a decided one is history)."""
    if proposal_id is None or not user.has_perm("dispatch.view_proposal"):
        return None
    try:
        proposal = proposal_get(user=user, proposal_id=proposal_id)
    except NotFound:
        return None
    return proposal if proposal.status == Proposal.Status.OPEN else None


def _board(request: HttpRequest, state: BoardState) -> Board:
    return board_read(
        user=request.user,
        period=state.period,
        team_id=state.team_id,
        skill_id=state.skill_id,
        proposal=_open_proposal(request.user, state.proposal_id),
    )


def _url(state: BoardState, **kwargs) -> str:
    return f"{reverse('dispatch:board')}?{state.query(**kwargs)}"


def _context(request, filters: BoardForm, state: BoardState, board: Board, **extra) -> dict:
    user = request.user
    today = timezone.localdate()
    return {
        "board": board,
        "state": state,
        "filters": filters,
        "can_plan": user.has_perm(PLAN),
        "can_propose": user.has_perm(PROPOSE),
        "can_decide": user.has_perm(DECIDE),
        "technicians": [row.technician for row in board.rows],
        "today": today,
        "is_today": today in board.period.days,
        "previous_url": _url(state, day=board.period.previous),
        "next_url": _url(state, day=board.period.following),
        "today_url": _url(state, day=today),
        # In a week, each day's name opens that day.
        "day_heads": [
            (head, _url(replace(state, view=DAY), day=head.day)) for head in board.day_heads
        ],
        "propose_form": extra.pop("propose_form", None) or ProposeForm(),
        "sla_margin_hours": int(SLA_RISK_MARGIN.total_seconds() // 3600),
        **extra,
    }


@login_required
def board(request: HttpRequest):
    """The board of a day (`?date=`, today by default) or a week (`?view=week`)."""
    if not _may_view(request.user):
        raise PermissionDenied
    filters, state = _state(request, request.GET)
    context = _context(request, filters, state, _board(request, state))
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "dispatch/_board.html" if partial else "dispatch/board.html", context)


# Placing, moving, cancelling and pinning


def _when(appointment: Appointment) -> str:
    starts = timezone.localtime(appointment.starts_at)
    ends = timezone.localtime(appointment.ends_at)
    return f"{formats.date_format(starts, 'D j M H:i')}–{formats.time_format(ends, 'H:i')}"


def _messages_of(error: DomainError) -> list[str]:
    """Each finding of a refusal on its own line: every conflict, or every field problem."""
    if isinstance(error, AppointmentConflict):
        return [item["message"] for item in error.conflicts]
    if isinstance(error, InvalidInput):
        return [message for problems in error.field_errors.values() for message in problems]
    return [error.message]


def _form_messages(form) -> list[str]:
    return [
        f"{form.fields[name].label}: {message}" if name in form.fields else message
        for name, problems in form.errors.items()
        for message in problems
    ]


def _respond(request, filters, state, *, technician_ids, feedback, status=200, refusal=None):
    """The board after an action. With htmx: the rows the action touched and the queue as
    out-of-band swaps next to the feedback, or the whole board when its layout changed (a day
    appeared, the hours widened). Without: the whole page. `refusal` is (technician id,
    messages, start): the messages go in that row, at the start."""
    board = _board(request, state)
    if refusal is not None:
        target, lines, starts_at = refusal
        row = board.row_of(target) if target else None
        if row is not None:
            left = board.timeline.at(starts_at) if starts_at is not None else None
            row.refusal = Refusal(messages=lines, left=left)
        else:
            feedback["items"] = lines
    context = _context(request, filters, state, board, feedback=feedback)
    if not request.htmx:
        return render(request, "dispatch/board.html", context, status=status)
    if board.timeline.key != state.layout:
        response = render(request, "dispatch/_board.html", context, status=status)
        response["HX-Retarget"] = "#board"
        response["HX-Reswap"] = "outerHTML"
        return response
    context["changed_rows"] = board.rows_of(technician_ids)
    return render(request, "dispatch/_board_update.html", context, status=status)


def _done(request, filters, state, *, message: str, warnings=(), technician_ids=()):
    """Success: without htmx back to the board (a GET) with the message and the warnings."""
    if request.htmx:
        feedback = {"kind": "success", "text": message, "items": [w["message"] for w in warnings]}
        return _respond(request, filters, state, technician_ids=technician_ids, feedback=feedback)
    messages.success(request, message)
    for warning in warnings:
        messages.warning(request, warning["message"])
    return redirect(_url(state))


def _refused(request, filters, state, *, headline, target, error=None, form=None, starts_at=None):
    """The refusal where the action was aimed (the target technician's row, at the start),
    nothing changed: a service's refusal with its status (409 for a rule), or a form that does
    not parse (422)."""
    lines = _messages_of(error) if error is not None else _form_messages(form)
    return _respond(
        request,
        filters,
        state,
        technician_ids=[target] if target else [],
        feedback={"kind": "error", "text": headline, "items": []},
        status=error.status if error is not None else 422,
        refusal=(target, lines, starts_at),
    )


@login_required
@permission_required(PLAN, raise_exception=True)
@require_POST
def board_assign(request: HttpRequest):
    """Book a technician for an order of the queue: dropped on their row, or the card's Assign
    form. The visit lasts the order's planned duration."""
    filters, state = _state(request, request.POST)
    form = AssignForm(request.POST)
    if not form.is_valid():
        target = form.cleaned_data.get("technician")
        return _refused(
            request,
            filters,
            state,
            form=form,
            headline=_("The order was not booked."),
            target=target,
        )
    data = form.cleaned_data
    order = visit_order(user=request.user, order_id=data["order"])
    technician = technician_get(user=request.user, technician_id=data["technician"])
    starts_at = data["starts_at"]
    try:
        appointment, warnings = services.appointment_create(
            order=order,
            technician=technician,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=duration_minutes(order)),
            by=request.user,
        )
    except DomainError as error:
        headline = _("%(order)s was not booked: %(reason)s") % {
            "order": order.number,
            "reason": error.message,
        }
        return _refused(
            request,
            filters,
            state,
            error=error,
            headline=headline,
            target=technician.pk,
            starts_at=starts_at,
        )
    message = _("%(order)s booked for %(technician)s, %(when)s.") % {
        "order": order.number,
        "technician": technician.name,
        "when": _when(appointment),
    }
    return _done(
        request, filters, state, message=message, warnings=warnings, technician_ids=[technician.pk]
    )


@login_required
@permission_required(PLAN, raise_exception=True)
@require_POST
def board_move(request: HttpRequest, pk: int):
    """Move an appointment: dropped on a row (the same or another technician's), or the card's
    Move form. It keeps its length."""
    appointment = appointment_get(user=request.user, appointment_id=pk)
    filters, state = _state(request, request.POST)
    form = PlaceForm(request.POST)
    if not form.is_valid():
        return _refused(
            request,
            filters,
            state,
            form=form,
            headline=_("The appointment was not moved."),
            target=appointment.technician_id,
        )
    technician = technician_get(user=request.user, technician_id=form.cleaned_data["technician"])
    starts_at = form.cleaned_data["starts_at"]
    before = appointment.technician_id
    try:
        appointment, warnings = services.appointment_move(
            appointment=appointment,
            starts_at=starts_at,
            ends_at=starts_at + (appointment.ends_at - appointment.starts_at),
            technician=technician,
            by=request.user,
        )
    except DomainError as error:
        headline = _("%(order)s was not moved: %(reason)s") % {
            "order": appointment.order.number,
            "reason": error.message,
        }
        return _refused(
            request,
            filters,
            state,
            error=error,
            headline=headline,
            target=technician.pk,
            starts_at=starts_at,
        )
    message = _("%(order)s moved to %(technician)s, %(when)s.") % {
        "order": appointment.order.number,
        "technician": technician.name,
        "when": _when(appointment),
    }
    return _done(
        request,
        filters,
        state,
        message=message,
        warnings=warnings,
        technician_ids=[before, technician.pk],
    )


@login_required
@permission_required(PLAN, raise_exception=True)
@require_POST
def board_cancel(request: HttpRequest, pk: int):
    """Cancel an appointment; its order goes back to the queue unless another visit holds it."""
    appointment = appointment_get(user=request.user, appointment_id=pk)
    filters, state = _state(request, request.POST)
    try:
        services.appointment_cancel(appointment=appointment, by=request.user)
    except DomainError as error:
        headline = _("%(order)s was not cancelled: %(reason)s") % {
            "order": appointment.order.number,
            "reason": error.message,
        }
        return _refused(
            request,
            filters,
            state,
            error=error,
            headline=headline,
            target=appointment.technician_id,
        )
    message = _("The visit to %(order)s on %(when)s is cancelled.") % {
        "order": appointment.order.number,
        "when": _when(appointment),
    }
    return _done(
        request, filters, state, message=message, technician_ids=[appointment.technician_id]
    )


@login_required
@permission_required(PLAN, raise_exception=True)
@require_POST
def board_pin(request: HttpRequest, pk: int):
    """Pin an appointment (the optimiser leaves it where it is) or unpin it."""
    appointment = appointment_get(user=request.user, appointment_id=pk)
    filters, state = _state(request, request.POST)
    is_pinned = request.POST.get("is_pinned") == "1"
    try:
        appointment_update(appointment=appointment, by=request.user, is_pinned=is_pinned)
    except DomainError as error:
        return _refused(
            request,
            filters,
            state,
            error=error,
            headline=error.message,
            target=appointment.technician_id,
        )
    template = _("%(order)s is pinned.") if is_pinned else _("%(order)s is no longer pinned.")
    message = template % {"order": appointment.order.number}
    return _done(
        request, filters, state, message=message, technician_ids=[appointment.technician_id]
    )


# Plan proposals


def _whole_board(request, filters, state, *, board=None, status=200, **extra) -> HttpResponse:
    """The whole board (after a proposal was asked for, accepted or discarded); with htmx the
    page's address follows it."""
    board = board or _board(request, state)
    context = _context(request, filters, state, board, **extra)
    if not request.htmx:
        return render(request, "dispatch/board.html", context, status=status)
    response = render(request, "dispatch/_board.html", context, status=status)
    if status == 200:
        response["HX-Push-Url"] = _url(state)
    return response


@login_required
@permission_required(PROPOSE, raise_exception=True)
@require_POST
def board_propose(request: HttpRequest):
    """Ask the optimiser for a plan of the board's period, for the technicians and (when a
    skill narrows the queue) the orders the board shows. It runs while the request waits
    (the page counts the seconds); the proposal comes back as ghost cards."""
    filters, state = _state(request, request.POST)
    state = replace(state, proposal_id=None)
    form = ProposeForm(request.POST)
    if not form.is_valid():
        return _whole_board(request, filters, state, status=422, propose_form=form)
    period = state.period
    technicians = board_technicians(
        user=request.user, team_id=state.team_id, skill_id=state.skill_id
    )
    technician_ids = list(technicians.values_list("pk", flat=True))
    order_ids = None
    if state.skill_id is not None:
        queue = queue_orders(period=period, skill_id=state.skill_id)
        order_ids = list(queue.values_list("pk", flat=True))
    try:
        proposal = services.proposal_create(
            by=request.user,
            date_from=period.date_from,
            date_to=period.date_to,
            technician_ids=technician_ids,
            order_ids=order_ids,
            time_limit_seconds=form.cleaned_data["time_limit_seconds"],
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _whole_board(request, filters, state, status=error.status, propose_form=form)
    state = replace(state, proposal_id=proposal.pk)
    if not request.htmx:
        return redirect(_url(state))
    return _whole_board(request, filters, state)


def _changes(board: Board, details: list[dict]) -> list[str]:
    """What made a proposal stale, each naming the order or technician it is about."""
    orders = {order_id: order for row in board.rows for order_id, order in row.orders()}
    if board.proposal is not None:
        orders |= {order_id: order for order, order_id, _ in board.proposal.unassigned if order}
    names = {row.technician.pk: row.technician.name for row in board.rows}
    lines = []
    for item in details:
        if item.get("order_id") in orders:
            lines.append(f"{orders[item['order_id']].number}: {item['message']}")
        elif item.get("technician_id") in names:
            lines.append(f"{names[item['technician_id']]}: {item['message']}")
        else:
            lines.append(item["message"])
    return lines


@login_required
@permission_required(DECIDE, raise_exception=True)
@require_POST
def board_accept(request: HttpRequest, pk: int):
    """Book the proposal. A stale one is refused with what changed; its ghosts stay on."""
    proposal = proposal_get(user=request.user, proposal_id=pk)
    filters, state = _state(request, request.POST)
    try:
        booked = services.proposal_accept(proposal=proposal, by=request.user)
    except DomainError as error:
        state = replace(state, proposal_id=proposal.pk)
        board = _board(request, state)
        details = error.details if isinstance(error.details, list) else []
        refusal = {"text": error.message, "items": _changes(board, details)}
        return _whole_board(
            request, filters, state, board=board, status=error.status, proposal_refusal=refusal
        )
    state = replace(state, proposal_id=None)
    message = ngettext(
        "Plan accepted: %(count)s visit booked.",
        "Plan accepted: %(count)s visits booked.",
        len(booked),
    ) % {"count": len(booked)}
    warnings = sorted({warning["message"] for _made, found in booked for warning in found})
    if not request.htmx:
        messages.success(request, message)
        for warning in warnings:
            messages.warning(request, warning)
        return redirect(_url(state))
    feedback = {"kind": "success", "text": message, "items": warnings}
    return _whole_board(request, filters, state, feedback=feedback)


@login_required
@permission_required(DECIDE, raise_exception=True)
@require_POST
def board_discard(request: HttpRequest, pk: int):
    """Set the proposal aside; nothing else changes."""
    proposal = proposal_get(user=request.user, proposal_id=pk)
    filters, state = _state(request, request.POST)
    state = replace(state, proposal_id=None)
    try:
        services.proposal_discard(proposal=proposal, by=request.user)
    except DomainError as error:
        feedback = {"kind": "error", "text": error.message, "items": []}
        return _whole_board(request, filters, state, status=error.status, feedback=feedback)
    message = _("The proposal is discarded.")
    if not request.htmx:
        messages.success(request, message)
        return redirect(_url(state))
    return _whole_board(request, filters, state, feedback={"kind": "success", "text": message})
