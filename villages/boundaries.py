"""Region boundaries from the files offices hold: GeoJSON, zipped Shapefile, KML/KMZ.

No boundary package is available offline, so each office uploads its own (BIG /
Ina-Geoportal exports). Every feature is matched to a kecamatan or desa/kelurahan
by its Kemendagri code (with or without dots, in any of the usual BIG fields), else
by its name and its parent's name; the rest are reported by feature number and
name. Geometries are made valid and simplified with shapely, rounded to ~1 m and
stored once per region; a later upload for the region replaces its boundary.

A file that cannot be read as a whole (too big, a zip bomb, a projected
coordinate system, not GeoJSON/KML) is refused with one message and saves nothing.
"""

import io
import json
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import shapefile
import shapely
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.validation import explain_validity

from kampungkb.access import can

from .models import Boundary, BoundaryFormat, BoundaryUpload, Region, RegionLevel

MAX_BYTES = 30 * 1024 * 1024
MAX_FEATURES = 5_000
MAX_VERTICES = 3_000_000
# A zip: how many members, how much once unpacked, and how much bigger than packed.
MAX_ZIP_MEMBERS = 30
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
# Indonesia with a margin, in degrees (WGS84): anything outside is not a region here.
LON_RANGE, LAT_RANGE = (90.0, 145.0), (-15.0, 10.0)
# Rounded to 5 decimals: about 1 m, far below what a desa map shows.
DECIMALS = 5
# Simplification tolerance in degrees, a small share of the region's size: about
# 2 m for a small urban kelurahan up to about 50 m for a large kecamatan.
TOLERANCE_SHARE = 0.004
TOLERANCE_RANGE = (0.00002, 0.0005)

# Fields that hold a Kemendagri code in BIG and Ina-Geoportal exports and in
# offices' own files (KDEBPS holds the BPS code, whose numbering differs: it is
# tried too, and only ever matches when it reads as a Kemendagri code in scope).
CODE_FIELDS = (
    "KDEPUM",
    "KODE_DESA",
    "KD_DESA",
    "KODE_KEL",
    "KODE_DESA_KEL",
    "KDCPUM",
    "KODE_KEC",
    "KD_KEC",
    "KODE_WILAYAH",
    "KODE_KEMENDAGRI",
    "KODE",
    "KDEBPS",
    "KDCBPS",
)
DESA_NAME_FIELDS = (
    "WADMKD",
    "DESA",
    "KELURAHAN",
    "DESA_KELURAHAN",
    "NAMA_DESA",
    "NAMA_KEL",
    "NAMA_KELURAHAN",
)
KECAMATAN_NAME_FIELDS = ("WADMKC", "KECAMATAN", "NAMA_KEC", "NAMA_KECAMATAN")
KABKOTA_NAME_FIELDS = ("WADMKK", "KABUPATEN", "KAB_KOTA", "KABKOTA", "NAMA_KAB")
GENERIC_NAME_FIELDS = ("NAMOBJ", "NAMA", "NAME", "NAMA_WILAYAH")
# The kind in front of a name, left out when names are compared.
_NAME_PREFIXES = re.compile(
    r"^(desa|kelurahan|kel\.?|kecamatan|kec\.?|kabupaten|kab\.?|kota)\s+"
)


class BoundaryFileError(ValidationError):
    """The file as a whole cannot be read; nothing was saved."""


@dataclass
class Feature:
    number: int  # 1-based, in the file's order
    properties: dict
    geometry: dict | None


# Reading the formats


