"""The permission matrix: every role x resource x scope x read/write, pages and API.

Each row of MATRIX is (role, resource, target, method, expected status) and one
parametrized test sends that request and asserts the exact status; for a write it
also asserts that the data changed exactly when the write is allowed.

Roles: administrator (superuser), staf dinas and pimpinan of Kota Pekalongan
(33.75), a PLKB who accompanies Jenggot (33.75.04.1004, so reads kecamatan
Pekalongan Selatan 33.75.04) and an evaluator of 33.75 (nothing in the registry),
plus anonymous visitors.

Targets, one Kampung KB (with its records) each:
- own: Jenggot 33.75.04.1004, the PLKB's desa;
- same_kecamatan: Kuripan Kertoharjo 33.75.04.1006 (the PLKB reads, cannot write);
- same_city: Medono 33.75.01.1002 (staf and pimpinan read; the PLKB only its dashboards);
- outside: Klesem 33.26.01.2001 in Kabupaten Pekalongan (only the administrator).
Launches add outside_organizer (organised by 33.26, launching Medono: readable in
33.75, writable only in 33.26); accounts add superuser (staff may not manage an
administrator); yearly targets, new records and kab/kota dashboards use the
kab/kota targets same_city (33.75) and outside (33.26); pages without an object
(and the country's dashboard) use the target "any". Each
target's desa has a field officer with an account (the PLKB's own officer for
"own"); the "own" assignment is that of a second officer of Jenggot.
Anonymous visitors get one row per resource.

Evaluations (evaluations.selectors): an open 2025 cycle of 33.75 in which own,
same_kecamatan and same_city take part and the evaluator is assigned own and
same_kecamatan; an open cycle of 33.26 (outside); a closed 2024 cycle of 33.75
with closed_own (Jenggot, the evaluator assigned, fully scored) and closed_city
(Medono). Cycles are the targets same_city, outside and closed_city. An
evaluator reads only what they are assigned; a PLKB reads their own desa once
its cycle is closed; staff manage; pimpinan read. Each participant has one
evidence file, uploaded by a second evaluator assigned everywhere.

Rules (kampungkb/access.py): a row outside the user's read scope does not exist
(404, or 400 "does not exist" when named in an API body); a readable row outside
the write scope, or an action the role lacks, is 403; the staff-only pages (launch
edit, PLKB officers, accounts) check the role before looking the row up.
Anonymous: pages redirect to /masuk/, the API answers 401, the field app's JSON
(a PLKB's phone, field/api.py) a JSON 403 saying the session ended.

After the matrix: the API lists return exactly the rows in scope, /api/me/ tells
each role's scope, and the rules that guard scope next to the permissions (an
officer's only desa, a launch's Kampung KB outside the editor's scope).
"""

import datetime
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Q
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import Workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dashboards.models import (
    COUNTRY_CODE,
    Alert,
    AlertKind,
    AlertRule,
    RefreshRun,
    RefreshStatus,
    Span,
)
from evaluations import services as evaluations
from evaluations.models import Award, Cycle, Participant, Score
from kampungkb.access import ROLE_ACTIONS
from kampungkb.models import Role, User
from kampungkb.services import user_create
from villages.models import (
    Boundary,
    BoundaryUpload,
    Classification,
    ClassificationBasis,
    ClassificationProposal,
    FieldOfficer,
    FormationTarget,
    KampungActivity,
    KampungKB,
    LaunchEvent,
    OfficerAssignment,
    PokjaMember,
    PokjaRole,
    Program,
    ProgramIntegration,
    ProposalStatus,
    Region,
)
from villages.services import (
    kampung_classify,
    kampung_create,
    launch_record,
    officer_assign,
    proposal_create,
    region_load,
    target_set,
)

ROLES = ("admin", "staf", "plkb", "pimpinan", "evaluator")

KAMPUNG_TARGETS = ("own", "same_kecamatan", "same_city", "outside")
LAUNCH_TARGETS = (*KAMPUNG_TARGETS, "outside_organizer")
USER_TARGETS = (*KAMPUNG_TARGETS, "superuser")
KABKOTA_TARGETS = ("same_city", "outside")
NO_TARGET = ("any",)

# The desa of each target's Kampung KB, and a second desa of its field officer.
DESA = {
    "own": "33.75.04.1004",  # Jenggot
    "same_kecamatan": "33.75.04.1006",  # Kuripan Kertoharjo
    "same_city": "33.75.01.1002",  # Medono
    "outside": "33.26.01.2001",  # Klesem
}
SECOND_DESA = {
    "same_kecamatan": "33.75.04.1008",
    "same_city": "33.75.01.1003",
    "outside": "33.26.01.2002",
}
KABKOTA = {"same_city": "33.75", "outside": "33.26"}
# Where each launch was organised, and whose Kampung KB it launched.
LAUNCH_ORGANIZER = {
    "own": "33.75.04",
    "same_kecamatan": "33.75",
    "same_city": "33.75.01",
    "outside": "33.26",
    "outside_organizer": "33.26",
}
LAUNCHED = {**{t: t for t in KAMPUNG_TARGETS}, "outside_organizer": "same_city"}
# Where new records go: a desa without Kampung KB, a new organiser, new areas.
NEW_KAMPUNG_DESA = {"same_city": "33.75.02.1002", "outside": "33.26.01.2003"}
NEW_ORGANIZER = {"same_city": "33.75.01", "outside": "33.26"}
NEW_USER_AREA = {"same_city": "33.75.01", "outside": "33.26.01"}
SPARE_DESA = "33.75.03.1002"  # the spare officer's desa, in Kota Pekalongan
# A second officer of Jenggot also accompanies Buaran Kradenan: ending their
# Jenggot assignment is the "own" assignment (never an officer's only one).
CO_DESA = "33.75.04.1003"
ASSIGN_DESA = "33.75.02.1004"  # where staff assign an officer on the page
NEW_YEAR = 2031
FORMED_ON = datetime.date(2022, 7, 1)


class NoEffect(int):
    """An expected status that leaves the data as it was (e.g. a form error)."""

    __slots__ = ()


# --- Expected statuses, by role, in the order of the resource's targets ---------

# Reading a row: 200 in the read scope, else 404.
READ = {
    "admin": (200, 200, 200, 200),
    "staf": (200, 200, 200, 404),
    "plkb": (200, 200, 404, 404),
    "pimpinan": (200, 200, 200, 404),
    "evaluator": (404, 404, 404, 404),
}


def field_write(ok):
    """An action the PLKB has (kampung/pokja/program change, proposal add) on a row
    named in the URL: 404 outside the read scope, 403 outside the write scope."""
    return {
        "admin": (ok, ok, ok, ok),
        "staf": (ok, ok, ok, 404),
        "plkb": (ok, 403, 404, 404),
        "pimpinan": (403, 403, 403, 404),
        "evaluator": (404, 404, 404, 404),
    }


# The field app's JSON (field/api.py): a PLKB only, anyone else 403. A sync answers
# 200 with one result per entry; outside the PLKB's desa that result is "refused"
# (not found) and nothing changes.
FIELD_BUNDLE = {
    "admin": (403,),
    "staf": (403,),
    "plkb": (200,),
    "pimpinan": (403,),
    "evaluator": (403,),
}
FIELD_SYNC = {
    "admin": (403, 403, 403, 403),
    "staf": (403, 403, 403, 403),
    "plkb": (200, NoEffect(200), NoEffect(200), NoEffect(200)),
    "pimpinan": (403, 403, 403, 403),
    "evaluator": (403, 403, 403, 403),
}


def staff_write(ok):
    """A staff action (decide, deactivate, unassign) on a row named in the URL."""
    return {
        "admin": (ok, ok, ok, ok),
        "staf": (ok, ok, ok, 404),
        "plkb": (403, 403, 404, 404),
        "pimpinan": (403, 403, 403, 404),
        "evaluator": (404, 404, 404, 404),
    }


def field_create(ok):
    """An API create naming a Kampung KB, for an action the PLKB has: the role
    first (403), then an unreadable Kampung KB does not exist (400), then 403
    outside the write scope."""
    return {
        "admin": (ok, ok, ok, ok),
        "staf": (ok, ok, ok, 400),
        "plkb": (ok, 403, 400, 400),
        "pimpinan": (403, 403, 403, 403),
        "evaluator": (403, 403, 403, 403),
    }


def staff_create(ok):
    """An API create naming a Kampung KB or desa, for a staff action."""
    return {
        "admin": (ok, ok, ok, ok),
        "staf": (ok, ok, ok, 400),
        "plkb": (403, 403, 403, 403),
        "pimpinan": (403, 403, 403, 403),
        "evaluator": (403, 403, 403, 403),
    }


def staff_page(ok):
    """A staff-only page on a row: the role first (403), then 404 outside."""
    return {
        "admin": (ok, ok, ok, ok),
        "staf": (ok, ok, ok, 404),
        "plkb": (403, 403, 403, 403),
        "pimpinan": (403, 403, 403, 403),
        "evaluator": (403, 403, 403, 403),
    }


def staff_only(ok):
    """A staff-only page without a row."""
    return {
        "admin": (ok,),
        "staf": (ok,),
        "plkb": (403,),
        "pimpinan": (403,),
        "evaluator": (403,),
    }


EVERYONE = {role: (200,) for role in ROLES}

# Kab/kota targets (same_city 33.75, outside 33.26).
READ_KABKOTA = {
    "admin": (200, 200),
    "staf": (200, 404),
    "plkb": (404, 404),  # a PLKB reads their kecamatan, not the city
    "pimpinan": (200, 404),
    "evaluator": (404, 404),
}


