"""The sync of a PLKB's queue: each entry saved once, refused, or a conflict.

Each entry is its own transaction. Its claim (a SyncedEntry row, unique per user
and entry id) is inserted first, in that transaction, as kampungkb.once does for
forms: a second request with the same id waits on PostgreSQL's unique index
until the first commits, then gets the first one's answer and saves nothing. A
refused or conflicting entry gives its claim up (the row is deleted, not rolled
back, so what the services record even when they refuse, like NIK look-ups,
stays), and the corrected entry can be sent again with the same id.

Records are made by the same forms and services as the pages, so they refresh
the dashboards (kampungkb.events.data_changed) as a form does.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from kampungkb.access import can, scoped
from stunting import services as stunting
from stunting.choices import child_desa
from stunting.dashat_forms import SessionForm
from stunting.forms import ChildForm, MeasurementForm
from stunting.models import Child, Dashat, Measurement, NikLookupSource
from villages.forms import ActivityForm
from villages.models import KampungKB
from villages.services import activity_record

from .models import EntryKind, SyncedEntry
from .selectors import child_version

OVERWRITE = "overwrite"
# Values the phone compares to decide whether a same-day measurement is the same.
COMPARED = ("weight_kg", "height_cm", "measured", "oedema")


class Refused(Exception):
    """An entry that cannot be saved as sent, with messages by field."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class Conflict(Exception):
    """The server's record changed since the phone read it: both are shown."""

    def __init__(self, message, server, mine):
        super().__init__(message)
        self.answer = {"message": message, "server": server, "mine": mine}


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _not_found(field, label):
    raise Refused({field: [label]})


def _form_errors(form) -> dict:
    return {name: [str(m) for m in errors] for name, errors in form.errors.items()}


def _service_errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {name: [str(m) for m in errs] for name, errs in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def _form_data(form_class_prefix, data: dict) -> dict:
    """The entry's values as a form reads them: text, or lists of text.

    A value of any other shape (an object, a nested list) is refused under its
    field; JSON numbers and booleans become the text a browser would send.
    """
    values, errors = {}, {}
    for name, value in data.items():
        if not isinstance(name, str):
            continue
        key = f"{form_class_prefix}-{name}" if form_class_prefix else name
        if value is None:
            continue
        if isinstance(value, (str, int, float, bool)):
            values[key] = str(value)
        elif isinstance(value, list) and all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
        ):
            values[key] = [str(v) for v in value]
        else:
            errors[name] = [_("Nilai ini tidak sah.")]
    if errors:
        raise Refused(errors)
    return values


def _valid(form):
    if not form.is_valid():
        raise Refused(_form_errors(form))
    return form.cleaned_data


def _record_id(value, field):
    """A server id sent by the phone: a positive whole number (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise Refused({field: [_("Isi id yang sah.")]})
    return value


# The four kinds of entry ---------------------------------------------------------


def _child(*, user, entry, **_ignored):
    data = _valid(ChildForm(_form_data("", entry["data"]), regions=child_desa(user)))
    try:
        child = stunting.child_register(**data, user=user, source=NikLookupSource.API)
    except ValidationError as exc:
        raise Refused(_service_errors(exc)) from None
    return child, {
        "type": "child",
        "id": child.pk,
        "version": child_version(child),
        "url": reverse("child-detail", args=[child.pk]),
    }


def _entry_child(*, user, entry, batch) -> Child:
    """The child a measurement names: a server id, or a child entry already saved."""
    writable = scoped(Child.objects.select_related("region"), user, write=True)
    not_found = _("Anak tidak ditemukan di desa/kelurahan Anda.")
    if entry.get("child") is not None:
        child = writable.filter(pk=_record_id(entry["child"], "child")).first()
        if child is None:
            _not_found("child", not_found)
        return child
    raw = entry.get("child_entry")
    try:
        key = uuid.UUID(raw) if isinstance(raw, str) else None
    except ValueError:
        key = None
    if key is None:
        raise Refused({"child": [_("Pilih anak yang diukur.")]})
    child_id = batch.get(key)
    if child_id is None:
        child_id = (
            SyncedEntry.objects.filter(user=user, entry_id=key, kind=EntryKind.CHILD)
            .values_list("object_id", flat=True)
            .first()
        )
    if child_id is None:
        raise Refused(
            {
                "child_entry": [
                    _("Data anak ini belum tersimpan; kirim dan perbaiki dulu anaknya.")
                ]
            }
        )
    child = writable.filter(pk=child_id).first()
    if child is None:
        _not_found("child", not_found)
    return child


def _child_changed(child: Child, entry) -> None:
    """Conflict when the child's sex or birth date changed since the phone read it."""
    sex, born = entry.get("child_sex"), entry.get("child_birth_date")
    differs = (sex is not None and sex != child.sex) or (
        born is not None and born != child.birth_date.isoformat()
    )
    if not differs:
        return
    last = child.history.select_related("history_user").order_by("-history_date")[:1]
    last = last[0] if last else None
    raise Conflict(
        _(
            "Jenis kelamin atau tanggal lahir anak ini diubah di server setelah "
            "ponsel membacanya. Kirim lagi dengan data server, atau periksa dulu."
        ),
        server={
            "sex": child.sex,
            "birth_date": child.birth_date.isoformat(),
            "version": child_version(child),
            "changed_by": _person(last.history_user) if last else "",
            "changed_at": last.history_date.isoformat() if last else None,
        },
        mine={"sex": sex, "birth_date": born},
    )


