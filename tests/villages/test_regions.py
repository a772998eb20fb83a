"""The region tree loaded from the Kemendagri 2025 list, and roll-ups over it."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from tests.factories import KampungFactory
from villages.models import KampungKB, Region, RegionKind, RegionLevel
from villages.selectors import region_child_summaries
from villages.services import region_load

KOTA_KELURAHAN = {
    "33.75.01": [
        "Medono",
        "Podosugih",
        "Sapuro Kebulen",
        "Bendan Kergon",
        "Pasirkratonkramat",
        "Tirto",
        "Pringrejo",
    ],
    "33.75.02": [
        "Noyontaansari",
        "Kauman",
        "Poncol",
        "Klego",
        "Gamer",
        "Setono",
        "Kali Baros",
    ],
    "33.75.03": [
        "Krapyak",
        "Kandang Panjang",
        "Panjang Wetan",
        "Padukuhan Kraton",
        "Degayu",
        "Bandengan",
        "Panjang Baru",
    ],
    "33.75.04": [
        "Banyurip",
        "Buaran Kradenan",
        "Jenggot",
        "Kuripan Kertoharjo",
        "Kuripan Yosorejo",
        "Sokoduwet",
    ],
}
FAKE_DESA = "33.75.01.1999"


def _add_fake_desa():
    """A kelurahan under Pekalongan Barat that the official list does not have."""
    return Region.objects.create(
        code=FAKE_DESA,
        name="Kelurahan Fiktif",
        level=RegionLevel.DESA,
        kind=RegionKind.KELURAHAN,
        parent_id="33.75.01",
        province_id="33",
        kabkota_id="33.75",
        kecamatan_id="33.75.01",
    )


def test_kota_pekalongan_has_its_four_kecamatan_and_27_kelurahan(kota_pekalongan):
    kecamatan = Region.objects.filter(parent=kota_pekalongan)
    assert dict(kecamatan.values_list("code", "name")) == {
        "33.75.01": "Pekalongan Barat",
        "33.75.02": "Pekalongan Timur",
        "33.75.03": "Pekalongan Utara",
        "33.75.04": "Pekalongan Selatan",
    }
    assert {k.kind for k in kecamatan} == {RegionKind.KECAMATAN}

    desa = Region.objects.filter(kabkota=kota_pekalongan, level=RegionLevel.DESA)
    assert desa.count() == 27
    assert set(desa.values_list("kind", flat=True)) == {RegionKind.KELURAHAN}
    for kecamatan_code, names in KOTA_KELURAHAN.items():
        in_kecamatan = desa.filter(parent_id=kecamatan_code)
        assert sorted(in_kecamatan.values_list("name", flat=True)) == sorted(names)


def test_kelurahan_codes_and_names_are_the_official_ones(kota_pekalongan):
    assert Region.objects.get(code="33.75.01.1002").name == "Medono"
    jenggot = Region.objects.get(name="Jenggot")
    assert jenggot.code == "33.75.04.1004"
    assert jenggot.parent_id == "33.75.04"
    assert jenggot.label == "Kelurahan Jenggot"


def test_each_region_stores_its_ancestors_including_itself(kota_pekalongan):
    province = Region.objects.get(code="33")
    assert province.name == "Jawa Tengah"
    assert province.level == RegionLevel.PROVINSI
    assert province.province_id == "33"
    assert province.parent_id is None
    assert province.kabkota_id is None

    assert kota_pekalongan.name == "Kota Pekalongan"
    assert kota_pekalongan.kind == RegionKind.KOTA
    assert kota_pekalongan.parent_id == "33"
    assert kota_pekalongan.province_id == "33"
    assert kota_pekalongan.kabkota_id == "33.75"
    assert kota_pekalongan.kecamatan_id is None

    selatan = Region.objects.get(code="33.75.04")
    assert (selatan.province_id, selatan.kabkota_id, selatan.kecamatan_id) == (
        "33",
        "33.75",
        "33.75.04",
    )

    jenggot = Region.objects.get(code="33.75.04.1004")
    assert (jenggot.province_id, jenggot.kabkota_id, jenggot.kecamatan_id) == (
        "33",
        "33.75",
        "33.75.04",
    )
    assert [r.code for r in jenggot.ancestors()] == ["33", "33.75", "33.75.04"]


def test_only_the_requested_branch_is_loaded(kota_pekalongan):
    assert Region.objects.filter(level=RegionLevel.PROVINSI).count() == 1
    assert list(
        Region.objects.filter(level=RegionLevel.KABKOTA).values_list("code", flat=True)
    ) == ["33.75"]
    # Province, kota, 4 kecamatan, 27 kelurahan.
    assert Region.objects.count() == 33


def test_kabupaten_pekalongan_has_19_kecamatan_and_285_desa_kelurahan(kab_pekalongan):
    assert kab_pekalongan.name == "Kabupaten Pekalongan"
    assert kab_pekalongan.kind == RegionKind.KABUPATEN
    assert Region.objects.filter(parent=kab_pekalongan).count() == 19
    desa = Region.objects.filter(kabkota=kab_pekalongan, level=RegionLevel.DESA)
    assert desa.count() == 285
    assert desa.filter(kind=RegionKind.DESA).count() == 272
    assert desa.filter(kind=RegionKind.KELURAHAN).count() == 13
    # The kind follows the Kemendagri code: 1xxx kelurahan, 2xxx desa.
    for region in desa:
        expected = RegionKind.KELURAHAN if region.code[9] == "1" else RegionKind.DESA
        assert region.kind == expected, region.code


def test_reloading_the_same_prefix_changes_nothing(kota_pekalongan):
    result = region_load(prefix="33.75")
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert result.kept == []
    assert result.changed is False
    assert Region.objects.count() == 33


def test_first_load_reports_what_it_created(db):
    result = region_load(prefix="33.75")
    assert result.created == 33
    assert (result.updated, result.deleted) == (0, 0)
    assert result.changed is True


def test_load_regions_command_reports_created_then_nothing_changed(db):
    first = StringIO()
    call_command("load_regions", "--prefix", "33.75", stdout=first)
    assert "Regions under 33.75: 33 created, 0 updated, 0 deleted." in first.getvalue()

    second = StringIO()
    call_command("load_regions", "--prefix", "33.75", stdout=second)
    assert (
        "Regions under 33.75: already up to date, nothing changed." in second.getvalue()
    )
    assert Region.objects.count() == 33


def test_loading_one_kabkota_leaves_another_alone(kota_pekalongan, kab_pekalongan):
    result = region_load(prefix="33.75")
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert Region.objects.filter(kabkota=kab_pekalongan).count() == 1 + 19 + 285


def test_a_renamed_region_gets_its_official_name_back(kota_pekalongan):
    Region.objects.filter(code="33.75.01.1002").update(name="Medono Lama")
    result = region_load(prefix="33.75")
    assert result.updated == 1
    assert (result.created, result.deleted) == (0, 0)
    assert Region.objects.get(code="33.75.01.1002").name == "Medono"


def test_an_obsolete_region_without_records_is_deleted(kota_pekalongan):
    _add_fake_desa()
    result = region_load(prefix="33.75")
    assert result.deleted == 1
    assert result.kept == []
    assert not Region.objects.filter(code=FAKE_DESA).exists()
    assert Region.objects.filter(kabkota=kota_pekalongan, level=4).count() == 27


def test_an_obsolete_region_with_a_kampung_kb_is_kept_and_reported(kota_pekalongan):
    fake = _add_fake_desa()
    KampungFactory(region=fake)
    result = region_load(prefix="33.75")
    assert result.deleted == 0
    assert result.kept == [FAKE_DESA]
    assert Region.objects.filter(code=FAKE_DESA).exists()
    assert KampungKB.objects.filter(region=fake).exists()


def test_an_obsolete_kecamatan_without_records_is_deleted(kota_pekalongan):
    # A kecamatan is its own `kecamatan` ancestor, like every row at its level.
    Region.objects.create(
        code="33.75.05",
        name="Pekalongan Fiktif",
        level=RegionLevel.KECAMATAN,
        kind=RegionKind.KECAMATAN,
        parent_id="33.75",
        province_id="33",
        kabkota_id="33.75",
        kecamatan_id="33.75.05",
    )
    Region.objects.create(
        code="33.75.05.1001",
        name="Kelurahan Fiktif",
        level=RegionLevel.DESA,
        kind=RegionKind.KELURAHAN,
        parent_id="33.75.05",
        province_id="33",
        kabkota_id="33.75",
        kecamatan_id="33.75.05",
    )
    result = region_load(prefix="33.75")
    assert result.kept == []
    assert result.deleted == 2
    assert not Region.objects.filter(code__startswith="33.75.05").exists()


def test_load_regions_command_warns_about_kept_regions(kota_pekalongan):
    KampungFactory(region=_add_fake_desa())
    out = StringIO()
    call_command("load_regions", "--prefix", "33.75", stdout=out)
    assert "1 regions are gone from the source but still have records" in (
        out.getvalue()
    )
    assert FAKE_DESA in out.getvalue()


@pytest.mark.parametrize("prefix", ["33.7", "33.75.", "3", "33.75.04.10", "abc"])
def test_load_regions_rejects_a_malformed_prefix(db, prefix):
    with pytest.raises(CommandError, match="is not a Kemendagri code"):
        call_command("load_regions", "--prefix", prefix, stdout=StringIO())
    assert Region.objects.count() == 0


def test_load_regions_rejects_a_prefix_that_names_no_region(db):
    # 33.99 has the shape of a kab/kota code but no such kab/kota exists: the
    # operator most likely mistyped (33.75?) and must not be told all is well.
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("load_regions", "--prefix", "33.99", stdout=out)
    assert not Region.objects.filter(code__startswith="33.99").exists()


def test_within_is_the_region_and_everything_below_it(kota_pekalongan):
    within_kota = Region.objects.within(kota_pekalongan)
    assert within_kota.count() == 1 + 4 + 27
    assert not within_kota.filter(code="33").exists()

    selatan = Region.objects.get(code="33.75.04")
    assert sorted(Region.objects.within(selatan).values_list("code", flat=True)) == [
        "33.75.04",
        "33.75.04.1002",
        "33.75.04.1003",
        "33.75.04.1004",
        "33.75.04.1006",
        "33.75.04.1008",
        "33.75.04.1010",
    ]

    jenggot = Region.objects.get(code="33.75.04.1004")
    assert list(Region.objects.within(jenggot)) == [jenggot]


def test_kampung_in_region_filters_by_any_ancestor(kota_pekalongan, kab_pekalongan):
    jenggot = KampungFactory(region=Region.objects.get(code="33.75.04.1004"))
    medono = KampungFactory(region=Region.objects.get(code="33.75.01.1002"))
    kab_desa = Region.objects.filter(kabkota=kab_pekalongan, level=4).first()
    in_kab = KampungFactory(region=kab_desa)

    assert set(KampungKB.objects.in_region(kota_pekalongan)) == {jenggot, medono}
    assert list(KampungKB.objects.in_region(Region.objects.get(code="33.75.04"))) == [
        jenggot
    ]
    assert list(KampungKB.objects.in_region(kab_pekalongan)) == [in_kab]
    assert set(KampungKB.objects.in_region(Region.objects.get(code="33"))) == {
        jenggot,
        medono,
        in_kab,
    }


def test_kampung_in_region_of_a_desa_is_its_own_kampung(kota_pekalongan):
    jenggot = KampungFactory(region=Region.objects.get(code="33.75.04.1004"))
    KampungFactory(region=Region.objects.get(code="33.75.04.1002"))
    assert list(KampungKB.objects.in_region(jenggot.region)) == [jenggot]


def _form_in(codes):
    for code in codes:
        KampungFactory(region=Region.objects.get(code=code))


def test_kampung_counts_per_kecamatan_are_one_query(
    kota_pekalongan, django_assert_num_queries
):
    _form_in(["33.75.04.1004", "33.75.04.1002", "33.75.03.1006", "33.75.01.1002"])
    with django_assert_num_queries(1):
        per_kecamatan = dict(
            KampungKB.objects.in_region(kota_pekalongan)
            .values_list("region__kecamatan")
            .annotate(n=Count("id"))
        )
    assert per_kecamatan == {"33.75.01": 1, "33.75.03": 1, "33.75.04": 2}


def test_region_child_summaries_take_three_queries_whatever_the_size(
    kota_pekalongan, django_assert_num_queries
):
    _form_in(["33.75.04.1004", "33.75.04.1002", "33.75.03.1006", "33.75.01.1002"])
    # Children, desa per child, Kampung KB per child and level: three queries.
    with django_assert_num_queries(3):
        summaries, total = region_child_summaries(region=kota_pekalongan)

    by_code = {s.region.code: s for s in summaries}
    assert list(by_code) == ["33.75.01", "33.75.02", "33.75.03", "33.75.04"]
    assert {code: s.desa_count for code, s in by_code.items()} == {
        "33.75.01": 7,
        "33.75.02": 7,
        "33.75.03": 7,
        "33.75.04": 6,
    }
    assert {code: s.kampung_count for code, s in by_code.items()} == {
        "33.75.01": 1,
        "33.75.02": 0,
        "33.75.03": 1,
        "33.75.04": 2,
    }
    assert (total.desa_count, total.kampung_count) == (27, 4)
    # No classification yet: all four are unclassified.
    assert total.unclassified == 4
    assert total.coverage_percent == pytest.approx(100 * 4 / 27)


def test_region_child_summaries_count_kab_pekalongan_desa_in_three_queries(
    kab_pekalongan, django_assert_num_queries
):
    with django_assert_num_queries(3):
        summaries, total = region_child_summaries(region=kab_pekalongan)
    assert len(summaries) == 19
    assert total.desa_count == 285
    assert total.kampung_count == 0
    assert total.coverage_percent == 0


def test_region_child_summaries_leave_out_inactive_kampung(kota_pekalongan):
    KampungFactory(region=Region.objects.get(code="33.75.04.1004"))
    KampungFactory(
        region=Region.objects.get(code="33.75.04.1002"),
        is_active=False,
        deactivated_on=datetime.date(2024, 1, 1),
    )
    _, total = region_child_summaries(region=kota_pekalongan)
    assert total.kampung_count == 1