def kabkota_write(ok):
    """A staff action on a yearly target named in the URL."""
    return {
        "admin": (ok, ok),
        "staf": (ok, 404),
        "plkb": (404, 404),
        "pimpinan": (403, 404),
        "evaluator": (404, 404),
    }


def kabkota_create(ok, *, refused):
    """A staff create in a region: `refused` is what staff get outside 33.75 (the
    region does not exist for them: 400 in the API, a form error on a page)."""
    return {
        "admin": (ok, ok),
        "staf": (ok, refused),
        "plkb": (403, 403),
        "pimpinan": (403, 403),
        "evaluator": (403, 403),
    }


# Launches: own, same_kecamatan, same_city, outside, outside_organizer.
LAUNCH_READ = {
    "admin": (200, 200, 200, 200, 200),
    "staf": (200, 200, 200, 404, 200),
    # same_kecamatan is organised by the city: readable through its Kampung KB.
    "plkb": (200, 200, 404, 404, 404),
    "pimpinan": (200, 200, 200, 404, 200),
    "evaluator": (404, 404, 404, 404, 404),
}


def launch_api_write(ok):
    """Changing a launch: writable where it was organised (outside_organizer is
    readable in 33.75 through Medono, but organised by 33.26)."""
    return {
        "admin": (ok, ok, ok, ok, ok),
        "staf": (ok, ok, ok, 404, 403),
        "plkb": (403, 403, 404, 404, 404),
        "pimpinan": (403, 403, 403, 404, 403),
        "evaluator": (404, 404, 404, 404, 404),
    }


def launch_page(ok):
    """The launch edit page checks the role before looking the launch up."""
    return {
        "admin": (ok, ok, ok, ok, ok),
        "staf": (ok, ok, ok, 404, 403),
        "plkb": (403, 403, 403, 403, 403),
        "pimpinan": (403, 403, 403, 403, 403),
        "evaluator": (403, 403, 403, 403, 403),
    }


def user_manage(ok):
    """Accounts: own, same_kecamatan, same_city, outside, superuser."""
    return {
        "admin": (ok, ok, ok, ok, ok),
        "staf": (ok, ok, ok, 404, 403),
        "plkb": (403, 403, 403, 403, 403),
        "pimpinan": (403, 403, 403, 403, 403),
        "evaluator": (403, 403, 403, 403, 403),
    }


# The country's dashboard: only those without a region restriction read it.
READ_COUNTRY = {role: (200,) if role == "admin" else (404,) for role in ROLES}


def _dashboard_url(name, codes=None):
    """A dashboard URL of the target's region (a desa or kab/kota), or the country."""
    if codes is None:
        return lambda ctx, t: reverse(name, args=[COUNTRY_CODE])
    return lambda ctx, t: reverse(name, args=[codes[t]])


# A page answers a region it does not offer with the form and its error.
FORM_ERROR = NoEffect(200)

# Evaluations: participants, then cycles (see the docstring).
PARTICIPANT_TARGETS = (
    "own",
    "same_kecamatan",
    "same_city",
    "outside",
    "closed_own",
    "closed_city",
)
CYCLE_TARGETS = ("same_city", "outside", "closed_city")
# Which cycle each participant target is in.
CYCLE_OF = {
    "own": "same_city",
    "same_kecamatan": "same_city",
    "same_city": "same_city",
    "outside": "outside",
    "closed_own": "closed_city",
    "closed_city": "closed_city",
}
# Aggregate dashboards (issue 13): a PLKB and a pimpinan read their whole kab/kota;
# the rows and personal data behind them stay in the read scope above.
READ_AGGREGATE = {**READ, "plkb": (200, 200, 200, 404)}
READ_AGGREGATE_KABKOTA = {**READ_KABKOTA, "plkb": (200, 404)}
# Figures over time of a Kampung KB: the read scope, a PLKB only their own desa.
READ_OWN_FIGURES = {**READ, "plkb": (200, 404, 404, 404)}
# A Kampung KB profile: the read scope, and an evaluator's assigned Kampung KB
# (read-only; see READ_PARTICIPANT).
READ_PROFILE = {**READ, "evaluator": (200, 200, 404, 404)}

READ_PARTICIPANT = {
    "admin": (200, 200, 200, 200, 200, 200),
    "staf": (200, 200, 200, 404, 200, 200),
    "plkb": (404, 404, 404, 404, 200, 404),  # their desa, once closed
    "pimpinan": (200, 200, 200, 404, 200, 200),
    "evaluator": (200, 200, 404, 404, 200, 404),  # what they are assigned
}
READ_CYCLE = {
    "admin": (200, 200, 200),
    "staf": (200, 404, 200),
    "plkb": (404, 404, 200),
    "pimpinan": (200, 404, 200),
    "evaluator": (200, 404, 200),
}
# Evaluators score; the results are for everyone else who may read the cycle.
RESULTS = {**READ_CYCLE, "evaluator": (403, 404, 403)}
NO_SCORE = (403,) * len(PARTICIPANT_TARGETS)


def score_page(ok, locked):
    """The role first (403); then a participant the evaluator is not assigned
    does not exist (404); a closed cycle shows the form locked."""
    return {
        # The administrator may read everything but is assigned nothing.
        "admin": NO_SCORE,
        "staf": NO_SCORE,
        "plkb": NO_SCORE,
        "pimpinan": NO_SCORE,
        "evaluator": (ok, ok, 404, 404, locked, 404),
    }


def cycle_close_page(ok):
    return {
        "admin": (ok, ok, NoEffect(ok)),
        "staf": (ok, 404, NoEffect(ok)),
        "plkb": (403, 403, 403),
        "pimpinan": (403, 403, 403),
        "evaluator": (403, 403, 403),
    }


def accept_page(ok):
    """Only closed_own has a suggestion to accept; the others are refused with a
    message (no effect)."""
    no = NoEffect(ok)
    return {
        "admin": (no, no, no, no, ok, no),
        "staf": (no, no, no, 404, ok, no),
        "plkb": NO_SCORE,
        "pimpinan": NO_SCORE,
        "evaluator": NO_SCORE,
    }


# --- The requests ---------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    api: bool
    method: str
    url: Callable  # (ctx, target) -> path
    targets: tuple
    expect: dict  # role -> statuses, in the order of `targets`
    data: Callable | None = None  # (ctx, target) -> request body
    state: Callable | None = None  # (ctx, target) -> what a write changes
    prepare: Callable | None = None  # (ctx, target) -> None, before the request
    # What a signed-out visitor gets, when not the sign-in page (401 in the API).
    anonymous: int | None = None
    # A JSON endpoint of the pages' session (the field app): JSON in, and a
    # signed-out visitor gets a JSON 403, never the sign-in redirect.
    session_json: bool = False


def _boundary_file(code):
    """A GeoJSON boundary (villages.boundaries) of one desa/kelurahan."""
    square = [[109.6, -6.9], [109.61, -6.9], [109.61, -6.89], [109.6, -6.89]]
    feature = {
        "type": "Feature",
        "properties": {"KDEPUM": code},
        "geometry": {"type": "Polygon", "coordinates": [[*square, square[0]]]},
    }
    return SimpleUploadedFile(
        "batas.geojson",
        json.dumps({"type": "FeatureCollection", "features": [feature]}).encode(),
    )


def _register_file(code):
    """A Kampung KB register (villages.register) of one row for this desa."""
    book = Workbook()
    book.active.append(["Kode wilayah", "Tanggal pencanangan", "Klasifikasi"])
    book.active.append([code, "2023-06-07", "dasar"])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("register.xlsx", out.getvalue())


def _kampung(ctx, t):
    return KampungKB.objects.get(pk=ctx.kampung[t])


def _pk_url(name, attr):
    return lambda ctx, t: reverse(name, args=[getattr(ctx, attr)[t]])


def _fixed_url(name):
    return lambda ctx, t: reverse(name)


def _no_pending(ctx, t):
    """Clear the target's pending proposal, so that a new one may be made."""
    ClassificationProposal.objects.filter(
        kampung=ctx.kampung[t], status=ProposalStatus.PENDING
    ).update(status=ProposalStatus.REJECTED)


def _pending_count(ctx, t):
    return ClassificationProposal.objects.filter(
        kampung=ctx.kampung[t], status=ProposalStatus.PENDING
    ).count()


def _profile_data(ctx, t):
    kampung = _kampung(ctx, t)
    return {
        "name": kampung.name,
        "formed_on": kampung.formed_on.isoformat(),
        "sk_number": kampung.sk_number,
        "sk_date": "",
        # A field the PLKB may change (the SK is staff's: see test_no_dead_ends).
        "secretariat_address": "Sekretariat MATRIX",
        "siga_k0_year": "",
        "rumah_dataku": kampung.rumah_dataku,
        "version": kampung.version,
    }


def _pokja_data(ctx, t):
    member = PokjaMember.objects.get(pk=ctx.pokja[t])
    return {
        "kampung-version": member.kampung.version,
        "pokja-TOTAL_FORMS": 2,
        "pokja-INITIAL_FORMS": 1,
        "pokja-MIN_NUM_FORMS": 0,
        "pokja-MAX_NUM_FORMS": 1000,
        "pokja-0-id": member.pk,
        "pokja-0-role": member.role,
        "pokja-0-seksi": "",
        "pokja-0-name": member.name,
        "pokja-0-position": "",
        "pokja-1-role": PokjaRole.SEKRETARIS,
        "pokja-1-seksi": "",
        "pokja-1-name": "Sekretaris Matrix",
        "pokja-1-position": "",
    }


