"""Time a dashboard page's server time for a province against one city.

Usage (the province-scale database, figures refreshed with `refresh_indicators`):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kampungkb_synthbench \\
    SECRET_KEY=bench .venv/bin/python bench/bench_dashboard.py [--requests 200]

Renders `/dashboard/<code>/` in process through Django's test client (the whole
request: middleware, session, queries, templates; no network) for Jawa Tengah
(33, 35 kab/kota, 8,563 desa/kelurahan) and Kota Pekalongan (33.75, 27
kelurahan), alternating, signed in as an administrator. Targets (issue 5): the
province page within 1.2 times the city page; p95 under 100 ms.

Pages keep their drawn KPIs, charts and tables until the figures are refreshed
(dashboards.views._data_html); `--cold` empties that cache before every request,
to time the first view after a refresh.
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
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from kampungkb.models import Role, User  # noqa: E402

PAGES = {"province 33": "/dashboard/33/", "city 33.75": "/dashboard/33.75/"}


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cold", action="store_true", help="no cached parts")
    args = parser.parse_args()
    setup_test_environment()  # the test client's host and no real e-mail
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Static URLs without the collectstatic manifest: the same work per page.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    user, _ = User.objects.get_or_create(
        username="bench.dashboard", defaults={"role": Role.ADMIN, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    times = {name: [] for name in PAGES}
    for url in PAGES.values():  # warm up: templates, connections
        assert client.get(url).status_code == 200, url
    for _ in range(args.requests):
        for name, url in PAGES.items():
            if args.cold:
                cache.clear()
            start = time.perf_counter()
            response = client.get(url)
            times[name].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    for name, values in times.items():
        print(
            f"{name}: p50 {statistics.median(values):.1f} ms, "
            f"p95 {percentile(values, 0.95):.1f} ms, max {max(values):.1f} ms"
        )
    ratio = statistics.median(times["province 33"]) / statistics.median(
        times["city 33.75"]
    )
    p95 = max(percentile(v, 0.95) for v in times.values())
    print(
        f"ratio province/city (p50): {ratio:.2f} -> target 1.2 "
        f"{'met' if ratio <= 1.2 else 'NOT met'}; p95 {p95:.1f} ms -> target 100 ms "
        f"{'met' if p95 < 100 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
