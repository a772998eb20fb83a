"""Writes for children and their measurements; z-scores come from stunting.growth."""

import datetime
import logging
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnavailable

from kampungkb.access import scoped
from kampungkb.events import data_changed
from kampungkb.integrity import unique_errors, violated_unique

from . import growth
from .models import (
    FOLLOW_UP,
    AuditCause,
    AuditIntervention,
    CaseAudit,
    Child,
    Dashat,
    DashatBeneficiary,
    DashatSession,
    ImportBatch,
    ImportStatus,
    Measurement,
    NikLookup,
    NikLookupSource,
    ReportedPrevalence,
)
from .nik import nik_hash, nik_is_valid, nik_normalise

log = logging.getLogger(__name__)


def _within_column(name, low, high):
    """Cap a plausible range at the largest value the decimal column holds."""
    field = Measurement._meta.get_field(name)
    step = Decimal(1).scaleb(-field.decimal_places)
    return low, min(
        high, Decimal(10) ** (field.max_digits - field.decimal_places) - step
    )


# What a child under five can weigh and measure, within what its column holds:
# beyond it a value is a typing error, refused by the form, the API and the import.
MEASUREMENT_LIMITS = {
    "weight_kg": _within_column("weight_kg", Decimal("0.5"), Decimal("60")),
    "height_cm": _within_column("height_cm", Decimal("30"), Decimal("150")),
    # Arm circumference (LiLA) of a child under five.
    "lila_cm": _within_column("lila_cm", Decimal("5"), Decimal("35")),
}


def score_fields(*, sex, age_days, weight_kg, height_cm, measured, oedema) -> dict:
    """Score columns of measurements; give Measurement's computed fields as columns.

    The single form and the file import both go through here, so a measurement
    gets the same numbers however it arrives. Columns are converted with numpy,
    not row by row: the import scores a whole file through here.
    """
    if not (isinstance(measured, np.ndarray) and measured.dtype.kind in "iu"):
        # A blank position ("" from a form or file) is not recorded.
        measured = np.asarray(measured, dtype=object)
        measured = np.where(measured.astype(bool), measured, None)
    cols = growth.score_columns(
        sex=sex,
        age_days=age_days,
        weight_kg=_float_column(weight_kg),
        height_cm=_float_column(height_cm),
        measured=measured,
        oedema=oedema,
    )

    def floats(values):
        missing = np.isnan(values)
        values = values.astype(object)
        values[missing] = None
        return values.tolist()

    # "haz:age_missing whz:height_missing": object arrays of str add elementwise.
    reasons = np.full(len(cols["haz"]), "", dtype=object)
    for name in growth.INDICATORS:
        has = np.not_equal(cols[f"{name}_reason"], None)
        text, before = f"{name}:" + cols[f"{name}_reason"][has], reasons[has]
        reasons[has] = np.where(before == "", text, before + " " + text)
    fields = {
        "height_adjusted_cm": floats(cols["adjusted_height_cm"]),
        "missing_reasons": reasons.tolist(),
    }
    for name in growth.INDICATORS:
        classes = cols[f"{name}_class"].copy()
        classes[np.equal(classes, None)] = ""
        fields[name] = floats(cols[name])
        fields[f"{name}_class"] = classes.tolist()
        fields[f"{name}_implausible"] = np.asarray(
            cols[f"{name}_flag"], dtype=bool
        ).tolist()
    return fields


