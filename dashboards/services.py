"""Writes of the dashboards app: owed refreshes, refresh runs."""

import datetime
import logging
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from kampungkb import background
from villages.models import PROGRAM_START

from .alerts import KINDS, alert_raise
from .models import (
    ACTIVE_STATUSES,
    COUNTRY_CODE,
    QUEUED_TRIGGERS,
    Alert,
    AlertAction,
    AlertActionKind,
    AlertRule,
    AlertStatus,
    PendingRefresh,
    RefreshRun,
    RefreshStatus,
    RefreshTrigger,
)
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
    """Ask for what is owed to be refreshed shortly, after the response; False if
    no broker answers.

    A burst of changes enqueues several tasks (on the embedded background thread,
    one); the first refreshes everything owed and the rest find nothing to do. If
    the broker is down, the owed rows wait for the periodic sweep.
    """
    from .tasks import refresh_pending

    try:
        background.enqueue(
            refresh_pending, countdown=settings.DASHBOARD_REFRESH_DELAY_S
        )
    except Exception as exc:  # noqa: BLE001 - any broker failure: the sweep catches up
        log.warning("Indicator refresh not queued (%s); the sweep will run it.", exc)
        return False
    return True


# Runs of owed refreshes older than this are dropped once a newer one of the
# same region is recorded: the table stays small, the latest stays told.
CHANGE_RUNS_KEPT = datetime.timedelta(days=30)


def pending_refresh_run() -> list[str]:
    """Refresh every kab/kota and province owed a refresh; give their codes."""
    owed = list(PendingRefresh.objects.order_by("region_code"))
    if not owed:
        return []
    since = min(row.since for row in owed)
    codes = [row.region_code for row in owed]
    snapshot_refresh_recorded(
        years=[y for y in all_years() if y >= since.year],
        within=codes,
        trigger=RefreshTrigger.CHANGE,
    )
    # A change made while this ran moved changed_at: its row stays owed.
    for row in owed:
        PendingRefresh.objects.filter(pk=row.pk, changed_at=row.changed_at).delete()
    RefreshRun.objects.filter(
        trigger=RefreshTrigger.CHANGE,
        region_code__in=codes,
        created_at__lt=timezone.now() - CHANGE_RUNS_KEPT,
    ).delete()
    return codes


def _pending_refresh_paid(*, within, years, since_time) -> int:
    """Forget owed refreshes a finished refresh has covered; give how many.

    Covered: the owed region lies within the refresh, its years run from the owed
    date to this year, and the change came before the refresh began.
    """
    years = sorted(years)
    if not years or years[-1] < timezone.localdate().year:
        return 0
    paid = Q(changed_at__lt=since_time, since__year__gte=years[0])
    if within is not None:
        inside = Q(pk__in=[])
        for code in within:
            inside |= Q(region_code=code) | Q(region_code__startswith=code + ".")
        paid &= inside
    return PendingRefresh.objects.filter(paid).delete()[0]


def snapshot_refresh_recorded(
    *, years, within=None, trigger: str, progress=None
) -> int:
    """Refresh now, recording a run per region covered (the country if `within`
    is None) with its progress and outcome; give the number of figures stored."""
    years = sorted(set(years))
    now = timezone.now()
    runs = [
        RefreshRun.objects.create(
            region_code=code,
            trigger=trigger,
            status=RefreshStatus.RUNNING,
            started_at=now,
            first_year=years[0],
            last_year=years[-1],
            steps_total=len(years),
        )
        for code in (sorted(set(within)) if within is not None else [COUNTRY_CODE])
    ]
    with _held(runs):
        return _recorded(runs=runs, years=years, within=within, progress=progress)