def _program_data(ctx, t):
    return {
        "kampung-version": _kampung(ctx, t).version,
        "bpjs-present": "on",
        "bpjs-agency": "BPJS Kesehatan",
        "nib-present": "on",
        "nib-agency": "DPMPTSP",
    }


def _launch_page_data(ctx, t):
    event = LaunchEvent.objects.get(pk=ctx.launch[t])
    return {
        "date": event.date.isoformat(),
        "place": "Tempat Baru",
        "organizer": event.organizer_id,
        "kampungs": [k.pk for k in event.kampungs.all()],
    }


def _user_edit_data(ctx, t):
    account = User.objects.get(pk=ctx.account[t])
    data = {"role": account.role, "is_active": "on", "last_name": "Matrix"}
    if account.role == Role.PLKB:
        data["desa"] = list(
            OfficerAssignment.objects.filter(officer__user=account).values_list(
                "region", flat=True
            )
        )
    else:
        data["areas"] = list(account.regions.values_list("code", flat=True))
    return data


def _officer_desa(ctx, t):
    return sorted(
        OfficerAssignment.objects.filter(officer=ctx.officer[t]).values_list(
            "region", flat=True
        )
    )


def _field(model, attr, name):
    return lambda ctx, t: getattr(
        model.objects.get(pk=getattr(ctx, attr)[t]), name, None
    )


def _exists(model, attr):
    return lambda ctx, t: model.objects.filter(pk=getattr(ctx, attr)[t]).exists()


def _count(model):
    return lambda ctx, t: model.objects.filter(kampung=ctx.kampung[t]).count()


def _participant_url(name):
    return lambda ctx, t: reverse(
        name, args=[ctx.cycle[CYCLE_OF[t]], ctx.participant[t]]
    )


def _score_count(ctx, t):
    return Score.objects.filter(participant=ctx.participant[t]).count()


def _cycle_data(region):
    return {
        "region": region,
        "name": "Evaluasi Matrix",
        "year": 2026,
        "evaluated_on": "2026-04-28",
        "min_age_years": 3,
        "eligibility_counting": "date",
        "threshold_berkembang": "50",
        "threshold_mandiri": "70",
        "threshold_berkelanjutan": "85",
    }


def _award_data(ctx, t):
    return {
        "kampung": ctx.kampung[t],
        "level": "kabkota",
        "title": "Juara Matrix",
        "year": 2024,
    }


