"""Celery tasks of the dashboards app: thin wrappers around its services."""

from celery import shared_task

from .models import COUNTRY_CODE, RefreshRun, RefreshTrigger
from .services import pending_refresh_run, refresh_run_execute, refresh_run_open


@shared_task(
    name="dashboards.refresh_pending", soft_time_limit=10 * 60, time_limit=11 * 60
)
def refresh_pending():
    """Refresh the kab/kota owed a refresh (after a change, and as the sweep)."""
    return pending_refresh_run()


@shared_task(name="dashboards.refresh_all", soft_time_limit=50 * 60, time_limit=55 * 60)
def refresh_all(run_id: int | None = None):
    """Run a requested refresh, or (nightly, no id) the whole country's unless one
    is already going."""
    if run_id:
        run = RefreshRun.objects.get(pk=run_id)
    else:
        run, created = refresh_run_open(
            region_code=COUNTRY_CODE, trigger=RefreshTrigger.NIGHTLY
        )
        if not created:
            return run.pk
    refresh_run_execute(run=run)
    return run.pk
