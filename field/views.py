"""The installable app: its shell, its service worker and its manifest.

The shell is one page for the signed-in PLKB; everything on it is drawn by
static/js/field/app.js from what the phone keeps (IndexedDB), so that it works
with no signal. The service worker keeps the shell and its files (Cache API);
the JSON endpoints (field/api.py) never pass through its cache.
"""

import hashlib
import json

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kampungkb.models import Role
from stunting.dashat_forms import SessionForm
from stunting.forms import ChildForm, MeasurementForm
from villages.forms import ActivityForm

# The brand green of static/css/app.css (--brand): the phone's title bar.
THEME_COLOUR = "#0b6e4f"
BACKGROUND_COLOUR = "#f5f7f9"
ICONS = {192: "field/icon-192.png", 512: "field/icon-512.png"}
# What the shell loads, by their names in static/ (hashed when collected).
SHELL_FILES = (
    "css/app.css",
    "css/field.css",
    "js/field/growth.js",
    "js/field/app.js",
    "js/field-signout.js",
    *ICONS.values(),
)


# The form each kind of queued entry is checked with, on the server as here.
ENTRY_FORMS = {
    "measurement": MeasurementForm,
    "child": ChildForm,
    "dashat_session": SessionForm,
    "activity": ActivityForm,
}


def _require_plkb(user):
    if user.effective_role != Role.PLKB:
        raise PermissionDenied


@require_GET
def app(request):
    """The shell of the field app, for a PLKB."""
    _require_plkb(request.user)
    choices = {
        "measured": MeasurementForm.base_fields["measured"].choices,
        "place": MeasurementForm.base_fields["place"].choices,
        "sex": ChildForm.base_fields["sex"].choices,
    }
    # By kind of entry, as the sync's messages name them (field/services.py).
    labels = {
        kind: {name: field.label for name, field in form.base_fields.items()}
        for kind, form in ENTRY_FORMS.items()
    }
    config = {
        "user": request.user.pk,
        "urls": {
            "bundle": reverse("field-bundle"),
            "sync": reverse("field-sync"),
            "who": reverse("field-who"),
            "sw": reverse("field-sw"),
            "scope": reverse("field-app"),
            "login": f"{reverse('login')}?next={reverse('field-app')}",
        },
        "labels": labels
        | {
            # What a conflict shows beside the values: who entered the server's.
            "common": {"entered_by": _("Dicatat oleh"), "entered_at": _("Dicatat pada")}
        },
        "choices": {key: dict(values) for key, values in choices.items()},
    }
    return render(
        request,
        "field/app.html",
        {
            "labels": labels,
            "choices": choices,
            "texts": _texts(),
            "config": config,
        },
    )