def _float_column(values):
    """Give a column of numbers (Decimal, float or None) as floats, NaN for None."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values
    return [None if v is None else float(v) for v in values]


def nik_lookups_blocked(*, user) -> bool:
    """Whether `user` has had NIK_OUTSIDE_LIMIT NIKs found outside their region lately."""
    since = timezone.now() - datetime.timedelta(seconds=settings.NIK_OUTSIDE_WINDOW_S)
    found = NikLookup.objects.filter(user=user, at__gte=since).aggregate(
        n=Sum("outside")
    )["n"]
    return (found or 0) >= settings.NIK_OUTSIDE_LIMIT


def nik_lookup_record(*, user, source, checked=0, outside=0, refused=False):
    """Keep who looked NIKs up and how many were outside their region (never the NIK)."""
    return NikLookup.objects.create(
        user=user, source=source, checked=checked, outside=outside, refused=refused
    )


def nik_limit_message() -> str:
    return _(
        "Terlalu banyak NIK yang ternyata terdaftar di luar wilayah Anda dalam "
        "%(hours)s jam terakhir; pencarian NIK ditahan sementara. Coba lagi nanti "
        "atau hubungi admin."
    ) % {"hours": settings.NIK_OUTSIDE_WINDOW_S // 3600}


def _nik_outside_check(*, user, key, source):
    """Refuse a NIK registered where `user` cannot read, counted and rate-limited.

    The answer tells whether a NIK exists elsewhere, so it is not free: each is
    recorded, and past the limit no NIK is looked up at all (any answer then
    would still be an answer).
    """
    if nik_lookups_blocked(user=user):
        nik_lookup_record(user=user, source=source, refused=True)
        raise ValidationError({"nik": nik_limit_message()})
    found = Child.objects.filter(nik_hash=key)
    outside = found.exists() and not scoped(found, user).exists()
    nik_lookup_record(user=user, source=source, checked=1, outside=int(outside))
    if outside:
        raise ValidationError(
            {"nik": _("NIK ini sudah terdaftar di wilayah lain; hubungi staf dinas.")}
        )


def child_register(
    *,
    region,
    name: str,
    sex: str,
    birth_date,
    nik: str = "",
    posyandu="",
    parent_name="",
    user=None,
    source=NikLookupSource.FORM,
) -> Child:
    """Find a child by NIK (or by name, birth date and desa) or register a new one.

    With `user` (a person entering a child), a NIK registered where they cannot
    read is refused, counted and rate-limited; the count is kept even when the
    registration is refused, so it is written outside the registration's
    transaction.
    """
    normalised = nik_normalise(nik)
    if normalised and not nik_is_valid(normalised):
        raise ValidationError({"nik": _("NIK harus 16 angka.")})
    key = nik_hash(normalised) if normalised else None
    if key and user is not None:
        _nik_outside_check(user=user, key=key, source=source)
    return _child_store(
        region=region,
        name=name,
        sex=sex,
        birth_date=birth_date,
        key=key,
        posyandu=posyandu,
        parent_name=parent_name,
    )


@transaction.atomic
def _child_store(*, region, name, sex, birth_date, key, posyandu, parent_name):
    def registered():
        if key:
            return Child.objects.filter(nik_hash=key).first()
        return Child.objects.filter(
            nik_hash__isnull=True,
            region=region,
            name=name.strip(),
            birth_date=birth_date,
        ).first()

    existing = registered()
    if existing:
        return existing
    child = Child(
        nik_hash=key,
        name=name.strip(),
        sex=sex,
        birth_date=birth_date,
        region=region,
        posyandu=posyandu,
        parent_name=parent_name,
    )
    child.full_clean()
    try:
        with transaction.atomic():
            child.save()
    except IntegrityError as exc:
        if violated_unique(exc, Child) not in ("nik_hash", "child_without_nik_unique"):
            raise
        # Registered by a concurrent request meanwhile: found, as it would be now.
        return registered()
    data_changed(region_codes=[child.region_id], since=child.birth_date)
    return child


@transaction.atomic
def measurement_record(
    *,
    child: Child,
    measured_on,
    weight_kg,
    height_cm,
    measured: str,
    oedema: bool = False,
    place: str = "posyandu",
    posyandu: str = "",
    entered_by=None,
) -> Measurement:
    """Record one measurement with its z-scores, classes and plausibility flags."""
    measurement = Measurement(child=child, measured_on=measured_on)
    return _measurement_store(
        measurement,
        weight_kg=weight_kg,
        height_cm=height_cm,
        measured=measured,
        oedema=oedema,
        place=place,
        posyandu=posyandu,
        entered_by=entered_by,
    )


@transaction.atomic
def measurement_correct(
    *,
    measurement: Measurement,
    weight_kg,
    height_cm,
    measured: str,
    oedema: bool = False,
    place: str = "posyandu",
    posyandu: str = "",
    entered_by=None,
) -> Measurement:
    """Correct a measurement's values; its z-scores are computed again, its history kept."""
    return _measurement_store(
        measurement,
        weight_kg=weight_kg,
        height_cm=height_cm,
        measured=measured,
        oedema=oedema,
        place=place,
        posyandu=posyandu,
        entered_by=entered_by,
    )


def _measurement_store(
    measurement, *, weight_kg, height_cm, measured, oedema, place, posyandu, entered_by
):
    child, measured_on = measurement.child, measurement.measured_on
    age_days = (measured_on - child.birth_date).days if measured_on else None
    measurement.weight_kg = weight_kg
    measurement.height_cm = height_cm
    measurement.measured = measured
    measurement.oedema = oedema
    measurement.place = place
    measurement.posyandu = posyandu
    measurement.entered_by = entered_by
    measurement.age_days = age_days if age_days is not None else 0
    measurement.full_clean(exclude=["age_days"])
    scores = score_fields(
        sex=[child.sex],
        age_days=[age_days],
        weight_kg=[weight_kg],
        height_cm=[height_cm],
        measured=[measured],
        oedema=[oedema],
    )
    for name, column in scores.items():
        setattr(measurement, name, column[0])
    with unique_errors(Measurement):
        measurement.save()
    data_changed(region_codes=[child.region_id], since=measured_on)
    return measurement