def _same_day(existing: Measurement, data) -> bool:
    return all(getattr(existing, name) == data[name] for name in COMPARED)


def _measurement_answer(m: Measurement) -> dict:
    return {
        "type": "measurement",
        "id": m.pk,
        "child": m.child_id,
        "url": reverse("child-detail", args=[m.child_id]),
        "z": {"haz": m.haz, "waz": m.waz, "whz": m.whz},
        "classes": {
            "haz": m.haz_class or None,
            "waz": m.waz_class or None,
            "whz": m.whz_class or None,
        },
    }


def _server_measurement(m: Measurement) -> dict:
    return {
        "id": m.pk,
        "measured_on": m.measured_on.isoformat(),
        "weight_kg": None if m.weight_kg is None else str(m.weight_kg),
        "height_cm": None if m.height_cm is None else str(m.height_cm),
        "measured": m.measured,
        "oedema": m.oedema,
        "z": {"haz": m.haz, "waz": m.waz, "whz": m.whz},
        "entered_by": _person(m.entered_by),
        "entered_at": m.created_at.isoformat(),
    }


def _measurement(*, user, entry, batch):
    child = _entry_child(user=user, entry=entry, batch=batch)
    if not can(user, "measurement.add", child.region):
        _not_found("child", _("Anak tidak ditemukan di desa/kelurahan Anda."))
    overwrite = entry.get("resolve") == OVERWRITE
    if not overwrite:
        _child_changed(child, entry)
    data = _valid(MeasurementForm(_form_data("", entry["data"]), child=child))
    existing = (
        Measurement.objects.select_for_update(of=("self",))
        .select_related("entered_by")
        .filter(child=child, measured_on=data["measured_on"])
        .first()
    )
    try:
        if existing is None:
            m = stunting.measurement_record(child=child, entered_by=user, **data)
        elif _same_day(existing, data):
            m = existing
        elif overwrite:
            fields = {k: v for k, v in data.items() if k != "measured_on"}
            m = stunting.measurement_correct(
                measurement=existing, entered_by=user, **fields
            )
        else:
            raise Conflict(
                _(
                    "Anak ini sudah diukur pada tanggal itu dengan nilai lain. "
                    "Pilih nilai yang benar: simpan nilai ponsel, atau pakai nilai "
                    "server."
                ),
                server=_server_measurement(existing),
                mine={
                    name: entry["data"].get(name) for name in ("measured_on", *COMPARED)
                },
            )
    except ValidationError as exc:
        raise Refused(_service_errors(exc)) from None
    return m, _measurement_answer(m)


