"""Celery tasks of the dashboards app: thin wrappers around its services."""

from celery import shared_task

from .models import RefreshRun
from .services import pending_refresh_run, refresh_run_execute


@shared_task(
    name="dashboards.refresh_pending", soft_time_limit=10 * 60, time_limit=11 * 60
)
def refresh_pending():
    """Refresh the kab/kota owed a refresh (after a change, and as the sweep)."""
    return pending_refresh_run()


@shared_task(name="dashboards.refresh_all", soft_time_limit=50 * 60, time_limit=55 * 60)
def refresh_all(run_id: int | None = None):
    """Refresh every indicator for every year (nightly, or asked for by staff)."""
    run = RefreshRun.objects.get(pk=run_id) if run_id else RefreshRun.objects.create()
    refresh_run_execute(run=run)
    return run.pk
