"""Boundaries the office uploads (issue 15, item 1): GeoJSON, zipped Shapefile and
KML matched by code or name + parent, repaired, simplified, stored once; bad files
refused whole with a clear message; only staff, only in their own kab/kota."""

import io
import json
import zipfile

import pytest
import shapefile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kampungkb.models import Role, User
from villages import boundaries
from villages.boundaries import BoundaryFileError, boundary_import, normalize_code
from villages.models import Boundary, BoundaryUpload, Region

MEDONO, PODOSUGIH, TIRTO = "33.75.01.1002", "33.75.01.1003", "33.75.01.1009"
WGS84_PRJ = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,'
    '298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)
UTM_PRJ = (
    'PROJCS["WGS_1984_UTM_Zone_49S",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]]],PROJECTION["Transverse_Mercator"]]'
)


def square(x=109.66, y=-6.89, size=0.01):
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def bowtie(x=109.68, y=-6.90, size=0.01):
    # Crosses itself: not valid, repaired into two triangles.
    ring = [[x, y], [x + size, y + size], [x + size, y], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def geojson(*features, name="batas.geojson"):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": geometry}
            for props, geometry in features
        ],
    }
    return SimpleUploadedFile(name, json.dumps(doc).encode())


def shapefile_zip(rows, *, prj=WGS84_PRJ, leave_out=()):
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON)
    writer.field("KDEPUM", "C", 20)
    writer.field("WADMKD", "C", 50)
    writer.field("WADMKC", "C", 50)
    for code, name, kecamatan, geometry in rows:
        writer.poly(geometry["coordinates"])
        writer.record(code, name, kecamatan)
    writer.close()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        parts = {
            ".shp": shp.getvalue(),
            ".shx": shx.getvalue(),
            ".dbf": dbf.getvalue(),
            ".prj": prj.encode(),
        }
        for suffix, content in parts.items():
            if suffix not in leave_out:
                archive.writestr(f"ADMINISTRASIDESA_AR_25K{suffix}", content)
    return SimpleUploadedFile("batas_desa.zip", out.getvalue())


@pytest.fixture
def staf(kota_pekalongan):
    user = User.objects.create_user("staf.kota", role=Role.STAF)
    user.regions.set([kota_pekalongan])
    return user


@pytest.fixture
def staf_kab(kab_pekalongan):
    user = User.objects.create_user("staf.kab", role=Role.STAF)
    user.regions.set([kab_pekalongan])
    return user


def test_codes_are_read_with_or_without_dots():
    assert normalize_code("3375011002") == MEDONO
    assert normalize_code("33.75.01.1002") == MEDONO
    assert normalize_code(" 33.75.01 ") == "33.75.01"
    assert normalize_code("337501100") == ""  # 9 digits: no Kemendagri code
    assert normalize_code("33-75-01") == ""