RESOURCES = {
    # Pages --------------------------------------------------------------------
    "region_page_get": Resource(
        False,
        "get",
        lambda ctx, t: reverse("region-detail", args=[DESA[t]]),
        KAMPUNG_TARGETS,
        READ,
    ),
    "region_kabkota_page_get": Resource(
        False,
        "get",
        lambda ctx, t: reverse("region-detail", args=[KABKOTA[t]]),
        KABKOTA_TARGETS,
        READ_KABKOTA,
    ),
    "kampung_page_get": Resource(
        False,
        "get",
        _pk_url("kampung-detail", "kampung"),
        KAMPUNG_TARGETS,
        READ_PROFILE,
    ),
    "kampung_edit_get": Resource(
        False,
        "get",
        _pk_url("kampung-edit", "kampung"),
        KAMPUNG_TARGETS,
        field_write(200),
    ),
    "kampung_edit_post": Resource(
        False,
        "post",
        _pk_url("kampung-edit", "kampung"),
        KAMPUNG_TARGETS,
        field_write(302),
        data=_profile_data,
        state=_field(KampungKB, "kampung", "secretariat_address"),
    ),
    "activity_page_get": Resource(
        False,
        "get",
        _pk_url("activity-create", "kampung"),
        KAMPUNG_TARGETS,
        field_write(200),
    ),
    "activity_page_post": Resource(
        False,
        "post",
        _pk_url("activity-create", "kampung"),
        KAMPUNG_TARGETS,
        field_write(302),
        data=lambda ctx, t: {"held_on": "2025-11-02", "title": "Penyuluhan KB"},
        state=_count(KampungActivity),
    ),
    "field_bundle_get": Resource(
        False,
        "get",
        _fixed_url("field-bundle"),
        NO_TARGET,
        FIELD_BUNDLE,
        session_json=True,
    ),
    "field_sync_post": Resource(
        False,
        "post",
        _fixed_url("field-sync"),
        KAMPUNG_TARGETS,
        FIELD_SYNC,
        data=lambda ctx, t: {
            "device": "matrix",
            "entries": [
                {
                    "id": str(uuid.uuid4()),
                    "kind": "activity",
                    "kampung": ctx.kampung[t],
                    "data": {"held_on": "2025-11-02", "title": "Penyuluhan KB"},
                }
            ],
        },
        state=_count(KampungActivity),
        session_json=True,
    ),
    "pokja_page_get": Resource(
        False,
        "get",
        _pk_url("pokja-edit", "kampung"),
        KAMPUNG_TARGETS,
        field_write(200),
    ),
    "pokja_page_post": Resource(
        False,
        "post",
        _pk_url("pokja-edit", "kampung"),
        KAMPUNG_TARGETS,
        field_write(302),
        data=_pokja_data,
        state=lambda ctx, t: sorted(
            PokjaMember.objects.filter(kampung=ctx.kampung[t]).values_list(
                "name", flat=True
            )
        ),
    ),
    "program_page_get": Resource(
        False,
        "get",
        _pk_url("program-edit", "kampung"),
        KAMPUNG_TARGETS,
        field_write(200),
    ),
    "program_page_post": Resource(
        False,
        "post",
        _pk_url("program-edit", "kampung"),
        KAMPUNG_TARGETS,
        field_write(302),
        data=_program_data,
        state=lambda ctx, t: sorted(
            ProgramIntegration.objects.filter(kampung=ctx.kampung[t]).values_list(
                "program", flat=True
            )
        ),
    ),
    "proposal_create_get": Resource(
        False,
        "get",
        _pk_url("proposal-create", "kampung"),
        KAMPUNG_TARGETS,
        field_write(200),
    ),
    "proposal_create_post": Resource(
        False,
        "post",
        _pk_url("proposal-create", "kampung"),
        KAMPUNG_TARGETS,
        field_write(302),
        data=lambda ctx, t: {
            "level": "mandiri",
            "effective_on": "2024-03-01",
            "reason": "Seluruh seksi Pokja aktif.",
        },
        state=_pending_count,
        prepare=_no_pending,
    ),
    "proposal_decide_get": Resource(
        False,
        "get",
        _pk_url("proposal-decide", "proposal"),
        KAMPUNG_TARGETS,
        staff_write(200),
    ),
    "proposal_decide_post": Resource(
        False,
        "post",
        _pk_url("proposal-decide", "proposal"),
        KAMPUNG_TARGETS,
        staff_write(302),
        data=lambda ctx, t: {"decision": "approve"},
        state=_field(ClassificationProposal, "proposal", "status"),
    ),
    "proposal_list_get": Resource(
        False, "get", _fixed_url("proposal-list"), NO_TARGET, staff_only(200)
    ),
    "kampung_create_get": Resource(
        False, "get", _fixed_url("kampung-create"), NO_TARGET, staff_only(200)
    ),
    "kampung_create_post": Resource(
        False,
        "post",
        _fixed_url("kampung-create"),
        KABKOTA_TARGETS,
        kabkota_create(302, refused=FORM_ERROR),
        data=lambda ctx, t: {
            "region": NEW_KAMPUNG_DESA[t],
            "formed_on": "2023-06-07",
            "level": "dasar",
        },
        state=lambda ctx, t: KampungKB.objects.filter(
            region=NEW_KAMPUNG_DESA[t]
        ).exists(),
    ),
    "kampung_register_template_get": Resource(
        False, "get", _fixed_url("register-template"), NO_TARGET, staff_only(200)
    ),
    "kampung_register_upload_get": Resource(
        False, "get", _fixed_url("register-upload"), NO_TARGET, staff_only(200)
    ),
    # A row outside the uploader's regions is a row error: nothing saved (200).
    "kampung_register_upload_post": Resource(
        False,
        "post",
        _fixed_url("register-upload"),
        KABKOTA_TARGETS,
        kabkota_create(200, refused=FORM_ERROR),
        data=lambda ctx, t: {"file": _register_file(NEW_KAMPUNG_DESA[t])},
        state=lambda ctx, t: KampungKB.objects.filter(
            region=NEW_KAMPUNG_DESA[t]
        ).exists(),
    ),
    "boundary_upload_get": Resource(
        False, "get", _fixed_url("boundary-upload"), NO_TARGET, staff_only(200)
    ),
    # Staff's feature outside 33.75 is reported unmatched: nothing stored.
    "boundary_upload_post": Resource(
        False,
        "post",
        _fixed_url("boundary-upload"),
        KABKOTA_TARGETS,
        kabkota_create(302, refused=NoEffect(302)),
        data=lambda ctx, t: {"file": _boundary_file(DESA[t])},
        state=lambda ctx, t: Boundary.objects.filter(region=DESA[t]).exists(),
    ),
    # An upload's report: its uploader's (staff) and administrators'.
    "boundary_upload_detail_get": Resource(
        False,
        "get",
        lambda ctx, t: reverse(
            "boundary-upload-detail",
            args=[
                BoundaryUpload.objects.filter(uploaded_by=ctx.users["staf"]).get().pk
            ],
        ),
        NO_TARGET,
        staff_only(200),
        prepare=lambda ctx, t: BoundaryUpload.objects.get_or_create(
            uploaded_by_id=ctx.users["staf"], file_name="batas.geojson"
        ),
    ),
    "launch_list_get": Resource(
        False, "get", _fixed_url("launch-list"), NO_TARGET, EVERYONE
    ),
    "launch_create_get": Resource(
        False, "get", _fixed_url("launch-create"), NO_TARGET, staff_only(200)
    ),
    "launch_create_post": Resource(
        False,
        "post",
        _fixed_url("launch-create"),
        KABKOTA_TARGETS,
        kabkota_create(302, refused=FORM_ERROR),
        data=lambda ctx, t: {
            "date": "2023-06-07",
            "place": "Aula Matrix",
            "organizer": NEW_ORGANIZER[t],
        },
        state=lambda ctx, t: LaunchEvent.objects.filter(place="Aula Matrix").count(),
    ),
    "launch_edit_get": Resource(
        False,
        "get",
        _pk_url("launch-edit", "launch"),
        LAUNCH_TARGETS,
        launch_page(200),
    ),
    "launch_edit_post": Resource(
        False,
        "post",
        _pk_url("launch-edit", "launch"),
        LAUNCH_TARGETS,
        launch_page(302),
        data=_launch_page_data,
        state=_field(LaunchEvent, "launch", "place"),
    ),
    # Before/after a launch: a PLKB reads only their own desa's (and a launch
    # holding it); an evaluator none.
    "launch_kampung_get": Resource(
        False,
        "get",
        _pk_url("launch-kampung", "kampung"),
        KAMPUNG_TARGETS,
        READ_OWN_FIGURES,
    ),
    "launch_batch_get": Resource(
        False,
        "get",
        _pk_url("launch-batch", "launch"),
        LAUNCH_TARGETS,
        {**LAUNCH_READ, "plkb": (200, 404, 404, 404, 404)},
    ),
    "target_list_get": Resource(
        False, "get", _fixed_url("target-list"), NO_TARGET, EVERYONE
    ),
    # The "ubah" link of a row fills the form; only writers get the form.
    "target_list_ubah_get": Resource(
        False,
        "get",
        lambda ctx, t: f"{reverse('target-list')}?ubah={ctx.target_row[t]}",
        KABKOTA_TARGETS,
        {
            "admin": (200, 200),
            "staf": (200, 404),
            "plkb": (200, 200),
            "pimpinan": (200, 200),
            "evaluator": (200, 200),
        },
    ),
    "target_set_post": Resource(
        False,
        "post",
        _fixed_url("target-list"),
        KABKOTA_TARGETS,
        kabkota_create(302, refused=FORM_ERROR),
        data=lambda ctx, t: {
            "region": KABKOTA[t],
            "year": NEW_YEAR,
            "new_count": 7,
            "source": "",
        },
        state=lambda ctx, t: FormationTarget.objects.filter(
            region=KABKOTA[t], year=NEW_YEAR
        ).exists(),
    ),
    "officer_list_get": Resource(
        False, "get", _fixed_url("officer-list"), NO_TARGET, staff_only(200)
    ),
    "officer_detail_get": Resource(
        False,
        "get",
        _pk_url("officer-detail", "officer"),
        KAMPUNG_TARGETS,
        staff_page(200),
    ),
    "officer_assign_post": Resource(
        False,
        "post",
        _pk_url("officer-detail", "officer"),
        KAMPUNG_TARGETS,
        staff_page(302),
        data=lambda ctx, t: {"region": ASSIGN_DESA, "assigned_on": ""},
        state=_officer_desa,
    ),
    "officer_unassign_post": Resource(
        False,
        "post",
        _pk_url("officer-unassign", "assignment"),
        KAMPUNG_TARGETS,
        staff_write(302),
        data=lambda ctx, t: {},
        state=_exists(OfficerAssignment, "assignment"),
    ),
    "user_list_get": Resource(
        False, "get", _fixed_url("user-list"), NO_TARGET, staff_only(200)
    ),
    "user_create_get": Resource(
        False, "get", _fixed_url("user-create"), NO_TARGET, staff_only(200)
    ),
    # A created account answers 200: the page shows its first password.
    "user_create_post": Resource(
        False,
        "post",
        _fixed_url("user-create"),
        KABKOTA_TARGETS,
        kabkota_create(200, refused=FORM_ERROR),
        data=lambda ctx, t: {
            "username": "matrix.baru",
            "role": Role.PIMPINAN,
            "areas": [NEW_USER_AREA[t]],
        },
        state=lambda ctx, t: User.objects.filter(username="matrix.baru").exists(),
    ),
    "user_edit_get": Resource(
        False,
        "get",
        _pk_url("user-edit", "account"),
        USER_TARGETS,
        user_manage(200),
    ),
    "user_edit_post": Resource(
        False,
        "post",
        _pk_url("user-edit", "account"),
        USER_TARGETS,
        user_manage(302),
        data=_user_edit_data,
        state=_field(User, "account", "last_name"),
    ),
    "user_reset_get": Resource(
        False,
        "get",
        _pk_url("user-reset-password", "account"),
        USER_TARGETS,
        user_manage(200),
    ),
    # A reset answers 200: the page shows the new password.
    "user_reset_post": Resource(
        False,
        "post",
        _pk_url("user-reset-password", "account"),
        USER_TARGETS,
        user_manage(200),
        data=lambda ctx, t: {},
        state=_field(User, "account", "password"),
    ),
    # Dashboards: read like the regions they show; a full refresh is staff's.
    "home_get": Resource(False, "get", _fixed_url("home"), NO_TARGET, EVERYONE),
    "dashboard_desa_get": Resource(
        False, "get", _dashboard_url("dashboard", DESA), KAMPUNG_TARGETS, READ_AGGREGATE
    ),
    "dashboard_kabkota_get": Resource(
        False,
        "get",
        _dashboard_url("dashboard", KABKOTA),
        KABKOTA_TARGETS,
        READ_AGGREGATE_KABKOTA,
    ),
    "dashboard_country_get": Resource(
        False, "get", _dashboard_url("dashboard"), NO_TARGET, READ_COUNTRY
    ),
    "skdn_desa_get": Resource(
        False,
        "get",
        _dashboard_url("dashboard-skdn", DESA),
        KAMPUNG_TARGETS,
        READ_AGGREGATE,
    ),
    "skdn_kabkota_get": Resource(
        False,
        "get",
        _dashboard_url("dashboard-skdn", KABKOTA),
        KABKOTA_TARGETS,
        READ_AGGREGATE_KABKOTA,
    ),
    "skdn_country_get": Resource(
        False, "get", _dashboard_url("dashboard-skdn"), NO_TARGET, READ_COUNTRY
    ),
    "dashboard_csv_get": Resource(
        False,
        "get",
        _dashboard_url("dashboard-export-csv", KABKOTA),
        KABKOTA_TARGETS,
        READ_AGGREGATE_KABKOTA,
    ),
    "dashboard_xlsx_get": Resource(
        False,
        "get",
        _dashboard_url("dashboard-export-xlsx", KABKOTA),
        KABKOTA_TARGETS,
        READ_AGGREGATE_KABKOTA,
    ),
    "indicator_list_get": Resource(
        False, "get", _fixed_url("indicator-list"), NO_TARGET, EVERYONE
    ),
    "refresh_request_post": Resource(
        False,
        "post",
        _fixed_url("dashboard-refresh"),
        NO_TARGET,
        staff_only(302),
        data=lambda ctx, t: {},
        state=lambda ctx, t: RefreshRun.objects.count(),
    ),
    "refresh_detail_get": Resource(
        False,
        "get",
        lambda ctx, t: reverse("dashboard-refresh-detail", args=[ctx.refresh_run]),
        NO_TARGET,
        staff_only(200),
    ),
    # Early warnings: read like their desa; a PLKB acknowledges their own desa's,
    # staff close; rules are staff's, in their kab/kota.
    "alert_list_get": Resource(
        False, "get", _fixed_url("alert-list"), NO_TARGET, EVERYONE
    ),
    "alert_detail_get": Resource(
        False, "get", _pk_url("alert-detail", "alert"), KAMPUNG_TARGETS, READ
    ),
    "alert_acknowledge_post": Resource(
        False,
        "post",
        _pk_url("alert-act", "alert"),
        KAMPUNG_TARGETS,
        field_write(302),
        data=lambda ctx, t: {"action": "acknowledge"},
        state=_field(Alert, "alert", "status"),
    ),
    "alert_close_post": Resource(
        False,
        "post",
        _pk_url("alert-act", "alert"),
        KAMPUNG_TARGETS,
        staff_write(302),
        data=lambda ctx, t: {"action": "close", "note": "Sudah ditangani."},
        state=_field(Alert, "alert", "status"),
    ),
    "alert_rules_get": Resource(
        False, "get", _fixed_url("alert-rules"), NO_TARGET, staff_only(200)
    ),
    "alert_rule_get": Resource(
        False,
        "get",
        lambda ctx, t: reverse("alert-rule-edit", args=[KABKOTA[t], "haz_drop"]),
        KABKOTA_TARGETS,
        kabkota_create(200, refused=404),
    ),
    "alert_rule_post": Resource(
        False,
        "post",
        lambda ctx, t: reverse("alert-rule-edit", args=[KABKOTA[t], "haz_drop"]),
        KABKOTA_TARGETS,
        kabkota_create(302, refused=404),
        data=lambda ctx, t: {"active": "on", "haz_drop": "1"},
        state=lambda ctx, t: AlertRule.objects.filter(region=KABKOTA[t]).count(),
    ),
    # API ----------------------------------------------------------------------
    "api_dashboard_get": Resource(
        True,
        "get",
        _dashboard_url("api:dashboard", DESA),
        KAMPUNG_TARGETS,
        READ_AGGREGATE,
    ),
    "api_dashboard_kabkota_get": Resource(
        True,
        "get",
        _dashboard_url("api:dashboard", KABKOTA),
        KABKOTA_TARGETS,
        READ_AGGREGATE_KABKOTA,
    ),
    "api_dashboard_country_get": Resource(
        True, "get", _dashboard_url("api:dashboard"), NO_TARGET, READ_COUNTRY
    ),
    "api_region_get": Resource(
        True,
        "get",
        lambda ctx, t: reverse("api:region-detail", args=[DESA[t]]),
        KAMPUNG_TARGETS,
        READ,
    ),
    "api_region_kabkota_get": Resource(
        True,
        "get",
        lambda ctx, t: reverse("api:region-detail", args=[KABKOTA[t]]),
        KABKOTA_TARGETS,
        READ_KABKOTA,
    ),
    "api_kampung_get": Resource(
        True, "get", _pk_url("api:kampung-detail", "kampung"), KAMPUNG_TARGETS, READ
    ),
    "api_kampung_patch": Resource(
        True,
        "patch",
        _pk_url("api:kampung-detail", "kampung"),
        KAMPUNG_TARGETS,
        field_write(200),
        data=lambda ctx, t: {"version": _kampung(ctx, t).version, "name": "Baru"},
        state=_field(KampungKB, "kampung", "name"),
    ),
    "api_kampung_deactivate_post": Resource(
        True,
        "post",
        _pk_url("api:kampung-deactivate", "kampung"),
        KAMPUNG_TARGETS,
        staff_write(200),
        data=lambda ctx, t: {
            "deactivated_on": "2025-01-02",
            "deactivation_reason": "Digabung",
        },
        state=_field(KampungKB, "kampung", "is_active"),
    ),
    "api_kampung_create_post": Resource(
        True,
        "post",
        _fixed_url("api:kampung-list"),
        KABKOTA_TARGETS,
        kabkota_create(201, refused=400),
        data=lambda ctx, t: {"region": NEW_KAMPUNG_DESA[t], "formed_on": "2023-06-07"},
        state=lambda ctx, t: KampungKB.objects.filter(
            region=NEW_KAMPUNG_DESA[t]
        ).exists(),
    ),
    "api_classification_get": Resource(
        True,
        "get",
        _pk_url("api:classification-detail", "classification"),
        KAMPUNG_TARGETS,
        READ,
    ),
    "api_classification_create_post": Resource(
        True,
        "post",
        _fixed_url("api:classification-list"),
        KAMPUNG_TARGETS,
        staff_create(201),
        data=lambda ctx, t: {
            "kampung": ctx.kampung[t],
            "level": "berkembang",
            "effective_on": "2024-06-01",
            "basis": ClassificationBasis.SK,
        },
        state=_count(Classification),
    ),
    "api_proposal_get": Resource(
        True, "get", _pk_url("api:proposal-detail", "proposal"), KAMPUNG_TARGETS, READ
    ),
    "api_proposal_create_post": Resource(
        True,
        "post",
        _fixed_url("api:proposal-list"),
        KAMPUNG_TARGETS,
        field_create(201),
        data=lambda ctx, t: {
            "kampung": ctx.kampung[t],
            "level": "mandiri",
            "effective_on": "2024-03-01",
            "reason": "Seluruh seksi Pokja aktif.",
        },
        state=_pending_count,
        prepare=_no_pending,
    ),
    "api_proposal_approve_post": Resource(
        True,
        "post",
        _pk_url("api:proposal-approve", "proposal"),
        KAMPUNG_TARGETS,
        staff_write(200),
        data=lambda ctx, t: {},
        state=_field(ClassificationProposal, "proposal", "status"),
    ),
    "api_proposal_reject_post": Resource(
        True,
        "post",
        _pk_url("api:proposal-reject", "proposal"),
        KAMPUNG_TARGETS,
        staff_write(200),
        data=lambda ctx, t: {"decision_note": "Belum lengkap."},
        state=_field(ClassificationProposal, "proposal", "status"),
    ),
    "api_activity_get": Resource(
        True,
        "get",
        _pk_url("api:kampung-activity-detail", "activity"),
        KAMPUNG_TARGETS,
        READ,
    ),
    "api_activity_create_post": Resource(
        True,
        "post",
        _fixed_url("api:kampung-activity-list"),
        KAMPUNG_TARGETS,
        field_create(201),
        data=lambda ctx, t: {
            "kampung": ctx.kampung[t],
            "held_on": "2025-11-02",
            "title": "Rapat Pokja",
        },
        state=_count(KampungActivity),
    ),
    "api_pokja_get": Resource(
        True, "get", _pk_url("api:pokja-detail", "pokja"), KAMPUNG_TARGETS, READ
    ),
    "api_pokja_create_post": Resource(
        True,
        "post",
        _fixed_url("api:pokja-list"),
        KAMPUNG_TARGETS,
        field_create(201),
        data=lambda ctx, t: {
            "kampung": ctx.kampung[t],
            "role": PokjaRole.SEKRETARIS,
            "name": "Sekretaris API",
        },
        state=_count(PokjaMember),
    ),
    "api_pokja_patch": Resource(
        True,
        "patch",
        _pk_url("api:pokja-detail", "pokja"),
        KAMPUNG_TARGETS,
        field_write(200),
        data=lambda ctx, t: {"name": "Nama Baru"},
        state=_field(PokjaMember, "pokja", "name"),
    ),
    "api_pokja_delete": Resource(
        True,
        "delete",
        _pk_url("api:pokja-detail", "pokja"),
        KAMPUNG_TARGETS,
        field_write(204),
        state=_exists(PokjaMember, "pokja"),
    ),
    "api_program_get": Resource(
        True, "get", _pk_url("api:program-detail", "program"), KAMPUNG_TARGETS, READ
    ),
    "api_program_create_post": Resource(
        True,
        "post",
        _fixed_url("api:program-list"),
        KAMPUNG_TARGETS,
        field_create(201),
        data=lambda ctx, t: {
            "kampung": ctx.kampung[t],
            "program": Program.NIB,
            "agency": "DPMPTSP",
        },
        state=_count(ProgramIntegration),
    ),
    "api_program_patch": Resource(
        True,
        "patch",
        _pk_url("api:program-detail", "program"),
        KAMPUNG_TARGETS,
        field_write(200),
        data=lambda ctx, t: {"agency": "Mitra Baru"},
        state=_field(ProgramIntegration, "program", "agency"),
    ),
    "api_program_delete": Resource(
        True,
        "delete",
        _pk_url("api:program-detail", "program"),
        KAMPUNG_TARGETS,
        field_write(204),
        state=_exists(ProgramIntegration, "program"),
    ),
    "api_launch_get": Resource(
        True, "get", _pk_url("api:launch-detail", "launch"), LAUNCH_TARGETS, LAUNCH_READ
    ),
    "api_launch_create_post": Resource(
        True,
        "post",
        _fixed_url("api:launch-list"),
        KABKOTA_TARGETS,
        kabkota_create(201, refused=400),
        data=lambda ctx, t: {
            "date": "2023-06-07",
            "organizer": NEW_ORGANIZER[t],
            "place": "Aula API",
        },
        state=lambda ctx, t: LaunchEvent.objects.filter(place="Aula API").count(),
    ),
    "api_launch_patch": Resource(
        True,
        "patch",
        _pk_url("api:launch-detail", "launch"),
        LAUNCH_TARGETS,
        launch_api_write(200),
        data=lambda ctx, t: {"place": "Tempat Baru"},
        state=_field(LaunchEvent, "launch", "place"),
    ),
    "api_launch_delete": Resource(
        True,
        "delete",
        _pk_url("api:launch-detail", "launch"),
        LAUNCH_TARGETS,
        launch_api_write(204),
        state=_exists(LaunchEvent, "launch"),
    ),
    "api_target_get": Resource(
        True,
        "get",
        _pk_url("api:target-detail", "target_row"),
        KABKOTA_TARGETS,
        READ_KABKOTA,
    ),
    "api_target_create_post": Resource(
        True,
        "post",
        _fixed_url("api:target-list"),
        KABKOTA_TARGETS,
        kabkota_create(201, refused=400),
        data=lambda ctx, t: {"region": KABKOTA[t], "year": NEW_YEAR, "new_count": 7},
        state=lambda ctx, t: FormationTarget.objects.filter(
            region=KABKOTA[t], year=NEW_YEAR
        ).exists(),
    ),
    "api_target_patch": Resource(
        True,
        "patch",
        _pk_url("api:target-detail", "target_row"),
        KABKOTA_TARGETS,
        kabkota_write(200),
        data=lambda ctx, t: {"new_count": 21},
        state=_field(FormationTarget, "target_row", "new_count"),
    ),
    "api_target_delete": Resource(
        True,
        "delete",
        _pk_url("api:target-detail", "target_row"),
        KABKOTA_TARGETS,
        kabkota_write(204),
        state=_exists(FormationTarget, "target_row"),
    ),
    "api_officer_get": Resource(
        True, "get", _pk_url("api:officer-detail", "officer"), KAMPUNG_TARGETS, READ
    ),
    "api_assignment_get": Resource(
        True,
        "get",
        _pk_url("api:assignment-detail", "assignment"),
        KAMPUNG_TARGETS,
        READ,
    ),
    # The spare officer (desa in 33.75.03) is assigned to the target's desa.
    "api_assignment_create_post": Resource(
        True,
        "post",
        _fixed_url("api:assignment-list"),
        KAMPUNG_TARGETS,
        staff_create(201),
        data=lambda ctx, t: {"officer": ctx.officer["spare"], "region": DESA[t]},
        state=lambda ctx, t: OfficerAssignment.objects.filter(
            officer=ctx.officer["spare"], region=DESA[t]
        ).exists(),
    ),
    "api_assignment_delete": Resource(
        True,
        "delete",
        _pk_url("api:assignment-detail", "assignment"),
        KAMPUNG_TARGETS,
        staff_write(204),
        state=_exists(OfficerAssignment, "assignment"),
    ),
    "api_me_get": Resource(True, "get", _fixed_url("api:me"), NO_TARGET, EVERYONE),
    # The field app (issue 16): its shell is the PLKB's alone; its service worker
    # and manifest hold nothing personal (the browser asks for a manifest without
    # cookies, and for the worker again after sign-out).
    "field_app_get": Resource(
        False,
        "get",
        _fixed_url("field-app"),
        NO_TARGET,
        {**{role: (403,) for role in ROLES}, "plkb": (200,)},
    ),
    "field_sw_get": Resource(
        False, "get", _fixed_url("field-sw"), NO_TARGET, EVERYONE, anonymous=200
    ),
    "field_manifest_get": Resource(
        False, "get", _fixed_url("field-manifest"), NO_TARGET, EVERYONE, anonymous=200
    ),
    # The field app (issue 16): the WHO tables the phone scores with, PLKB only.
    "field_who_get": Resource(
        False,
        "get",
        _fixed_url("field-who"),
        NO_TARGET,
        {**{role: (403,) for role in ROLES}, "plkb": (200,)},
        session_json=True,
    ),
    # Evaluations: pages ------------------------------------------------------
    "evaluation_list_get": Resource(
        False, "get", _fixed_url("evaluation-list"), NO_TARGET, EVERYONE
    ),
    "evaluation_detail_get": Resource(
        False, "get", _pk_url("evaluation-detail", "cycle"), CYCLE_TARGETS, READ_CYCLE
    ),
    "evaluation_create_post": Resource(
        False,
        "post",
        _fixed_url("evaluation-create"),
        KABKOTA_TARGETS,
        kabkota_create(302, refused=FORM_ERROR),
        data=lambda ctx, t: _cycle_data(KABKOTA[t]),
        state=lambda ctx, t: Cycle.objects.filter(name="Evaluasi Matrix").count(),
    ),
    "evaluation_close_post": Resource(
        False,
        "post",
        _pk_url("evaluation-close", "cycle"),
        CYCLE_TARGETS,
        cycle_close_page(302),
        data=lambda ctx, t: {},
        state=_field(Cycle, "cycle", "status"),
    ),
    "evaluation_participant_get": Resource(
        False,
        "get",
        _participant_url("evaluation-participant"),
        PARTICIPANT_TARGETS,
        READ_PARTICIPANT,
    ),
    "evaluation_score_get": Resource(
        False,
        "get",
        _participant_url("evaluation-score"),
        PARTICIPANT_TARGETS,
        score_page(200, 200),
    ),
    "evaluation_score_post": Resource(
        False,
        "post",
        _participant_url("evaluation-score"),
        PARTICIPANT_TARGETS,
        score_page(302, NoEffect(200)),
        data=lambda ctx, t: {f"nilai_{ctx.criterion[CYCLE_OF[t]]}": 1},
        state=_score_count,
    ),
    "evaluation_results_get": Resource(
        False, "get", _pk_url("evaluation-results", "cycle"), CYCLE_TARGETS, RESULTS
    ),
    "evaluation_export_get": Resource(
        False, "get", _pk_url("evaluation-export", "cycle"), CYCLE_TARGETS, RESULTS
    ),
    "evaluation_evidence_get": Resource(
        False,
        "get",
        _pk_url("evaluation-evidence", "evidence"),
        PARTICIPANT_TARGETS,
        READ_PARTICIPANT,
    ),
    "evaluation_accept_post": Resource(
        False,
        "post",
        _participant_url("evaluation-accept"),
        PARTICIPANT_TARGETS,
        accept_page(302),
        data=lambda ctx, t: {"effective_on": ""},
        state=_field(Participant, "participant", "accepted_classification_id"),
    ),
    "evaluation_templates_get": Resource(
        False, "get", _fixed_url("evaluation-templates"), NO_TARGET, staff_only(200)
    ),
    "evaluation_awards_get": Resource(
        False,
        "get",
        _fixed_url("evaluation-awards"),
        NO_TARGET,
        {**EVERYONE, "evaluator": (403,)},
    ),
    "evaluation_award_post": Resource(
        False,
        "post",
        _fixed_url("evaluation-awards"),
        KAMPUNG_TARGETS,
        {
            "admin": (302, 302, 302, 302),
            "staf": (302, 302, 302, FORM_ERROR),
            "plkb": (403, 403, 403, 403),
            "pimpinan": (403, 403, 403, 403),
            "evaluator": (403, 403, 403, 403),
        },
        data=lambda ctx, t: _award_data(ctx, t),
        state=_count(Award),
    ),
    # Evaluations: API --------------------------------------------------------
    "api_evaluation_cycle_get": Resource(
        True,
        "get",
        _pk_url("api:evaluation-cycle-detail", "cycle"),
        CYCLE_TARGETS,
        READ_CYCLE,
    ),
    "api_evaluation_cycle_create_post": Resource(
        True,
        "post",
        _fixed_url("api:evaluation-cycle-list"),
        KABKOTA_TARGETS,
        kabkota_create(201, refused=400),
        data=lambda ctx, t: _cycle_data(KABKOTA[t]),
        state=lambda ctx, t: Cycle.objects.filter(name="Evaluasi Matrix").count(),
    ),
    "api_evaluation_cycle_close_post": Resource(
        True,
        "post",
        _pk_url("api:evaluation-cycle-close", "cycle"),
        CYCLE_TARGETS,
        {
            "admin": (200, 200, 400),
            "staf": (200, 404, 400),
            "plkb": (404, 404, 403),
            "pimpinan": (403, 404, 403),
            "evaluator": (403, 404, 403),
        },
        data=lambda ctx, t: {},
        state=_field(Cycle, "cycle", "status"),
    ),
    "api_evaluation_results_get": Resource(
        True,
        "get",
        _pk_url("api:evaluation-cycle-results", "cycle"),
        CYCLE_TARGETS,
        RESULTS,
    ),
    "api_evaluation_participant_get": Resource(
        True,
        "get",
        _pk_url("api:evaluation-participant-detail", "participant"),
        PARTICIPANT_TARGETS,
        READ_PARTICIPANT,
    ),
    # The role first (403); a participant the evaluator may not open does not
    # exist (400); a closed cycle refuses the score (400).
    "api_evaluation_score_post": Resource(
        True,
        "post",
        _fixed_url("api:evaluation-score-list"),
        PARTICIPANT_TARGETS,
        {
            **score_page(201, 400),
            # A closed cycle is locked for everyone, assigned or not.
            "admin": (403, 403, 403, 403, 400, 400),
            "evaluator": (201, 201, 400, 400, 400, 400),
        },
        data=lambda ctx, t: {
            "participant": ctx.participant[t],
            "criterion": ctx.criterion[CYCLE_OF[t]],
            "value": 1,
        },
        state=_score_count,
    ),
    "api_evaluation_accept_post": Resource(
        True,
        "post",
        _pk_url("api:evaluation-participant-accept-suggestion", "participant"),
        PARTICIPANT_TARGETS,
        {
            "admin": (400, 400, 400, 400, 200, 400),
            "staf": (400, 400, 400, 404, 200, 400),
            "plkb": (404, 404, 404, 404, 403, 404),
            "pimpinan": (403, 403, 403, 404, 403, 403),
            "evaluator": (403, 403, 404, 404, 403, 404),
        },
        data=lambda ctx, t: {},
        state=_field(Participant, "participant", "accepted_classification_id"),
    ),
    "api_evaluation_evidence_download_get": Resource(
        True,
        "get",
        _pk_url("api:evaluation-evidence-download", "evidence"),
        PARTICIPANT_TARGETS,
        READ_PARTICIPANT,
    ),
    "api_award_get": Resource(
        True, "get", _pk_url("api:award-detail", "award"), KAMPUNG_TARGETS, READ
    ),
    "api_award_create_post": Resource(
        True,
        "post",
        _fixed_url("api:award-list"),
        KAMPUNG_TARGETS,
        staff_create(201),
        data=lambda ctx, t: _award_data(ctx, t),
        state=_count(Award),
    ),
}