def _recorded(*, runs, years, within, progress=None) -> int:
    """Run the refresh of these running runs (their locks held); record its
    progress and end."""
    pks = [run.pk for run in runs]
    started = timezone.now()

    def step(done, total):
        RefreshRun.objects.filter(pk__in=pks).update(steps_done=done)
        if progress:
            progress(done, total)

    try:
        rows = snapshot_refresh(years=years, within=within, progress=step)
    except Exception:
        RefreshRun.objects.filter(pk__in=pks).update(
            status=RefreshStatus.FAILED,
            finished_at=timezone.now(),
            message=_("Gagal; angka sebelumnya tetap utuh."),
        )
        raise
    RefreshRun.objects.filter(pk__in=pks).update(
        status=RefreshStatus.DONE,
        finished_at=timezone.now(),
        message=_("%(rows)s angka diperbarui.") % {"rows": rows},
    )
    _pending_refresh_paid(within=within, years=years, since_time=started)
    # From the fresh figures; the figures stand even if raising fails.
    alert_raise(within=within, years=years)
    return rows


# A run queued or running this long is dead: refresh_all's hard limit is 55 min.
RUN_STALE_AFTER = datetime.timedelta(hours=2)
# First key of the PostgreSQL advisory lock a worker holds while it runs a refresh
# (second key: the run's id); PostgreSQL drops it when the worker's session ends.
RUN_LOCK_CLASS = 7_531_001


def _covering(region_code: str) -> set[str]:
    """The run regions whose refresh covers this one: itself and its ancestors."""
    return {COUNTRY_CODE, region_code[:2], region_code}


def _live_run_ids() -> set[int] | None:
    """Ids of the runs a worker holds right now; None where the database can't tell."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid = %s AND objsubid = 2 AND granted",
            [RUN_LOCK_CLASS],
        )
        return {int(row[0]) for row in cursor.fetchall()}


def refresh_runs_expire() -> int:
    """Mark failed the runs whose worker is gone; give how many there were."""
    cutoff = timezone.now() - RUN_STALE_AFTER
    dead = Q(status=RefreshStatus.QUEUED, created_at__lt=cutoff) | Q(
        status=RefreshStatus.RUNNING, started_at__lt=cutoff
    )
    live = _live_run_ids()
    if live is not None:
        dead |= Q(status=RefreshStatus.RUNNING) & ~Q(pk__in=live)
    return RefreshRun.objects.filter(dead, status__in=ACTIVE_STATUSES).update(
        status=RefreshStatus.FAILED,
        finished_at=timezone.now(),
        message=_("Terhenti sebelum selesai; pembaruan berikutnya menggantikannya."),
    )


def refresh_run_active(*, region_code: str) -> RefreshRun | None:
    """The queued or running refresh of every year that covers this region, if any."""
    return (
        RefreshRun.objects.filter(
            status__in=ACTIVE_STATUSES,
            trigger__in=QUEUED_TRIGGERS,
            region_code__in=_covering(region_code),
        )
        .order_by("created_at")
        .first()
    )


def refresh_run_open(
    *, region_code: str, user=None, trigger: str = RefreshTrigger.REQUEST
) -> tuple[RefreshRun, bool]:
    """A new queued run for the region, or the one already going that covers it.

    Two requests at the same moment: the database's one-active-run constraint
    lets one insert; the other waits for it, fails, and joins that run.
    """
    refresh_runs_expire()
    going = refresh_run_active(region_code=region_code)
    if going is not None:
        return going, False
    try:
        with transaction.atomic():
            years = all_years()
            run = RefreshRun.objects.create(
                region_code=region_code,
                requested_by=user,
                trigger=trigger,
                first_year=years[0],
                last_year=years[-1],
                steps_total=len(years),
            )
    except IntegrityError:
        return refresh_run_open(region_code=region_code, user=user, trigger=trigger)
    return run, True


def refresh_run_request(
    *, user=None, region_code: str = COUNTRY_CODE
) -> tuple[RefreshRun, bool]:
    """Queue a refresh of a region (or the country) unless one covering it is
    already going; give the run, whose page shows its progress, and whether it is
    new. It runs after the response, in every mode. Who may ask for which region
    is the caller's check."""
    from .tasks import refresh_all

    run, created = refresh_run_open(region_code=region_code, user=user)
    if not created:
        return run, False

    def enqueue():
        try:
            background.enqueue(refresh_all, run.pk)
        except Exception as exc:  # noqa: BLE001 - any broker failure is shown to staff
            log.warning("Refresh %s not queued: %s", run.pk, exc)
            RefreshRun.objects.filter(pk=run.pk).update(
                status=RefreshStatus.FAILED,
                finished_at=timezone.now(),
                message=_(
                    "Antrean tugas tidak tersedia, jadi pembaruan belum dapat "
                    "dijalankan. Coba lagi nanti; pembaruan malam tetap berjalan."
                ),
            )

    transaction.on_commit(enqueue)
    return run, True


