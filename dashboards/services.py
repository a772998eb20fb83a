"""Writes of the dashboards app: owed refreshes, refresh runs."""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from villages.models import PROGRAM_START

from .models import PendingRefresh, RefreshRun, RefreshStatus
from .refresh import all_years, snapshot_refresh

log = logging.getLogger(__name__)


def _owed_region(code: str) -> str:
    """The kab/kota (or province) whose figures a change at `code` affects."""
    return code[:5] if len(code) >= 5 else code[:2]


def on_data_changed(*, region_codes, since=None, **_signal):
    """Record the refresh a change owes, in the change's own transaction."""
    since = since or PROGRAM_START
    now = timezone.now()
    for code in sorted({_owed_region(c) for c in region_codes}):
        pending_refresh_owe(region_code=code, since=since, now=now)
    transaction.on_commit(pending_refresh_enqueue)


def pending_refresh_owe(*, region_code: str, since: datetime.date, now) -> None:
    """Owe a refresh of a kab/kota or province from `since`, merging with one owed."""
    merged = PendingRefresh.objects.filter(region_code=region_code).update(
        since=Least("since", Value(since)), changed_at=now
    )
    if merged:
        return
    try:
        with transaction.atomic():
            PendingRefresh.objects.create(
                region_code=region_code, since=since, changed_at=now
            )
    except IntegrityError:  # owed by a concurrent change meanwhile
        pending_refresh_owe(region_code=region_code, since=since, now=now)


def pending_refresh_enqueue() -> bool:
    """Ask a worker to refresh what is owed, shortly; False if no broker answers.

    A burst of changes enqueues several tasks; the first refreshes everything
    owed and the rest find nothing to do. If the broker is down, the owed rows
    wait for the periodic sweep.
    """
    from .tasks import refresh_pending

    try:
        refresh_pending.apply_async(countdown=settings.DASHBOARD_REFRESH_DELAY_S)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the sweep catches up
        log.warning("Indicator refresh not queued (%s); the sweep will run it.", exc)
        return False
    return True


def pending_refresh_run() -> list[str]:
    """Refresh every kab/kota and province owed a refresh; give their codes."""
    owed = list(PendingRefresh.objects.order_by("region_code"))
    if not owed:
        return []
    since = min(row.since for row in owed)
    snapshot_refresh(
        years=[y for y in all_years() if y >= since.year],
        within=[row.region_code for row in owed],
    )
    # A change made while this ran moved changed_at: its row stays owed.
    for row in owed:
        PendingRefresh.objects.filter(pk=row.pk, changed_at=row.changed_at).delete()
    return [row.region_code for row in owed]


def refresh_run_request(*, user=None) -> RefreshRun:
    """Queue a full refresh; give the run, whose page shows its progress."""
    from .tasks import refresh_all

    run = RefreshRun.objects.create(requested_by=user, steps_total=len(all_years()))

    def enqueue():
        try:
            refresh_all.delay(run.pk)
        except Exception as exc:  # noqa: BLE001 - any broker failure is shown to staff
            log.warning("Full refresh %s not queued: %s", run.pk, exc)
            RefreshRun.objects.filter(pk=run.pk).update(
                status=RefreshStatus.FAILED,
                finished_at=timezone.now(),
                message=_(
                    "Antrean tugas tidak tersedia, jadi pembaruan belum dapat "
                    "dijalankan. Coba lagi nanti; pembaruan malam tetap berjalan."
                ),
            )

    transaction.on_commit(enqueue)
    return run


def refresh_run_execute(*, run: RefreshRun) -> RefreshRun:
    """Run a full refresh of every indicator and year, recording its progress."""
    # A run left "running" by a worker that died is over: say so.
    RefreshRun.objects.filter(status=RefreshStatus.RUNNING).exclude(pk=run.pk).update(
        status=RefreshStatus.FAILED,
        finished_at=timezone.now(),
        message=_("Terhenti sebelum selesai; pembaruan berikutnya menggantikannya."),
    )
    years = all_years()
    RefreshRun.objects.filter(pk=run.pk).update(
        status=RefreshStatus.RUNNING, started_at=timezone.now(), steps_total=len(years)
    )

    def progress(done, total):
        RefreshRun.objects.filter(pk=run.pk).update(steps_done=done)

    try:
        rows = snapshot_refresh(years=years, progress=progress)
    except Exception:
        RefreshRun.objects.filter(pk=run.pk).update(
            status=RefreshStatus.FAILED,
            finished_at=timezone.now(),
            message=_("Gagal; angka sebelumnya tetap utuh."),
        )
        raise
    RefreshRun.objects.filter(pk=run.pk).update(
        status=RefreshStatus.DONE,
        finished_at=timezone.now(),
        message=_("%(rows)s angka diperbarui.") % {"rows": rows},
    )
    run.refresh_from_db()
    return run
