"""Time the long lists (children page, children and measurement API, admin, schema).

Usage, against a copy of the province data with the migrations applied:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kkb_copy SECRET_KEY=bench \\
        .venv/bin/python bench/bench_lists.py [--repeat 7] [--deep 20] [--explain]

Through Django's test client, as an administrator (the whole province) and as
staff of one city (33.75 Kota Pekalongan), it times: the children page's first
page, the page reached by following "next" --deep times, and the last page; the
same for /api/children/ and /api/measurements/; a name-prefix and a NIK search;
the admin changelists; the OpenAPI schema. It prints p50/p95 per URL and the
ratio province/city of the p50s: near 1 when a page reads only its own rows.
With --explain it also prints the plan (EXPLAIN ANALYZE) of each URL's slowest
query. Its two users and their sessions live in a transaction rolled back at
the end: the database is left as it was.
"""

import argparse
import os
import re
import statistics
import sys
import time
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITY = "33.75"
NEXT_LINK = re.compile(r'<a href="([^"]+)" rel="next">')


class Rollback(Exception):
    pass


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per URL")
    parser.add_argument("--deep", type=int, default=20, help="pages followed")
    parser.add_argument("--explain", action="store_true", help="print query plans")
    args = parser.parse_args()

    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # the test client's host and no real e-mail
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Static URLs without the collectstatic manifest: the same work per page.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }

    from kampungkb.keyset import last_cursor
    from kampungkb.models import Role, User
    from stunting.models import Child
    from villages.models import Region

    def timed(client, url):
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, response

    def follow_page(client, url, depth):
        for _ in range(depth):
            html = client.get(url).content.decode()
            found = NEXT_LINK.search(html)
            if not found:
                break
            url = "/stunting/anak/" + unescape(found.group(1))
        return url

    def follow_api(client, url, depth):
        for _ in range(depth):
            following = client.get(url).json()["next"]
            if not following:
                break
            url = following.removeprefix("http://testserver")
        return url

    def explain(client, url):
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        listed = [
            q for q in queries.captured_queries if '"stunting_' in q["sql"]
        ] or queries.captured_queries
        slowest = max(listed, key=lambda q: float(q["time"]))
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        print(f"\n{url} ({len(queries)} queries), slowest:\n{plan}")

    rows = []
    try:
        with transaction.atomic():
            admin = User.objects.create_superuser("bench-lists-admin", role=Role.ADMIN)
            staff = User.objects.create_user("bench-lists-staf", role=Role.STAF)
            staff.regions.set([Region.objects.get(code=CITY)])
            sample = Child.objects.filter(region__kabkota=CITY).order_by("pk").first()
            prefix = sample.name[:3]
            nik = CITY.replace(".", "") + "010101990001"
            clients = {}
            for who, user in (("province", admin), ("city", staff)):
                clients[who] = Client()
                clients[who].force_login(user)

            def urls(client):
                last = f"?cursor={last_cursor()}"
                found = {
                    "page first": "/stunting/anak/",
                    "page deep": follow_page(client, "/stunting/anak/", args.deep),
                    "page last": "/stunting/anak/" + last,
                }
                for name in ("children", "measurements"):
                    first = f"/api/{name}/"
                    found[f"api {name} first"] = first
                    found[f"api {name} deep"] = follow_api(client, first, args.deep)
                    found[f"api {name} last"] = first + last
                found["search name prefix"] = f"/stunting/anak/?q={prefix}"
                found["search NIK"] = f"/stunting/anak/?q={nik}"
                found["api filter class+period"] = (
                    "/api/children/?haz_class=stunting&year=2024"
                )
                return found

            admin_only = {
                "admin child": "/admin/stunting/child/",
                "admin child search": f"/admin/stunting/child/?q={prefix}",
                "admin measurement": "/admin/stunting/measurement/",
                "admin measurement filtered": "/admin/stunting/measurement/"
                "?haz_class=pendek&year=2024",
            }
            schema = "/api/schema/"
            first_schema, _ = timed(clients["province"], schema)
            plan = {who: urls(client) for who, client in clients.items()}
            for label in [*plan["province"], *admin_only, "schema"]:
                cells = [label]
                p50s = {}
                for who, client in clients.items():
                    url = (
                        plan[who].get(label)
                        or (admin_only.get(label) if who == "province" else None)
                        or (schema if label == "schema" else None)
                    )
                    if url is None:
                        cells += ["-", "-"]
                        continue
                    client.get(url)  # warm: the first run pays for the cache
                    times = [timed(client, url)[0] for _ in range(args.repeat)]
                    p50s[who] = statistics.median(times)
                    cells += [
                        f"{p50s[who] * 1000:.0f}",
                        f"{percentile(times, 0.95) * 1000:.0f}",
                    ]
                    if args.explain and label != "schema":
                        explain(client, url)
                ratio = (
                    f"{p50s['province'] / p50s['city']:.2f}" if len(p50s) == 2 else "-"
                )
                rows.append([*cells, ratio])
            raise Rollback
    except Rollback:
        pass

    head = ["URL", "province p50", "p95", "city p50", "p95", "prov/city"]
    print(f"\nms; {args.repeat} runs each; deep = {args.deep} pages followed")
    print(f"schema, first request of the process: {first_schema * 1000:.0f} ms")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        print("  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
