"""Each indicator on a small data set counted by hand, and how figures roll up."""

import datetime

import pytest

from dashboards.indicators import BY_CODE, INDICATORS
from dashboards.models import COUNTRY_CODE, Snapshot
from dashboards.refresh import snapshot_refresh
from stunting.models import Child, Dashat, DashatStatus, Measurement, ReportedPrevalence
from villages.models import (
    Classification,
    FormationTarget,
    KampungKB,
    Program,
    ProgramIntegration,
    Region,
    RumahDataKu,
)

D = datetime.date
# Kota Pekalongan: Pekalongan Barat 33.75.01 (7 kelurahan), Timur 33.75.02 (7),
# Utara 33.75.03 (7), Selatan 33.75.04 (6).
MEDONO = "33.75.01.1002"
PODOSUGIH = "33.75.01.1003"
TIRTO = "33.75.01.1009"
KAUMAN = "33.75.02.1004"


def figure(indicator, code, year):
    row = Snapshot.objects.filter(
        indicator=indicator, region_code=code, period=year
    ).first()
    return None if row is None else (row.value, row.numerator, row.denominator)


def _kampung(code, formed_on, **fields):
    return KampungKB.objects.create(
        region_id=code, name=f"Kampung KB {code}", formed_on=formed_on, **fields
    )


def _child(code, born, number):
    return Child.objects.create(
        name=f"Anak {number}", sex="L", birth_date=born, region_id=code
    )


def _measure(child, on, haz, implausible=False):
    return Measurement.objects.create(
        child=child,
        measured_on=on,
        weight_kg=10,
        height_cm=80,
        age_days=(on - child.birth_date).days,
        haz=haz,
        haz_implausible=implausible,
    )


@pytest.fixture
def counted(kota_pekalongan):
    """The hand-counted set. Medono: formed 2022, dasar then berkembang (May
    2024), active Dashat since 2023, ready in all three ways (SIGA 2023), 3
    programs (one from 2025). Podosugih: formed 2023, mandiri, inactive Dashat,
    website only, all 11 programs. Tirto: formed 2023, never classified.
    Kauman: formed 2023, deactivated 1 March 2024. Target 2023: 4."""
    medono = _kampung(
        MEDONO,
        D(2022, 3, 1),
        web_kampung_kb_filled=True,
        siga_k0_year=2023,
        rumah_dataku=RumahDataKu.SEDERHANA,
    )
    Classification.objects.create(
        kampung=medono, level="dasar", effective_on=D(2022, 3, 1), basis="sk"
    )
    Classification.objects.create(
        kampung=medono, level="berkembang", effective_on=D(2024, 5, 1), basis="sk"
    )
    Dashat.objects.create(kampung=medono, name="Dashat Medono", formed_on=D(2023, 2, 1))
    for program, since in (
        (Program.BPJS, D(2022, 5, 1)),
        (Program.NIB, None),
        (Program.UPPKA, D(2025, 1, 1)),
    ):
        ProgramIntegration.objects.create(kampung=medono, program=program, since=since)

    podosugih = _kampung(PODOSUGIH, D(2023, 6, 14), web_kampung_kb_filled=True)
    Classification.objects.create(
        kampung=podosugih, level="mandiri", effective_on=D(2023, 6, 14), basis="sk"
    )
    Dashat.objects.create(
        kampung=podosugih,
        name="Dashat Podosugih",
        formed_on=D(2023, 7, 1),
        status=DashatStatus.INACTIVE,
    )
    for program in Program:
        ProgramIntegration.objects.create(kampung=podosugih, program=program)

    _kampung(TIRTO, D(2023, 6, 14))
    _kampung(KAUMAN, D(2023, 6, 7), is_active=False, deactivated_on=D(2024, 3, 1))
    FormationTarget.objects.create(region_id="33.75", year=2023, new_count=4)

    # Medono's children, 2024. 1: stunted in March, normal in its latest valid
    # measurement (August). 2: severely stunted. 3: its latest (November) is
    # implausible, so its valid June measurement (stunted) counts. 4: over 59
    # months. 5: registered, not measured. 6: born 2018, too old all of 2024.
    # 7: measured only in 2023.
    kids = {n: _child(MEDONO, D(2022, 1, 10), n) for n in (1, 2, 3, 5, 7)}
    kids[4] = _child(MEDONO, D(2019, 1, 1), 4)
    kids[6] = _child(MEDONO, D(2018, 6, 1), 6)
    _measure(kids[1], D(2024, 3, 1), -2.5)
    _measure(kids[1], D(2024, 8, 1), -1.0)
    _measure(kids[2], D(2024, 4, 1), -3.4)
    _measure(kids[3], D(2024, 6, 1), -2.2)
    _measure(kids[3], D(2024, 11, 1), -7.5, implausible=True)
    _measure(kids[4], D(2024, 2, 1), -2.9)  # 1857 days old
    _measure(kids[7], D(2023, 9, 1), -2.1)
    ReportedPrevalence.objects.create(
        region_id="33.75",
        year=2024,
        source="ssgi",
        value_percent="17.86",
        citation="test",
    )
    snapshot_refresh(years=[2023, 2024, 2025])