@transaction.atomic
def dashat_save(
    *,
    kampung,
    name: str,
    formed_on,
    status: str = "active",
    place: str = "",
    funding_source: str = "",
    dashat: Dashat | None = None,
) -> Dashat:
    """Create a Dashat for a Kampung KB, or change the one given."""
    dashat = dashat or Dashat()
    dashat.kampung = kampung
    dashat.name = name.strip()
    dashat.formed_on = formed_on
    dashat.status = status
    dashat.place = place
    dashat.funding_source = funding_source
    dashat.full_clean()
    with unique_errors(Dashat):
        dashat.save()
    data_changed(region_codes=[kampung.region_id])
    return dashat


def _beneficiary_store(beneficiary: DashatBeneficiary) -> DashatBeneficiary:
    if beneficiary.child_id:
        # The child's record already names them; a second copy would drift.
        beneficiary.name = ""
    beneficiary.full_clean()
    if (
        beneficiary.child_id
        and beneficiary.child.region_id != beneficiary.dashat.kampung.region_id
    ):
        raise ValidationError(
            {"child": _("Anak ini tidak tercatat di desa/kelurahan Kampung KB ini.")}
        )
    beneficiary.save()
    return beneficiary


def _follow_up_end(start_on):
    try:
        return start_on + FOLLOW_UP
    except OverflowError:
        raise ValidationError(
            {"start_on": _("Tanggal mulai tidak masuk akal.")}
        ) from None


@transaction.atomic
def beneficiary_enrol(
    *,
    dashat: Dashat,
    category: str,
    start_on,
    name: str = "",
    child: Child | None = None,
    follow_up_end=None,
) -> DashatBeneficiary:
    """Enrol someone in a Dashat; follow-up ends six months after the start by default."""
    if follow_up_end is None and start_on is not None:
        follow_up_end = _follow_up_end(start_on)
    return _beneficiary_store(
        DashatBeneficiary(
            dashat=dashat,
            category=category,
            name=name.strip(),
            child=child,
            start_on=start_on,
            follow_up_end=follow_up_end,
        )
    )


@transaction.atomic
def beneficiary_update(
    *,
    beneficiary: DashatBeneficiary,
    category: str,
    start_on,
    follow_up_end,
    name: str = "",
    child: Child | None = None,
) -> DashatBeneficiary:
    """Correct a Dashat beneficiary's category, person or follow-up dates."""
    beneficiary.category = category
    beneficiary.name = name.strip()
    beneficiary.child = child
    beneficiary.start_on = start_on
    beneficiary.follow_up_end = follow_up_end
    return _beneficiary_store(beneficiary)


@transaction.atomic
def beneficiary_delete(*, beneficiary: DashatBeneficiary) -> None:
    """Remove a beneficiary enrolled by mistake, with their session attendance."""
    beneficiary.delete()


@transaction.atomic
def session_record(
    *,
    dashat: Dashat,
    date,
    menu: str,
    portions: int,
    beneficiaries_present=(),
    session: DashatSession | None = None,
) -> DashatSession:
    """Record a day's cooking at a Dashat, or correct it; attendees are its own."""
    present = list(beneficiaries_present)
    if any(b.dashat_id != dashat.pk for b in present):
        raise ValidationError(
            {
                "beneficiaries_present": _(
                    "Yang hadir harus penerima manfaat Dashat ini."
                )
            }
        )
    session = session or DashatSession()
    session.dashat = dashat
    session.date = date
    session.menu = menu.strip()
    session.portions = portions
    session.full_clean()
    session.save()
    session.beneficiaries_present.set(present)
    return session


@transaction.atomic
def session_delete(*, session: DashatSession) -> None:
    """Delete a Dashat session recorded by mistake."""
    session.delete()


def _codes_in_order(codes, choices) -> list:
    # Unknown codes are kept so that clean() names them instead of dropping them.
    codes = list(dict.fromkeys(codes or []))
    known = [c for c in choices.values if c in codes]
    return known + [c for c in codes if c not in known]


