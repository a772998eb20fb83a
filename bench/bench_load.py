"""Load: simulated users against gunicorn on the province-scale data (issue 7).

Usage (the province-scale database of docs/PERFORMANCE.md, figures refreshed):
    .venv/bin/python bench/bench_load.py \\
        --database-url postgres://postgres@127.0.0.1:5432/kampungkb_synthbench
    [--users 50] [--duration 60] [--think 1.0] [--workers 4] [--threads 2]
    [--broker redis://127.0.0.1:6379/9] [--no-worker] [--keep-users] [--probe]

What it does, in order:

1. Creates (or reuses) bench accounts in that database, each with a new random
   password: `bench_load_staf` (staf dinas of the province), `bench_load_pimpinan`
   (pimpinan of one kab/kota) and one `bench_load_plkb_NN` per simulated PLKB, each
   a field officer assigned to one desa/kelurahan that has a Kampung KB and children.
2. Collects the static files into a temporary STATIC_ROOT (DEBUG is off, so
   WhiteNoise serves them from the collectstatic manifest, as in production), then
   starts gunicorn (`--workers 4 --threads 2`, DEBUG off, ALLOWED_HOSTS=127.0.0.1)
   and, unless --no-worker, one Celery worker on the broker (Redis DB 9 by default;
   a change enqueues a refresh of its kab/kota, as in production).
3. Signs every simulated user in through the login form (CSRF token from the form,
   session cookie), and gets one API token per account with POST /api/token/.
   Sign-in is not timed as part of the load.
4. Runs the users for --duration seconds. Each repeats: pick an action by its
   role's weights, do it (one to four requests), think for a random 0.5-1.5 x
   --think seconds. The first page a user opens also fetches its CSS and
   JavaScript once, gzip-compressed, as a browser with an empty cache would.
5. Prints, per category and overall: requests, throughput, p50/p95/p99/max latency
   and the count of each status class; exits 1 on any 5xx or transport error.
6. Cleans up: stops gunicorn and the worker, deletes the measurements the load
   recorded, puts the edited Kampung KB back as they were (fields, version, time),
   deletes the history rows, sessions, sign-in records and tokens of the bench
   accounts (and the accounts, unless --keep-users), refreshes the figures of the
   kab/kota the load changed, empties the broker's Redis DB, and compares every
   table's row count with the count before the run.

Categories: `dashboard` (/, /dashboard/<code>/?tahun=2024 at every level), `list`
(region pages, prevalence pages, Kampung KB and child pages, the children list),
`api` (/api/kampung/, /api/dashboard/, /api/regions/ with a token), `entry` (the
Kampung KB edit form and its POST with the version read from the form; the phone
measurement form, its z-score preview and its POST; the page each save redirects
to), `static` (a browser's first load of CSS and JavaScript).

--probe signs one user of each role in and times every action once, one at a
time, instead of the load.
"""

import argparse
import datetime
import json
import logging
import os
import random
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

