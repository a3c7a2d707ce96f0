"""Job entry points: plain functions a scheduler calls (cron through `openservice generate-fees`,
or a Celery beat schedule wrapping them with `app.task(generate_fees_task)`); each calls a
service."""

from datetime import date

from openservice.subscriptions.services import subscriptions_generate_fees


def generate_fees_task(*, through: date, subscription_ids: list[int] | None = None) -> dict:
    """Make the fee of every period that starts on or before `through` (daily: each run catches
    up every period a missed run left). Idempotent."""
    run = subscriptions_generate_fees(through=through, subscriptions=subscription_ids)
    return {
        "subscriptions": run.subscriptions,
        "fees_created": run.fees_created,
        "ended": run.ended,
    }
