"""Time `load_regions` for the whole country on PostgreSQL, against a raw-COPY baseline.

Usage (PostgreSQL on loopback, trust auth):
    SECRET_KEY=bench .venv/bin/python bench/bench_load_regions.py \
        --admin-url postgres://postgres@127.0.0.1:5432/postgres

It creates a scratch database (dropped and recreated on each run), migrates it and
measures, in one run on one machine:
  - full load of 91,599 regions into an empty table (target: under 30 s);
  - rerun with nothing to change (must report no change);
  - baseline: reading the source plus COPY of the same rows into an unindexed
    table, the least work PostgreSQL can do to store them.
The ratio load/baseline says how much the loader costs beyond storing the data,
which stays meaningful on a shared, noisy machine.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import psycopg

SCRATCH_DB = "kampungkb_bench"
ROOT = Path(__file__).resolve().parent.parent


def recreate_database(admin_url):
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
        conn.execute(f"CREATE DATABASE {SCRATCH_DB}")
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{SCRATCH_DB}"


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--admin-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="URL of a database the bench may use to create and drop its scratch one",
    )
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = recreate_database(args.admin_url)
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from villages.models import Region
    from villages.regions_source import source_regions
    from villages.services import region_load

    call_command("migrate", verbosity=0)

    def baseline():
        rows = source_regions()
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE region_copy (code varchar(13), name varchar(100), "
                "level smallint, kind varchar(12), postal_code varchar(5))"
            )
            with cursor.connection.cursor().copy("COPY region_copy FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(
                        (r.code, r.name, r.level, r.kind, r.postal_code or "")
                    )
        return len(rows)

    baseline_s, baseline_rows = timed(baseline)
    load_s, first = timed(region_load)
    rerun_s, second = timed(region_load)
    total = Region.objects.count()

    print(f"regions in database:        {total:,}")
    print(f"full load (empty table):    {load_s:6.2f} s  created={first.created:,}")
    print(f"rerun (nothing to change):  {rerun_s:6.2f} s  changed={second.changed}")
    print(f"baseline source+COPY:       {baseline_s:6.2f} s  rows={baseline_rows:,}")
    print(f"ratio full load / baseline: {load_s / baseline_s:6.2f}")
    print(f"ratio rerun / baseline:     {rerun_s / baseline_s:6.2f}")
    print(f"target: full load under 30 s -> {'met' if load_s < 30 else 'NOT met'}")

    connection.close()
    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")


if __name__ == "__main__":
    main()
