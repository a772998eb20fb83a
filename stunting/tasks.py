"""Celery tasks of the stunting app."""

from celery import shared_task
from django.conf import settings

from .models import ImportBatch
from .services import (
    measurement_import,
    measurement_import_sweep,
    measurement_import_tidy,
)


@shared_task(
    name="stunting.import_measurements",
    acks_late=True,
    soft_time_limit=settings.IMPORT_TIME_LIMIT_S - 60,
    time_limit=settings.IMPORT_TIME_LIMIT_S,
)
def measurement_import_run(batch_id: int):
    """Check and save the measurement file of one import batch."""
    measurement_import(batch=ImportBatch.objects.get(pk=batch_id))


@shared_task(name="stunting.import_sweep", expires=60)
def measurement_import_sweep_run():
    """Queue imports uploaded while the queue was down; fail dead ones (beat, 1 min)."""
    return {"queued": measurement_import_sweep(), **measurement_import_tidy()}