def _rows():
    rows = []
    for name, resource in RESOURCES.items():
        for role in ROLES:
            statuses = resource.expect[role]
            assert len(statuses) == len(resource.targets), (name, role)
            for target, status in zip(resource.targets, statuses, strict=True):
                rows.append((role, name, target, resource.method, status))
        # Anonymous: the same for every target.
        anonymous = resource.anonymous or (
            NoEffect(403)
            if resource.session_json
            else 401
            if resource.api
            else NoEffect(302)
        )
        rows.append(("anon", name, resource.targets[0], resource.method, anonymous))
    return rows


MATRIX = _rows()


def _row_id(row):
    role, resource, target, _method, status = row
    return f"{role}-{resource}-{target}-{int(status)}"


# --- The data -------------------------------------------------------------------


def _build():
    """Regions of 33.75 and 33.26, one account per role and a registry per target."""
    region_load(prefix="33.75")
    region_load(prefix="33.26")
    region = Region.objects.get
    admin = User.objects.create_superuser("root")

    def account(username, role, codes):
        user, _password = user_create(
            actor=admin,
            username=username,
            role=role,
            regions=Region.objects.filter(code__in=codes),
        )
        return user

    users = {
        "admin": admin,
        "staf": account("staf.kota", Role.STAF, ["33.75"]),
        "plkb": account("plkb.jenggot", Role.PLKB, [DESA["own"]]),
        "pimpinan": account("pimpinan.kota", Role.PIMPINAN, ["33.75"]),
        "evaluator": account("evaluator.kota", Role.EVALUATOR, ["33.75"]),
    }
    # Field officers (with accounts staff manage) in each target's desa.
    accounts = {"own": users["plkb"]}
    for target, username in [
        ("same_kecamatan", "plkb.kuripan"),
        ("same_city", "plkb.medono"),
        ("outside", "plkb.klesem"),
    ]:
        accounts[target] = account(
            username, Role.PLKB, [DESA[target], SECOND_DESA[target]]
        )
    # Staff may not manage an administrator, even one working in their region.
    admin.regions.set([region(code="33.75")])
    accounts["superuser"] = admin
    spare = FieldOfficer.objects.create(name="Petugas Cadangan")
    officer_assign(officer=spare, region=region(code=SPARE_DESA))
    co = FieldOfficer.objects.create(name="Petugas Pendamping")
    for code in (DESA["own"], CO_DESA):
        officer_assign(officer=co, region=region(code=code))

    ctx = SimpleNamespace(
        users={role: user.pk for role, user in users.items()},
        tokens={
            role: Token.objects.create(user=user).key for role, user in users.items()
        },
        account={t: user.pk for t, user in accounts.items()},
        officer={t: user.field_officer.pk for t, user in accounts.items() if t in DESA},
        kampung={},
        classification={},
        proposal={},
        pokja={},
        activity={},
        program={},
        assignment={},
        launch={},
        target_row={},
    )
    ctx.officer["spare"] = spare.pk
    # A finished refresh of Kota Pekalongan: staff there see it (a national run
    # only the administrator), and it holds no region a new request would join.
    ctx.refresh_run = RefreshRun.objects.create(
        region_code=KABKOTA["same_city"], status=RefreshStatus.DONE
    ).pk
    ctx.officer["co"] = co.pk
    ctx.alert = {}
    for target in KAMPUNG_TARGETS:
        kampung = kampung_create(region=region(code=DESA[target]), formed_on=FORMED_ON)
        ctx.kampung[target] = kampung.pk
        ctx.alert[target] = Alert.objects.create(
            kind=AlertKind.STUNTING_RISE,
            region_id=DESA[target],
            year=2024,
            span=Span.QUARTER,
            part=2,
            key=f"matrix:{target}",
        ).pk
        ctx.classification[target] = kampung_classify(
            kampung=kampung,
            level="dasar",
            effective_on=FORMED_ON,
            basis=ClassificationBasis.LAUNCH,
        ).pk
        ctx.proposal[target] = proposal_create(
            kampung=kampung,
            level="berkembang",
            effective_on=datetime.date(2024, 1, 15),
            reason="Pokja aktif dan Rumah DataKu lengkap.",
            proposed_by=accounts[target],
        ).pk
        ctx.pokja[target] = PokjaMember.objects.create(
            kampung=kampung, role=PokjaRole.KETUA, name=f"Ketua {target}"
        ).pk
        ctx.activity[target] = KampungActivity.objects.create(
            kampung=kampung, held_on=FORMED_ON, title=f"Rapat {target}"
        ).pk
        ctx.program[target] = ProgramIntegration.objects.create(
            kampung=kampung, program=Program.BPJS, agency="BPJS Kesehatan"
        ).pk
        officer = "co" if target == "own" else target
        ctx.assignment[target] = OfficerAssignment.objects.get(
            officer=ctx.officer[officer], region=DESA[target]
        ).pk
    for target in LAUNCH_TARGETS:
        ctx.launch[target] = launch_record(
            date=FORMED_ON,
            organizer=region(code=LAUNCH_ORGANIZER[target]),
            kampungs=[ctx.kampung[LAUNCHED[target]]],
            place=f"Aula {target}",
        ).pk
    ctx.assignments_of = {
        officer: set(
            OfficerAssignment.objects.filter(officer=pk).values_list("pk", flat=True)
        )
        for officer, pk in ctx.officer.items()
    }
    for target, count in [("same_city", 5), ("outside", 8)]:
        ctx.target_row[target] = target_set(
            region=region(code=KABKOTA[target]), year=2024, new_count=count
        ).pk
    _build_evaluations(ctx, users, account, region)
    return ctx


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _build_evaluations(ctx, users, account, region):
    """The three cycles of the docstring, one evidence file per participant."""
    kampung = KampungKB.objects.get
    other = account("evaluator.lain", Role.EVALUATOR, ["33.75"])
    ctx.cycle, ctx.participant, ctx.criterion, ctx.evidence = {}, {}, {}, {}
    specs = [
        ("same_city", "33.75", 2025, ("own", "same_kecamatan", "same_city")),
        ("outside", "33.26", 2025, ("outside",)),
        ("closed_city", "33.75", 2024, ("own", "same_city")),
    ]
    for key, code, year, targets in specs:
        cycle = evaluations.cycle_create(
            region=region(code=code),
            name=f"Evaluasi {key}",
            year=year,
            evaluated_on=datetime.date(year, 4, 29),
            kampungs=[kampung(pk=ctx.kampung[t]) for t in targets],
        )
        evaluations.evaluator_assign(cycle=cycle, evaluator=other)
        evaluations.cycle_open(cycle=cycle)
        ctx.cycle[key] = cycle.pk
        ctx.criterion[key] = cycle.criteria.first().pk
        for target in targets:
            name = f"closed_{target.split('_')[-1]}" if key == "closed_city" else target
            participant = cycle.participants.get(kampung=ctx.kampung[target])
            ctx.participant[name] = participant.pk
            ctx.evidence[name] = evaluations.evidence_add(
                participant=participant,
                uploaded_by=other,
                file=SimpleUploadedFile("foto.png", PNG),
            ).pk
        if key == "same_city":
            evaluations.evaluator_assign(
                cycle=cycle,
                evaluator=users["evaluator"],
                kampungs=[
                    kampung(pk=ctx.kampung[t]) for t in ("own", "same_kecamatan")
                ],
            )
        if key == "closed_city":
            evaluations.evaluator_assign(
                cycle=cycle,
                evaluator=users["evaluator"],
                kampungs=[kampung(pk=ctx.kampung["own"])],
            )
            jenggot = cycle.participants.get(kampung=ctx.kampung["own"])
            for criterion in cycle.criteria.all():
                evaluations.score_save(
                    participant=jenggot,
                    criterion=criterion,
                    evaluator=other,
                    value=criterion.scale_max,
                )
            evaluations.cycle_close(cycle=cycle)
    ctx.award = {
        t: evaluations.award_record(
            kampung=kampung(pk=ctx.kampung[t]),
            level="provinsi",
            title="Juara",
            year=2024,
        ).pk
        for t in KAMPUNG_TARGETS
    }


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, tmp_path_factory):
    """The matrix's data, made once for the module.

    Each test runs in a transaction that is rolled back, so a write in one test
    is never seen by another; the module's teardown empties the database again.
    Evidence files go to a folder of the module's own.
    """
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield from _matrix(django_db_blocker)


