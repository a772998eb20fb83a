"""Write the demo's SCHEMATIC boundary files (villages/demo_data/).

    SECRET_KEY=t python tools/schematic_boundaries.py

Shapes are made up (villages.schematic); codes and names come from the region
source. Real boundaries come from BIG, uploaded by each office.
"""

import json
import os
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")
django.setup()

from villages.regions_source import source_regions  # noqa: E402
from villages.schematic import schematic_collection  # noqa: E402

# Rough boxes around each kab/kota (degrees: west, south, east, north).
FILES = {
    "33.75": ("kota_pekalongan", (109.64, -6.93, 109.72, -6.85)),
    "33.26": ("kabupaten_pekalongan", (109.45, -7.20, 109.78, -6.88)),
}


def main():
    for prefix, (stem, bounds) in FILES.items():
        regions = source_regions(prefix=prefix)
        kabkota = next(r.name for r in regions if r.code == prefix)
        kecamatan = [
            (
                k.code,
                k.name,
                [(d.code, d.name) for d in regions if d.code.startswith(k.code + ".")],
            )
            for k in regions
            if k.level == 3 and k.code.startswith(prefix + ".")
        ]
        collection = schematic_collection(
            kabkota=kabkota, kecamatan=kecamatan, bounds=bounds
        )
        path = ROOT / "villages" / "demo_data" / f"{stem}_batas_skematis.geojson"
        path.write_text(json.dumps(collection, ensure_ascii=False) + "\n")
        print(path, len(collection["features"]))


if __name__ == "__main__":
    main()
