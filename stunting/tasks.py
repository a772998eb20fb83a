"""Celery tasks of the stunting app."""

from celery import shared_task

from .models import ImportBatch
from .services import measurement_import, measurement_import_sweep


@shared_task(
    name="stunting.import_measurements",
    acks_late=True,
    soft_time_limit=15 * 60,
    time_limit=16 * 60,
)
def measurement_import_run(batch_id: int):
    """Check and save the measurement file of one import batch."""
    measurement_import(batch=ImportBatch.objects.get(pk=batch_id))


@shared_task(name="stunting.import_sweep", expires=60)
def measurement_import_sweep_run():
    """Queue the imports uploaded while the task queue was down (beat, every minute)."""
    return measurement_import_sweep()
