"""Every page, for every role, on a phone and a laptop, in Indonesian and English.

The pages are each URL pattern once per role, with the demo's real objects found
through the role's own links. Each page fails on: a page wider than the screen,
text hidden under another element, Indonesian left in English, a bare error page
or any server error. A screenshot of each is kept in test-artifacts/ as
role-size-lang-page.png, and the findings of a role in test-artifacts/role.txt.
"""

import datetime
import re
import time

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.urls import reverse

from dashboards.models import Alert, AlertKind, RefreshRun
from dashboards.refresh import all_years, snapshot_refresh
from dashboards.services import refresh_run_open
from evaluations.demo import evaluation_demo_load, evaluation_demo_scores
from evaluations.models import Cycle
from kampungkb.models import Role
from kampungkb.services import user_create
from stunting.demo import stunting_demo_load
from stunting.models import Child, ImportBatch
from stunting.services import audit_save
from villages.demo import demo_load
from villages.models import (
    BoundaryFormat,
    BoundaryUpload,
    ClassificationLevel,
    KampungKB,
    Region,
)
from villages.services import proposal_create

from .every_page import (
    ARTIFACTS,
    COVERED_JS,
    INDONESIAN_WORDS,
    OVERFLOW_JS,
    SETTLE_JS,
    TEXTS_JS,
    bare_error,
    catalogue,
    page_patterns,
    reachable_pages,
    untranslated,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (360, 740), "laptop": (1366, 900)}
LANGUAGES = ("id", "en")
MISSING = "/halaman-yang-tidak-ada/"
# The demo's accounts (kampungkb/management/commands/load_demo.py), one per role.
ACCOUNTS = {
    "admin": (None, []),
    "staf": (Role.STAF, ["33.75"]),
    "plkb": (Role.PLKB, ["33.75.04.1004", "33.75.04.1006", "33.75.04.1008"]),
    "pimpinan": (Role.PIMPINAN, ["33.75"]),
    "evaluator": (Role.EVALUATOR, ["33.75"]),
}


@pytest.fixture
def demo():
    """The Pekalongan demo with its figures computed and one account per role."""
    demo_load()
    stunting_demo_load()
    evaluation_demo_load()
    User = get_user_model()
    admin = User.objects.create_superuser("admin", password="x-Very-long-pass-1")
    users = {"admin": admin}
    for role, (kind, codes) in ACCOUNTS.items():
        if kind:
            users[role], _password = user_create(
                actor=admin,
                username=f"{role}.kota",
                role=kind,
                regions=Region.objects.filter(code__in=codes),
            )
    evaluation_demo_scores(evaluator=users["evaluator"])
    snapshot_refresh(years=all_years())
    # What the demo holds none of, so that their pages have something to show.
    jenggot = KampungKB.objects.get(region__code="33.75.04.1004")
    proposal_create(
        kampung=jenggot,
        level=ClassificationLevel.BERKEMBANG,
        effective_on=datetime.date(2025, 1, 2),
        reason="Seksi aktif dan Rumah DataKu lengkap.",
        proposed_by=users["plkb"],
    )
    stunted = Child.objects.filter(
        region__code="33.75.04.1004", measurements__haz__lt=-2
    ).first()
    audit_save(
        child=stunted, audited_on=datetime.date(2025, 3, 1), causes=["parenting"]
    )
    refresh_run_open(region_code="33.75", user=users["staf"])
    ImportBatch.objects.create(
        uploaded_by=users["staf"], file_name="ukur.csv", file_sha256="0" * 64
    )
    # An early warning about that child, as the refresh raises them.
    Alert.objects.create(
        kind=AlertKind.NEWLY_STUNTED,
        region_id="33.75.04.1004",
        child=stunted,
        on=datetime.date(2024, 8, 1),
        values={
            "haz": -2.3,
            "on": "2024-08-01",
            "previous_haz": -1.8,
            "previous_on": "2024-02-01",
        },
        key=f"new:{stunted.pk}:2024-08-01",
    )
    BoundaryUpload.objects.create(
        file_name="batas-desa.geojson",
        file_format=BoundaryFormat.GEOJSON,
        uploaded_by=users["staf"],
    )
    return users


def _unlinked_paths():
    """Pages no link of the admin's leads to, with the object they show.

    A refresh's, an import's and a boundary upload's reports are opened right
    after asking for them; a cycle's participants and scores only in the cycle's
    state that has them.
    """
    cycle = Cycle.objects.get()
    participant = cycle.participants.first()
    return {
        "dashboard-refresh-detail": reverse(
            "dashboard-refresh-detail", args=[RefreshRun.objects.latest("pk").pk]
        ),
        "import-detail": reverse("import-detail", args=[ImportBatch.objects.get().pk]),
        "boundary-upload-detail": reverse(
            "boundary-upload-detail", args=[BoundaryUpload.objects.get().pk]
        ),
        "evaluation-participants": reverse("evaluation-participants", args=[cycle.pk]),
        "evaluation-score": reverse(
            "evaluation-score", args=[cycle.pk, participant.pk]
        ),
        "proposal-create": reverse(
            "proposal-create",
            args=[KampungKB.objects.get(region__code="33.75.04.1006").pk],
        ),
    }