def test_kampung_kb_formed_and_coverage_at_year_end(counted):
    assert figure("kampung_formed", "33.75", 2023) == (4, 4, None)
    # Kauman was deactivated in 2024.
    assert figure("kampung_formed", "33.75", 2024) == (3, 3, None)
    assert figure("kampung_formed", "33.75.01", 2024) == (3, 3, None)
    assert figure("kampung_formed", "33.75.02", 2024) is None  # zero: no row
    assert figure("kampung_coverage", "33.75", 2024) == (100 * 3 / 27, 3, 27)
    assert figure("kampung_coverage", "33.75.01", 2024) == (100 * 3 / 7, 3, 7)
    assert figure("kampung_coverage", "33.75.02", 2023) == (100 / 7, 1, 7)
    # A desa's own coverage (0 or 1 of 1) is not stored; its Kampung KB count is.
    assert figure("kampung_coverage", TIRTO, 2024) is None
    assert figure("kampung_formed", TIRTO, 2024) == (1, 1, None)


def test_classification_in_force_at_year_end(counted):
    assert figure("kampung_dasar", "33.75", 2023) == (1, 1, None)  # Medono
    assert figure("kampung_berkembang", "33.75", 2023) is None
    assert figure("kampung_berkembang", "33.75", 2024) == (1, 1, None)
    assert figure("kampung_dasar", "33.75", 2024) is None
    assert figure("kampung_mandiri", "33.75", 2024) == (1, 1, None)
    # Tirto, and Kauman while it was active.
    assert figure("kampung_unclassified", "33.75", 2023) == (2, 2, None)
    assert figure("kampung_unclassified", "33.75", 2024) == (1, 1, None)


def test_formed_in_a_year_against_its_target(counted):
    assert figure("kampung_formed_in_year", "33.75", 2023) == (3, 3, None)
    assert figure("kampung_formed_in_year", "33.75", 2022) is None  # not refreshed
    assert figure("formation_target", "33.75", 2023) == (4, 4, None)
    assert figure("formation_achievement", "33.75", 2023) == (75, 3, 4)
    assert figure("formation_achievement", "33", 2023) == (75, 3, 4)
    # No target for 2024: nothing to compare against.
    assert figure("formation_achievement", "33.75", 2024) is None
    # Targets are set per kab/kota: no desa or kecamatan figure.
    assert figure("formation_target", "33.75.01", 2023) is None


