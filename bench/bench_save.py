"""Server time of a PLKB's save, with the refresh it owes run after the response.

Usage (a scratch database with the demo; the embedded default: SQLite, no broker):
    export DATABASE_URL=sqlite:////tmp/kkb_bench_save.sqlite3 SECRET_KEY=bench DEBUG=1
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_regions \\
      && .venv/bin/python manage.py load_demo && .venv/bin/python manage.py refresh_indicators
    .venv/bin/python bench/bench_save.py [--saves 40] [--pause 0.25]

Signs in as the demo PLKB (plkb.selatan) through Django's test client (the whole
middleware stack, no network) and alternates two saves: the Kampung KB profile of
one of their kelurahan, and a new measurement of one of their children. Each save
owes a refresh of Kota Pekalongan; `--pause` seconds between saves let that refresh
run on the background thread while the next saves come in, as on a real server.
Prints p50/p95 of the saves' server time for the background thread (the default)
and, for comparison in the same run, with the refresh inside the request (the
behaviour before issue 13), then waits for the background refresh and checks that
nothing is left owed. Target (issue 13): p95 under 300 ms on the demo.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from dashboards.models import PendingRefresh  # noqa: E402
from kampungkb import background  # noqa: E402
from kampungkb.access import scoped  # noqa: E402
from kampungkb.models import User  # noqa: E402
from stunting.models import Child  # noqa: E402
from villages.models import KampungKB  # noqa: E402

PLKB = "plkb.selatan"


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Saves:
    """The PLKB's two kinds of save, each a POST that must redirect (saved)."""

    def __init__(self, client, user):
        self.client = client
        self.kampung = scoped(KampungKB.objects, user, write=True).order_by("pk")[0]
        today = timezone.localdate()
        # Children of the PLKB's desa not yet measured today, in birth order.
        self.children = iter(
            scoped(Child.objects, user, write=True)
            .exclude(measurements__measured_on=today)
            .filter(birth_date__gt=today.replace(year=today.year - 4))
            .order_by("birth_date", "pk")
        )
        self.count = 0

    def profile(self):
        self.kampung.refresh_from_db()
        self.count += 1
        return self.client.post(
            reverse("kampung-edit", args=[self.kampung.pk]),
            {
                "name": self.kampung.name,
                "formed_on": self.kampung.formed_on.isoformat(),
                "sk_number": self.kampung.sk_number,
                "sk_date": self.kampung.sk_date.isoformat()
                if self.kampung.sk_date
                else "",
                "secretariat_address": f"Jl. Bench No. {self.count}",
                "siga_k0_year": self.kampung.siga_k0_year or "",
                "rumah_dataku": self.kampung.rumah_dataku,
                "version": self.kampung.version,
            },
        )

    def measurement(self):
        child = next(self.children)
        return self.client.post(
            reverse("measurement-create", args=[child.pk]),
            {
                "measured_on": timezone.localdate().isoformat(),
                "weight_kg": "11.0",
                "height_cm": "85.0",
                "measured": "standing",
                "place": "posyandu",
                "posyandu": "Posyandu Bench",
            },
        )


def timed_saves(saves, count, pause):
    """Server time of `count` alternating saves, in ms."""
    times = []
    for n in range(count):
        save = saves.profile if n % 2 == 0 else saves.measurement
        start = time.perf_counter()
        response = save()
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 302:
            raise SystemExit(
                f"save {n + 1} ({save.__name__}) not saved: {response.status_code}"
            )
        time.sleep(pause)
    return times


def report(label, times):
    p50, p95 = statistics.median(times), percentile(times, 0.95)
    print(
        f"{label}: {len(times)} saves, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
        f"max {max(times):.0f} ms"
    )
    return p95


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=40)
    parser.add_argument("--pause", type=float, default=0.25)
    parser.add_argument(
        "--inline-saves",
        type=int,
        default=6,
        help="saves with the refresh inside the request, for comparison (0: none)",
    )
    args = parser.parse_args()
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        raise SystemExit("Unset CELERY_BROKER_URL: this measures the embedded default.")
    user = User.objects.get(username=PLKB)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    saves = Saves(client, user)
    print(
        f"database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
        f"refresh delay {settings.DASHBOARD_REFRESH_DELAY_S} s, pause {args.pause} s"
    )

    settings.BACKGROUND_TASKS = "thread"
    timed_saves(saves, 2, 0)  # warm up: first queries, templates, the thread
    background.wait_idle(600)
    after = timed_saves(saves, args.saves, args.pause)
    start = time.perf_counter()
    if not background.wait_idle(600):
        raise SystemExit("The background refresh did not finish in 10 minutes.")
    drained = time.perf_counter() - start
    p95 = report("refresh after the response (background thread)", after)
    owed = PendingRefresh.objects.count()
    print(f"  last refresh done {drained:.1f} s after the last save; owed now: {owed}")

    if args.inline_saves:
        settings.BACKGROUND_TASKS = "inline"
        inside = timed_saves(saves, args.inline_saves, 0)
        inline_p50 = statistics.median(inside)
        report("refresh inside the request (before issue 13)", inside)
        print(
            f"  p50 ratio inside / after: {inline_p50 / statistics.median(after):.0f} x"
        )
    print(f"target p95 < 300 ms: {'met' if p95 < 300 else 'NOT met'}")
    if owed:
        raise SystemExit("Refreshes were left owed.")


if __name__ == "__main__":
    main()
