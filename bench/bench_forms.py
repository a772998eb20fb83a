"""Time the form pages that offer Kampung KB, regions or users, by role and scope.

Usage (on a COPY of the province data: it writes bench accounts, a cycle for
each kab/kota used and a managed account into it, once):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kkb_copy SECRET_KEY=bench \
        .venv/bin/python bench/bench_forms.py [--runs 15] [--kab 33.10]

Signed in as an administrator (the whole province), as staff of one large
kabupaten (--kab, default: the one with most Kampung KB) and as staff of one city
(Kota Pekalongan, 33.75), it requests each page in-process with Django's test
client (no network), after one warm-up, and prints per URL and role the median
and 95th percentile in ms, the number of SQL queries, and the ratio of the
median to the city's. A page that costs the same for a city and a province reads
near 1; a page that lists every row of the province grows with it.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITY = "33.75"
READ_ONLY = {"kampungkb_synthbench"}


def setup(kab_code):
    """Bench accounts, one cycle per kab/kota with every Kampung KB taking part,
    and a PLKB account in each that its staff (and the administrator) manage;
    made once, found again on the next run."""
    from django.db.models import Count

    from evaluations import services as ev
    from evaluations.models import Cycle
    from kampungkb.models import Role, User
    from villages.models import FieldOfficer, KampungKB, OfficerAssignment, Region

    if kab_code is None:
        kab_code = (
            KampungKB.objects.values("region__kabkota")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()["region__kabkota"]
        )
    admin, _ = User.objects.get_or_create(
        username="bench.admin", defaults={"is_superuser": True, "role": Role.ADMIN}
    )
    users = {"admin": admin}
    for key, code in (("kab", kab_code), ("kota", CITY)):
        user, _ = User.objects.get_or_create(
            username=f"bench.staf.{code}", defaults={"role": Role.STAF}
        )
        user.regions.set([Region.objects.get(code=code)])
        users[key] = user
    evaluator, _ = User.objects.get_or_create(
        username="bench.evaluator", defaults={"role": Role.EVALUATOR}
    )
    evaluator.regions.set(Region.objects.filter(code__in=[kab_code, CITY]))
    cycles = {}
    for key, code in (("kab", kab_code), ("kota", CITY)):
        region = Region.objects.get(code=code)
        cycle = Cycle.objects.filter(region=region, name="Bench").first()
        if cycle is None:
            cycle = ev.cycle_create(
                region=region,
                name="Bench",
                year=2025,
                evaluated_on=datetime.date(2025, 4, 29),
                template=None,
                created_by=admin,
            )
            ev.cycle_participants_set(
                cycle=cycle, kampungs=list(KampungKB.objects.in_region(region))
            )
            ev.evaluator_assign(cycle=cycle, evaluator=evaluator)
        cycles[key] = cycle
    cycles["admin"] = cycles["kab"]
    plkbs = {}
    for key, code in (("kab", kab_code), ("kota", CITY)):
        plkb, _ = User.objects.get_or_create(
            username=f"bench.plkb.{code}", defaults={"role": Role.PLKB}
        )
        officer, _ = FieldOfficer.objects.get_or_create(
            user=plkb, defaults={"name": f"Bench PLKB {code}"}
        )
        desa = Region.objects.filter(code__startswith=code + ".", level=4).first()
        OfficerAssignment.objects.get_or_create(officer=officer, region=desa)
        plkbs[key] = plkb
    plkbs["admin"] = plkbs["kab"]
    return kab_code, users, cycles, plkbs


def pages(cycle, plkb):
    officer_pk = plkb.field_officer.pk
    return [
        ("/", "home"),
        ("/pencanangan/baru/", "launch"),
        (f"/evaluasi/{cycle.pk}/", "cycle"),
        (f"/akun/pengguna/{plkb.pk}/", "account"),
        ("/akun/pengguna/baru/", "account new"),
        ("/kampung/baru/", "kampung new"),
        ("/target/", "targets"),
        (f"/plkb/{officer_pk}/", "officer"),
        ("/stunting/anak/baru/", "child new"),
        ("/stunting/prevalensi/tambah/", "prevalence new"),
        ("/stunting/dashat/baru/", "dashat new"),
        ("/evaluasi/baru/", "cycle new"),
        ("/evaluasi/rubrik/salin/", "template copy"),
        ("/evaluasi/penghargaan/", "awards"),
        (f"/evaluasi/{cycle.pk}/peserta/", "participants"),
        (f"/evaluasi/{cycle.pk}/evaluator/", "evaluators"),
        ("/cari/kampung/?sumber=pencanangan&q=kampung", "search kampung"),
        ("/cari/wilayah/?sumber=kampung-baru&q=sari", "search desa"),
    ]


def measure(client, url, runs):
    from django.db import connection

    response = client.get(url)
    if response.status_code != 200:
        return None
    times, captured = [], []

    def count(execute, sql, params, many, context):
        captured.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, len(captured)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kab", default=None, help="code of the staff's kabupaten")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    if connection.settings_dict["NAME"] in READ_ONLY:
        sys.exit("This bench writes bench accounts: run it on a copy.")
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    # No collectstatic needed: the pages' asset links are not what is measured.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    kab, users, cycles, plkbs = setup(args.kab)

    rows = {}
    for role in ("admin", "kab", "kota"):
        client = Client()
        client.force_login(users[role])
        for url, name in pages(cycles[role], plkbs[role]):
            rows.setdefault(name, {})[role] = (url, measure(client, url, args.runs))

    print(f"province data; staff kab = {kab}, city = {CITY}; {args.runs} runs each")
    print(
        f"{'page':<16}{'role':<7}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}"
        f"{'x city':>8}  url"
    )
    for name, by_role in rows.items():
        city = by_role["kota"][1]
        for role, (url, result) in by_role.items():
            if result is None:
                print(f"{name:<16}{role:<7}{'(not 200)':>18}  {url}")
                continue
            p50, p95, queries = result
            ratio = f"{p50 / city[0]:.2f}" if city else "-"
            print(
                f"{name:<16}{role:<7}{p50:>9.1f}{p95:>9.1f}{queries:>9}{ratio:>8}  "
                f"{url}"
            )


if __name__ == "__main__":
    main()