def _matrix(django_db_blocker):
    with django_db_blocker.unblock():
        try:
            ctx = _build()
        except BaseException:
            call_command("flush", interactive=False, verbosity=0)
            raise
    yield ctx
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def clients():
    """One page client and one API client for the whole module.

    Each new client loads the middleware again, and WhiteNoise then indexes every
    static file (~75 ms a test); a test starts by clearing their cookies and token.
    """
    return SimpleNamespace(page=Client(), api=APIClient())


def _api(clients, ctx, role):
    api = clients.api
    api.cookies.clear()
    if role == "anon":
        api.credentials()
    else:
        api.credentials(HTTP_AUTHORIZATION=f"Token {ctx.tokens[role]}")
    return api


def _send(clients, ctx, role, resource, target):
    url = resource.url(ctx, target)
    data = resource.data(ctx, target) if resource.data else None
    if resource.api:
        api = _api(clients, ctx, role)
        return getattr(api, resource.method)(url, data, format="json")
    client = clients.page
    client.cookies.clear()
    if role != "anon":
        client.force_login(User.objects.get(pk=ctx.users[role]))
    if resource.method == "post" and resource.session_json:
        return client.post(url, json.dumps(data), content_type="application/json")
    if resource.method == "post":
        return client.post(url, data)
    return client.get(url)


