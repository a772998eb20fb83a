"""Celery tasks of the project itself."""

from celery import shared_task

from . import health


@shared_task(name="kampungkb.heartbeat", ignore_result=True, expires=60)
def heartbeat():
    """Show /healthz that a worker runs tasks and beat schedules them."""
    health.heartbeat()
