"""Time from a PLKB's saved change to the dashboard figure that shows it.

Usage (PostgreSQL filled by `generate_synthetic`, Redis on loopback):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kampungkb_synthbench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/5 SECRET_KEY=bench \\
    .venv/bin/python bench/bench_change_latency.py [--changes 5]

Starts a real Celery worker on the same database and broker, then, per change,
registers a child in a random desa/kelurahan and records a measurement for it
today through the same services the entry pages call, and polls the snapshot
the dashboard reads (that desa's measurement coverage this year) until it counts
the child. The children made here are deleted at the end. Target (issue 5): a
change shows on the dashboard within 10 s.
"""

import argparse
import datetime
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from dashboards.models import Snapshot  # noqa: E402
from dashboards.refresh import snapshot_refresh  # noqa: E402
from kampungkb.celery import app  # noqa: E402
from stunting.models import Child  # noqa: E402
from stunting.services import child_register, measurement_record  # noqa: E402
from villages.models import Region  # noqa: E402

BENCH_NAME = "Anak bench latensi"


def coverage(desa, year):
    row = Snapshot.objects.filter(
        indicator="measurement_coverage", region_code=desa.code, period=year
    ).first()
    return (row.numerator, row.denominator) if row else (0, 0)


def start_worker():
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kampungkb", "worker", "--pool=solo"]
        + ["--purge", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("The Celery worker did not start.")
    return worker


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if settings.CELERY_TASK_ALWAYS_EAGER:
        raise SystemExit("Set CELERY_BROKER_URL: this measures a real worker.")
    today = datetime.date.today()
    if not Snapshot.objects.filter(period=today.year).exists():
        print("No figures for this year yet: a full refresh of it first.")
        snapshot_refresh(years=[today.year])
    rng = random.Random(args.seed)
    desa_codes = sorted(Child.objects.values_list("region_id", flat=True).distinct())
    worker = start_worker()
    latencies = []
    try:
        for change in range(1, args.changes + 1):
            desa = Region.objects.get(code=rng.choice(desa_codes))
            before = coverage(desa, today.year)
            child = child_register(
                region=desa,
                name=f"{BENCH_NAME} {change}",
                sex="P",
                birth_date=today - datetime.timedelta(days=400),
            )
            measurement_record(
                child=child,
                measured_on=today,
                weight_kg=8.5,
                height_cm=74,
                measured="lying",
            )
            saved = time.perf_counter()
            while coverage(desa, today.year) == before:
                if time.perf_counter() - saved > 60:
                    raise SystemExit(f"change {change}: not shown after 60 s")
                time.sleep(0.05)
            latency = time.perf_counter() - saved
            latencies.append(latency)
            print(f"change {change} in {desa.code}: shown after {latency:.2f} s")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        made = Child.objects.filter(name__startswith=BENCH_NAME)
        regions = {c.region.kabkota_id for c in made}
        made.delete()  # measurements go with them
        snapshot_refresh(years=[today.year], within=sorted(regions))
    print(
        f"median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s "
        f"(refresh delay {settings.DASHBOARD_REFRESH_DELAY_S} s) -> target 10 s "
        f"{'met' if max(latencies) <= 10 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