def _decode_json(data: bytes):
    def refuse_constant(name):
        raise ValueError(name)

    try:
        return json.loads(data.decode("utf-8-sig"), parse_constant=refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BoundaryFileError(
            _("Berkas bukan GeoJSON yang sah: %(why)s") % {"why": str(exc)[:120]}
        ) from exc


_WGS84_CRS = ("crs84", "4326")


def _read_geojson(data: bytes) -> list[Feature]:
    doc = _decode_json(data)
    if not isinstance(doc, dict) or "type" not in doc:
        raise BoundaryFileError(_("Berkas JSON ini bukan GeoJSON (tidak ada 'type')."))
    crs = doc.get("crs")
    if crs is not None:
        name = str((crs.get("properties") or {}).get("name", "")).lower()
        if not name.endswith(_WGS84_CRS):
            raise BoundaryFileError(
                _(
                    "Koordinat berkas ini memakai sistem %(crs)s, bukan WGS84 "
                    "(derajat). Simpan ulang dalam WGS84 (EPSG:4326) lalu unggah lagi."
                )
                % {"crs": name or "?"}
            )
    kind = doc.get("type")
    if kind == "FeatureCollection":
        raw = doc.get("features")
        if not isinstance(raw, list):
            raise BoundaryFileError(_("GeoJSON tanpa daftar 'features'."))
    elif kind == "Feature":
        raw = [doc]
    else:
        raw = [{"type": "Feature", "properties": {}, "geometry": doc}]
    _check_count(len(raw))
    features = []
    for number, item in enumerate(raw, start=1):
        item = item if isinstance(item, dict) else {}
        properties = item.get("properties")
        geometry = item.get("geometry")
        features.append(
            Feature(
                number,
                properties if isinstance(properties, dict) else {},
                geometry if isinstance(geometry, dict) else None,
            )
        )
    return features


def _check_count(count):
    if count > MAX_FEATURES:
        raise BoundaryFileError(
            _("Berkas berisi %(n)s fitur; paling banyak %(max)s sekali unggah.")
            % {"n": count, "max": MAX_FEATURES}
        )
    if count == 0:
        raise BoundaryFileError(_("Berkas tidak berisi satu fitur pun."))


def _unzip(data: bytes) -> dict[str, bytes]:
    """The members of a zip, refusing one that unpacks to far more than it holds."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise BoundaryFileError(_("Berkas .zip rusak atau bukan zip.")) from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise BoundaryFileError(
            _("Zip berisi %(n)s berkas; paling banyak %(max)s.")
            % {"n": len(infos), "max": MAX_ZIP_MEMBERS}
        )
    bomb = BoundaryFileError(
        _("Zip ini mengembang terlalu besar saat dibuka (zip bomb?); ditolak.")
    )
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise bomb
    members, unpacked = {}, 0
    for info in infos:
        if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1024):
            raise bomb
        try:
            with archive.open(info) as member:
                # Read no more than the header promises: a lying header is a bomb.
                content = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
            raise BoundaryFileError(
                _("Berkas %(name)s di dalam zip tidak bisa dibuka.")
                % {"name": info.filename[:100]}
            ) from exc
        unpacked += len(content)
        if len(content) > info.file_size or unpacked > MAX_UNPACKED_BYTES:
            raise bomb
        members[info.filename] = content
    return members


def _projection_problem(prj: str) -> str:
    """Why a .prj's coordinate system cannot be used, or "" for WGS84 degrees."""
    text = prj.strip().upper()
    if not text:
        return ""
    if text.startswith("PROJCS") or text.startswith("PROJCRS"):
        match = re.match(r'PROJC(?:S|RS)\["([^"]*)"', text)
        return _(
            "Shapefile ini memakai proyeksi %(crs)s (koordinat dalam meter), bukan "
            "WGS84 (derajat). Simpan ulang dalam WGS84 (EPSG:4326), misalnya dengan "
            "QGIS: Export > Save Features As > CRS EPSG:4326, lalu unggah lagi."
        ) % {"crs": match.group(1) if match else "?"}
    # DGN95 (SRGI's predecessor) and SRGI2013 differ from WGS84 by less than a
    # metre: fine for a map of desa.
    if any(word in text for word in ("WGS_1984", "WGS 84", "WGS84", "DGN", "SRGI")):
        return ""
    return _(
        "Sistem koordinat Shapefile ini tidak dikenal; simpan ulang dalam WGS84 "
        "(EPSG:4326) lalu unggah lagi."
    )


def _read_shapefile(members: dict[str, bytes]) -> list[Feature]:
    by_suffix = {}
    for name, content in members.items():
        path = PurePosixPath(name)
        if path.name.startswith("."):  # macOS resource forks
            continue
        by_suffix.setdefault(path.suffix.lower(), []).append((path, content))
    shps = by_suffix.get(".shp", [])
    if not shps:
        raise BoundaryFileError(
            _("Zip tidak berisi Shapefile (.shp) atau KML; tidak ada yang dibaca.")
        )
    if len(shps) > 1:
        raise BoundaryFileError(
            _("Zip berisi lebih dari satu Shapefile (%(names)s); unggah satu per zip.")
            % {"names": ", ".join(p.name for p, _c in shps)[:200]}
        )
    stem = shps[0][0].with_suffix("").as_posix().lower()

    def part(suffix):
        for path, content in by_suffix.get(suffix, []):
            if path.with_suffix("").as_posix().lower() == stem:
                return content
        return None

    shx, dbf, prj, cpg = part(".shx"), part(".dbf"), part(".prj"), part(".cpg")
    missing = [s for s, c in ((".shx", shx), (".dbf", dbf)) if c is None]
    if missing:
        raise BoundaryFileError(
            _("Shapefile tidak lengkap: %(missing)s tidak ada di zip.")
            % {"missing": ", ".join(missing)}
        )
    if prj is not None:
        problem = _projection_problem(prj.decode("latin-1"))
        if problem:
            raise BoundaryFileError(problem)
    encoding = "utf-8"
    if cpg:
        asked = cpg.decode("ascii", "replace").strip().lower()
        encoding = {"1252": "cp1252", "ansi 1252": "cp1252"}.get(asked, asked)
        try:
            "".encode(encoding)
        except LookupError:
            encoding = "utf-8"
    try:
        reader = shapefile.Reader(
            shp=io.BytesIO(shps[0][1]),
            shx=io.BytesIO(shx),
            dbf=io.BytesIO(dbf),
            encoding=encoding,
            encodingErrors="replace",
        )
        _check_count(len(reader))
        features = []
        for number, item in enumerate(reader.iterShapeRecords(), start=1):
            geometry = None
            if item.shape.shapeType != shapefile.NULL:
                geometry = item.shape.__geo_interface__
            features.append(Feature(number, item.record.as_dict(), geometry))
    except BoundaryFileError:
        raise
    # pyshp raises many kinds of error on a damaged file (struct, index, value).
    except Exception as exc:
        raise BoundaryFileError(
            _("Shapefile rusak atau tidak terbaca: %(why)s") % {"why": str(exc)[:120]}
        ) from exc
    return features


_KML_PARSER = dict(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


def _kml_ring(element) -> list:
    text = element.text or ""
    points = []
    for chunk in text.split():
        parts = chunk.split(",")
        try:
            points.append([float(parts[0]), float(parts[1])])
        except (ValueError, IndexError):
            return []
    return points


def _read_kml(data: bytes) -> list[Feature]:
    try:
        root = etree.fromstring(data, etree.XMLParser(**_KML_PARSER))
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise BoundaryFileError(_("Berkas KML bukan XML yang sah.")) from exc
    if root is None:
        raise BoundaryFileError(_("Berkas KML bukan XML yang sah."))
    placemarks = list(root.iter("{*}Placemark"))
    _check_count(len(placemarks))
    features = []
    for number, placemark in enumerate(placemarks, start=1):
        properties = {}
        name = placemark.findtext("{*}name")
        if name:
            properties["NAME"] = name.strip()
        for data_item in placemark.iter("{*}Data"):
            properties[data_item.get("name", "")] = (
                data_item.findtext("{*}value") or ""
            ).strip()
        for simple in placemark.iter("{*}SimpleData"):
            properties[simple.get("name", "")] = (simple.text or "").strip()
        polygons = []
        for polygon in placemark.iter("{*}Polygon"):
            rings = [
                _kml_ring(c)
                for c in polygon.iterfind(
                    "{*}outerBoundaryIs/{*}LinearRing/{*}coordinates"
                )
            ]
            rings += [
                _kml_ring(c)
                for c in polygon.iterfind(
                    "{*}innerBoundaryIs/{*}LinearRing/{*}coordinates"
                )
            ]
            if rings and rings[0]:
                polygons.append([r for r in rings if r])
        geometry = (
            {"type": "MultiPolygon", "coordinates": polygons} if polygons else None
        )
        features.append(Feature(number, properties, geometry))
    return features


def boundary_file_features(*, name: str, data: bytes) -> tuple[str, list[Feature]]:
    """The format and the features of an uploaded boundary file; BoundaryFileError
    when it cannot be read as a whole."""
    suffix = PurePosixPath(name.lower()).suffix
    if suffix in (".geojson", ".json"):
        return BoundaryFormat.GEOJSON, _read_geojson(data)
    if suffix == ".kml":
        return BoundaryFormat.KML, _read_kml(data)
    if suffix in (".zip", ".kmz"):
        members = _unzip(data)
        kmls = [n for n in members if n.lower().endswith(".kml")]
        if suffix == ".kmz" or (
            kmls and not any(n.lower().endswith(".shp") for n in members)
        ):
            if not kmls:
                raise BoundaryFileError(_("KMZ ini tidak berisi berkas .kml."))
            return BoundaryFormat.KML, _read_kml(members[kmls[0]])
        return BoundaryFormat.SHAPEFILE, _read_shapefile(members)
    raise BoundaryFileError(
        _(
            "Format berkas tidak dikenal: unggah GeoJSON (.geojson/.json), Shapefile "
            "dalam .zip (.shp, .shx, .dbf, .prj) atau KML/KMZ."
        )
    )


# Geometry


def _polygons_only(geometry):
    """The polygonal part of a geometry (make_valid may add lines or points)."""
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    parts = [
        g
        for g in getattr(geometry, "geoms", [])
        if isinstance(g, Polygon | MultiPolygon)
    ]
    flat = []
    for part in parts:
        flat.extend(part.geoms if isinstance(part, MultiPolygon) else [part])
    return MultiPolygon(flat)


def _in_indonesia(bounds) -> bool:
    minx, miny, maxx, maxy = bounds
    return all(LON_RANGE[0] <= x <= LON_RANGE[1] for x in (minx, maxx)) and all(
        LAT_RANGE[0] <= y <= LAT_RANGE[1] for y in (miny, maxy)
    )


def _looks_projected(bounds) -> bool:
    return any(not math.isfinite(v) or abs(v) > 360 for v in bounds)


@dataclass
class _Shape:
    geometry: object | None = None
    refused: str = ""
    repaired: str = ""


def _shape_of(feature: Feature) -> _Shape:
    if feature.geometry is None:
        return _Shape(refused=_("Tidak ada geometri."))
    try:
        geometry = shape(feature.geometry)
        bounds = geometry.bounds
    # shapely raises several kinds of error on malformed coordinates.
    except Exception:
        return _Shape(refused=_("Geometri tidak terbaca."))
    if not isinstance(geometry, Polygon | MultiPolygon):
        return _Shape(
            refused=_("Bukan poligon (%(kind)s).") % {"kind": geometry.geom_type}
        )
    if geometry.is_empty:
        return _Shape(refused=_("Geometri kosong."))
    if not _in_indonesia(bounds):
        return _Shape(
            refused=_(
                "Koordinat di luar Indonesia (%(bounds)s): bukan WGS84 derajat "
                "bujur/lintang?"
            )
            % {"bounds": ", ".join(f"{v:.4g}" for v in bounds)}
        )
    repaired = ""
    if not geometry.is_valid:
        repaired = _("Geometri tidak sah (%(why)s), diperbaiki.") % {
            "why": explain_validity(geometry)[:100]
        }
        geometry = _polygons_only(shapely.make_valid(geometry))
    if geometry.is_empty or geometry.area <= 0:
        return _Shape(refused=_("Luas geometri nol; tidak disimpan."))
    return _Shape(geometry=geometry, repaired=repaired)


def _rounded(value):
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def boundary_simplified(geometry) -> tuple[dict, int, tuple[float, float]]:
    """A valid polygon geometry simplified for a map and rounded to ~1 m, as a
    GeoJSON dict, its number of vertices, and a point inside it (lon, lat)."""
    low, high = TOLERANCE_RANGE
    tolerance = min(high, max(low, math.sqrt(geometry.area) * TOLERANCE_SHARE))
    simple = geometry.simplify(tolerance, preserve_topology=True)
    # Snapping to the grid keeps the result valid (GEOS precision reducer).
    simple = _polygons_only(shapely.set_precision(simple, 10**-DECIMALS))
    if simple.is_empty:
        simple = geometry
    geojson = mapping(simple)
    inside = simple.representative_point()
    return (
        {"type": geojson["type"], "coordinates": _rounded(geojson["coordinates"])},
        int(shapely.get_num_coordinates(simple)),
        (round(inside.x, DECIMALS), round(inside.y, DECIMALS)),
    )


# Matching


def _upper_keys(properties: dict) -> dict[str, str]:
    out = {}
    for key, value in properties.items():
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out[str(key).strip().upper()] = "" if value is None else str(value).strip()
    return out


def _first(props, fields) -> str:
    return next((props[f] for f in fields if props.get(f)), "")


def normalize_code(raw: str) -> str:
    """A Kemendagri code with dots from any of its written forms, or ""."""
    if not re.fullmatch(r"[\d.\s]+", raw or ""):
        return ""
    digits = re.sub(r"\D", "", raw)
    cuts = {2: (2,), 4: (2, 4), 6: (2, 4, 6), 10: (2, 4, 6, 10)}.get(len(digits))
    if not cuts:
        return ""
    parts, start = [], 0
    for end in cuts:
        parts.append(digits[start:end])
        start = end
    return ".".join(parts)


def normalize_name(raw: str) -> str:
    """A name as compared: lower case, single spaces, without "Desa"/"Kec." etc."""
    name = " ".join(str(raw or "").lower().split())
    return _NAME_PREFIXES.sub("", name)


@dataclass
class _Identity:
    codes: list[str]
    level: int | None  # what the names describe, when there are names
    name: str
    parent: str
    grandparent: str

    @property
    def label(self):
        return self.name or ", ".join(self.codes)


def _identity(properties: dict) -> _Identity:
    props = _upper_keys(properties)
    codes = [
        code for code in (normalize_code(props.get(f, "")) for f in CODE_FIELDS) if code
    ]
    desa = _first(props, DESA_NAME_FIELDS)
    kecamatan = _first(props, KECAMATAN_NAME_FIELDS)
    kabkota = _first(props, KABKOTA_NAME_FIELDS)
    generic = _first(props, GENERIC_NAME_FIELDS)
    if not desa and generic and kecamatan and generic != kecamatan:
        desa = generic
    if desa:
        return _Identity(codes, RegionLevel.DESA, desa, kecamatan, kabkota)
    if kecamatan:
        return _Identity(codes, RegionLevel.KECAMATAN, kecamatan, kabkota, "")
    return _Identity(codes, None, generic, "", "")


def _name_candidates(identities) -> dict[tuple, list[Region]]:
    """Kecamatan and desa/kelurahan by (level, name), from one query."""
    names = {normalize_name(i.name) for i in identities if i.name and i.parent}
    by_name = {}
    if not names:
        return by_name
    rows = (
        Region.objects.annotate(lower_name=Lower("name"))
        .filter(
            lower_name__in=names,
            level__in=(RegionLevel.KECAMATAN, RegionLevel.DESA),
        )
        .select_related("parent__parent")
    )
    for region in rows:
        by_name.setdefault((region.level, normalize_name(region.name)), []).append(
            region
        )
    return by_name


def _may(user, region) -> bool:
    return user is None or can(user, "boundary.change", region)


def _match(identity, user, by_code, by_name) -> tuple[Region | None, str]:
    """The region a feature describes, or None and why not."""
    outside = False
    for code in identity.codes:
        region = by_code.get(code)
        if region is None:
            continue
        if region.level not in (RegionLevel.KECAMATAN, RegionLevel.DESA):
            return None, _(
                "Kode %(code)s adalah %(kind)s: peta memakai batas kecamatan atau "
                "desa/kelurahan."
            ) % {"code": code, "kind": region.get_level_display().lower()}
        if _may(user, region):
            return region, ""
        outside = True
    if outside:
        return None, _("Wilayah ini di luar wilayah kerja Anda.")
    if identity.level is None or not identity.parent:
        if identity.codes:
            return None, _("Kode %(codes)s tidak ditemukan.") % {
                "codes": ", ".join(identity.codes)
            }
        return None, _(
            "Tanpa kode wilayah, dan tanpa nama wilayah induk (mis. WADMKC untuk "
            "desa): tidak bisa dicocokkan."
        )
    candidates = [
        r
        for r in by_name.get((identity.level, normalize_name(identity.name)), [])
        if r.parent and normalize_name(r.parent.name) == normalize_name(identity.parent)
    ]
    if len(candidates) > 1 and identity.grandparent:
        candidates = [
            r
            for r in candidates
            if r.parent.parent
            and normalize_name(r.parent.parent.name)
            == normalize_name(identity.grandparent)
        ]
    mine = [r for r in candidates if _may(user, r)]
    if len(mine) == 1:
        return mine[0], ""
    if len(mine) > 1:
        return None, _(
            "Nama %(name)s (induk %(parent)s) ada di lebih dari satu wilayah; "
            "isi kodenya."
        ) % {"name": identity.name, "parent": identity.parent}
    if candidates:
        return None, _("Wilayah ini di luar wilayah kerja Anda.")
    return None, _("Tidak ada %(name)s dengan induk %(parent)s%(code)s.") % {
        "name": identity.name,
        "parent": identity.parent,
        "code": (
            _(" (kode %(codes)s juga tidak dikenal)")
            % {"codes": ", ".join(identity.codes)}
            if identity.codes
            else ""
        ),
    }


def _problem(feature, identity, status, reason):
    return {
        "feature": feature.number,
        "name": identity.label[:100],
        "status": status,
        "reason": str(reason),
    }


@transaction.atomic
def boundary_import(*, file, user, schematic=False) -> BoundaryUpload:
    """Store the boundaries of an uploaded file for the regions it matches and
    return the upload with its report; BoundaryFileError (nothing saved) when the
    file cannot be read as a whole. `user` None: the system (the demo), anywhere;
    `schematic`: made-up shapes, which the maps then say."""
    name = str(getattr(file, "name", "") or "")[:200]
    if file.size > MAX_BYTES:
        raise BoundaryFileError(
            _("Berkas terlalu besar: paling besar %(mb)s MB.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise BoundaryFileError(
            _("Berkas terlalu besar: paling besar %(mb)s MB.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    file_format, features = boundary_file_features(name=name, data=data)

    shapes = [_shape_of(f) for f in features]
    vertices = sum(
        int(shapely.get_num_coordinates(s.geometry)) for s in shapes if s.geometry
    )
    if vertices > MAX_VERTICES:
        raise BoundaryFileError(
            _("Berkas berisi %(n)s titik; paling banyak %(max)s sekali unggah.")
            % {"n": vertices, "max": MAX_VERTICES}
        )
    if all(s.geometry is None for s in shapes) and any(
        f.geometry is not None and _bounds_look_projected(f.geometry) for f in features
    ):
        raise BoundaryFileError(
            _(
                "Koordinatnya dalam meter, bukan derajat WGS84 (mungkin UTM). "
                "Simpan ulang dalam WGS84 (EPSG:4326) lalu unggah lagi."
            )
        )

    identities = [_identity(f.properties) for f in features]
    codes = {code for i in identities for code in i.codes}
    by_code = Region.objects.in_bulk(list(codes))
    by_name = _name_candidates(identities)

    problems = []
    counts = {"repaired": 0, "unmatched": 0, "refused": 0}
    chosen: dict[str, tuple[Region, list, int]] = {}
    for feature, identity, found in zip(features, identities, shapes, strict=True):
        region, why = _match(identity, user, by_code, by_name)
        if region is None:
            counts["unmatched"] += 1
            problems.append(_problem(feature, identity, "unmatched", why))
            continue
        if found.refused:
            counts["refused"] += 1
            problems.append(_problem(feature, identity, "refused", found.refused))
            continue
        if found.repaired:
            counts["repaired"] += 1
            problems.append(_problem(feature, identity, "repaired", found.repaired))
        if region.code in chosen:
            _region, parts, first = chosen[region.code]
            parts.append(found.geometry)
            problems.append(
                _problem(
                    feature,
                    identity,
                    "merged",
                    _("Digabung dengan fitur %(first)s: wilayah yang sama (%(code)s).")
                    % {"first": first, "code": region.code},
                )
            )
        else:
            chosen[region.code] = (region, [found.geometry], feature.number)

    upload = BoundaryUpload.objects.create(
        file_name=name,
        file_format=file_format,
        uploaded_by=user,
        schematic=schematic,
        features=len(features),
        matched=len(chosen),
        problems=problems,
        **counts,
    )
    now = timezone.now()
    rows = []
    for region, parts, _first_number in chosen.values():
        merged = parts[0] if len(parts) == 1 else shapely.union_all(parts)
        geometry, count, (lon, lat) = boundary_simplified(_polygons_only(merged))
        rows.append(
            Boundary(
                region=region,
                geometry=geometry,
                vertices=count,
                label_lon=lon,
                label_lat=lat,
                upload=upload,
                updated_at=now,
            )
        )
    Boundary.objects.filter(region__in=[r.region for r in rows]).delete()
    Boundary.objects.bulk_create(rows)
    return upload


def _bounds_look_projected(geometry: dict) -> bool:
    try:
        return _looks_projected(shape(geometry).bounds)
    except Exception:
        return False