def test_a_big_like_geojson_is_matched_by_code_or_name_and_reported(staf):
    upload = boundary_import(
        file=geojson(
            # 1: dotted code in KDEPUM, as BIG writes it.
            ({"KDEPUM": MEDONO, "WADMKD": "Medono"}, square(109.60)),
            # 2: undotted code in KODE_DESA.
            ({"KODE_DESA": "3375011003", "WADMKD": "Podosugih"}, square(109.62)),
            # 3: no code: name + kecamatan, other case and spacing.
            ({"WADMKD": "  TIRTO ", "WADMKC": "pekalongan  barat"}, square(109.64)),
            # 4: an unknown code and 5: a name not in that kecamatan.
            ({"KDEPUM": "33.75.01.1999", "WADMKD": "Entah"}, square(109.66)),
            ({"WADMKD": "Medono", "WADMKC": "Pekalongan Timur"}, square(109.68)),
            # 6: self-crossing, repaired; 7: a point, refused.
            ({"KDEPUM": "33.75.02.1004"}, bowtie()),
            (
                {"KDEPUM": "33.75.02.1007"},
                {"type": "Point", "coordinates": [109.7, -6.9]},
            ),
        ),
        user=staf,
    )
    assert (upload.features, upload.matched, upload.unmatched) == (7, 4, 2)
    assert (upload.repaired, upload.refused) == (1, 1)
    assert set(Boundary.objects.values_list("region", flat=True)) == {
        MEDONO,
        PODOSUGIH,
        TIRTO,
        "33.75.02.1004",
    }
    by_feature = {p["feature"]: p for p in upload.problems}
    assert by_feature[4]["status"] == "unmatched"
    assert "33.75.01.1999" in by_feature[4]["reason"]
    assert by_feature[5]["name"] == "Medono"
    assert "Pekalongan Timur" in by_feature[5]["reason"]
    assert by_feature[6]["status"] == "repaired"
    assert "Self-intersection" in by_feature[6]["reason"]
    assert by_feature[7] | {"reason": ""} == {
        "feature": 7,
        "name": "33.75.02.1007",
        "status": "refused",
        "reason": "",
    }
    repaired = Boundary.objects.get(region="33.75.02.1004")
    assert repaired.geometry["type"] == "MultiPolygon"
    # Stored rounded to 5 decimals, with a point inside for the map's tap target.
    medono = Boundary.objects.get(region=MEDONO)
    assert sorted(map(tuple, medono.geometry["coordinates"][0][:-1])) == [
        (109.6, -6.89),
        (109.6, -6.88),
        (109.61, -6.89),
        (109.61, -6.88),
    ]
    assert 109.6 < medono.label_lon < 109.61 and -6.89 < medono.label_lat < -6.88
    assert medono.upload == upload and medono.vertices == 5


def test_a_detailed_boundary_is_simplified_and_a_reupload_replaces_it(staf):
    # A circle of 2,000 points around a kelurahan-sized area (~1 km).
    import math

    ring = [
        [
            109.66 + 0.005 * math.cos(a / 1000 * math.pi),
            -6.89 + 0.005 * math.sin(a / 1000 * math.pi),
        ]
        for a in range(2000)
    ]
    detailed = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    boundary_import(file=geojson(({"KDEPUM": MEDONO}, detailed)), user=staf)
    first = Boundary.objects.get(region=MEDONO)
    assert 8 < first.vertices < 200

    second = boundary_import(file=geojson(({"KDEPUM": MEDONO}, square())), user=staf)
    assert Boundary.objects.filter(region=MEDONO).count() == 1
    assert Boundary.objects.get(region=MEDONO).upload == second


def test_a_zipped_shapefile_in_wgs84_is_imported(staf):
    upload = boundary_import(
        file=shapefile_zip(
            [
                (MEDONO, "Medono", "Pekalongan Barat", square(109.60)),
                ("", "Tirto", "Pekalongan Barat", square(109.64)),
            ]
        ),
        user=staf,
    )
    assert upload.file_format == "shapefile"
    assert (upload.matched, upload.unmatched) == (2, 0)
    assert Boundary.objects.filter(region__in=[MEDONO, TIRTO]).count() == 2


def test_a_projected_shapefile_is_refused_with_what_to_do(staf):
    with pytest.raises(BoundaryFileError) as refused:
        boundary_import(
            file=shapefile_zip([(MEDONO, "Medono", "", square())], prj=UTM_PRJ),
            user=staf,
        )
    message = refused.value.messages[0]
    assert "WGS_1984_UTM_ZONE_49S" in message and "EPSG:4326" in message
    assert not BoundaryUpload.objects.exists() and not Boundary.objects.exists()


def test_metres_without_a_prj_are_refused(staf):
    utm = {
        "type": "Polygon",
        "coordinates": [
            [[400000, 9230000], [401000, 9230000], [401000, 9231000], [400000, 9230000]]
        ],
    }
    with pytest.raises(BoundaryFileError, match="meter"):
        boundary_import(file=geojson(({"KDEPUM": MEDONO}, utm)), user=staf)


