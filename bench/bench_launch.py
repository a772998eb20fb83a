"""Server time and queries of the before/after-launch pages at province scale.

Usage (the province-scale database; it is only read: the session is read-only):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kampungkb_synthbench \\
    SECRET_KEY=bench .venv/bin/python bench/bench_launch.py [--kabkota 33.16] \\
        [--requests 10]

Picks the kab/kota with the most Kampung KB (or --kabkota) and times, as an
administrator held in memory (no user, no session is written):
- the Kampung KB page (dashboards.views.launch_kampung) of the Kampung KB whose
  launch is nearest the middle of the monthly figures, by month and by quarter;
- a launch batch of every Kampung KB of that kab/kota launched in the busiest
  month (a LaunchEvent held in memory: the synthetic data has no launch events),
  its comparison and both figures, as the batch page computes them.
Printed: queries, p50 and max (ms) of each.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from dashboards import charts, launches, views  # noqa: E402
from dashboards.models import Span, StuntingFigure  # noqa: E402
from kampungkb.models import Role, User  # noqa: E402
from villages.models import KampungKB, LaunchEvent, Region  # noqa: E402


def _timed(call, requests):
    times, queries = [], 0
    for _n in range(requests + 1):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
        queries = len(captured)
    times = times[1:]  # the first warms caches
    return queries, statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kabkota")
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    # Static URLs without the collectstatic manifest: the same work per page.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    kabkota = args.kabkota or (
        KampungKB.objects.values("region__kabkota")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("region__kabkota", flat=True)
        .first()
    )
    kampungs = list(KampungKB.objects.filter(region__kabkota=kabkota))
    years = sorted(
        set(
            StuntingFigure.objects.filter(
                region_code=kabkota, span=Span.MONTH
            ).values_list("year", flat=True)
        )
    )
    middle = datetime.date((years[0] + years[-1] + 1) // 2, 7, 1)
    kampung = min(kampungs, key=lambda k: abs((k.formed_on - middle).days))
    admin = User(username="bench", role=Role.ADMIN, is_superuser=True)
    factory = RequestFactory()
    print(
        f"{Region.objects.get(code=kabkota).name} ({kabkota}): {len(kampungs)} "
        f"Kampung KB, monthly figures {years[0]}-{years[-1]}"
    )
    for span in (Span.MONTH, Span.QUARTER):
        request = factory.get("/", {"rentang": span})
        request.user = admin

        def page(request=request):
            response = views.launch_kampung(request, kampung.pk)
            assert response.status_code == 200

        queries, p50, worst = _timed(page, args.requests)
        print(
            f"Kampung KB page {kampung.name} (launched {kampung.formed_on}), {span}: "
            f"{queries} queries, p50 {p50:.0f} ms, max {worst:.0f} ms"
        )
    month, _n = Counter(
        k.formed_on.replace(day=1)
        for k in kampungs
        if k.formed_on >= middle.replace(month=1)
    ).most_common(1)[0]
    members = [k for k in kampungs if k.formed_on.replace(day=1) == month]
    event = LaunchEvent(date=month)
    for span in (Span.MONTH, Span.QUARTER):

        def batch(span=span):
            result = launches.batch_comparison(
                event=event, batch=members, members=members, span=span
            )
            for measure in ("prevalence", "coverage"):
                charts.launch_figure(
                    comparison=result, subject_name="batch", measure=measure
                )

        queries, p50, worst = _timed(batch, args.requests)
        print(
            f"Batch of {len(members)} launched {month:%Y-%m}, {span}: {queries} "
            f"queries, p50 {p50:.0f} ms, max {worst:.0f} ms"
        )


if __name__ == "__main__":
    main()
