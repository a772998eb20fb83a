"""Time a PLKB's worklist (stunting.worklists) at province scale.

Usage (the province-scale database; it is only read):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kampungkb_synthbench \\
    SECRET_KEY=bench .venv/bin/python bench/bench_worklists.py \\
        [--today 2025-12-20] [--repeat 5]

Picks the desa with the most children and eight desa of its kecamatan (a PLKB's
usual share) and times each worklist selector for the one desa and for the eight:
queries and p50 (ms). The ratio eight/one says how the list grows with a PLKB's
desa; each selector reads only its desa's children, so a whole province's size
does not enter. `--today` puts "today" near the synthetic measurements.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--today", default="2025-12-20")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from stunting import worklists
    from stunting.models import Child
    from villages.models import Region, RegionLevel

    today = datetime.date.fromisoformat(args.today)
    largest = (
        Child.objects.values("region_id").annotate(n=Count("id")).order_by("-n").first()
    )
    desa = Region.objects.get(pk=largest["region_id"])
    eight = list(
        Region.objects.filter(kecamatan_id=desa.kecamatan_id, level=RegionLevel.DESA)
        .order_by("code")
        .values_list("pk", flat=True)[:8]
    )
    if desa.pk not in eight:
        eight = [desa.pk, *eight[:7]]
    print(f"desa {desa.code} ({largest['n']:,} children); eight: {len(eight)} desa")
    selectors = (
        worklists.children_due_measurement,
        worklists.children_not_gaining_twice,
        worklists.children_newly_stunted,
        worklists.audits_due,
        worklists.audit_follow_ups_due,
        worklists.dashat_follow_ups_due,
    )
    print(f"{'selector':30} {'one: q':>6} {'ms':>7} {'eight: q':>8} {'ms':>7} ratio")
    for selector in selectors:
        row = []
        for region_ids in ([desa.pk], eight):
            times = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    due = selector(region_ids=region_ids, today=today)
                    times.append(time.perf_counter() - start)
            row.append((len(queries), statistics.median(times) * 1000, due.total))
        (q1, t1, _n1), (q8, t8, n8) = row
        print(
            f"{selector.__name__:30} {q1:>6} {t1:>7.0f} {q8:>8} {t8:>7.0f} "
            f"{t8 / t1:.1f}  ({n8:,} due in the eight)"
        )


if __name__ == "__main__":
    main()
