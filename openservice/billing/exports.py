"""Exports for the accounting system: the accrual entries per accrual period (CSV), and the
posted invoices and credit notes with their lines (CSV, one row per line, or JSON). Amounts are
written as plain decimals ("-18.89"), dates as ISO dates, text as UTF-8.

The writers stream: they read in chunks (`iterator(chunk_size=...)`) and write each row as it
comes, so a year of 100,000 invoices never sits in memory. `output_file` makes a file appear
complete or not at all."""

from __future__ import annotations

import csv
import errno
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from typing import TextIO

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from openservice.billing.models import AccrualEntry, Invoice, InvoiceLine
from openservice.billing.selectors import accruals_through, posted_between
from openservice.subscriptions import periods

ACCRUAL_CHUNK = 2000  # entries per read
INVOICE_CHUNK = 500  # invoices per read (and per read of their lines)

ACCRUAL_COLUMNS = (
    "date",
    "period_start",
    "period_end",
    "debit_account",
    "credit_account",
    "amount",
    "currency",
    "invoice",
    "fee_id",
    "subscription",
    "reversal",
)
INVOICE_COLUMNS = (
    "number",
    "kind",
    "issued_on",
    "due_on",
    "customer_number",
    "customer_name",
    "vat_id",
    "currency",
    "line",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "net",
    "vat_rate",
    "vat",
    "gross",
    "source",
    "credited_invoice",
)


def _csv(out: TextIO):
    return csv.writer(out, lineterminator="\n")


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def accrual_booked_on(entry: AccrualEntry) -> date:
    """The last day of the accrual period (calendar month, quarter, ...) the entry belongs to:
    the day the accounting books it, even when the fee's service ends earlier in it. A reversal
    is never booked into a period closed before its credit note: it goes to the period of the
    note's issue date when that is later."""
    unit = entry.fee.subscription.plan.accrual_period
    booked_on = periods.calendar_period(entry.period_start, unit)[1]
    issued_on = entry.invoice_line.invoice.issued_on
    if entry.reverses_id is not None and issued_on is not None:
        booked_on = max(booked_on, periods.calendar_period(issued_on, unit)[1])
    return booked_on


def accruals_csv(
    out: TextIO, *, through: date, since: date | None = None, chunk_size: int = ACCRUAL_CHUNK
) -> int:
    """The entries booked on or before `through` (and, with `since`, on or after it: one
    export per closing period), one row each, booked on their accrual period's last day: debit
    deferred revenue, credit revenue. A reversal (of a credited fee) has the same accounts and
    its negative amount, booked no earlier than its credit note's period. Returns the rows
    written.

    Rows follow the selector's order (by the entry's last day). An entry whose fee ends inside
    an accrual period that has not ended by `through` waits for a later export."""
    writer = _csv(out)
    writer.writerow(ACCRUAL_COLUMNS)
    debit, credit = settings.ACCRUAL_DEFERRED_ACCOUNT, settings.ACCRUAL_REVENUE_ACCOUNT
    entries = accruals_through(through).select_related("fee__subscription__plan")
    written = 0
    for entry in entries.iterator(chunk_size=chunk_size):
        booked_on = accrual_booked_on(entry)
        if booked_on > through or (since is not None and booked_on < since):
            continue
        writer.writerow(
            [
                booked_on.isoformat(),
                entry.period_start.isoformat(),
                entry.period_end.isoformat(),
                debit,
                credit,
                entry.amount,
                entry.currency,
                entry.invoice_line.invoice.number,
                entry.fee_id,
                entry.fee.subscription.number,
                "true" if entry.reverses_id is not None else "false",
            ]
        )
        written += 1
    return written


@dataclass
class Written:
    invoices: int = 0
    lines: int = 0

    def add(self, lines: list) -> None:
        self.invoices += 1
        self.lines += len(lines)


def _posted(date_from: date, date_to: date) -> QuerySet[Invoice]:
    # posted_between prefetches the bare lines; the export also names what each line bills, so
    # it reads the lines with their sources (one query per chunk rather than several per line).
    lines = InvoiceLine.objects.select_related(
        "order_line__order",
        "fee__subscription",
        "credited_line__order_line__order",
        "credited_line__fee__subscription",
    ).order_by("position", "pk")
    return (
        posted_between(date_from, date_to)
        .prefetch_related(None)
        .prefetch_related(Prefetch("lines", queryset=lines))
    )


def _source(line: InvoiceLine) -> dict | None:
    """What the line bills: an order line or a fee; a credit note's line, what the line it
    reverses billed; None for a manual line."""
    billed = line.credited_line or line
    if billed.order_line_id is not None:
        return {"order": billed.order_line.order.number, "order_line_id": billed.order_line_id}
    if billed.fee_id is not None:
        fee = billed.fee
        return {
            "subscription": fee.subscription.number,
            "fee_id": fee.pk,
            "period_start": fee.period_start.isoformat(),
            "period_end": fee.period_end.isoformat(),
        }
    return None