def _texts():
    """What js/field/app.js writes on the screen, in the request's language."""
    return {
        "queue": _("Menunggu dikirim: %(n)s"),
        "refused_count": _("Ditolak, perlu diperbaiki: %(n)s"),
        "conflict_count": _("Berbeda dengan data server: %(n)s"),
        "data_age": _("Data per %(when)s, %(hours)s jam lalu"),
        "no_data": _("Belum ada data di ponsel ini."),
        "no_data_offline": _(
            "Belum ada data di ponsel ini. Sambungkan ke internet lalu tekan "
            "Perbarui data."
        ),
        "offline": _("Tanpa sinyal: catatan disimpan di ponsel dan dikirim nanti."),
        "ready": _("Siap dipakai tanpa sinyal."),
        "signed_out": _("Masuk lagi untuk mengirim"),
        "signed_out_note": _("Catatan tetap tersimpan di ponsel."),
        "sending": _("Mengirim…"),
        "loading": _("Mengambil data…"),
        "sent": _("Terkirim: %(n)s"),
        "nothing_to_send": _("Tidak ada yang perlu dikirim."),
        "send_failed": _("Pengiriman gagal (%(status)s); coba lagi nanti."),
        "load_failed": _("Data tidak dapat diambil (%(status)s)."),
        "attention": _("Ada catatan yang perlu Anda periksa di antrean."),
        "z_differs": _(
            "%(child)s, %(date)s: z-score server berbeda dari ponsel "
            "(%(indicator)s: ponsel %(phone)s, server %(server)s)."
        ),
        "saved_local": _("Disimpan di ponsel; dikirim saat ada sinyal."),
        "my_desa": _("Desa saya"),
        "children": _("Daftar anak"),
        "child_count": _("%(n)s anak"),
        "no_children": _("Belum ada anak tercatat di desa ini."),
        "add_child": _("Tambah anak"),
        "new_child": _("Anak baru"),
        "measure": _("Catat pengukuran"),
        "session": _("Catat sesi Dashat"),
        "activity": _("Catat kegiatan Kampung KB"),
        "queue_link": _("Antrean"),
        "queue_title": _("Antrean pengiriman"),
        "queue_empty": _("Antrean kosong: semua catatan sudah terkirim."),
        "not_sent": _("belum dikirim"),
        "never_measured": _("belum pernah diukur"),
        "last_measured": _("Terakhir diukur %(date)s"),
        "age_months": _("umur %(n)s bulan"),
        "measurements": _("Pengukuran"),
        "date": _("Tanggal"),
        "weight": _("BB (kg)"),
        "height": _("TB (cm)"),
        "born": _("Lahir %(date)s"),
        "back_home": _("Desa saya"),
        "back": _("Kembali"),
        "kind_measurement": _("Pengukuran"),
        "kind_child": _("Anak baru"),
        "kind_dashat_session": _("Sesi Dashat"),
        "kind_activity": _("Kegiatan Kampung KB"),
        "status_waiting": _("Menunggu"),
        "status_refused": _("Ditolak"),
        "status_conflict": _("Berbeda dengan server"),
        "fix": _("Perbaiki"),
        "drop": _("Buang catatan ini"),
        "drop_confirm": _("Buang catatan ini dari ponsel? Catatan tidak akan dikirim."),
        "use_server": _("Pakai data server"),
        "use_mine": _("Pakai data saya"),
        "server": _("Server"),
        "mine": _("Data saya"),
        "field": _("Isian"),
        "yes": _("Ya"),
        "no": _("Tidak"),
        "required": _("Wajib diisi."),
        "weight_or_height": _("Isi berat atau panjang/tinggi badan."),
        "score_hint": _(
            "Isi berat dan panjang/tinggi badan: z-score dan statusnya muncul di sini."
        ),
        "implausible": _("tidak masuk akal, periksa lagi ukurannya"),
        "age_days": _("Umur saat diukur (hari):"),
        "before_birth": _("Tanggal ukur sebelum tanggal lahir."),
        "no_tables": _(
            "Tabel WHO belum ada di ponsel: z-score dihitung server saat dikirim."
        ),
        "phone_z": _("z-score ponsel, belum dicek server"),
        "not_found": _("Tidak ditemukan di data ponsel."),
    }


def _precache():
    """The URLs the service worker keeps: the shell, its files, the WHO tables."""
    return [
        reverse("field-app"),
        reverse("field-manifest"),
        reverse("field-who"),
        *(static(name) for name in SHELL_FILES),
    ]


# The service worker is not a page: no personal data in it, and the browser asks
# for it again (without following a redirect to the sign-in page) to update it.
@login_not_required
@require_GET
def service_worker(request):
    """The service worker of /lapangan/; its version follows the static files."""
    urls = _precache()
    # Hashed static names change with their content, and the worker's own code
    # with a deploy: a new version then replaces the old cache.
    body = render_to_string(
        "field/sw.js",
        {
            "config": json.dumps(
                {
                    "shell": reverse("field-app"),
                    "precache": urls,
                    "never": [reverse("field-bundle"), reverse("field-sync")],
                }
            )
        },
    )
    version = hashlib.sha256(body.encode()).hexdigest()[:16]
    response = HttpResponse(
        f'const VERSION = "{version}";\n{body}',
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("field-app")
    return response


# Browsers fetch a manifest without cookies: it holds nothing personal.
@login_not_required
@require_GET
def manifest(request):
    """The web app manifest that makes /lapangan/ installable."""
    scope = reverse("field-app")
    data = {
        "id": scope,
        "name": _("Kampung KB Monitor — Lapangan"),
        "short_name": _("KB Lapangan"),
        "description": _(
            "Catat pengukuran, anak baru, sesi Dashat dan kegiatan Kampung KB "
            "tanpa sinyal; terkirim saat ada sinyal."
        ),
        "lang": request.LANGUAGE_CODE,
        "start_url": scope,
        "scope": scope,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {
                "src": static(name),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size, name in ICONS.items()
        ],
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False),
        content_type="application/manifest+json; charset=utf-8",
    )
