"""Time a full indicator refresh for one year against the single SQL statement
that computes measured stunting per desa/kelurahan from the same rows.

Usage (a PostgreSQL database filled by `generate_synthetic`, see PERFORMANCE.md):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kampungkb_synthbench \\
    SECRET_KEY=bench .venv/bin/python bench/bench_refresh.py [--year 2024] [--runs 3]

Per run, in this order: the baseline statement (YEARLY_SQL below: measured
stunting per desa for the year, each child's latest valid row found by one window
pass; issue 5's reference), the statement the refresh runs for stunting
(dashboards.indicators.measured_stunting_sql: the same per desa and month, folded
into months, quarters and the year), then `snapshot_refresh(years=[year])` in a
fresh child process, whose peak memory (ru_maxrss) is the refresh's own. The
SKDN statement (dashboards.indicators.skdn_sql: each child's latest weighing of
each month marked N/T/O/B, 2T and BGM) is timed on its own too: it is the
refresh's added cost for posyandu months. Targets
(issue 5): refresh within 1.5 times the baseline; peak memory under 1 GB.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")


def _setup():
    import django

    django.setup()


# Issue 5's reference: measured stunting per desa for one year, in one statement.
YEARLY_SQL = """
SELECT region_id, COUNT(*), SUM(valid),
       SUM(CASE WHEN valid = 1 AND haz < -2 THEN 1 ELSE 0 END),
       SUM(CASE WHEN valid = 1 AND haz < -3 THEN 1 ELSE 0 END)
FROM (
    SELECT c.region_id, m.haz, m.valid,
           ROW_NUMBER() OVER (
               PARTITION BY m.child_id ORDER BY m.valid DESC, m.measured_on DESC
           ) AS position
    FROM (
        SELECT child_id, haz, measured_on,
               CASE WHEN haz IS NOT NULL AND NOT haz_implausible THEN 1 ELSE 0 END
                   AS valid
        FROM stunting_measurement
        WHERE measured_on BETWEEN %s AND %s AND age_days BETWEEN 0 AND %s
    ) AS m
    JOIN stunting_child c ON c.id = m.child_id
) AS ranked
WHERE position = 1
GROUP BY region_id
"""


def time_baseline(year, *, periods=False, skdn=False):
    import datetime

    from django.db import connection

    from dashboards.indicators import measured_stunting_sql, skdn_sql
    from stunting.models import BALITA_MAX_DAYS

    if skdn:
        sql, params = skdn_sql(year=year)
    elif periods:
        sql, params = measured_stunting_sql(year=year)
    else:
        sql = YEARLY_SQL
        params = [datetime.date(year, 1, 1), datetime.date(year, 12, 31)]
        params.append(BALITA_MAX_DAYS)
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return time.perf_counter() - start, len(rows)


def refresh_child(year):
    """Run in a child process: refresh one year, print seconds, rows, peak MB."""
    import resource

    from dashboards.refresh import snapshot_refresh

    start = time.perf_counter()
    rows = snapshot_refresh(years=[year])
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak_mb}))


def time_refresh(year):
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--year", str(year)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    _setup()
    if args.child:
        refresh_child(args.year)
        return

    from django.db import connection

    from stunting.models import Child, Measurement

    print(
        f"database {connection.settings_dict['NAME']}: "
        f"{Child.objects.count():,} children, {Measurement.objects.count():,} "
        f"measurements"
    )
    time_baseline(args.year)  # warm the cache: both sides then read from memory
    ratios = []
    for run in range(1, args.runs + 1):
        baseline_s, desa = time_baseline(args.year)
        periods_s, desa_months = time_baseline(args.year, periods=True)
        skdn_s, skdn_months = time_baseline(args.year, skdn=True)
        refresh = time_refresh(args.year)
        ratio = refresh["seconds"] / baseline_s
        ratios.append(ratio)
        print(
            f"run {run}: baseline {baseline_s:.2f} s ({desa:,} desa), stunting by "
            f"month {periods_s:.2f} s ({desa_months:,} desa-months, "
            f"{periods_s / baseline_s:.2f}x), SKDN marks {skdn_s:.2f} s "
            f"({skdn_months:,} desa-months, {skdn_s / baseline_s:.2f}x), "
            f"refresh {refresh['seconds']:.2f} s "
            f"({refresh['rows']:,} rows), ratio {ratio:.2f}, refresh peak memory "
            f"{refresh['peak_mb']:,.0f} MB"
        )
    median = statistics.median(ratios)
    print(
        f"median ratio {median:.2f} -> target 1.5 {'met' if median <= 1.5 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