@contextmanager
def _held(runs):
    """Hold the runs' advisory locks (PostgreSQL) while they run: the sign of life
    refresh_runs_expire looks for."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        for run in runs:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [RUN_LOCK_CLASS, run.pk])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for run in runs:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK_CLASS, run.pk]
                )


def refresh_run_execute(*, run: RefreshRun) -> RefreshRun:
    """Run a queued refresh of its region for every year, recording its progress.

    A run that is no longer queued (done, or given up as dead) is left alone.
    """
    years = all_years()
    within = None if run.region_code == COUNTRY_CODE else [run.region_code]
    with _held([run]):
        started = RefreshRun.objects.filter(
            pk=run.pk, status=RefreshStatus.QUEUED
        ).update(
            status=RefreshStatus.RUNNING,
            started_at=timezone.now(),
            first_year=years[0],
            last_year=years[-1],
            steps_total=len(years),
        )
        if started:
            # Runs left "running" by a worker that died are over: say so.
            refresh_runs_expire()
            _recorded(runs=[run], years=years, within=within)
    run.refresh_from_db()
    return run


# From which statuses each action moves an alert, and to which.
_ALERT_MOVES = {
    AlertActionKind.ACKNOWLEDGE: ((AlertStatus.OPEN,), AlertStatus.ACKNOWLEDGED),
    AlertActionKind.CLOSE: (
        (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED),
        AlertStatus.CLOSED,
    ),
}


@transaction.atomic
def alert_act(*, alert: Alert, user, action: str, note: str = "") -> AlertAction | None:
    """Acknowledge or close an alert, keeping who did it; None if it already moved
    past that (a double submit, or someone else first). Who may is the caller's check."""
    note = note.strip()
    if action == AlertActionKind.CLOSE and not note:
        raise ValidationError(
            {"note": _("Tulis catatan penutupan: apa yang sudah dilakukan.")}
        )
    sources, target = _ALERT_MOVES[action]
    # The row lock makes a second submit wait, then find the status moved.
    moved = Alert.objects.filter(pk=alert.pk, status__in=sources).update(status=target)
    if not moved:
        return None
    alert.status = target
    return AlertAction.objects.create(alert=alert, action=action, actor=user, note=note)


@transaction.atomic
def alert_rule_save(*, kind: str, region, user, **thresholds) -> AlertRule:
    """Set the thresholds of one kind of alert for a kab/kota, a province or the
    country (region None); the history keeps every earlier version."""
    if kind not in KINDS:
        raise ValidationError({"kind": _("Jenis peringatan tidak dikenal.")})
    allowed = {"active", *KINDS[kind].thresholds}
    unknown = set(thresholds) - allowed
    if unknown:
        raise ValidationError(_("Ambang ini tidak dipakai jenis peringatan ini."))
    rule = (
        AlertRule.objects.select_for_update()
        .filter(kind=kind, region=region)
        .order_by("pk")
        .first()
        or KINDS[kind].default_rule()
    )
    rule.region = region
    for name, value in thresholds.items():
        setattr(rule, name, value)
    rule.changed_by = user
    rule.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        # The same rule created by a concurrent submit: this one updates it.
        return alert_rule_save(kind=kind, region=region, user=user, **thresholds)
    return rule