# Categories in report order, and each role's weights over its actions.
CATEGORIES = ["dashboard", "list", "api", "entry", "static"]
YEAR = "2024"
TIMEOUT_S = 120
LOGIN_URL = "/masuk/"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean think time (s); 0: none"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--keep-alive", type=int, default=2, help="gunicorn's --keep-alive (s)"
    )
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--no-worker", action="store_true")
    parser.add_argument("--province", default="33")
    parser.add_argument(
        "--kabkota", default="33.26", help="the pimpinan's and the PLKBs' kab/kota"
    )
    parser.add_argument(
        "--staff-kabkota", default="33.75", help="where staff edit Kampung KB"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-users", action="store_true")
    parser.add_argument("--probe", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    return parser.parse_args()


ARGS = parse_args()
# The bench process reads and writes the same database through the ORM.
SECRET_KEY = "bench-load-" + secrets.token_urlsafe(32)
os.environ.update(
    DATABASE_URL=ARGS.database_url,
    SECRET_KEY=SECRET_KEY,
    DEBUG="0",
    CELERY_BROKER_URL=ARGS.broker,
    REDIS_URL=ARGS.broker,
)
os.environ.pop("PRODUCTION", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.apps import apps  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from dashboards.models import RefreshRun  # noqa: E402
from dashboards.services import pending_refresh_owe, pending_refresh_run  # noqa: E402
from kampungkb.models import Role, User  # noqa: E402
from stunting.models import BALITA_MAX_DAYS, Child, Measurement  # noqa: E402
from villages.models import (  # noqa: E402
    FieldOfficer,
    KampungKB,
    OfficerAssignment,
    Region,
    RegionLevel,
)

# ---------------------------------------------------------------------------
# Accounts and what each simulated user works on


@dataclass
class Plan:
    """Regions and rows the simulated users open and change."""

    province: str
    kabkota: list[str]  # every kab/kota of the province
    kecamatan: list[str]  # every kecamatan of the province
    desa: list[str]  # every desa/kelurahan of the province
    kampung: list[int]  # every Kampung KB of the province
    pim_kabkota: str
    pim_kecamatan: list[str]
    pim_desa: list[str]
    pim_kampung: list[int]
    plkb_desa: list[str]  # one per simulated PLKB
    staff_kampung: list[int]  # one per simulated staf
    children: dict[str, list[tuple]] = field(default_factory=dict)  # desa: pool


def choose_plan(n_staff, n_plkb, rng) -> Plan:
    province = Region.objects.get(code=ARGS.province, level=RegionLevel.PROVINSI)
    within = Region.objects.filter(province=province)
    pim = Region.objects.get(code=ARGS.kabkota, level=RegionLevel.KABKOTA)
    codes = lambda qs: list(qs.order_by("code").values_list("code", flat=True))  # noqa: E731
    kampung = KampungKB.objects.filter(region__province=province, is_active=True)
    # A PLKB's desa: it has a Kampung KB and enough under-fives to measure.
    born_after = timezone.localdate() - datetime.timedelta(days=BALITA_MAX_DAYS - 60)

    def fitting(desa):
        return sorted(
            Child.objects.filter(region__in=desa, birth_date__gte=born_after)
            .values("region_id")
            .annotate(n=Count("pk"))
            .filter(n__gte=40)
            .values_list("region_id", flat=True)
        )

    with_kampung = Region.objects.filter(level=RegionLevel.DESA, kampung__isnull=False)
    candidates = fitting(with_kampung.filter(kabkota=pim))
    if len(candidates) >= n_plkb:
        plkb_desa = sorted(rng.sample(candidates, n_plkb))
    else:
        # Many users (--users 200): PLKB of the next kab/kota of the province too.
        others = fitting(with_kampung.filter(province=province).exclude(kabkota=pim))
        if len(candidates) + len(others) < n_plkb:
            raise SystemExit(f"Only {len(candidates) + len(others)} desa fit a PLKB.")
        plkb_desa = sorted(candidates + others[: n_plkb - len(candidates)])
    free = kampung.exclude(region_id__in=plkb_desa).order_by("pk")
    staff_kampung = list(
        free.filter(region__kabkota_id=ARGS.staff_kabkota).values_list("pk", flat=True)
    )
    if len(staff_kampung) < n_staff:
        # Each staf edits a Kampung KB of their own: for many users, those of the
        # rest of the province after the staff kab/kota's.
        staff_kampung += list(
            free.exclude(region__kabkota_id=ARGS.staff_kabkota).values_list(
                "pk", flat=True
            )[: n_staff - len(staff_kampung)]
        )
    if len(staff_kampung) < n_staff:
        raise SystemExit(f"Only {len(staff_kampung)} Kampung KB for the staf.")
    plan = Plan(
        province=province.code,
        kabkota=codes(within.filter(level=RegionLevel.KABKOTA)),
        kecamatan=codes(within.filter(level=RegionLevel.KECAMATAN)),
        desa=codes(within.filter(level=RegionLevel.DESA)),
        kampung=list(kampung.values_list("pk", flat=True)),
        pim_kabkota=pim.code,
        pim_kecamatan=codes(
            Region.objects.filter(kabkota=pim, level=RegionLevel.KECAMATAN)
        ),
        pim_desa=codes(Region.objects.filter(kabkota=pim, level=RegionLevel.DESA)),
        pim_kampung=list(
            kampung.filter(region__kabkota=pim).values_list("pk", flat=True)
        ),
        plkb_desa=plkb_desa,
        staff_kampung=rng.sample(staff_kampung, n_staff),
    )
    # Under-fives of each PLKB desa, with their latest measurement to grow from.
    for code in plkb_desa:
        pool = []
        for child in Child.objects.filter(
            region_id=code, birth_date__gte=born_after
        ).order_by("pk"):
            last = child.measurements.order_by("-measured_on").first()
            if last and last.weight_kg and last.height_cm:
                pool.append(
                    (
                        child.pk,
                        child.birth_date,
                        last.measured_on,
                        float(last.weight_kg),
                        float(last.height_cm),
                    )
                )
        rng.shuffle(pool)
        plan.children[code] = pool
    return plan


def make_accounts(plan: Plan, n_plkb: int) -> tuple[dict[str, str], list[int]]:
    """Create or reuse the bench accounts with new passwords; give {username: password}."""
    passwords = {}

    def account(username, role, regions=()):
        user, _ = User.objects.get_or_create(username=username, defaults={"role": role})
        user.role = role
        user.is_active = True
        user.first_name = "Bench load"
        password = secrets.token_urlsafe(18)
        user.set_password(password)
        user.save()
        user.regions.set(regions)
        passwords[username] = password
        return user

    account("bench_load_staf", Role.STAF, [plan.province])
    account("bench_load_pimpinan", Role.PIMPINAN, [plan.pim_kabkota])
    for i, desa in enumerate(plan.plkb_desa[:n_plkb], start=1):
        user = account(f"bench_load_plkb_{i:02d}", Role.PLKB)
        officer, _ = FieldOfficer.objects.get_or_create(
            user=user, defaults={"name": f"PLKB uji beban {i:02d} (DATA SINTETIS)"}
        )
        officer.assignments.exclude(region_id=desa).delete()
        OfficerAssignment.objects.get_or_create(officer=officer, region_id=desa)
    ids = list(User.objects.filter(username__in=passwords).values_list("pk", flat=True))
    return passwords, ids


# ---------------------------------------------------------------------------
# Forms in pages


class FormParser(HTMLParser):
    """Every <form> of a page: its attributes and the values a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"attrs": a, "fields": []}
            self.forms.append(self._form)
        elif self._form is None or "name" not in a and tag != "option":
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self._form["fields"].append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = [a["name"], None, None]  # name, first, selected
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in a:
                self._select[2] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            self._form["fields"].append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, first, selected = self._select
            self._form["fields"].append(
                (name, selected if selected is not None else first or "")
            )
            self._select = None


def form_fields(html: str, having: str) -> dict:
    """The fields of the page's form that has a field named `having`."""
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        fields = dict(form["fields"])
        if having in fields:
            return fields
    raise ValueError(f"no form with {having!r} in the page")


STATIC_RE = re.compile(r'(?:href|src)="(/static/[^"]+)"')

# ---------------------------------------------------------------------------
# Simulated users


@dataclass
class Sample:
    category: str
    label: str
    status: int  # 0: transport error or timeout
    seconds: float
    expected: bool
    retried: bool = False


class SimUser:
    def __init__(
        self, index, role, username, base, plan: Plan, rng, desa=None, kampung=None
    ):
        self.index = index
        self.role = role
        self.username = username
        self.base = base
        self.plan = plan
        self.rng = rng
        self.desa = desa  # PLKB: the assigned desa
        self.kampung = kampung  # the Kampung KB this user edits
        self.kecamatan = desa[:8] if desa else None
        self.session = requests.Session()
        self.session.headers["Accept-Encoding"] = "gzip, deflate"
        self.token = None
        self.samples: list[Sample] = []
        self.static_done = False
        self.deadline = float("inf")
        self.children = iter(plan.children.get(desa, []))
        self.measured: list[int] = []
        self.notes: list[str] = []

    # -- one request, timed
    def req(self, category, label, method, path, *, expect=(200,), api=False, **kw):
        if time.monotonic() >= self.deadline:
            return None
        headers = kw.pop("headers", {})
        if api:
            headers["Authorization"] = f"Token {self.token}"
            headers["Accept"] = "application/json"
        start = time.perf_counter()
        retried = False
        for attempt in (1, 2):
            try:
                if api:  # a token client sends no cookies
                    response = requests.request(
                        method,
                        self.base + path,
                        headers=headers,
                        timeout=TIMEOUT_S,
                        **kw,
                    )
                else:
                    response = self.session.request(
                        method,
                        self.base + path,
                        headers=headers,
                        timeout=TIMEOUT_S,
                        allow_redirects=False,
                        **kw,
                    )
                _ = response.content
                status = response.status_code
                break
            except requests.ConnectionError as exc:
                # gunicorn closes a kept-alive connection idle for --keep-alive
                # seconds; a request sent on it just then is reset before any
                # answer. A browser sends it again on a new connection: so do we,
                # once, and count it.
                response, status = None, 0
                if attempt == 1 and not api and "Connection aborted" in str(exc):
                    retried = True
                    continue
                self.notes.append(f"{method} {path}: {exc!r}"[:300])
                break
            except requests.RequestException as exc:
                response, status = None, 0
                self.notes.append(f"{method} {path}: {exc!r}"[:300])
                break
        seconds = time.perf_counter() - start
        ok = status in expect
        self.samples.append(Sample(category, label, status, seconds, ok, retried))
        if not ok and status:
            self.notes.append(f"{method} {path}: {status}")
        if (
            response is not None
            and not self.static_done
            and "text/html" in response.headers.get("Content-Type", "")
        ):
            self.static_done = True
            for asset in sorted(set(STATIC_RE.findall(response.text))):
                self.req("static", "static asset", "GET", asset)
        return response if ok else None

    def get(self, category, label, path, **kw):
        return self.req(category, label, "GET", path, **kw)

    # -- signing in (not timed as load)
    def sign_in(self, password, token_cache):
        page = self.session.get(self.base + LOGIN_URL, timeout=TIMEOUT_S)
        fields = form_fields(page.text, "username")
        fields.update(username=self.username, password=password, next="/")
        answer = self.session.post(
            self.base + LOGIN_URL, data=fields, timeout=TIMEOUT_S, allow_redirects=False
        )
        if answer.status_code != 302 or "sessionid" not in self.session.cookies:
            raise SystemExit(f"sign-in of {self.username} failed: {answer.status_code}")
        with token_cache["lock"]:
            token = token_cache.get(self.username)
            if token is None:
                answer = requests.post(
                    self.base + "/api/token/",
                    json={"username": self.username, "password": password},
                    timeout=TIMEOUT_S,
                )
                if answer.status_code != 200:
                    raise SystemExit(f"token of {self.username}: {answer.status_code}")
                token = token_cache[self.username] = answer.json()["token"]
        self.token = token

    # -- what each role does
    def pick(self, seq):
        return self.rng.choice(seq)

    def dashboard(self):
        r, p = self.role, self.plan
        if r == Role.STAF:
            path = self.rng.choices(
                [
                    "/",
                    f"/dashboard/{p.province}/?tahun={YEAR}",
                    f"/dashboard/{self.pick(p.kabkota)}/?tahun={YEAR}",
                    f"/dashboard/{self.pick(p.kecamatan)}/?tahun={YEAR}",
                    f"/dashboard/{self.pick(p.desa)}/?tahun={YEAR}",
                ],
                weights=[2, 2, 3, 2, 1],
            )[0]
        elif r == Role.PIMPINAN:
            path = self.rng.choices(
                [
                    "/",
                    f"/dashboard/{p.pim_kabkota}/?tahun={YEAR}",
                    f"/dashboard/{self.pick(p.pim_kecamatan)}/?tahun={YEAR}",
                    f"/dashboard/{self.pick(p.pim_desa)}/?tahun={YEAR}",
                ],
                weights=[3, 2, 3, 2],
            )[0]
        else:
            path = self.rng.choices(
                [
                    "/",
                    f"/dashboard/{self.kecamatan}/?tahun={YEAR}",
                    f"/dashboard/{self.desa}/?tahun={YEAR}",
                ],
                weights=[2, 1, 3],
            )[0]
        level = {"/": "home"}.get(path) or _level_name(path.split("/")[2])
        self.get("dashboard", f"dashboard {level}", path)

    def list_page(self):
        r, p = self.role, self.plan
        if r == Role.STAF:
            options = [
                ("region page kab/kota", f"/wilayah/{self.pick(p.kabkota)}/", 3),
                ("region page kecamatan", f"/wilayah/{self.pick(p.kecamatan)}/", 2),
                ("region page desa", f"/wilayah/{self.pick(p.desa)}/", 1),
                ("Kampung KB page", f"/kampung/{self.pick(p.kampung)}/", 3),
                ("prevalence desa", f"/stunting/wilayah/{self.pick(p.desa)}/", 1),
            ]
        elif r == Role.PIMPINAN:
            options = [
                ("region page kab/kota", f"/wilayah/{p.pim_kabkota}/", 2),
                ("region page kecamatan", f"/wilayah/{self.pick(p.pim_kecamatan)}/", 2),
                ("Kampung KB page", f"/kampung/{self.pick(p.pim_kampung)}/", 3),
                (
                    "children list",
                    f"/stunting/anak/?halaman={self.rng.randint(1, 5)}",
                    1,
                ),
                ("prevalence desa", f"/stunting/wilayah/{self.pick(p.pim_desa)}/", 1),
            ]
        else:
            options = [
                ("registry home", "/wilayah/", 1),
                ("region page kecamatan", f"/wilayah/{self.kecamatan}/", 1),
                ("Kampung KB page", f"/kampung/{self.kampung}/", 2),
                (
                    "children list",
                    f"/stunting/anak/?halaman={self.rng.randint(1, 3)}",
                    2,
                ),
                (
                    "child page",
                    f"/stunting/anak/{self.pick(self.plan.children[self.desa])[0]}/",
                    2,
                ),
                ("prevalence desa", f"/stunting/wilayah/{self.desa}/", 1),
            ]
        label, path, _ = self.rng.choices(options, weights=[o[2] for o in options])[0]
        expect = (200, 302) if path == "/wilayah/" else (200,)
        self.get("list", label, path, expect=expect)

    def api(self):
        r, p = self.role, self.plan
        if r == Role.STAF:
            region = self.pick(p.kabkota)
        elif r == Role.PIMPINAN:
            region = self.pick([p.pim_kabkota, *p.pim_kecamatan])
        else:
            region = self.kecamatan
        label, path = self.rng.choice(
            [
                ("api kampung list", f"/api/kampung/?region={region}"),
                ("api dashboard", f"/api/dashboard/{region}/?tahun={YEAR}"),
                ("api regions children", f"/api/regions/?parent={region}"),
                ("api region", f"/api/regions/{region}/"),
            ]
        )
        self.get("api", label, path, api=True)

    def edit_kampung(self):
        path = f"/kampung/{self.kampung}/ubah/"
        page = self.get("entry", "Kampung KB form", path)
        if page is None:
            return
        fields = form_fields(page.text, "version")
        address = re.sub(
            r"\s*\[uji beban [^\]]*\]$", "", fields.get("secretariat_address", "")
        )
        stamp = datetime.datetime.now().strftime("%H:%M:%S.%f")
        fields["secretariat_address"] = f"{address} [uji beban {stamp}]".strip()
        answer = self.req(
            "entry", "Kampung KB save", "POST", path, data=fields, expect=(302,)
        )
        if answer is not None:
            self.get(
                "entry", "page after save", urlparse(answer.headers["Location"]).path
            )

    def measure(self):
        child = next(self.children, None)
        if child is None:  # every child of the desa measured today: edit instead
            return self.edit_kampung()
        pk, born, last_on, weight, height = child
        # Grown along the child's own curve since the last measurement.
        today = timezone.localdate()
        then, now = (last_on - born).days / 30.44, (today - born).days / 30.44
        grow_w = _median(MEDIAN_WEIGHT, now) / _median(MEDIAN_WEIGHT, then)
        grow_h = _median(MEDIAN_HEIGHT, now) / _median(MEDIAN_HEIGHT, then)
        path = f"/stunting/anak/{pk}/ukur/"
        page = self.get("entry", "measurement form", path)
        if page is None:
            return
        fields = form_fields(page.text, "weight_kg")
        fields.update(
            weight_kg=f"{weight * grow_w * self.rng.uniform(0.97, 1.03):.2f}",
            height_cm=f"{height * grow_h * self.rng.uniform(0.99, 1.01):.1f}",
        )
        preview = {
            k: fields[k] for k in ("measured_on", "weight_kg", "height_cm", "measured")
        }
        self.get(
            "entry",
            "z-score preview",
            f"/stunting/anak/{pk}/skor/?{urlencode(preview)}",
        )
        answer = self.req(
            "entry", "measurement save", "POST", path, data=fields, expect=(302,)
        )
        if answer is not None:
            self.measured.append(pk)
            self.get(
                "entry", "page after save", urlparse(answer.headers["Location"]).path
            )

    def actions(self):
        """(action, weight) for this user's role."""
        if self.role == Role.STAF:
            return [
                (self.dashboard, 40),
                (self.list_page, 30),
                (self.api, 20),
                (self.edit_kampung, 10),
            ]
        if self.role == Role.PIMPINAN:
            return [(self.dashboard, 50), (self.list_page, 30), (self.api, 20)]
        return [
            (self.dashboard, 30),
            (self.list_page, 30),
            (self.api, 15),
            (self.measure, 20),
            (self.edit_kampung, 5),
        ]

    def run(self, start_at, deadline, think):
        self.deadline = deadline
        actions = self.actions()
        funcs, weights = [a[0] for a in actions], [a[1] for a in actions]
        while time.monotonic() < start_at:
            time.sleep(0.01)
        # Users start spread over their first think time, not all in one instant.
        time.sleep(self.rng.uniform(0, think))
        while time.monotonic() < deadline:
            self.rng.choices(funcs, weights)[0]()
            if think:
                time.sleep(self.rng.uniform(0.5 * think, 1.5 * think))


# WHO 2006 medians (boys and girls averaged) by month: to grow a child's values.
MEDIAN_HEIGHT = [(0, 49.5), (3, 60.8), (6, 66.5), (9, 71.0), (12, 74.9), (18, 81.4)]
MEDIAN_HEIGHT += [(24, 86.9), (36, 95.6), (48, 102.9), (60, 109.6), (72, 116.0)]
MEDIAN_WEIGHT = [(0, 3.3), (3, 6.1), (6, 7.6), (9, 8.6), (12, 9.4), (18, 10.8)]
MEDIAN_WEIGHT += [(24, 12.0), (36, 14.1), (48, 16.1), (60, 18.2), (72, 20.4)]


def _median(table, months):
    for (m0, v0), (m1, v1) in zip(table, table[1:], strict=False):
        if months <= m1:
            return v0 + (v1 - v0) * max(0.0, months - m0) / (m1 - m0)
    return table[-1][1]


def _level_name(code):
    return {1: "province", 2: "kab/kota", 3: "kecamatan", 4: "desa"}[
        code.count(".") + 1
    ]


# ---------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(tmp: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench_load_settings",
        PYTHONPATH=f"{tmp}{os.pathsep}{ROOT}",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    return env


def start_servers(tmp: Path, port: int):
    # STATIC_ROOT is fixed in settings: a two-line settings module moves it.
    (tmp / "bench_load_settings.py").write_text(
        "from kampungkb.settings import *  # noqa: F403\n"
        f"STATIC_ROOT = {str(tmp / 'static')!r}\n"
    )
    env = server_env(tmp)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    procs = {}
    procs["gunicorn"] = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "kampungkb.wsgi:application",
            f"--workers={ARGS.workers}",
            f"--threads={ARGS.threads}",
            f"--keep-alive={ARGS.keep_alive}",
            f"--bind=127.0.0.1:{port}",
            f"--access-logfile={tmp / 'access.log'}",
            "--access-logformat=%(s)s %(m)s %(U)s %(M)sms",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(tmp / "gunicorn.out", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    if not ARGS.no_worker:
        procs["worker"] = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "kampungkb",
                "worker",
                "--loglevel=warning",
                "--concurrency=1",
                "--hostname=bench-load@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(tmp / "worker.out", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        if procs["gunicorn"].poll() is not None:
            raise SystemExit("gunicorn exited:\n" + (tmp / "gunicorn.out").read_text())
        try:
            if requests.get(base + LOGIN_URL, timeout=5).status_code == 200:
                return procs, base
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 60 s")


def _ticks(pid) -> float:
    """CPU seconds a process has used (user and system)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(root) -> list[int]:
    """A process and all its descendants (Linux /proc)."""
    parent = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parent[int(entry.name)] = int(stat[1])
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(p for p, pp in parent.items() if pp == pid)
    return found


class CpuMonitor(threading.Thread):
    """CPU seconds used during the load: the whole machine, gunicorn, the worker,
    and the PostgreSQL backends serving this database, sampled every 0.5 s so a
    connection closed meanwhile (CONN_MAX_AGE) still counts up to its last sample."""

    def __init__(self, procs, database):
        super().__init__(daemon=True)
        self.procs = procs
        self.tag = f" {database} "
        self.stopped = threading.Event()
        self.first, self.last = {}, {}
        self.backends_first, self.backends_last = {}, {}

    def _machine(self):
        values = [int(v) for v in Path("/proc/stat").read_text().split()[1:9]]
        return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")

    def _backends(self):
        found = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    title = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                except OSError:
                    continue
                if title.startswith(b"postgres: ") and self.tag.encode() in title:
                    found[int(entry.name)] = _ticks(entry.name)
        return found

    def sample(self):
        now = {"machine": self._machine()}
        for key, proc in self.procs.items():
            now[key] = sum(_ticks(pid) for pid in _tree(proc.pid))
        backends = self._backends()
        if not self.first:
            self.first = now
            self.backends_first = backends
        self.last = now
        for pid, ticks in backends.items():
            self.backends_first.setdefault(pid, 0.0)  # opened during the load
            self.backends_last[pid] = ticks

    def run(self):
        while not self.stopped.wait(0.5):
            self.sample()

    def stop(self):
        self.stopped.set()
        self.join()
        self.sample()

    def used(self) -> dict[str, float]:
        used = {k: self.last[k] - self.first.get(k, 0) for k in self.last}
        used["PostgreSQL"] = sum(
            t - self.backends_first[pid] for pid, t in self.backends_last.items()
        )
        return used


def stop(procs):
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for name, proc in procs.items():
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in 90 s; killing it", flush=True)
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------------
# Report


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def status_class(status):
    return "err" if status == 0 else f"{status // 100}xx"


def summarize(samples, elapsed):
    rows = {}
    groups = defaultdict(list)
    for s in samples:
        groups[s.category].append(s)
    groups["overall"] = list(samples)
    for name in [*CATEGORIES, "overall"]:
        group = groups.get(name)
        if not group:
            continue
        ms = [s.seconds * 1000 for s in group]
        classes = Counter(status_class(s.status) for s in group)
        rows[name] = {
            "requests": len(group),
            "per_s": len(group) / elapsed,
            "p50": percentile(ms, 0.50),
            "p95": percentile(ms, 0.95),
            "p99": percentile(ms, 0.99),
            "max": max(ms),
            **{c: classes.get(c, 0) for c in ("2xx", "3xx", "4xx", "5xx", "err")},
            "unexpected": sum(not s.expected for s in group),
            "retried": sum(s.retried for s in group),
        }
    return rows


def print_table(rows):
    print(
        "| category | requests | req/s | p50 ms | p95 ms | p99 ms | max ms "
        "| 2xx | 3xx | 4xx | 5xx | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['requests']:,} | {r['per_s']:.1f} | {r['p50']:.0f} "
            f"| {r['p95']:.0f} | {r['p99']:.0f} | {r['max']:.0f} | {r['2xx']:,} "
            f"| {r['3xx']:,} | {r['4xx']:,} | {r['5xx']:,} | {r['err']:,} |"
        )


def print_labels(samples):
    by_label = defaultdict(list)
    for s in samples:
        by_label[(s.category, s.label)].append(s.seconds * 1000)
    print("\n| category | request | count | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for (category, label), ms in sorted(by_label.items()):
        print(
            f"| {category} | {label} | {len(ms):,} | {percentile(ms, 0.5):.0f} "
            f"| {percentile(ms, 0.95):.0f} | {max(ms):.0f} |"
        )


def server_times(log: Path):
    """gunicorn's own time per request (from reading it to the response's end)."""
    ms = []
    for line in log.read_text().splitlines():
        parts = line.split()
        if (
            len(parts) == 4
            and parts[3].endswith("ms")
            and parts[2] not in (LOGIN_URL, "/api/token/")
        ):
            ms.append(float(parts[3][:-2]))
    if ms:
        print(
            f"\ngunicorn's time per request (access log, {len(ms):,} requests, sign-in "
            f"left out): p50 {percentile(ms, 0.5):.0f} ms, p95 "
            f"{percentile(ms, 0.95):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms"
        )


# ---------------------------------------------------------------------------
# Before and after


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


@dataclass
class Before:
    started: datetime.datetime
    kampung: dict  # pk: (secretariat_address, version, updated_at)
    counts: dict


def history_model(model):
    return model.history.model


def cleanup(before: Before, plan: Plan, user_ids, users: list[SimUser]):
    """Undo what the load wrote; give the tables whose count changed."""
    connection.close()
    measured = [pk for u in users for pk in u.measured]
    with transaction.atomic():
        # Measurements the load recorded (by the bench PLKBs, since the start).
        rows = Measurement.objects.filter(
            entered_by_id__in=user_ids, created_at__gte=before.started
        )
        ids = list(rows.values_list("pk", flat=True))
        rows.delete()
        history_model(Measurement).objects.filter(id__in=ids).delete()
        # Kampung KB as they were: fields, version and time of the last change.
        for pk, (address, version, updated_at) in before.kampung.items():
            KampungKB.objects.filter(pk=pk).update(
                secretariat_address=address, version=version, updated_at=updated_at
            )
        history_model(KampungKB).objects.filter(
            id__in=list(before.kampung), history_date__gte=before.started
        ).delete()
        # Sessions, sign-in records and (without --keep-users) the accounts. Other
        # sessions in the database were signed with other keys: not ours, no warning.
        logging.getLogger("django.security.SuspiciousSession").disabled = True
        bench_sessions = [
            s.pk
            for s in Session.objects.filter(expire_date__gt=timezone.now())
            if s.get_decoded().get("_auth_user_id") in {str(i) for i in user_ids}
        ]
        Session.objects.filter(pk__in=bench_sessions).delete()
        usernames = list(
            User.objects.filter(pk__in=user_ids).values_list("username", flat=True)
        )
        for name in ("AccessLog", "AccessAttempt", "AccessFailureLog"):
            model = apps.get_model("axes", name)
            model.objects.filter(username__in=usernames).delete()
        officers = list(
            FieldOfficer.objects.filter(user_id__in=user_ids).values_list(
                "pk", flat=True
            )
        )
        assignments = list(
            OfficerAssignment.objects.filter(officer_id__in=officers).values_list(
                "pk", flat=True
            )
        )
        if not ARGS.keep_users:
            FieldOfficer.objects.filter(pk__in=officers).delete()
            User.objects.filter(pk__in=user_ids).delete()  # tokens, regions go too
            since = {}
        else:
            since = {"history_date__gte": before.started}
        history_model(User).objects.filter(id__in=user_ids, **since).delete()
        history_model(FieldOfficer).objects.filter(id__in=officers, **since).delete()
        history_model(OfficerAssignment).objects.filter(
            id__in=assignments, **since
        ).delete()
        # This year's figures, from the data as restored, for the whole province:
        # a refresh of only the kab/kota changed would keep the country's stale
        # figure when every kab/kota of the province drops to nothing (issue 7
        # notes: dashboards.refresh._stored_siblings counts the province's stored
        # row as an outside sibling).
        today = timezone.localdate()
        pending_refresh_owe(
            region_code=plan.province,
            since=datetime.date(today.year, 1, 1),
            now=timezone.now(),
        )
    started = time.perf_counter()
    refreshed = pending_refresh_run()
    # The runs the load's saves (and this cleanup) logged: the figures they made
    # are replaced by the refresh above, their log rows go with the load.
    RefreshRun.objects.filter(created_at__gte=before.started).delete()
    print(
        f"Cleanup: {len(ids)} measurements deleted ({len(set(measured))} recorded "
        f"by the load), {len(before.kampung)} Kampung KB restored, "
        f"{len(bench_sessions)} sessions deleted, figures of {', '.join(refreshed)} "
        f"refreshed in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    redis.Redis.from_url(ARGS.broker).flushdb()
    after = table_counts()
    return {
        t: (before.counts.get(t), after.get(t))
        for t in sorted(set(before.counts) | set(after))
        if before.counts.get(t) != after.get(t)
    }


# ---------------------------------------------------------------------------


def main():
    global NOW_UTC
    NOW_UTC = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rng = random.Random(ARGS.seed)
    n_staff = max(1, ARGS.users // 5)  # 10 of 50
    n_pimpinan = max(1, (ARGS.users * 3) // 10)  # 15 of 50
    n_plkb = ARGS.users - n_staff - n_pimpinan  # 25 of 50
    if n_plkb < 1:
        raise SystemExit("--users must be at least 3")
    broker = redis.Redis.from_url(ARGS.broker)
    if broker.connection_pool.connection_kwargs.get("db", 0) <= 8:
        raise SystemExit(
            "Use a Redis database above 8 for the broker (DB 0-8 are shared)."
        )
    broker.flushdb()  # tasks left by an interrupted run

    print(
        f"Counting rows of every table in {connection.settings_dict['NAME']} ...",
        flush=True,
    )
    counts = table_counts()
    started = timezone.now()
    plan = choose_plan(n_staff, n_plkb, rng)
    passwords, user_ids = make_accounts(plan, n_plkb)
    kampung_ids = [
        *plan.staff_kampung,
        *KampungKB.objects.filter(region_id__in=plan.plkb_desa).values_list(
            "pk", flat=True
        ),
    ]
    before = Before(
        started=started,
        kampung={
            k.pk: (k.secretariat_address, k.version, k.updated_at)
            for k in KampungKB.objects.filter(pk__in=kampung_ids)
        },
        counts=counts,
    )
    kampung_of_desa = dict(
        KampungKB.objects.filter(region_id__in=plan.plkb_desa).values_list(
            "region_id", "pk"
        )
    )
    connection.close()

    tmp = Path(tempfile.mkdtemp(prefix="kkb-load-"))
    port = free_port()
    procs, users = {}, []
    failed = False
    try:
        procs, base = start_servers(tmp, port)
        for i in range(ARGS.users):
            urng = random.Random(rng.random())
            if i < n_staff:
                users.append(
                    SimUser(
                        i,
                        Role.STAF,
                        "bench_load_staf",
                        base,
                        plan,
                        urng,
                        kampung=plan.staff_kampung[i],
                    )
                )
            elif i < n_staff + n_pimpinan:
                users.append(
                    SimUser(i, Role.PIMPINAN, "bench_load_pimpinan", base, plan, urng)
                )
            else:
                k = i - n_staff - n_pimpinan
                desa = plan.plkb_desa[k]
                users.append(
                    SimUser(
                        i,
                        Role.PLKB,
                        f"bench_load_plkb_{k + 1:02d}",
                        base,
                        plan,
                        urng,
                        desa=desa,
                        kampung=kampung_of_desa[desa],
                    )
                )
        print(
            f"gunicorn on {base} ({ARGS.workers} workers x {ARGS.threads} threads), "
            f"worker: {'no' if ARGS.no_worker else 'yes'}; signing in {len(users)} users "
            f"({n_staff} staf, {n_pimpinan} pimpinan, {n_plkb} PLKB) ...",
            flush=True,
        )
        token_cache = {"lock": threading.Lock()}
        t0 = time.perf_counter()
        sign_in_errors = []

        def sign_in(chunk):
            for u in chunk:
                try:
                    u.sign_in(passwords[u.username], token_cache)
                except BaseException as exc:  # noqa: BLE001 - reported below
                    sign_in_errors.append(f"{u.username}: {exc}")

        workers = [
            threading.Thread(target=sign_in, args=(users[i::8],)) for i in range(8)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if sign_in_errors:
            raise SystemExit("Sign-in failed: " + "; ".join(sign_in_errors[:5]))
        print(
            f"Signed in {len(users)} users in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )

        if ARGS.probe:
            probe(users)
            return 0

        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        monitor = CpuMonitor(procs, connection.settings_dict["NAME"])
        monitor.sample()
        monitor.start()
        start_at = time.monotonic() + 0.5
        deadline = start_at + ARGS.duration
        threads = [
            threading.Thread(target=u.run, args=(start_at, deadline, ARGS.think))
            for u in users
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start_at
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        monitor.stop()
        used = monitor.used()
        samples = [s for u in users for s in u.samples]
        rows = summarize(samples, elapsed)
        client_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
        print(
            f"\n{NOW_UTC}: {ARGS.users} users, {elapsed:.1f} s "
            f"(load {ARGS.duration:.0f} s, then the requests in flight), think time "
            f"{0.5 * ARGS.think:.1f}-{1.5 * ARGS.think:.1f} s; client CPU "
            f"{client_cpu:.1f} s; load average {os.getloadavg()[0]:.1f}\n"
        )
        print_table(rows)
        print_labels(samples)
        server_times(tmp / "access.log")
        print(
            f"\nCPU during the load: the machine's {os.cpu_count()} cores "
            f"{100 * used['machine'] / (elapsed * os.cpu_count()):.0f} % busy; "
            f"gunicorn {used['gunicorn']:.0f} s, PostgreSQL (this database) "
            f"{used['PostgreSQL']:.0f} s, Celery worker {used.get('worker', 0):.0f} s, "
            f"the client {client_cpu:.0f} s, of {elapsed * os.cpu_count():.0f} s; "
            "the rest is other work on the machine"
        )
        notes = [n for u in users for n in u.notes]
        if notes:
            print(f"\n{len(notes)} unexpected answers, first ones:")
            for note in notes[:15]:
                print("  " + note)
        overall = rows["overall"]
        failed = overall["5xx"] > 0 or overall["err"] > 0
        print(
            f"\n5xx: {overall['5xx']}, transport errors or timeouts: {overall['err']}, "
            f"other unexpected answers: {overall['unexpected'] - overall['5xx'] - overall['err']}; "
            f"sent again after a reset kept-alive connection: {overall['retried']}"
        )
        # Issue 14's targets, reported (not asserted): p95 under 500 ms with 50
        # users, no 5xx with 200.
        print(
            f"Targets: p95 {overall['p95']:.0f} ms with {ARGS.users} users (target "
            f"< 500 ms with 50: {'met' if overall['p95'] < 500 else 'NOT met'}); "
            f"{overall['5xx']} 5xx (target 0 with 200: "
            f"{'met' if overall['5xx'] == 0 else 'NOT met'})"
        )
        if ARGS.json:
            Path(ARGS.json).write_text(
                json.dumps(
                    {
                        "date": NOW_UTC,
                        "elapsed": elapsed,
                        "rows": rows,
                    },
                    indent=1,
                )
            )
    finally:
        stop(procs)
        if failed:
            log = (
                (tmp / "gunicorn.out").read_text()
                if (tmp / "gunicorn.out").exists()
                else ""
            )
            print(
                "\ngunicorn log (last 60 lines):\n" + "\n".join(log.splitlines()[-60:])
            )
        changed = cleanup(before, plan, user_ids, users)
        if changed:
            print(
                "Row counts that differ from before the run (another user of the database?):"
            )
            for table, (was, now) in changed.items():
                print(f"  {table}: {was} -> {now}")
        else:
            print(
                f"Every table ({len(before.counts)}) has the row count it had before the run."
            )
    return 1 if failed else 0


def probe(users):
    """Every action of each role once, one request at a time."""
    seen = set()
    for u in users:
        if u.role in seen:
            continue
        seen.add(u.role)
        for action, _ in u.actions():
            for _ in range(10):
                action()
    samples = [s for u in users for s in u.samples]
    print_labels(samples)
    for u in users:
        for note in u.notes:
            print("  " + note)


if __name__ == "__main__":
    sys.exit(main())