@pytest.mark.parametrize(
    ("role", "resource", "target", "method", "expected"),
    MATRIX,
    ids=[_row_id(row) for row in MATRIX],
)
def test_permission_matrix(
    matrix, clients, db, role, resource, target, method, expected
):
    spec = RESOURCES[resource]
    assert method == spec.method
    if spec.prepare:
        spec.prepare(matrix, target)
    before = spec.state(matrix, target) if spec.state else None

    response = _send(clients, matrix, role, spec, target)

    assert response.status_code == expected, response.content[:500]
    if role == "anon" and spec.session_json:
        assert response.json()["signed_out"] is True
    elif role == "anon" and spec.api:
        assert response["WWW-Authenticate"] == "Token"
    elif role == "anon" and expected == 302:
        assert response["Location"].startswith(reverse("login") + "?next=")
    if spec.state:
        after = spec.state(matrix, target)
        if expected < 400 and not isinstance(expected, NoEffect):
            assert after != before, f"the write did not change {before!r}"
        else:
            assert after == before, "a refused write changed the data"


# --- Lists: exactly the rows in scope -------------------------------------------

IN_SCOPE = {
    "admin": KAMPUNG_TARGETS,
    "staf": ("own", "same_kecamatan", "same_city"),
    "plkb": ("own", "same_kecamatan"),
    "pimpinan": ("own", "same_kecamatan", "same_city"),
    "evaluator": (),
}
LAUNCHES_IN_SCOPE = {
    "admin": LAUNCH_TARGETS,
    "staf": ("own", "same_kecamatan", "same_city", "outside_organizer"),
    "plkb": ("own", "same_kecamatan"),
    "pimpinan": ("own", "same_kecamatan", "same_city", "outside_organizer"),
    "evaluator": (),
}
TARGETS_IN_SCOPE = {
    "admin": KABKOTA_TARGETS,
    "staf": ("same_city",),
    "plkb": (),
    "pimpinan": ("same_city",),
    "evaluator": (),
}
# Officers, and their assignments: each officer's desa lie in one zone.
OFFICERS_IN_SCOPE = {
    "admin": (*KAMPUNG_TARGETS, "co", "spare"),
    "staf": ("own", "same_kecamatan", "same_city", "co", "spare"),
    "plkb": ("own", "same_kecamatan", "co"),
    "pimpinan": ("own", "same_kecamatan", "same_city", "co", "spare"),
    "evaluator": (),
}

