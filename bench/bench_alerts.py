"""Time the raising of early warnings against the refresh it follows, and the
alert list page for an administrator and a kab/kota's staff.

Usage (a COPY of the province-scale database: the raise writes alerts):
    createdb -T kampungkb_synthbench kkb_<you>_big
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kkb_<you>_big \\
    SECRET_KEY=bench .venv/bin/python bench/bench_alerts.py \\
        [--year 2025] [--kabkota 33.26] [--today 2026-01-10]

`--today` puts "today" just after the synthetic measurements (the child rules
read the last dashboards.alerts.CHILD_WINDOW days). Printed: the refresh of one
year for the kab/kota and for the whole province, the raise over the same scope
(first run, and the rerun that finds every key taken), the number of alerts,
and the list page's queries and time (median of 5) per user.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")


def _timed(call, /, *args, **kwargs):
    start = time.perf_counter()
    result = call(*args, **kwargs)
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--kabkota", default="33.26")
    parser.add_argument("--province", default="33")
    parser.add_argument("--today", default="2026-01-10")
    parser.add_argument("--pages-only", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from dashboards.alerts import alert_raise
    from dashboards.models import Alert
    from dashboards.refresh import snapshot_refresh
    from kampungkb.models import Role, User
    from villages.models import Region

    settings.ALLOWED_HOSTS = ["*"]
    # Static URLs without the collectstatic manifest (as bench_urls.py does).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    today = datetime.date.fromisoformat(args.today)
    for within in () if args.pages_only else ([args.kabkota], [args.province]):
        refresh, _ = _timed(snapshot_refresh, years=[args.year], within=within)
        first, raised = _timed(
            alert_raise, within=within, years=[args.year], today=today
        )
        again, more = _timed(alert_raise, within=within, years=[args.year], today=today)
        print(
            f"{within}: refresh {refresh:.1f} s; raise {first:.1f} s "
            f"({raised} new); rerun {again:.1f} s ({more} new)"
        )
    print(
        "alerts by kind:",
        dict(
            Alert.objects.values_list("kind").annotate(n=django.db.models.Count("id"))
        ),
    )

    admin, _ = User.objects.get_or_create(
        username="bench-alerts-admin", defaults={"is_superuser": True}
    )
    staf, _ = User.objects.get_or_create(
        username="bench-alerts-staf", defaults={"role": Role.STAF}
    )
    staf.regions.set([Region.objects.get(code=args.kabkota)])
    for label, user in (("admin", admin), (f"staf {args.kabkota}", staf)):
        client = Client()
        client.force_login(user)
        for query in ({}, {"status": "open"}):
            times = []
            for _ in range(5):
                with CaptureQueriesContext(connection) as queries:
                    took, response = _timed(client.get, reverse("alert-list"), query)
                times.append(took)
            print(
                f"list {label} {query or ''}: {response.status_code}, "
                f"{len(queries)} queries, p50 {1000 * statistics.median(times):.0f} ms"
            )
    User.objects.filter(username__startswith="bench-alerts-").delete()


if __name__ == "__main__":
    main()
