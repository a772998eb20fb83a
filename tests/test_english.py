"""The English pages read English: region names, indicators, growth classes."""

import pytest
from django.utils import translation

from dashboards.indicators import INDICATORS
from stunting.growth import HAZ_LABELS, WAZ_LABELS, WHZ_LABELS
from stunting.selectors import measurement_reasons
from villages.models import Region

# Words that mean the text was left in Indonesian.
INDONESIAN = {"lain", "dasar", "berkembang", "mandiri", "anak", "dengan", "yang"}


def _words(text):
    return set(str(text).lower().replace("(", " ").replace(")", " ").split())


def test_a_kelurahan_reads_as_its_name_and_kind_in_english(kota_pekalongan):
    jenggot = Region.objects.get(code="33.75.04.1004")
    selatan = Region.objects.get(code="33.75.04")

    with translation.override("en"):
        assert jenggot.label == "Jenggot (urban village)"
        assert selatan.label == "Pekalongan Selatan (district)"
    with translation.override("id"):
        assert jenggot.label == "Kelurahan Jenggot"
        assert selatan.label == "Kecamatan Pekalongan Selatan"


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.code)
def test_every_indicator_reads_english_in_english(indicator):
    with translation.override("en"):
        texts = [
            indicator.name,
            indicator.definition,
            indicator.numerator,
            indicator.denominator,
        ]

    for text in texts:
        assert not _words(text) & INDONESIAN, text


def test_the_indicators_numerator_and_denominator_are_translated():
    measured = next(i for i in INDICATORS if i.code == "stunting_measured")
    other = next(i for i in INDICATORS if i.code == "stunting_reported_other")

    with translation.override("en"):
        assert measured.numerator == "stunted or severely stunted children"
        assert measured.denominator == "children with a valid HAZ"
        assert other.name == "Reported stunting prevalence (other)"
    with translation.override("id"):
        assert measured.numerator == "anak pendek atau sangat pendek"
        assert other.name == "Prevalensi stunting dilaporkan (lain)"


def test_growth_classes_and_reasons_read_english_in_english():
    with translation.override("en"):
        assert str(HAZ_LABELS["pendek"]) == "Stunted"
        assert str(WAZ_LABELS["kurang"]) == "Underweight"
        assert str(WHZ_LABELS["gizi_buruk"]) == "Severely wasted"
        assert measurement_reasons("whz:oedema") == [
            "Weight-for-height (WHZ): Oedema: weight is not assessed"
        ]
    with translation.override("id"):
        assert str(HAZ_LABELS["pendek"]) == "Pendek"
        assert measurement_reasons("whz:oedema") == [
            "BB/TB: Ada edema: berat badan tidak dinilai"
        ]


@pytest.mark.django_db
def test_a_wrong_password_is_said_once_in_plain_words(client, django_user_model):
    django_user_model.objects.create_user("staf.kota", password="Sandi-yang-benar-1")

    page = client.post(
        "/masuk/", {"username": "staf.kota", "password": "salah"}
    ).content.decode()

    assert "Nama pengguna atau kata sandi salah." in page
    assert "nama pengguna nama pengguna" not in page.lower()
    client.cookies["django_language"] = "en"
    page = client.post(
        "/masuk/", {"username": "staf.kota", "password": "salah"}
    ).content.decode()
    assert "Wrong username or password." in page


@pytest.mark.django_db
def test_a_child_without_personal_access_is_child_n_in_english(kota_pekalongan):
    import datetime

    from kampungkb.models import Role, User
    from stunting.models import Child
    from stunting.selectors import child_card

    jenggot = Region.objects.get(code="33.75.04.1004")
    child = Child.objects.create(
        name="Anak Sintetis",
        sex="L",
        birth_date=datetime.date(2024, 1, 5),
        region=jenggot,
    )
    reader = User.objects.create_user("pimpinan.en", role=Role.PIMPINAN)
    reader.regions.set([Region.objects.get(code="33.75")])
    today = datetime.date(2025, 1, 1)

    with translation.override("en"):
        assert child_card(child=child, user=reader, today=today).label == (
            f"Child #{child.pk}"
        )
    with translation.override("id"):
        assert child_card(child=child, user=reader, today=today).label == (
            f"Anak #{child.pk}"
        )


@pytest.mark.django_db
def test_the_evidence_file_help_follows_the_language():
    from evaluations.forms import EvidenceForm
    from evaluations.models import CycleCriterion

    with translation.override("en"):
        assert str(
            EvidenceForm(criteria=CycleCriterion.objects.none())
            .fields["file"]
            .help_text
        ) == ("PDF, JPEG or PNG, at most 5 MB.")
    with translation.override("id"):
        assert str(
            EvidenceForm(criteria=CycleCriterion.objects.none())
            .fields["file"]
            .help_text
        ) == ("PDF, JPEG atau PNG, paling besar 5 MB.")


def test_quarters_read_q1_to_q4_in_english():
    from stunting.forms import PeriodForm

    with translation.override("en"):
        labels = [str(label) for _q, label in PeriodForm().fields["quarter"].choices]
    assert labels == ["Q1", "Q2", "Q3", "Q4"]
    with translation.override("id"):
        labels = [str(label) for _q, label in PeriodForm().fields["quarter"].choices]
    assert labels == ["T1", "T2", "T3", "T4"]