CYCLES_IN_SCOPE = {
    "admin": CYCLE_TARGETS,
    "staf": ("same_city", "closed_city"),
    "plkb": ("closed_city",),
    "pimpinan": ("same_city", "closed_city"),
    "evaluator": ("same_city", "closed_city"),
}
PARTICIPANTS_IN_SCOPE = {
    role: tuple(
        t
        for t, status in zip(PARTICIPANT_TARGETS, READ_PARTICIPANT[role], strict=True)
        if status == 200
    )
    for role in ROLES
}

# endpoint -> (what a row is compared by, the expected rows for a role)
LISTS = {
    "/api/kampung/": ("id", lambda ctx, role: {ctx.kampung[t] for t in IN_SCOPE[role]}),
    "/api/classifications/": (
        "id",
        lambda ctx, role: {ctx.classification[t] for t in IN_SCOPE[role]},
    ),
    "/api/proposals/": (
        "id",
        lambda ctx, role: {ctx.proposal[t] for t in IN_SCOPE[role]},
    ),
    "/api/pokja/": ("id", lambda ctx, role: {ctx.pokja[t] for t in IN_SCOPE[role]}),
    "/api/kampung-activities/": (
        "id",
        lambda ctx, role: {ctx.activity[t] for t in IN_SCOPE[role]},
    ),
    "/api/programs/": (
        "id",
        lambda ctx, role: {ctx.program[t] for t in IN_SCOPE[role]},
    ),
    "/api/launches/": (
        "id",
        lambda ctx, role: {ctx.launch[t] for t in LAUNCHES_IN_SCOPE[role]},
    ),
    "/api/targets/": (
        "id",
        lambda ctx, role: {ctx.target_row[t] for t in TARGETS_IN_SCOPE[role]},
    ),
    "/api/officers/": (
        "id",
        lambda ctx, role: {ctx.officer[t] for t in OFFICERS_IN_SCOPE[role]},
    ),
    "/api/assignments/": (
        "id",
        lambda ctx, role: set().union(
            *(ctx.assignments_of[t] for t in OFFICERS_IN_SCOPE[role])
        ),
    ),
    "/api/evaluation-cycles/": (
        "id",
        lambda ctx, role: {ctx.cycle[t] for t in CYCLES_IN_SCOPE[role]},
    ),
    "/api/evaluation-participants/": (
        "id",
        lambda ctx, role: {ctx.participant[t] for t in PARTICIPANTS_IN_SCOPE[role]},
    ),
    "/api/evaluation-evidence/": (
        "id",
        lambda ctx, role: {ctx.evidence[t] for t in PARTICIPANTS_IN_SCOPE[role]},
    ),
    "/api/awards/": ("id", lambda ctx, role: {ctx.award[t] for t in IN_SCOPE[role]}),
}


def _subtree(code):
    return set(
        Region.objects.filter(
            Q(code=code) | Q(code__startswith=code + ".")
        ).values_list("code", flat=True)
    )


# ?code=<region>: which subtree each role gets back ("" = nothing).
REGIONS_IN_SCOPE = {
    "33.75.04": {
        "admin": "33.75.04",
        "staf": "33.75.04",
        "plkb": "33.75.04",
        "pimpinan": "33.75.04",
        "evaluator": "",
    },
    "33.75": {
        "admin": "33.75",
        "staf": "33.75",
        "plkb": "33.75.04",
        "pimpinan": "33.75",
        "evaluator": "",
    },
    "33.26": {
        "admin": "33.26",
        "staf": "",
        "plkb": "",
        "pimpinan": "",
        "evaluator": "",
    },
}


def _results(response):
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["next"] is None, "raise page_size"
    return body["results"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", LISTS)
def test_a_list_has_exactly_the_rows_in_scope(matrix, clients, db, role, endpoint):
    key, expected = LISTS[endpoint]
    rows = _results(_api(clients, matrix, role).get(endpoint, {"page_size": 500}))
    assert {row[key] for row in rows} == expected(matrix, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("code", REGIONS_IN_SCOPE)
def test_the_region_list_has_exactly_the_regions_in_scope(
    matrix, clients, db, role, code
):
    rows = _results(
        _api(clients, matrix, role).get(
            "/api/regions/", {"code": code, "page_size": 500}
        )
    )
    subtree = REGIONS_IN_SCOPE[code][role]
    assert {row["code"] for row in rows} == (_subtree(subtree) if subtree else set())


ME = {
    "admin": (None, None, sorted(set().union(*ROLE_ACTIONS.values()))),
    "staf": (["33.75"], ["33.75"], sorted(ROLE_ACTIONS[Role.STAF])),
    "plkb": (
        ["33.75.04"],
        [DESA["own"]],
        [
            "alert.acknowledge",
            "audit.change",
            "child.change",
            "child.personal",
            "dashat.change",
            "kampung.change",
            "measurement.add",
            "pokja.change",
            "program.change",
            "proposal.add",
        ],
    ),
    "pimpinan": (["33.75"], [], []),
    "evaluator": ([], [], ["evaluation.score"]),
}


@pytest.mark.parametrize("role", ROLES)
def test_me_tells_the_scope_and_actions_of_each_role(matrix, clients, db, role):
    me = _api(clients, matrix, role).get(reverse("api:me")).json()
    read, write, actions = ME[role]

    def codes(regions):
        return None if regions is None else [r["code"] for r in regions]

    assert me["role"] == (Role.ADMIN if role == "admin" else role)
    assert codes(me["read_regions"]) == read
    assert codes(me["write_regions"]) == write
    assert me["actions"] == actions


# --- Rules next to the permissions ----------------------------------------------


def _staf(clients, ctx):
    client = clients.page
    client.cookies.clear()
    client.force_login(User.objects.get(pk=ctx.users["staf"]))
    return client


def test_the_page_refuses_to_end_an_officers_only_assignment(matrix, clients, db):
    # Jenggot is the only desa of the PLKB: without it they drop out of every
    # staff member's scope, officer list and account list.
    only = OfficerAssignment.objects.get(officer=matrix.officer["own"])

    response = _staf(clients, matrix).post(
        reverse("officer-unassign", args=[only.pk]), follow=True
    )

    assert response.status_code == 200
    assert "satu-satunya desa/kelurahan" in response.content.decode()
    assert OfficerAssignment.objects.filter(pk=only.pk).exists()


def test_the_api_refuses_to_end_an_officers_only_assignment(matrix, clients, db):
    only = OfficerAssignment.objects.get(officer=matrix.officer["own"])

    response = _api(clients, matrix, "staf").delete(
        reverse("api:assignment-detail", args=[only.pk])
    )

    # As the page does (a 400, like every refusal by the registry rules).
    assert response.status_code == 400, response.status_code
    assert OfficerAssignment.objects.filter(pk=only.pk).exists()


@pytest.fixture
def joint_launch(matrix, db):
    """The city's launch of Kuripan Kertoharjo also launched Klesem (33.26)."""
    event = LaunchEvent.objects.get(pk=matrix.launch["same_kecamatan"])
    event.kampungs.add(matrix.kampung["outside"])
    return event


def test_the_launch_page_keeps_the_kampung_kb_outside_the_users_scope(
    matrix, clients, joint_launch
):
    response = _staf(clients, matrix).post(
        reverse("launch-edit", args=[joint_launch.pk]),
        {**_launch_page_data(matrix, "same_kecamatan"), "kampungs": []},
    )

    assert response.status_code == 302
    assert set(joint_launch.kampungs.values_list("pk", flat=True)) == {
        matrix.kampung["outside"]
    }


def test_an_api_launch_edit_keeps_the_kampung_kb_outside_the_users_scope(
    matrix, clients, joint_launch
):
    # Staff of 33.75 cannot even name Klesem (400), so a PATCH of `kampungs`
    # must leave it launched, as the page does.
    response = _api(clients, matrix, "staf").patch(
        reverse("api:launch-detail", args=[joint_launch.pk]),
        {"kampungs": [matrix.kampung["same_kecamatan"]]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert set(joint_launch.kampungs.values_list("pk", flat=True)) == {
        matrix.kampung["same_kecamatan"],
        matrix.kampung["outside"],
    }
