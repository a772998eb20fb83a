"""Measure the dashboard map at province scale: payload bytes, queries and time.

Usage (on a COPY of the province data: it writes SCHEMATIC boundaries into it):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kkb_copy SECRET_KEY=bench \
        DEBUG=1 ALLOWED_HOSTS=testserver .venv/bin/python bench/bench_maps.py [--kab 33.18]

Generates schematic desa/kelurahan and kecamatan boundaries for one kabupaten
(villages.schematic), made wiggly like real BIG boundaries (a vertex every ~30 m,
moved up to ~10 m), imports them through villages.boundaries, then requests the
kab/kota dashboard as an official twice (drawn, then cached) and at the
kecamatan level, printing the page and map bytes (raw and gzip), the queries and
the time of each.
"""

import argparse
import gzip
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ_ONLY = {"kampungkb_synthbench"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kab", default="33.18")
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1] in READ_ONLY:
        sys.exit("Run on a copy: this writes boundaries.")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")
    import django

    django.setup()
    import shapely
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from shapely.geometry import shape

    from kampungkb.models import Role, User
    from villages.boundaries import boundary_import
    from villages.models import Boundary, Region
    from villages.schematic import schematic_collection

    kab = Region.objects.get(code=args.kab)
    kecamatan = [
        (k.code, k.name, list(k.children.order_by("code").values_list("code", "name")))
        for k in Region.objects.filter(parent=kab).order_by("code")
    ]
    doc = schematic_collection(
        kabkota=kab.name, kecamatan=kecamatan, bounds=(110.9, -6.85, 111.3, -6.5)
    )
    rng = random.Random(1)
    for feature in doc["features"]:
        ring = list(
            shapely.segmentize(shape(feature["geometry"]), 0.0003).exterior.coords
        )
        ring = [
            (x + rng.uniform(-1e-4, 1e-4), y + rng.uniform(-1e-4, 1e-4))
            for x, y in ring[:-1]
        ]
        polygon = shapely.make_valid(shapely.Polygon([*ring, ring[0]]))
        feature["geometry"] = json.loads(shapely.to_geojson(polygon))
    data = json.dumps(doc).encode()
    started = time.perf_counter()
    upload = boundary_import(
        file=SimpleUploadedFile("bench.geojson", data), user=None, schematic=True
    )
    stored = sum(
        Boundary.objects.filter(upload=upload).values_list("vertices", flat=True)
    )
    print(
        f"{kab.name}: {upload.features} features ({len(data):,} bytes), "
        f"{upload.matched} matched, {stored:,} vertices stored, "
        f"import {time.perf_counter() - started:.1f} s"
    )
    official, _created = User.objects.get_or_create(
        username="bench.maps", defaults={"role": Role.PIMPINAN}
    )
    official.regions.set([kab])
    client = Client()
    client.force_login(official)
    for label, query in (
        ("drawn", ""),
        ("cached", ""),
        ("kecamatan", "?peta=kecamatan"),
    ):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            page = client.get(f"/dashboard/{kab.code}/{query}").content
            took = time.perf_counter() - started
        start = page.find(b'<script id="figure-map"')
        figure = page[start : page.find(b"</script>", start)]
        print(
            f"{label:10} page {len(page):,} B (gzip {len(gzip.compress(page)):,}), "
            f"map {len(figure):,} B (gzip {len(gzip.compress(figure)):,}), "
            f"{len(queries)} queries, {took * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
