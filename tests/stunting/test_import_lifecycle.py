"""Imports whose worker died, failed imports' files, poison files (finding 7).

A worker killed mid-import is simulated by the state it leaves behind: a batch
"running" since long ago. The beat task `stunting.import_sweep` is run as beat
runs it.
"""

import datetime
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from stunting import importer
from stunting.models import Child, ImportBatch, ImportStatus
from stunting.services import measurement_import, measurement_import_tidy
from stunting.tasks import measurement_import_sweep_run
from tests.stunting.test_import import (
    accounts,  # noqa: F401 (fixture)
    admin,  # noqa: F401 (fixture)
    csv_bytes,
    row,
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _batch(user, *, data=b"", **fields):
    batch = ImportBatch.objects.create(
        uploaded_by=user, file_name="pengukuran.csv", file_sha256="a" * 64
    )
    if data:
        batch.file.save("pengukuran.csv", ContentFile(data))
    # auto_now_add and the service set these; a test sets the past directly.
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)
    batch.refresh_from_db()
    return batch


def _ago(seconds):
    return timezone.now() - datetime.timedelta(seconds=seconds)


def test_a_batch_whose_worker_died_is_marked_failed_by_the_sweep(
    client,
    accounts,  # noqa: F811
    media,
    settings,
):
    staf = accounts["staf"]
    data = csv_bytes([row(1)])
    dead = _batch(
        staf,
        data=data,
        status=ImportStatus.RUNNING,
        started_at=_ago(settings.IMPORT_STALE_AFTER_S + 1),
        queued_at=_ago(settings.IMPORT_STALE_AFTER_S + 5),
    )
    # From before batches had started_at: judged by when it was uploaded.
    older = _batch(
        staf,
        status=ImportStatus.RUNNING,
        created_at=_ago(settings.IMPORT_STALE_AFTER_S + 1),
        queued_at=_ago(settings.IMPORT_STALE_AFTER_S + 1),
    )
    alive = _batch(
        staf,
        status=ImportStatus.RUNNING,
        started_at=_ago(settings.IMPORT_TIME_LIMIT_S - 10),
        queued_at=_ago(settings.IMPORT_TIME_LIMIT_S - 10),
    )

    outcome = measurement_import_sweep_run()

    assert outcome == {"queued": [], "failed": 2, "files_deleted": 0}
    for batch in (dead, older, alive):
        batch.refresh_from_db()
    assert (dead.status, older.status) == (ImportStatus.FAILED, ImportStatus.FAILED)
    assert dead.finished_at is not None
    assert alive.status == ImportStatus.RUNNING
    client.force_login(staf)
    page = client.get(reverse("import-detail", args=[dead.pk])).content.decode()
    assert "Gagal" in page
    assert "Pemeriksaan berkas terhenti di tengah jalan" in page
    assert client.get(reverse("import-status", args=[dead.pk])).json()["finished"]
    # Its file is kept for a day, then deleted; name, SHA-256 and problems stay.
    assert Path(dead.file.path).exists()
    assert measurement_import_sweep_run()["failed"] == 0


def test_a_failed_batchs_file_is_deleted_after_the_keep_time(
    accounts,  # noqa: F811
    media,
    settings,
):
    keep = settings.IMPORT_FAILED_FILE_KEEP_S
    staf = accounts["staf"]
    data = csv_bytes([row(1)])
    old = _batch(
        staf, data=data, status=ImportStatus.FAILED, finished_at=_ago(keep + 1)
    )
    recent = _batch(
        staf, data=data, status=ImportStatus.FAILED, finished_at=_ago(keep - 60)
    )
    old_path = Path(old.file.path)

    assert measurement_import_sweep_run()["files_deleted"] == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old_path.exists()
    assert not old.file
    assert (old.file_name, old.file_sha256) == ("pengukuran.csv", "a" * 64)
    assert Path(recent.file.path).exists()


def test_a_file_that_kills_its_worker_every_time_is_given_up(
    accounts,  # noqa: F811
    media,
    settings,
):
    # Redelivered (acks_late) after its worker died IMPORT_MAX_ATTEMPTS times.
    batch = _batch(
        accounts["staf"],
        data=csv_bytes([row(1)]),
        status=ImportStatus.RUNNING,
        attempts=settings.IMPORT_MAX_ATTEMPTS,
    )

    batch = measurement_import(batch=batch)

    assert batch.status == ImportStatus.FAILED
    assert batch.attempts == settings.IMPORT_MAX_ATTEMPTS + 1
    assert batch.errors[0]["message"].startswith(
        f"Pemeriksaan berkas ini terhenti {settings.IMPORT_MAX_ATTEMPTS} kali"
    )
    assert batch.total_rows == 0  # the file was not read again
    assert not Child.objects.exists()


def test_each_run_counts_an_attempt_and_a_good_file_imports_on_a_later_one(
    accounts,  # noqa: F811
    media,
    settings,
):
    batch = _batch(
        accounts["staf"],
        data=csv_bytes([row(1)]),
        status=ImportStatus.RUNNING,
        attempts=settings.IMPORT_MAX_ATTEMPTS - 1,
    )

    batch = measurement_import(batch=batch)

    assert (batch.status, batch.attempts) == (
        ImportStatus.DONE,
        settings.IMPORT_MAX_ATTEMPTS,
    )
    assert batch.started_at is not None
    assert batch.created_measurements == 1


def test_an_import_that_raises_is_failed_and_its_file_deleted_later(
    accounts,  # noqa: F811
    media,
    monkeypatch,
    settings,
):
    def crash(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(importer, "read_table", crash)
    batch = _batch(accounts["staf"], data=csv_bytes([row(1)]))

    with pytest.raises(SoftTimeLimitExceeded):
        measurement_import(batch=batch)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    path = Path(batch.file.path)
    assert path.exists()
    later = batch.finished_at + datetime.timedelta(
        seconds=settings.IMPORT_FAILED_FILE_KEEP_S + 1
    )
    assert measurement_import_tidy(now=later)["files_deleted"] == 1
    assert not path.exists()
