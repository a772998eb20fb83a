"""The rules of the Kampung KB registry, each with the message a user reads."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    ClassificationFactory,
    FieldOfficerFactory,
    KampungFactory,
    PokjaMemberFactory,
    ProgramIntegrationFactory,
)
from villages.models import (
    Classification,
    ClassificationBasis,
    ClassificationLevel,
    FormationTarget,
    KampungKB,
    OfficerAssignment,
    PokjaMember,
    PokjaRole,
    PokjaSeksi,
    Program,
    ProgramIntegration,
    Region,
)
from villages.selectors import formation_by_year
from villages.services import (
    kampung_classify,
    kampung_create,
    kampung_deactivate,
    launch_record,
    target_set,
)

JENGGOT = "33.75.04.1004"
FORMED = datetime.date(2022, 7, 1)


@pytest.fixture
def jenggot(kota_pekalongan):
    return Region.objects.get(code=JENGGOT)


@pytest.fixture
def kampung(jenggot):
    return kampung_create(region=jenggot, formed_on=FORMED)


def _classify(kampung, level, effective_on, **fields):
    return kampung_classify(
        kampung=kampung,
        level=level,
        effective_on=effective_on,
        basis=ClassificationBasis.SK,
        **fields,
    )


# Kampung KB


def test_kampung_create_names_the_kampung_after_its_desa(kampung):
    kampung.refresh_from_db()
    assert kampung.name == "Kampung KB Jenggot"
    assert kampung.region_id == JENGGOT
    assert kampung.formed_on == FORMED
    assert kampung.is_active is True


def test_a_desa_has_at_most_one_kampung_kb(kampung, jenggot):
    with pytest.raises(ValidationError) as exc:
        kampung_create(region=jenggot, formed_on=datetime.date(2023, 6, 7))
    assert exc.value.message_dict["region"] == [
        "Desa/kelurahan ini sudah memiliki Kampung KB."
    ]
    assert KampungKB.objects.filter(region=jenggot).count() == 1


def test_the_database_also_refuses_a_second_kampung_kb_in_a_desa(kampung, jenggot):
    with pytest.raises(IntegrityError), transaction.atomic():
        KampungKB.objects.create(
            region=jenggot, name="Kampung KB Jenggot 2", formed_on=FORMED
        )


@pytest.mark.parametrize("code", ["33", "33.75", "33.75.04"])
def test_a_kampung_kb_is_formed_only_in_a_desa_or_kelurahan(kota_pekalongan, code):
    region = Region.objects.get(code=code)
    with pytest.raises(ValidationError) as exc:
        kampung_create(region=region, formed_on=FORMED)
    assert (
        "Kampung KB hanya dapat dibentuk di desa/kelurahan."
        in (exc.value.message_dict["region"])
    )
    assert not KampungKB.objects.exists()


def test_formation_date_cannot_be_in_the_future(jenggot):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        kampung_create(region=jenggot, formed_on=tomorrow)
    assert exc.value.message_dict["formed_on"] == [
        "Tanggal pencanangan tidak boleh di masa depan."
    ]
    assert not KampungKB.objects.exists()


def test_formation_date_today_is_accepted(jenggot):
    kampung = kampung_create(region=jenggot, formed_on=timezone.localdate())
    assert KampungKB.objects.get(pk=kampung.pk).formed_on == timezone.localdate()


def test_formation_date_cannot_move_after_the_first_classification(kampung):
    _classify(kampung, "dasar", FORMED)
    kampung.formed_on = datetime.date(2023, 1, 1)
    with pytest.raises(ValidationError) as exc:
        kampung.full_clean()
    assert exc.value.message_dict["formed_on"] == [
        "Tanggal pencanangan tidak boleh setelah klasifikasi pertama (2022-07-01)."
    ]


# Classification


def test_classification_cannot_take_effect_before_formation(kampung):
    with pytest.raises(ValidationError) as exc:
        _classify(kampung, "dasar", FORMED - datetime.timedelta(days=1))
    assert exc.value.message_dict["effective_on"] == [
        "Klasifikasi tidak dapat berlaku sebelum Kampung KB dicanangkan (2022-07-01)."
    ]
    assert not Classification.objects.exists()


def test_classification_on_the_formation_day_is_accepted(kampung):
    entry = _classify(kampung, "dasar", FORMED)
    assert Classification.objects.get(pk=entry.pk).level == ClassificationLevel.DASAR


def test_classification_cannot_take_effect_in_the_future(kampung):
    with pytest.raises(ValidationError) as exc:
        _classify(kampung, "mandiri", timezone.localdate() + datetime.timedelta(1))
    assert exc.value.message_dict["effective_on"] == [
        "Tanggal berlaku tidak boleh di masa depan."
    ]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("paripurna", ClassificationLevel.BERKELANJUTAN),
        ("Paripurna", ClassificationLevel.BERKELANJUTAN),
        ("berkelanjutan", ClassificationLevel.BERKELANJUTAN),
        ("Berkelanjutan (Paripurna)", ClassificationLevel.BERKELANJUTAN),
        ("berkelanjutan paripurna", ClassificationLevel.BERKELANJUTAN),
        ("  BERKELANJUTAN  ", ClassificationLevel.BERKELANJUTAN),
        ("dasar", ClassificationLevel.DASAR),
        ("Berkembang", ClassificationLevel.BERKEMBANG),
        ("MANDIRI", ClassificationLevel.MANDIRI),
        (ClassificationLevel.MANDIRI, ClassificationLevel.MANDIRI),
    ],
)
def test_classification_level_parse_accepts_both_words(text, level):
    assert ClassificationLevel.parse(text) == level


@pytest.mark.parametrize(
    "text",
    ["", None, "sangat baik", "dasar berkembang", "paripurna mandiri", "madya"],
)
def test_classification_level_parse_rejects_other_text(text):
    with pytest.raises(ValueError, match="tidak dikenal"):
        ClassificationLevel.parse(text)


def test_classification_levels_are_ordered_and_level_4_shows_both_words():
    assert [level.rank for level in ClassificationLevel] == [1, 2, 3, 4]
    assert list(ClassificationLevel.values) == [
        "dasar",
        "berkembang",
        "mandiri",
        "berkelanjutan",
    ]
    assert ClassificationLevel.BERKELANJUTAN.label == "Berkelanjutan (Paripurna)"


def test_kampung_classify_stores_paripurna_as_berkelanjutan(kampung):
    entry = _classify(kampung, "Paripurna", datetime.date(2024, 7, 30))
    entry.refresh_from_db()
    assert entry.level == ClassificationLevel.BERKELANJUTAN
    assert entry.get_level_display() == "Berkelanjutan (Paripurna)"


def test_current_classification_is_the_latest_by_effective_date(kampung):
    _classify(kampung, "dasar", FORMED)
    # Recorded before a later-dated SK, but takes effect after it.
    newest = _classify(kampung, "mandiri", datetime.date(2024, 8, 1))
    _classify(kampung, "berkembang", datetime.date(2023, 8, 1))

    assert kampung.current_classification() == newest
    annotated = KampungKB.objects.with_current_level().get(pk=kampung.pk)
    assert annotated.current_level == ClassificationLevel.MANDIRI
    # The history stays complete.
    assert [c.level for c in kampung.classifications.all()] == [
        "mandiri",
        "berkembang",
        "dasar",
    ]


def test_on_the_same_date_the_entry_recorded_last_is_current(kampung):
    _classify(kampung, "dasar", FORMED)
    _classify(kampung, "berkembang", datetime.date(2024, 1, 10))
    correction = _classify(kampung, "mandiri", datetime.date(2024, 1, 10))
    assert kampung.current_classification() == correction
    annotated = KampungKB.objects.with_current_level().get(pk=kampung.pk)
    assert annotated.current_level == ClassificationLevel.MANDIRI


def test_a_kampung_without_classification_has_no_current_level(kampung):
    assert kampung.current_classification() is None
    assert KampungKB.objects.with_current_level().get(pk=kampung.pk).current_level is (
        None
    )


def test_current_level_annotation_is_per_kampung(kota_pekalongan):
    first = KampungFactory(region=Region.objects.get(code=JENGGOT))
    second = KampungFactory(region=Region.objects.get(code="33.75.04.1002"))
    ClassificationFactory(kampung=first, level="dasar")
    ClassificationFactory(kampung=second, level="berkelanjutan")
    levels = dict(
        KampungKB.objects.with_current_level().values_list("region", "current_level")
    )
    assert levels == {JENGGOT: "dasar", "33.75.04.1002": "berkelanjutan"}


# Pokja


def _pokja(kampung, role, seksi="", name="Siti"):
    return PokjaMember(kampung=kampung, role=role, seksi=seksi, name=name)


def test_a_pokja_has_only_one_ketua(kampung):
    PokjaMemberFactory(kampung=kampung, role=PokjaRole.KETUA)
    with pytest.raises(ValidationError) as exc:
        _pokja(kampung, PokjaRole.KETUA).full_clean()
    assert exc.value.messages == ["Jabatan ini sudah terisi di Pokja Kampung KB ini."]
    with pytest.raises(IntegrityError), transaction.atomic():
        _pokja(kampung, PokjaRole.KETUA).save()
    assert kampung.pokja.filter(role=PokjaRole.KETUA).count() == 1


def test_another_kampung_may_have_its_own_ketua(kampung, jenggot):
    PokjaMemberFactory(kampung=kampung, role=PokjaRole.KETUA)
    other = KampungFactory(region=Region.objects.get(code="33.75.04.1002"))
    member = _pokja(other, PokjaRole.KETUA)
    member.full_clean()
    member.save()
    assert PokjaMember.objects.filter(role=PokjaRole.KETUA).count() == 2


def test_a_pokja_may_have_several_pelindung_and_penasehat(kampung):
    for role in (PokjaRole.PELINDUNG, PokjaRole.PENASEHAT):
        for name in ("Camat", "Lurah", "Ketua TP PKK"):
            member = _pokja(kampung, role, name=name)
            member.full_clean()
            member.save()
    assert kampung.pokja.filter(role=PokjaRole.PELINDUNG).count() == 3
    assert kampung.pokja.filter(role=PokjaRole.PENASEHAT).count() == 3


def test_a_seksi_chair_needs_a_seksi(kampung):
    with pytest.raises(ValidationError) as exc:
        _pokja(kampung, PokjaRole.KETUA_SEKSI).full_clean()
    assert exc.value.messages == [
        "Seksi wajib diisi untuk ketua seksi, dan hanya untuk ketua seksi."
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        _pokja(kampung, PokjaRole.KETUA_SEKSI).save()


def test_only_a_seksi_chair_has_a_seksi(kampung):
    with pytest.raises(ValidationError) as exc:
        _pokja(kampung, PokjaRole.KETUA, seksi=PokjaSeksi.EKONOMI).full_clean()
    assert exc.value.messages == [
        "Seksi wajib diisi untuk ketua seksi, dan hanya untuk ketua seksi."
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        _pokja(kampung, PokjaRole.SEKRETARIS, seksi=PokjaSeksi.EKONOMI).save()
    assert not kampung.pokja.exists()


def test_each_of_the_eight_seksi_has_one_chair(kampung):
    assert len(PokjaSeksi.choices) == 8
    for seksi in PokjaSeksi:
        member = _pokja(kampung, PokjaRole.KETUA_SEKSI, seksi=seksi)
        member.full_clean()
        member.save()
    assert kampung.pokja.count() == 8
    with pytest.raises(ValidationError) as exc:
        _pokja(kampung, PokjaRole.KETUA_SEKSI, seksi=PokjaSeksi.REPRODUKSI).full_clean()
    assert exc.value.messages == ["Jabatan ini sudah terisi di Pokja Kampung KB ini."]


# Program integration


def test_a_program_is_integrated_once_per_kampung(kampung):
    ProgramIntegrationFactory(kampung=kampung, program=Program.BPJS)
    duplicate = ProgramIntegration(kampung=kampung, program=Program.BPJS)
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert exc.value.messages == ["Program ini sudah tercatat untuk Kampung KB ini."]
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()

    other_program = ProgramIntegration(kampung=kampung, program=Program.NIB)
    other_program.full_clean()
    other_program.save()
    assert sorted(kampung.programs.values_list("program", flat=True)) == [
        "bpjs",
        "nib",
    ]


def test_program_integration_cannot_start_in_the_future(kampung):
    item = ProgramIntegration(
        kampung=kampung,
        program=Program.RTLH,
        since=timezone.localdate() + datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as exc:
        item.full_clean()
    assert exc.value.message_dict["since"] == [
        "Tanggal mulai tidak boleh di masa depan."
    ]


def test_program_list_is_the_eleven_programs_of_seed_002():
    assert len(Program.choices) == 11
    assert Program.RUMAH_DATAKU.label == "Rumah DataKu"


# Field officers


def test_a_field_officer_is_assigned_to_a_desa_or_kelurahan(jenggot):
    officer = FieldOfficerFactory()
    kecamatan = Region.objects.get(code="33.75.04")
    with pytest.raises(ValidationError) as exc:
        OfficerAssignment(officer=officer, region=kecamatan).full_clean()
    assert "PLKB/PKB ditugaskan di desa/kelurahan." in exc.value.message_dict["region"]

    assignment = OfficerAssignment(officer=officer, region=jenggot)
    assignment.full_clean()
    assignment.save()
    with pytest.raises(ValidationError) as exc:
        OfficerAssignment(officer=officer, region=jenggot).full_clean()
    assert exc.value.messages == ["Petugas ini sudah ditugaskan di desa/kelurahan ini."]
    assert list(jenggot.field_officers.all()) == [officer]


# Deactivation and deletion


def test_kampung_deactivate_keeps_the_row_and_its_history(kampung):
    _classify(kampung, "berkembang", datetime.date(2023, 3, 1))
    kampung_deactivate(
        kampung=kampung,
        on=datetime.date(2025, 1, 2),
        reason="Digabung dengan kelurahan lain",
    )
    stored = KampungKB.objects.get(pk=kampung.pk)
    assert stored.is_active is False
    assert stored.deactivated_on == datetime.date(2025, 1, 2)
    assert stored.deactivation_reason == "Digabung dengan kelurahan lain"
    assert stored.classifications.count() == 1
    assert list(KampungKB.objects.active()) == []
    assert KampungKB.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_admin_refuses_to_delete_a_kampung_kb(admin_client_logged_in, kampung, method):
    url = reverse("admin:villages_kampungkb_delete", args=[kampung.pk])
    response = getattr(admin_client_logged_in, method)(url, {"post": "yes"})
    assert response.status_code == 403
    assert KampungKB.objects.filter(pk=kampung.pk).exists()


def test_admin_kampung_list_offers_no_bulk_delete(admin_client_logged_in, kampung):
    response = admin_client_logged_in.get(
        reverse("admin:villages_kampungkb_changelist")
    )
    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()
    response = admin_client_logged_in.post(
        reverse("admin:villages_kampungkb_changelist"),
        {"action": "delete_selected", "_selected_action": [kampung.pk], "post": "yes"},
    )
    assert KampungKB.objects.filter(pk=kampung.pk).exists()


def test_admin_refuses_to_delete_a_region(admin_client_logged_in, jenggot):
    url = reverse("admin:villages_region_delete", args=[jenggot.code])
    assert admin_client_logged_in.post(url, {"post": "yes"}).status_code == 403
    assert Region.objects.filter(code=JENGGOT).exists()


# Launches, targets and formation per year


def test_a_launch_cannot_be_in_the_future(kampung, kota_pekalongan):
    with pytest.raises(ValidationError) as exc:
        launch_record(
            date=timezone.localdate() + datetime.timedelta(days=1),
            organizer=kota_pekalongan,
            kampungs=[kampung],
        )
    assert exc.value.message_dict["date"] == [
        "Tanggal pencanangan tidak boleh di masa depan."
    ]


def test_launch_record_links_the_launched_kampung(kampung, kota_pekalongan):
    event = launch_record(
        date=datetime.date(2022, 7, 1),
        organizer=kota_pekalongan,
        kampungs=[kampung],
        place="Balai Kelurahan Jenggot",
    )
    assert list(event.kampungs.all()) == [kampung]
    assert list(kampung.launches.all()) == [event]


def _form(code, formed_on):
    return KampungFactory(region=Region.objects.get(code=code), formed_on=formed_on)


def test_formation_by_year_compares_formed_with_target(kota_pekalongan):
    _form("33.75.04.1004", datetime.date(2022, 7, 1))
    _form("33.75.04.1002", datetime.date(2022, 9, 1))
    _form("33.75.02.1004", datetime.date(2023, 6, 7))
    _form("33.75.02.1008", datetime.date(2023, 6, 7))
    _form("33.75.04.1003", datetime.date(2024, 7, 1))
    target_set(region=kota_pekalongan, year=2023, new_count=2)
    target_set(region=kota_pekalongan, year=2024, new_count=3)
    target_set(region=kota_pekalongan, year=2025, new_count=1)

    rows = [
        (y.year, y.target, y.formed, y.reached)
        for y in formation_by_year(region=kota_pekalongan)
    ]
    assert rows == [
        (2022, None, 2, None),
        (2023, 2, 2, True),
        (2024, 3, 1, False),
        (2025, 1, 0, False),
    ]


def test_formation_by_year_of_a_province_adds_up_its_kabkota(
    kota_pekalongan, kab_pekalongan
):
    _form("33.75.04.1004", datetime.date(2024, 7, 1))
    kab_desa = Region.objects.filter(kabkota=kab_pekalongan, level=4)[:2]
    for region in kab_desa:
        KampungFactory(region=region, formed_on=datetime.date(2024, 7, 30))
    target_set(region=kota_pekalongan, year=2024, new_count=1)
    target_set(region=kab_pekalongan, year=2024, new_count=285)

    rows = formation_by_year(region=Region.objects.get(code="33"))
    assert [(y.year, y.target, y.formed) for y in rows] == [(2024, 286, 3)]
    assert rows[0].reached is False


def test_target_set_replaces_rather_than_duplicates(kota_pekalongan):
    target_set(region=kota_pekalongan, year=2023, new_count=10, source="rencana")
    target_set(region=kota_pekalongan, year=2023, new_count=13, source="seed 000")
    targets = FormationTarget.objects.filter(region=kota_pekalongan, year=2023)
    assert [(t.new_count, t.source) for t in targets] == [(13, "seed 000")]
    assert [y.target for y in formation_by_year(region=kota_pekalongan)] == [13]


def test_a_target_is_set_per_kabkota(kota_pekalongan):
    with pytest.raises(ValidationError) as exc:
        target_set(region=Region.objects.get(code="33.75.04"), year=2024, new_count=3)
    assert "Target ditetapkan per kabupaten/kota." in exc.value.message_dict["region"]
    assert not FormationTarget.objects.exists()


@pytest.mark.parametrize("year", [2013, 2101])
def test_a_target_year_is_plausible(kota_pekalongan, year):
    with pytest.raises(ValidationError) as exc:
        target_set(region=kota_pekalongan, year=year, new_count=3)
    assert exc.value.message_dict["year"] == ["Tahun harus antara 2014 dan 2100."]
