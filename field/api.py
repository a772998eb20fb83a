"""The field app's two JSON endpoints: the bundle the phone keeps, and the sync.

Only a signed-in PLKB uses them. They answer JSON whatever happens, never a
redirect to the sign-in page (the phone could not tell it from data): signed out
is a 403 with `"signed_out": true`, anyone else a 403, a malformed request a 400.
"""

import io
import uuid
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.gzip import gzip_page
from rest_framework.exceptions import APIException

from kampungkb.models import Role
from kampungkb.parsers import StrictJSONParser

from .selectors import MAX_ENTRIES, field_bundle
from .services import entry_sync

# A device id is made on the phone (a UUID); longer is not one.
DEVICE_MAX = 64


def _refuse(message, status, **extra):
    return JsonResponse({"detail": message, **extra}, status=status)


def plkb_json(method):
    """Answer JSON 405/403 unless the request is `method` from a signed-in PLKB."""

    def decorate(view):
        @login_not_required
        @never_cache
        @wraps(view)
        def wrapper(request):
            if request.method != method:
                response = _refuse(_("Metode tidak diizinkan."), 405)
                response["Allow"] = method
                return response
            user = request.user
            if not user.is_authenticated:
                return _refuse(
                    _("Sesi Anda sudah berakhir; masuk lagi untuk menyinkronkan."),
                    403,
                    signed_out=True,
                )
            if not user.is_active or user.effective_role != Role.PLKB:
                return _refuse(_("Aplikasi lapangan hanya untuk PLKB/PKB."), 403)
            return view(request)

        return wrapper

    return decorate


# Compressed: a large desa's bundle is megabytes of repetitive JSON, fetched on a
# weak signal. It reflects nothing a request sends (no BREACH-style guessing).
@plkb_json("GET")
@gzip_page
def bundle(request):
    """What the phone keeps offline: the PLKB's desa, Dashat and children."""
    return JsonResponse(field_bundle(user=request.user))


class BadRequest(Exception):
    pass


def _body(request) -> dict:
    """The request's JSON, checked as the API's parser checks it."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise BadRequest(
            _("Kiriman terlalu besar; kirim lebih sedikit entri.")
        ) from None
    try:
        body = StrictJSONParser().parse(
            io.BytesIO(raw), parser_context={"encoding": "utf-8"}
        )
    except APIException as exc:
        detail = exc.detail
        if isinstance(detail, dict):
            detail = next(iter(detail.values()))
        if isinstance(detail, list):
            detail = detail[0]
        raise BadRequest(str(detail)) from None
    if not isinstance(body, dict):
        raise BadRequest(_("Kiriman harus berupa objek JSON."))
    return body


def _entries(body) -> tuple[list, str]:
    entries = body.get("entries")
    if not isinstance(entries, list):
        raise BadRequest(_("Kiriman tidak berisi daftar entri."))
    if len(entries) > MAX_ENTRIES:
        raise BadRequest(
            _("Paling banyak %(n)d entri sekali kirim.") % {"n": MAX_ENTRIES}
        )
    device = body.get("device", "")
    if device is None:
        device = ""
    if not isinstance(device, str) or len(device) > DEVICE_MAX:
        raise BadRequest(_("Id perangkat tidak sah."))
    checked = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise BadRequest(_("Setiap entri harus berupa objek JSON."))
        raw = entry.get("id")
        try:
            key = uuid.UUID(raw) if isinstance(raw, str) and len(raw) <= 36 else None
        except ValueError:
            key = None
        if key is None:
            raise BadRequest(_("Setiap entri harus punya id UUID yang sah."))
        checked.append((key, entry))
    return checked, device


@plkb_json("POST")
def sync(request):
    """Save the phone's queue, entry by entry; answer one result per entry, in order."""
    try:
        entries, device = _entries(_body(request))
    except BadRequest as exc:
        return _refuse(str(exc), 400)
    batch = {}
    results = [
        entry_sync(
            user=request.user, entry=entry, entry_id=key, device=device, batch=batch
        )
        for key, entry in entries
    ]
    return JsonResponse(
        {"synced_at": timezone.localtime().isoformat(), "results": results}
    )
