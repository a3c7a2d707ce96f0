"""What every return use case shares: the return locked and writable, and the close that
follows when every line has reached its end."""

from django.utils import timezone

from openservice.returns.errors import LineNotInStatus, ReturnCancelled, ReturnClosed
from openservice.returns.models import FINAL, ReturnLine, ReturnOrder


def lock_return(ret: ReturnOrder) -> ReturnOrder:
    # Only the return's row: the customer is read, not locked (no join in FOR UPDATE).
    return (
        ReturnOrder.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=ret.pk)
    )


def require_writable(ret: ReturnOrder) -> None:
    if ret.status == ReturnOrder.Status.CLOSED:
        raise ReturnClosed(return_id=ret.pk, number=ret.number)
    if ret.status == ReturnOrder.Status.CANCELLED:
        raise ReturnCancelled(return_id=ret.pk, number=ret.number)


def writable(ret: ReturnOrder) -> ReturnOrder:
    """The return, locked for this transaction, refusing a closed or cancelled one."""
    locked = lock_return(ret)
    require_writable(locked)
    return locked


def line_of(ret: ReturnOrder, line, *statuses: str) -> ReturnLine:
    """The line, locked, of this return and in one of `statuses`."""
    line_id = getattr(line, "pk", line)
    found = ReturnLine.objects.select_for_update().filter(pk=line_id, return_order=ret).first()
    if found is None:
        raise LineNotInStatus(
            "The line is not a line of this return.", line_id=line_id, return_id=ret.pk
        )
    if statuses and found.status not in statuses:
        raise LineNotInStatus(line_id=found.pk, status=found.status, allowed=sorted(statuses))
    return found


def open_return(ret: ReturnOrder) -> None:
    if ret.status == ReturnOrder.Status.CREATED:
        ret.status = ReturnOrder.Status.OPEN
        ret.save(update_fields=["status", "updated_at"])


def close_if_done(ret: ReturnOrder, now=None) -> bool:
    """Close the return once every line is final (and at least one was not cancelled)."""
    statuses = set(ret.lines.values_list("status", flat=True))
    if not statuses or not statuses <= FINAL or statuses == {ReturnLine.Status.CANCELLED}:
        return False
    ret.status = ReturnOrder.Status.CLOSED
    ret.closed_at = now or timezone.now()
    ret.save(update_fields=["status", "closed_at", "updated_at"])
    return True
