"""Time the measurement-file import on PostgreSQL against PostgreSQL's own COPY.

Usage (PostgreSQL on loopback, trust auth):
    SECRET_KEY=bench .venv/bin/python bench/bench_import.py \
        --admin-url postgres://postgres@127.0.0.1:5432/postgres [--rows 100000]

It creates a scratch database (dropped and recreated on each run), migrates it,
loads the regions of Kota Pekalongan (33.75), writes an e-PPGBM-style CSV with
`make_measurement_file.py` and measures, in one run on one machine:
  - baseline: COPY of the same file into a plain table of text columns, the least
    work PostgreSQL can do to store it (best of three, table emptied between);
  - the full import by a staff user of Kota Pekalongan, through the same service
    as the upload page: reading, checking every row, z-scores, children and
    measurements (no per-row history: the batch is their record), in one
    transaction;
  - the same file again (everything is skipped).
Targets (issue 4): at least 20,000 rows/s; import time at most 3 times COPY's.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import psycopg

SCRATCH_DB = "kampungkb_bench_import"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def recreate_database(admin_url):
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
        conn.execute(f"CREATE DATABASE {SCRATCH_DB}")
    return f"{admin_url.rsplit('/', 1)[0]}/{SCRATCH_DB}"


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


class Phases:
    """Wrap the importer's steps to see where the time goes."""

    def __init__(self, importer):
        self.seconds = {}
        for owner, name in (
            (importer, "read_table"),
            (importer.Checker, "run"),
            (importer, "write"),
        ):
            setattr(owner, name, self._wrap(name, getattr(owner, name)))

    def _wrap(self, name, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] = time.perf_counter() - start

        return wrapper


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--admin-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="URL of a database the bench may use to create and drop its scratch one",
    )
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    url = recreate_database(args.admin_url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from make_measurement_file import HEADER, write_file

    from kampungkb.models import Role, User
    from stunting import importer
    from stunting.models import ImportBatch, Measurement
    from stunting.services import measurement_import
    from villages.models import Region
    from villages.services import region_load

    call_command("migrate", verbosity=0)
    region_load(prefix="33.75")
    codes = list(Region.objects.filter(level=4).values_list("code", flat=True))
    staff = User.objects.create_user("staf.bench", role=Role.STAF)
    staff.regions.set([Region.objects.get(code="33.75")])

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pengukuran.csv"
        children = write_file(path, args.rows, codes)
        size_mb = path.stat().st_size / 1e6

        def copy_baseline():
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("DROP TABLE IF EXISTS copy_baseline")
                conn.execute(
                    "CREATE TABLE copy_baseline ("
                    + ", ".join(f'"{h}" text' for h in HEADER)
                    + ")"
                )
                start = time.perf_counter()
                with (
                    path.open("rb") as source,
                    conn.cursor().copy(
                        "COPY copy_baseline FROM STDIN "
                        "WITH (FORMAT csv, HEADER true, DELIMITER ';')"
                    ) as copy,
                ):
                    while block := source.read(1 << 20):
                        copy.write(block)
                seconds = time.perf_counter() - start
                (count,) = conn.execute("SELECT count(*) FROM copy_baseline").fetchone()
                conn.execute("DROP TABLE copy_baseline")
                assert count == args.rows, count
                return seconds

        copy_s = min(copy_baseline() for _ in range(3))

        def run_import():
            batch = ImportBatch.objects.create(
                uploaded_by=staff, file_name=path.name, file_sha256="bench"
            )
            return measurement_import(batch=batch, data=path.read_bytes())

        phases = Phases(importer)
        import_s, first = timed(run_import)
        first_phases = dict(phases.seconds)
        rerun_s, second = timed(run_import)

    assert first.status == "done", first.errors[:5]
    assert Measurement.objects.count() == first.created_measurements
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate, copy_rate = args.rows / import_s, args.rows / copy_s

    print(f"file: {args.rows:,} rows, {children:,} children, {size_mb:.1f} MB")
    print(
        f"COPY into a text table (best of 3): {copy_s:6.2f} s = {copy_rate:9,.0f} rows/s"
    )
    print(
        f"import, empty tables:               {import_s:6.2f} s = {rate:9,.0f} rows/s"
        f"  (children {first.created_children:,}, measurements "
        f"{first.created_measurements:,}, flagged {first.flagged_rows:,})"
    )
    print(
        "  of which read {read_table:.2f} s, check + z-scores {run:.2f} s, "
        "write {write:.2f} s".format(**first_phases)
    )
    print(
        f"import again, all skipped:          {rerun_s:6.2f} s = "
        f"{args.rows / rerun_s:9,.0f} rows/s  (skipped {second.skipped_rows:,})"
    )
    print(f"ratio import / COPY (time):         {import_s / copy_s:6.2f}")
    print(f"peak memory (ru_maxrss):            {peak_mb:6.0f} MB")
    print(
        f"target 20,000 rows/s -> {'met' if rate >= 20_000 else 'NOT met'}; "
        f"aim import <= 3 x COPY -> {'met' if import_s <= 3 * copy_s else 'not met'}; "
        f"peak under 1 GB -> {'met' if peak_mb < 1024 else 'NOT met'}"
    )

    connection.close()
    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")


if __name__ == "__main__":
    main()