def test_an_incomplete_shapefile_says_what_is_missing(staf):
    with pytest.raises(BoundaryFileError, match=r"\.dbf"):
        boundary_import(
            file=shapefile_zip([(MEDONO, "", "", square())], leave_out=(".dbf",)),
            user=staf,
        )


def test_a_kml_with_extended_data_is_imported(staf):
    kml = f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Medono</name>
  <ExtendedData><Data name="KDEPUM"><value>{MEDONO}</value></Data></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>
    109.60,-6.89,0 109.61,-6.89,0 109.61,-6.88,0 109.60,-6.88,0 109.60,-6.89,0
  </coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark>
<Placemark><name>Tirto</name>
  <ExtendedData><SchemaData><SimpleData name="WADMKC">Pekalongan Barat</SimpleData>
  <SimpleData name="WADMKD">Tirto</SimpleData></SchemaData></ExtendedData>
  <MultiGeometry><Polygon><outerBoundaryIs><LinearRing><coordinates>
    109.64,-6.89 109.65,-6.89 109.65,-6.88 109.64,-6.89
  </coordinates></LinearRing></outerBoundaryIs></Polygon></MultiGeometry>
</Placemark></Document></kml>"""
    upload = boundary_import(
        file=SimpleUploadedFile("batas.kml", kml.encode()), user=staf
    )
    assert (upload.file_format, upload.matched, upload.unmatched) == ("kml", 2, 0)


def test_a_kml_entity_is_not_expanded(staf):
    kml = b"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&secret;</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>109.6,-6.9 109.61,-6.9 109.61,-6.89 109.6,-6.9</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></kml>"""
    upload = boundary_import(file=SimpleUploadedFile("x.kml", kml), user=staf)
    assert "root:" not in json.dumps(upload.problems)
    assert upload.unmatched == 1


def test_a_zip_bomb_is_refused(staf):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("batas.shp", b"\0" * (5 * 1024 * 1024))
    with pytest.raises(BoundaryFileError, match="zip bomb"):
        boundary_import(file=SimpleUploadedFile("batas.zip", out.getvalue()), user=staf)


def test_an_oversized_file_is_refused_before_it_is_read(staf, monkeypatch):
    monkeypatch.setattr(boundaries, "MAX_BYTES", 1000)
    big = geojson(({"KDEPUM": MEDONO, "X": "x" * 2000}, square()))
    with pytest.raises(BoundaryFileError, match="terlalu besar"):
        boundary_import(file=big, user=staf)


def test_too_many_features_are_refused(staf, monkeypatch):
    monkeypatch.setattr(boundaries, "MAX_FEATURES", 2)
    with pytest.raises(BoundaryFileError, match="3 fitur"):
        boundary_import(file=geojson(*[({"KDEPUM": MEDONO}, square())] * 3), user=staf)
    # Two is fine: the limit's other side.
    assert (
        boundary_import(
            file=geojson(*[({"KDEPUM": MEDONO}, square())] * 2), user=staf
        ).matched
        == 1
    )


def test_coordinates_outside_indonesia_are_refused_per_feature(staf):
    upload = boundary_import(
        file=geojson(
            ({"KDEPUM": MEDONO}, square(x=2.35, y=48.85)),  # Paris
            ({"KDEPUM": TIRTO}, square()),
        ),
        user=staf,
    )
    assert (upload.matched, upload.refused) == (1, 1)
    assert "di luar Indonesia" in upload.problems[0]["reason"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("batas.geojson", b"\x00\x00\xff", "bukan GeoJSON"),
        (
            "batas.geojson",
            b'{"type": "FeatureCollection", "features": [], "x": NaN}',
            "bukan GeoJSON",
        ),
        ("batas.json", b"[1, 2]", "bukan GeoJSON"),
        ("batas.zip", b"PK\x03\x04 broken", "zip"),
        ("batas.kml", b"<kml><Placemark>", "XML"),
        ("batas.dwg", b"AC1032", "Format berkas tidak dikenal"),
        (
            "batas.geojson",
            b'{"type": "FeatureCollection", "features": []}',
            "satu fitur",
        ),
    ],
)
def test_unreadable_files_are_refused_whole(staf, name, content, message):
    with pytest.raises(BoundaryFileError, match=message):
        boundary_import(file=SimpleUploadedFile(name, content), user=staf)
    assert not BoundaryUpload.objects.exists()