def test_dashat_readiness_and_program_convergence(counted):
    # 2023: Medono (active Dashat), Podosugih (inactive), Tirto, Kauman.
    assert figure("dashat_coverage", "33.75", 2023) == (25, 1, 4)
    assert figure("readiness_web", "33.75", 2023) == (50, 2, 4)
    assert figure("readiness_siga", "33.75", 2023) == (25, 1, 4)
    assert figure("readiness_rumah_dataku", "33.75", 2024) == (100 / 3, 1, 3)
    assert figure("readiness_complete", "33.75", 2024) == (100 / 3, 1, 3)
    # 2024: Medono 2 (UPPKA only from 2025), Podosugih 11, Tirto 0; of 3 x 11.
    assert figure("program_convergence", "33.75", 2024) == (100 * 13 / 33, 13, 33)
    assert figure("program_convergence", "33.75", 2025) == (100 * 14 / 33, 14, 33)


def test_measured_stunting_counts_each_child_once_by_its_latest_valid_value(counted):
    # Valid HAZ in 2024: children 1 (-1.0), 2 (-3.4), 3 (-2.2).
    assert figure("stunting_measured", MEDONO, 2024) == (200 / 3, 2, 3)
    assert figure("stunting_severe_measured", MEDONO, 2024) == (100 / 3, 1, 3)
    assert figure("stunting_measured", "33.75", 2024) == (200 / 3, 2, 3)
    assert figure("stunting_measured", MEDONO, 2023) == (100, 1, 1)
    assert figure("stunting_measured", MEDONO, 2025) is None


def test_measurement_coverage(counted):
    # Registered 0-59 months on some day of 2024: 1, 2, 3, 5, 7 and 4 (under 60
    # months until January 2024); measured at 0-59 months: 1, 2, 3.
    assert figure("measurement_coverage", MEDONO, 2024) == (50, 3, 6)
    # 2023: 1, 2, 3, 4, 5, 7 registered (6 turned 5 in June 2023, so counts
    # too); only 7 measured.
    assert figure("measurement_coverage", MEDONO, 2023) == (100 / 7, 1, 7)


def test_reported_prevalence_stays_where_published(counted):
    assert figure("stunting_reported_ssgi", "33.75", 2024) == (17.86, None, None)
    assert figure("stunting_reported_ssgi", "33", 2024) is None
    assert figure("stunting_reported_eppgbm", "33.75", 2024) is None


def test_the_country_sums_the_provinces(counted):
    assert figure("kampung_formed", COUNTRY_CODE, 2024) == (3, 3, None)
    assert figure("kampung_coverage", COUNTRY_CODE, 2024) == (100 * 3 / 27, 3, 27)


def test_every_indicator_has_both_names_a_unit_and_a_definition():
    codes = [indicator.code for indicator in INDICATORS]
    assert len(codes) == len(set(codes)) == len(BY_CODE)
    for indicator in INDICATORS:
        assert indicator.name_id and indicator.name_en
        assert indicator.definition_id and indicator.definition_en
        assert indicator.unit in ("count", "percent", "score")
        if indicator.is_rate and indicator.rolls_up:
            assert indicator.numerator_id and indicator.denominator_id


def test_a_parent_holds_the_sum_of_its_children(db, demo_module):
    snapshot_refresh(years=[2023, 2024])
    rows = Snapshot.objects.filter(indicator__in=[i.code for i in INDICATORS])
    by_key = {(r.indicator, r.region_code, r.period): r for r in rows}
    sums = {}
    for row in rows:
        if not BY_CODE[row.indicator].rolls_up or row.parent_code == "":
            continue
        key = (row.indicator, row.parent_code, row.period)
        numerator, denominator = sums.get(key, (0, 0))
        sums[key] = (numerator + row.numerator, denominator + (row.denominator or 0))
    assert len(sums) > 100
    for key, (numerator, denominator) in sums.items():
        parent = by_key[key]
        assert parent.numerator == numerator, key
        assert (parent.denominator or 0) == denominator, key
    # The city holds its 27 kelurahan, the province both Pekalongan.
    assert by_key[("kampung_formed", "33.75", 2024)].value == 27
    assert by_key[("kampung_coverage", "33", 2024)].denominator == 27 + 285
    assert Region.objects.filter(code__in=["33.75", "33.26"]).count() == 2
