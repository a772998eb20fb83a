"""Schematic (NOT official) boundaries for demos and benchmarks.

No real boundary data can be reached offline, so the demo and the benchmarks draw
their maps from made-up shapes: a kab/kota's box cut into one cell per kecamatan,
each cut into its desa/kelurahan by a Voronoi diagram of seeded points. Neighbours
and sizes are invented; only codes and names are real. Offices upload the real
boundaries from BIG.
"""

import math
import random

import shapely
from shapely.geometry import MultiPoint, box, mapping

NOTE = (
    "SKEMATIS, BUKAN BATAS RESMI: bentuk dan letak dibuat-buat untuk demo; hanya kode "
    "dan nama wilayah yang nyata. Unggah batas resmi dari BIG (Ina-Geoportal)."
)


def _cells(bounds, count):
    """`count` boxes tiling `bounds` in a near-square grid, north-west first."""
    west, south, east, north = bounds
    columns = max(1, math.ceil(math.sqrt(count)))
    rows = math.ceil(count / columns)
    width, height = (east - west) / columns, (north - south) / rows
    return [
        box(
            west + (i % columns) * width,
            north - (i // columns + 1) * height,
            west + (i % columns + 1) * width,
            north - (i // columns) * height,
        )
        for i in range(count)
    ]


def _split(cell, count, seed):
    if count == 1:
        return [cell]
    rng = random.Random(seed)
    west, south, east, north = cell.bounds
    points = MultiPoint(
        [
            (rng.uniform(west, east), rng.uniform(south, north))
            for _point in range(count)
        ]
    )
    pieces = [
        piece.intersection(cell)
        for piece in shapely.voronoi_polygons(points, extend_to=cell).geoms
    ]
    # Voronoi cells come in no set order: give each point's code its own cell.
    return [
        next(piece for piece in pieces if piece.contains(point))
        for point in points.geoms
    ]


def schematic_collection(*, kabkota, kecamatan, bounds) -> dict:
    """A GeoJSON FeatureCollection of schematic kecamatan and desa/kelurahan
    boundaries.

    `kabkota` is its name, `kecamatan` a list of (code, name, [(desa code, desa
    name), ...]); features carry BIG's attribute names (KDCPUM, KDEPUM, WADMKD,
    WADMKC, WADMKK) so they load through the same import as an office's file.
    """
    features = []
    for cell, (kec_code, kec_name, desa) in zip(
        _cells(bounds, len(kecamatan)), kecamatan, strict=True
    ):
        features.append(
            _feature(
                cell,
                {
                    "KDCPUM": kec_code,
                    "WADMKC": kec_name,
                    "WADMKK": kabkota,
                    "KETERANGAN": "SKEMATIS",
                },
            )
        )
        for piece, (code, name) in zip(
            _split(cell, len(desa), kec_code), desa, strict=True
        ):
            features.append(
                _feature(
                    piece,
                    {
                        "KDEPUM": code,
                        "WADMKD": name,
                        "WADMKC": kec_name,
                        "WADMKK": kabkota,
                        "KETERANGAN": "SKEMATIS",
                    },
                )
            )
    return {"type": "FeatureCollection", "keterangan": NOTE, "features": features}


def _feature(shape, properties) -> dict:
    geometry = mapping(shapely.set_precision(shape, 1e-5))
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {
            "type": geometry["type"],
            "coordinates": _lists(geometry["coordinates"]),
        },
    }


def _lists(value):
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return round(value, 5)