@transaction.atomic
def audit_save(
    *,
    child: Child,
    audited_on,
    causes,
    interventions=(),
    status: str = "open",
    next_follow_up_on=None,
    closed_on=None,
    notes: str = "",
    audit: CaseAudit | None = None,
) -> CaseAudit:
    """Create or change the case audit of a stunted child."""
    audit = audit or CaseAudit()
    audit.child = child
    audit.audited_on = audited_on
    audit.causes = _codes_in_order(causes, AuditCause)
    audit.interventions = _codes_in_order(interventions, AuditIntervention)
    audit.status = status
    audit.next_follow_up_on = next_follow_up_on
    audit.closed_on = closed_on
    audit.notes = notes
    # clean() checks both lists with clearer messages than "may not be blank";
    # and no intervention yet is fine, though the field is not blank=True.
    audit.full_clean(exclude=["causes", "interventions"])
    errors = {}
    if audited_on and closed_on and closed_on < audited_on:
        errors["closed_on"] = _("Tanggal selesai sebelum tanggal audit.")
    if audited_on and next_follow_up_on and next_follow_up_on < audited_on:
        errors["next_follow_up_on"] = _("Tindak lanjut sebelum tanggal audit.")
    if errors:
        raise ValidationError(errors)
    with unique_errors(CaseAudit):
        audit.save()
    return audit


@transaction.atomic
def audit_delete(*, audit: CaseAudit) -> None:
    """Delete a case audit entered by mistake."""
    audit.delete()


@transaction.atomic
def reported_prevalence_save(
    *,
    region,
    year: int,
    source: str,
    value_percent,
    citation: str,
    numerator=None,
    denominator=None,
    note: str = "",
    prevalence: ReportedPrevalence | None = None,
) -> ReportedPrevalence:
    """Record a published prevalence with its source, or correct one."""
    prevalence = prevalence or ReportedPrevalence()
    prevalence.region = region
    prevalence.year = year
    prevalence.source = source
    prevalence.value_percent = value_percent
    prevalence.numerator = numerator
    prevalence.denominator = denominator
    prevalence.citation = citation
    prevalence.note = note
    prevalence.full_clean()
    with unique_errors(ReportedPrevalence):
        prevalence.save()
    data_changed(region_codes=[region.code], since=datetime.date(year, 1, 1))
    return prevalence


@transaction.atomic
def reported_prevalence_delete(*, prevalence: ReportedPrevalence) -> None:
    """Delete a reported prevalence entered by mistake."""
    prevalence.delete()
    data_changed(
        region_codes=[prevalence.region_id],
        since=datetime.date(prevalence.year, 1, 1),
    )


def measurement_import(*, batch, data: bytes | None = None):
    """Check a batch's file and save its measurements; record the outcome on it.

    Progress is saved between chunks, outside the write transaction, so the
    batch's page can show it while the file is being checked. Problems are kept
    on the batch; nothing is saved when any row is wrong unless the uploader
    chose to save the valid rows only.
    """
    # importer builds on score_fields above; importing it at the top would be circular.
    from . import importer

    if batch.status not in (ImportStatus.PENDING, ImportStatus.RUNNING):
        return batch
    batches = ImportBatch.objects.filter(pk=batch.pk)

    def finish(status, errors=()):
        batch.status = status
        batch.errors = list(errors)
        batch.finished_at = timezone.now()
        # The file holds NIK and names: once read to the end it is not kept (its
        # name, SHA-256 and results stay on the batch). A failed run's file is
        # kept for a while for the administrators (measurement_import_tidy).
        if status != ImportStatus.FAILED and batch.file:
            batch.file.delete(save=False)
        batch.save()
        return batch

    batch.started_at = timezone.now()
    batches.update(
        status=ImportStatus.RUNNING,
        processed_rows=0,
        started_at=batch.started_at,
        attempts=F("attempts") + 1,
    )
    batch.refresh_from_db(fields=["attempts"])
    if batch.attempts > settings.IMPORT_MAX_ATTEMPTS:
        # Redelivered after its worker died each time: a file that kills the
        # worker is not run again and again.
        return finish(ImportStatus.FAILED, [_import_gave_up()])
    with importer.gc_paused():
        try:
            if data is None:
                with batch.file.open("rb") as source:
                    data = source.read()
            try:
                table = importer.read_table(data, batch.file_name)
            except importer.ImportFileError as exc:
                return finish(ImportStatus.REJECTED, exc.errors)
            batch.total_rows = table.size
            batch.report = table.report
            batches.update(total_rows=batch.total_rows)
            if table.has_nik and nik_lookups_blocked(user=batch.uploaded_by):
                nik_lookup_record(
                    user=batch.uploaded_by, source=NikLookupSource.IMPORT, refused=True
                )
                return finish(
                    ImportStatus.REJECTED,
                    [
                        {
                            "row": None,
                            "column": table.nik_header,
                            "message": nik_limit_message(),
                        }
                    ],
                )
            checked = importer.Checker(table, batch.uploaded_by).run(
                progress=lambda done: batches.update(processed_rows=done)
            )
            if checked.niks_checked:
                nik_lookup_record(
                    user=batch.uploaded_by,
                    source=NikLookupSource.IMPORT,
                    checked=checked.niks_checked,
                    outside=checked.niks_outside,
                )
            batch.processed_rows = table.size
            batch.flagged_rows = checked.flagged_rows
            if checked.zscores is not None:
                batch.report["zscore_differences"] = checked.zscores.report()
            if checked.masked_nik_rows:
                batch.report["masked_nik_rows"] = checked.masked_nik_rows
            errors = checked.errors
            if checked.error_count > len(errors):
                more = checked.error_count - len(errors)
                errors.append(
                    {
                        "row": None,
                        "column": "",
                        "message": _("… dan %(n)s masalah lain.") % {"n": more},
                    }
                )
            if checked.error_count and not batch.save_valid_only:
                return finish(ImportStatus.REJECTED, errors)
            written = importer.write(checked, batch=batch)
        except Exception:
            finish(ImportStatus.FAILED)
            raise
    batch.created_children = written.created_children
    batch.created_measurements = written.created_measurements
    batch.skipped_rows = checked.valid_rows - written.created_measurements
    return finish(ImportStatus.DONE, errors)