def _stored_texts():
    """Stored words that may read Indonesian in an English page: they are data."""
    values = set()
    for app in ("villages", "stunting", "evaluations"):
        for model in apps.get_app_config(app).get_models():
            fields = [
                f.name
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField) and not f.choices
            ]
            for row in model.objects.values_list(*fields)[:5000] if fields else []:
                values.update(v for v in row if v)
    words = re.compile(r"\b(" + "|".join(INDONESIAN_WORDS) + r")\b", re.IGNORECASE)
    return {v for v in values if words.search(v)}


def _problems(page, lang, responses, checks):
    """What is wrong on the page that is open, in words."""
    problems = []
    if wide := page.evaluate(OVERFLOW_JS):
        problems.append(
            f"wider than the screen: {wide['width']} px > {wide['viewport']} px"
            f" ({', '.join(wide['culprits'])})"
        )
    if covered := page.evaluate(COVERED_JS):
        problems.append("text covered: " + "; ".join(covered))
    if lang == "en":
        if left := untranslated(page.evaluate(TEXTS_JS), *checks):
            problems.append("not in English: " + "; ".join(left[:12]))
    servers = [f"{status} {url}" for status, url in responses if status >= 500]
    if servers:
        problems.append("server errors: " + ", ".join(servers))
    return problems


def _visit(page, path, responses):
    responses.clear()
    response = page.goto(path)
    page.evaluate(SETTLE_JS)
    styled = page.evaluate(
        "!!document.querySelector('link[rel=stylesheet][href*=\"/static/css/\"]')"
    )
    return bare_error(response.status, page.inner_text("body"), styled)


def _walk(role, users, paths, chromium, live_server, checks):
    """Visit the role's pages at both sizes in both languages; give the findings.

    paths: a path for every page pattern, for those no link of the role leads to.
    """
    if role == "visitor":
        pages, refused, cookies = {"login": "/masuk/"}, {}, []
    else:
        pages, refused, _found = reachable_pages(users[role], fallback=paths)
        client = Client()
        client.force_login(users[role])
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": session}]
    # Error pages: one of each status the role meets, and a path that does not exist.
    errors = {f"error-{status}": path for status, path in refused.items()}
    errors["error-404-missing"] = MISSING
    findings, responses = [], []
    started = time.monotonic()
    for size, (width, height) in SIZES.items():
        for lang in LANGUAGES:
            context = chromium.new_context(
                viewport={"width": width, "height": height},
                base_url=live_server.url,
            )
            language = {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang}
            context.add_cookies(
                [{**c, "url": live_server.url} for c in [*cookies, language]]
            )
            page = context.new_page()
            page.on("response", lambda r: responses.append((r.status, r.url)))
            for name, path in {**pages, **errors}.items():
                where = f"{role} {size} {lang} {name} {path}"
                if bare := _visit(page, path, responses):
                    findings.append(f"{where}: bare error page ({bare})")
                findings += [
                    f"{where}: {problem}"
                    for problem in _problems(page, lang, responses, checks)
                ]
                page.screenshot(
                    path=ARTIFACTS / f"{role}-{size}-{lang}-{name}.png",
                    full_page=True,
                )
            context.close()
    seconds = time.monotonic() - started
    (ARTIFACTS / f"{role}.txt").write_text(
        f"{len(pages)} pages, {len(pages) + len(errors)} x 4 visits in {seconds:.0f} s: "
        f"{', '.join(sorted(pages))}\n\n" + "\n".join(findings) + "\n",
        encoding="utf-8",
    )
    return findings


def test_every_page_fits_shows_its_text_and_speaks_the_language(
    demo, chromium, live_server
):
    # One test for all roles: the demo is loaded once (a live server's test
    # empties the database when it ends).
    exact, formatted = catalogue()
    checks = (exact, formatted, _stored_texts())
    ARTIFACTS.mkdir(exist_ok=True)
    _pages, _refused, found = reachable_pages(demo["admin"])
    paths = {**_unlinked_paths(), **found}
    findings = []
    for role in ("visitor", *ACCOUNTS):
        findings += _walk(role, demo, paths, chromium, live_server, checks)

    assert not findings, f"{len(findings)} findings:\n" + "\n".join(findings)


def test_the_walk_reaches_every_page_pattern(demo):
    """The admin's walk finds a real path for every page pattern of the app."""
    pages, _refused, found = reachable_pages(demo["admin"], fallback=_unlinked_paths())
    names = {p.name for p in page_patterns()}

    missing = sorted(names - set(found))
    assert not missing, f"no path found for: {', '.join(missing)}"
    assert len(pages) > 40
