"""Would partitioning the measurement table by year help? Time the refresh's
stunting statement, and an old year's read, on the table as it is and on a copy
partitioned by year (PostgreSQL declarative partitioning), alternating in one run.

Usage (a database filled by `generate_synthetic`, see PERFORMANCE.md; it makes the
copy `bench_measurement_by_year` on first use and keeps it):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kampungkb_synthbench \\
    SECRET_KEY=bench .venv/bin/python bench/bench_partition.py [--years 2023 2024]
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

COPY = "bench_measurement_by_year"
# An old year's read a page might make: one kab/kota's measurements in a year.
OLD_YEAR_READ = """
SELECT COUNT(*), AVG(m.haz) FROM {table} m
JOIN stunting_child c ON c.id = m.child_id
JOIN villages_region r ON r.code = c.region_id
WHERE r.kabkota_id = %s AND m.measured_on BETWEEN %s AND %s
"""


def _setup():
    import django

    django.setup()


def make_copy(cursor, years):
    cursor.execute("SELECT to_regclass(%s)", [COPY])
    if cursor.fetchone()[0]:
        return
    print(f"making {COPY} (a copy of stunting_measurement, one partition a year)")
    cursor.execute(
        f"CREATE TABLE {COPY} (LIKE stunting_measurement INCLUDING DEFAULTS) "
        "PARTITION BY RANGE (measured_on)"
    )
    bounds = [("1900-01-01", f"{years[0]}-01-01", "before")]
    bounds += [(f"{y}-01-01", f"{y + 1}-01-01", str(y)) for y in years]
    bounds.append((f"{years[-1] + 1}-01-01", "2200-01-01", "after"))
    for low, high, name in bounds:
        cursor.execute(
            f"CREATE TABLE {COPY}_{name} PARTITION OF {COPY} "
            f"FOR VALUES FROM ('{low}') TO ('{high}')"
        )
    cursor.execute(f"INSERT INTO {COPY} SELECT * FROM stunting_measurement")
    cursor.execute(f"CREATE INDEX ON {COPY} (child_id)")
    cursor.execute(f"CREATE INDEX ON {COPY} (measured_on)")
    cursor.execute(f"ANALYZE {COPY}")


def timed(cursor, sql, params):
    start = time.perf_counter()
    cursor.execute(sql, params)
    cursor.fetchall()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, nargs="+", default=[2023, 2024, 2025])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kabkota", default="33.26")
    args = parser.parse_args()
    _setup()
    import datetime

    from django.db import connection

    from dashboards.indicators import measured_stunting_sql

    with connection.cursor() as cursor:
        make_copy(cursor, sorted(args.years))
        for year in args.years:
            sql, params = measured_stunting_sql(year=year)
            old = [args.kabkota, datetime.date(year, 1, 1), datetime.date(year, 12, 31)]
            results = {"refresh, table": [], "refresh, by year": []}
            results |= {"old-year read, table": [], "old-year read, by year": []}
            for _run in range(args.runs):
                results["refresh, table"].append(timed(cursor, sql, params))
                results["refresh, by year"].append(
                    timed(cursor, sql.replace("stunting_measurement", COPY), params)
                )
                results["old-year read, table"].append(
                    timed(
                        cursor,
                        OLD_YEAR_READ.format(table="stunting_measurement"),
                        old,
                    )
                )
                results["old-year read, by year"].append(
                    timed(cursor, OLD_YEAR_READ.format(table=COPY), old)
                )
            for name, times in results.items():
                print(f"{year} {name}: median {statistics.median(times):.2f} s {times}")
            for what in ("refresh", "old-year read"):
                ratio = statistics.median(
                    results[f"{what}, by year"]
                ) / statistics.median(results[f"{what}, table"])
                print(f"{year} {what}: partitioned / table = {ratio:.2f}")


if __name__ == "__main__":
    main()