def test_staff_of_another_kabkota_cannot_store_yours(staf_kab, kota_pekalongan):
    upload = boundary_import(
        file=geojson(({"KDEPUM": MEDONO}, square())), user=staf_kab
    )
    assert upload.matched == 0
    assert "di luar wilayah kerja Anda" in upload.problems[0]["reason"]
    assert not Boundary.objects.exists()


def test_the_page_imports_and_shows_the_report(client, staf):
    client.force_login(staf)
    response = client.post(
        reverse("boundary-upload"),
        {
            "file": geojson(
                ({"KDEPUM": "3375011002"}, square()),
                ({"WADMKD": "Atlantis", "WADMKC": "Pekalongan Barat"}, square()),
            )
        },
    )
    upload = BoundaryUpload.objects.get()
    assert response["Location"] == reverse("boundary-upload-detail", args=[upload.pk])
    page = client.get(response["Location"]).content.decode()
    assert '<dd id="count-matched">1</dd>' in page
    assert '<dd id="count-unmatched">1</dd>' in page
    assert "Atlantis" in page and "Kelurahan Medono" in page


def test_the_page_shows_a_bad_file_at_its_field(client, staf):
    client.force_login(staf)
    response = client.post(
        reverse("boundary-upload"),
        {"file": SimpleUploadedFile("batas.zip", b"not a zip at all")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "Berkas .zip rusak atau bukan zip."
    ]
    assert not BoundaryUpload.objects.exists()


def test_an_official_cannot_upload(client, kota_pekalongan):
    official = User.objects.create_user("pimpinan.kota", role=Role.PIMPINAN)
    official.regions.set([kota_pekalongan])
    client.force_login(official)
    assert client.get(reverse("boundary-upload")).status_code == 403
    response = client.post(
        reverse("boundary-upload"),
        {"file": geojson(({"KDEPUM": MEDONO}, square()))},
    )
    assert response.status_code == 403
    assert not Boundary.objects.exists()


def test_another_staff_member_cannot_read_your_report(client, staf, staf_kab):
    upload = boundary_import(file=geojson(({"KDEPUM": MEDONO}, square())), user=staf)
    client.force_login(staf_kab)
    assert (
        client.get(reverse("boundary-upload-detail", args=[upload.pk])).status_code
        == 404
    )


def test_the_demo_boundaries_are_schematic_and_load_once(
    kota_pekalongan, kab_pekalongan
):
    from villages.demo import boundary_demo_load

    assert boundary_demo_load() == 4 + 27 + 19 + 285
    assert boundary_demo_load() == 0
    assert set(BoundaryUpload.objects.values_list("schematic", flat=True)) == {True}
    assert (
        Region.objects.filter(code__startswith="33.75.", boundary__isnull=True).count()
        == 0
    )


def test_a_double_submitted_upload_is_stored_once(client, staf):
    client.force_login(staf)
    page = client.get(reverse("boundary-upload")).content.decode()
    token = page.split('name="once_token" value="', 1)[1].split('"', 1)[0]
    answers = [
        client.post(
            reverse("boundary-upload"),
            {"file": geojson(({"KDEPUM": MEDONO}, square())), "once_token": token},
        )
        for _twice in range(2)
    ]
    upload = BoundaryUpload.objects.get()
    detail = reverse("boundary-upload-detail", args=[upload.pk])
    assert [a["Location"] for a in answers] == [detail, detail]