def _source_text(source: dict | None) -> str:
    """'SO000012 line 34', 'SU000001 2027-01-15/2027-04-14' (an ISO 8601 interval), or ''."""
    if source is None:
        return ""
    if "order" in source:
        return f"{source['order']} line {source['order_line_id']}"
    return f"{source['subscription']} {source['period_start']}/{source['period_end']}"


def _credited_number(invoice: Invoice) -> str:
    return invoice.credited_invoice.number if invoice.credited_invoice_id else ""


def _documents(
    date_from: date, date_to: date, chunk_size: int
) -> Iterator[tuple[Invoice, list[InvoiceLine]]]:
    for invoice in _posted(date_from, date_to).iterator(chunk_size=chunk_size):
        yield invoice, list(invoice.lines.all())


def invoices_csv(
    out: TextIO, *, date_from: date, date_to: date, chunk_size: int = INVOICE_CHUNK
) -> Written:
    """Posted invoices and credit notes issued in [date_from, date_to], by number: one row per
    line, with the document's columns repeated. Credit notes carry negative amounts."""
    writer = _csv(out)
    writer.writerow(INVOICE_COLUMNS)
    written = Written()
    for invoice, lines in _documents(date_from, date_to, chunk_size):
        head = [
            invoice.number,
            invoice.kind,
            _iso(invoice.issued_on),
            _iso(invoice.due_on),
            invoice.customer.number,
            invoice.customer_name,
            invoice.vat_id,
            invoice.currency,
        ]
        writer.writerows(
            [
                *head,
                line.position,
                line.description,
                line.quantity,
                line.unit,
                line.unit_price,
                line.net_amount,
                line.vat_rate,
                line.vat_amount,
                line.gross_amount,
                _source_text(_source(line)),
                _credited_number(invoice),
            ]
            for line in lines
        )
        written.add(lines)
    return written


def _line_document(line: InvoiceLine) -> dict:
    return {
        "position": line.position,
        "description": line.description,
        "quantity": str(line.quantity),
        "unit": line.unit,
        "unit_price": str(line.unit_price),
        "net_amount": str(line.net_amount),
        "vat_rate": str(line.vat_rate),
        "vat_amount": str(line.vat_amount),
        "gross_amount": str(line.gross_amount),
        "period_start": _iso(line.period_start),
        "period_end": _iso(line.period_end),
        "source": _source(line),
    }


def invoice_document(invoice: Invoice, lines: Iterable[InvoiceLine]) -> dict:
    """An invoice or credit note as the JSON export writes it (amounts as strings)."""
    return {
        "number": invoice.number,
        "kind": invoice.kind,
        "issued_on": _iso(invoice.issued_on),
        "due_on": _iso(invoice.due_on),
        "customer": {
            "number": invoice.customer.number,
            "name": invoice.customer_name,
            "vat_id": invoice.vat_id,
            "billing_address": invoice.billing_address,
        },
        "currency": invoice.currency,
        "reference": invoice.reference,
        "credited_invoice": _credited_number(invoice) or None,
        "lines": [_line_document(line) for line in lines],
        "totals": {
            "net_amount": str(invoice.net_amount),
            "vat_amount": str(invoice.vat_amount),
            "gross_amount": str(invoice.gross_amount),
        },
    }


def invoices_json(
    out: TextIO, *, date_from: date, date_to: date, chunk_size: int = INVOICE_CHUNK
) -> Written:
    """The same documents as one JSON list, one invoice (with its lines and totals) a line."""
    written = Written()
    out.write("[")
    for invoice, lines in _documents(date_from, date_to, chunk_size):
        out.write(",\n" if written.invoices else "\n")
        out.write(json.dumps(invoice_document(invoice, lines), ensure_ascii=False))
        written.add(lines)
    out.write("\n]\n" if written.invoices else "]\n")
    return written


def _mode_for(path: str) -> int:
    """The permissions the written file gets: those of the file it replaces, or the usual
    ones of a new file under the current umask."""
    with suppress(FileNotFoundError):
        return stat.S_IMODE(os.stat(path).st_mode)
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def output_file(path: str) -> Iterator[TextIO]:
    """A text file at `path` that appears complete or not at all: the export goes to a hidden
    temporary file beside it, which replaces `path` once written (a failed export leaves what
    was there). Raises OSError before anything is written when `path` cannot be written."""
    target = os.path.abspath(path)
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if os.path.exists(target) and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
    directory, name = os.path.split(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=directory)
    done = False
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            yield out
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
        done = True
    finally:
        if not done:
            with suppress(FileNotFoundError):
                os.unlink(temporary)