def _dashat_session(*, user, entry, **_ignored):
    pk = _record_id(entry.get("dashat"), "dashat")
    dashat = (
        scoped(Dashat.objects.select_related("kampung__region"), user, write=True)
        .filter(pk=pk)
        .first()
    )
    if dashat is None or not can(user, "dashat.change", dashat.kampung.region):
        _not_found("dashat", _("Dashat tidak ditemukan di desa/kelurahan Anda."))
    form = SessionForm(
        _form_data("sesi", entry["data"]),
        beneficiaries=dashat.beneficiaries.all(),
        beneficiary_label=str,
    )
    data = _valid(form)
    try:
        session = stunting.session_record(dashat=dashat, **data)
    except ValidationError as exc:
        raise Refused(_service_errors(exc)) from None
    return session, {
        "type": "dashat_session",
        "id": session.pk,
        "dashat": dashat.pk,
        "url": reverse("dashat-detail", args=[dashat.pk]),
    }


def _activity(*, user, entry, **_ignored):
    pk = _record_id(entry.get("kampung"), "kampung")
    kampung = (
        scoped(KampungKB.objects.select_related("region"), user, write=True)
        .filter(pk=pk)
        .first()
    )
    if kampung is None or not can(user, "kampung.change", kampung.region):
        _not_found("kampung", _("Kampung KB tidak ditemukan di desa/kelurahan Anda."))
    data = _valid(ActivityForm(_form_data("", entry["data"])))
    try:
        activity = activity_record(kampung=kampung, recorded_by=user, **data)
    except ValidationError as exc:
        raise Refused(_service_errors(exc)) from None
    return activity, {
        "type": "activity",
        "id": activity.pk,
        "kampung": kampung.pk,
        "url": reverse("kampung-detail", args=[kampung.pk]) + "#kegiatan",
    }


HANDLERS = {
    EntryKind.CHILD: _child,
    EntryKind.MEASUREMENT: _measurement,
    EntryKind.DASHAT_SESSION: _dashat_session,
    EntryKind.ACTIVITY: _activity,
}


def _phone_z(entry):
    """The z-scores the phone showed, if they are numbers; kept, never trusted."""
    raw = entry.get("phone_z")
    if not isinstance(raw, dict):
        return None
    return {
        name: value
        for name in ("haz", "waz", "whz")
        if isinstance(value := raw.get(name), (int, float))
        and not isinstance(value, bool)
    } or None


def entry_sync(*, user, entry: dict, entry_id: uuid.UUID, device: str, batch: dict):
    """Save one queued entry once; give its result (saved, refused or conflict).

    `batch` maps the ids of child entries saved so far in this request to their
    children, for the measurements that name them.
    """
    kind = entry.get("kind")
    # The id as the phone wrote it: the phone finds its entry by it.
    base = {"id": entry["id"]}
    if not isinstance(kind, str) or kind not in HANDLERS:
        return {
            **base,
            "status": "refused",
            "errors": {"__all__": [_("Jenis entri tidak dikenal.")]},
        }
    if not isinstance(entry.get("data"), dict):
        return {
            **base,
            "status": "refused",
            "errors": {"__all__": [_("Entri ini tidak berisi data.")]},
        }
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = SyncedEntry.objects.create(
                    user=user,
                    entry_id=entry_id,
                    kind=kind,
                    device=device,
                    answer={},
                    object_type="",
                    object_id=0,
                )
        except IntegrityError:
            first = SyncedEntry.objects.get(user=user, entry_id=entry_id)
            if first.kind == EntryKind.CHILD:
                batch[entry_id] = first.object_id
            return {**first.answer, **base, "replayed": True}
        try:
            record, answer = HANDLERS[kind](user=user, entry=entry, batch=batch)
        except Refused as refused:
            claim.delete()
            return {**base, "status": "refused", "errors": refused.errors}
        except Conflict as conflict:
            claim.delete()
            return {**base, "status": "conflict", **conflict.answer}
        result = {**base, "status": "saved", "replayed": False, "object": answer}
        claim.answer = result
        claim.object_type = answer["type"]
        claim.object_id = record.pk
        claim.phone_z = _phone_z(entry) if kind == EntryKind.MEASUREMENT else None
        claim.save()
    if kind == EntryKind.CHILD:
        batch[entry_id] = record.pk
    return result