def measurement_import_enqueue(*, batch) -> bool:
    """Ask a worker to import a stored batch; False when no broker takes the task.

    The batch then stays pending without `queued_at`, its page says it waits for
    the task queue, and measurement_import_sweep queues it once Redis is back.
    """
    from .tasks import measurement_import_run

    try:
        measurement_import_run.delay(batch.pk)
    except BrokerUnavailable as exc:
        log.warning(
            "Import of batch %s not queued (%s); the sweep will.", batch.pk, exc
        )
        return False
    batch.queued_at = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(queued_at=batch.queued_at)
    return True


def _import_gave_up():
    return {
        "row": None,
        "column": "",
        "message": _(
            "Pemeriksaan berkas ini terhenti %(n)s kali (pekerja mati atau waktu "
            "habis); impor dihentikan. Tidak ada yang disimpan: periksa berkasnya, "
            "bagi menjadi berkas yang lebih kecil, atau hubungi admin."
        )
        % {"n": settings.IMPORT_MAX_ATTEMPTS},
    }


def measurement_import_tidy(*, now=None) -> dict:
    """Fail the batches whose worker died; delete failed batches' files after a while.

    A running batch started longer ago than the task's hard time limit (plus a
    margin) cannot still be running: Celery kills the task at that limit. Its
    file holds NIK and names, so a failed batch keeps it only
    IMPORT_FAILED_FILE_KEEP_S; the batch keeps the file name, SHA-256 and problems.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.IMPORT_STALE_AFTER_S)
    stale = ImportBatch.objects.filter(status=ImportStatus.RUNNING).filter(
        Q(started_at__lte=cutoff) | Q(started_at__isnull=True, created_at__lte=cutoff)
    )
    failed = 0
    for pk in stale.values_list("pk", flat=True):
        failed += ImportBatch.objects.filter(pk=pk, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED,
            finished_at=now,
            errors=[
                {
                    "row": None,
                    "column": "",
                    "message": _(
                        "Pemeriksaan berkas terhenti di tengah jalan (pekerja mati "
                        "atau waktu habis). Tidak ada yang disimpan; unggah lagi atau "
                        "hubungi admin."
                    ),
                }
            ],
        )
    keep = datetime.timedelta(seconds=settings.IMPORT_FAILED_FILE_KEEP_S)
    deleted = 0
    for batch in ImportBatch.objects.filter(
        status=ImportStatus.FAILED, finished_at__lte=now - keep
    ).exclude(file=""):
        batch.file.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(file="")
        deleted += 1
    return {"failed": failed, "files_deleted": deleted}


def measurement_import_sweep(*, waited=datetime.timedelta(seconds=10)) -> list[int]:
    """Queue the batches uploaded while the task queue was down; give their ids.

    Only batches never queued, and at least `waited` old (an upload queues its
    own batch right after saving it), so no batch is queued twice.
    """
    waiting = ImportBatch.objects.filter(
        status=ImportStatus.PENDING,
        queued_at__isnull=True,
        created_at__lte=timezone.now() - waited,
    ).order_by("created_at")
    queued = []
    for batch in waiting:
        if not measurement_import_enqueue(batch=batch):
            break
        queued.append(batch.pk)
    return queued
