"""An agreement line's recurrence in words, the status actions an agreement offers, and money
on the agreement pages. Unsaved models: no database needed."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.utils import translation

from openservice.agreements.display import (
    describe_recurrence,
    is_changeable,
    may_renew,
    money,
    status_actions,
)
from openservice.agreements.models import AgreementLine, ServiceAgreement, TemplateGroup


def line(**fields) -> AgreementLine:
    values = {"kind": "hour", "starts_on": date(2025, 1, 6), **fields}
    return AgreementLine(**values)


@pytest.mark.parametrize(
    "fields, words",
    [
        (
            {
                "interval_unit": "week",
                "interval_every": 2,
                "window": "same_week",
                "earliest_time": time(8),
                "latest_time": time(16),
            },
            "every 2 weeks, same-week window, 08:00–16:00",
        ),
        (
            {
                "interval_unit": "month",
                "window": "days",
                "window_days_before": 2,
                "window_days_after": 3,
            },
            "every month, window 2 days before and 3 after",
        ),
        ({}, "once"),
        (
            {"interval_unit": "year", "earliest_time": time(8)},
            "every year, exact date, from 08:00",
        ),
        ({"interval_unit": "day"}, "every day, exact date"),
        ({"interval_unit": "day", "interval_every": 3}, "every 3 days, exact date"),
        ({"interval_unit": "week"}, "every week, exact date"),
        (
            {"interval_unit": "month", "interval_every": 6, "window": "same_month"},
            "every 6 months, same-month window",
        ),
        ({"interval_unit": "year", "interval_every": 2}, "every 2 years, exact date"),
        (
            {"interval_unit": "month", "window": "days", "window_days_before": 1},
            "every month, window 1 day before",
        ),
        (
            {"interval_unit": "month", "window": "days", "window_days_after": 5},
            "every month, window 5 days after",
        ),
        (
            {
                "interval_unit": "month",
                "window": "days",
                "window_days_before": 1,
                "window_days_after": 1,
            },
            "every month, window 1 day before and 1 after",
        ),
        ({"interval_unit": "month", "window": "days"}, "every month, exact date"),
        ({"latest_time": time(12, 30)}, "once, until 12:30"),
        ({"window": "same_month"}, "once, same-month window"),
        (
            {"window": "days", "window_days_after": 2, "earliest_time": time(7, 15)},
            "once, window 2 days after, from 07:15",
        ),
    ],
)
def test_recurrence_in_words(fields, words):
    assert describe_recurrence(line(**fields)) == words


def test_recurrence_words_go_through_the_translation_catalogue(monkeypatch):
    import openservice.agreements.display as display

    monkeypatch.setattr(display, "_", lambda text: f"«{text}»")
    monkeypatch.setattr(display, "ngettext", lambda one, many, n: f"«{one if n == 1 else many}»")

    words = describe_recurrence(
        line(interval_unit="week", interval_every=2, window="same_week", earliest_time=time(8))
    )

    assert words == "«every 2 weeks», «same-week window», «from 08:00»"


def agreement(status, *, template=False) -> ServiceAgreement:
    return ServiceAgreement(
        status=status,
        starts_on=date(2025, 1, 1),
        template_group=TemplateGroup(pk=1, code="LIFTS", name="Lifts") if template else None,
    )


@pytest.mark.parametrize(
    "status, actions, renewable",
    [
        ("draft", [("activate", False), ("cancel", True)], False),
        ("active", [("suspend", True), ("cancel", True)], True),
        ("suspended", [("resume", False), ("cancel", True)], True),
        ("expired", [], True),
        ("cancelled", [], False),
    ],
)
def test_status_actions_follow_the_status(status, actions, renewable):
    assert status_actions(agreement(status)) == actions
    assert may_renew(agreement(status)) is renewable
    assert is_changeable(agreement(status)) is (status not in ("expired", "cancelled"))


def test_a_template_is_never_activated_resumed_or_renewed():
    template = agreement("draft", template=True)

    assert status_actions(template) == [("cancel", True)]
    assert may_renew(template) is False


def test_money_in_the_page_language():
    with translation.override("en"):
        assert money(Decimal("1234.5"), "EUR") == "€1,234.50"
        assert money(None, "EUR") == "—"
    with translation.override("fi"):
        assert money(Decimal("1234.5"), "EUR") == "1\xa0234,50\xa0€"
