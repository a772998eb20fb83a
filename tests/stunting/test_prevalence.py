"""Measured prevalence as DOMAIN.md defines it, on a small set counted by hand."""

import datetime
from decimal import Decimal

import pytest

from dashboards.refresh import snapshot_refresh
from stunting.models import Child, Measurement, PrevalenceSource, ReportedPrevalence
from stunting.selectors import (
    PeriodKind,
    measured_prevalence,
    measured_prevalence_by_year,
    period_bounds,
    reported_prevalence_series,
)
from villages.models import Region

JENGGOT = "33.75.04.1004"  # Pekalongan Selatan
MEDONO = "33.75.01.1002"  # Pekalongan Barat
YEAR_2024 = period_bounds(kind=PeriodKind.YEAR, year=2024)


def _child(code, name, born):
    return Child.objects.create(
        name=name, sex="L", birth_date=born, region=Region.objects.get(code=code)
    )


def _measure(child, day, haz, *, implausible=False):
    # Scores given directly: this checks who is counted, growth.py checks the z.
    return Measurement.objects.create(
        child=child,
        measured_on=day,
        height_cm=Decimal("80.0"),
        age_days=(day - child.birth_date).days,
        haz=haz,
        haz_implausible=implausible,
    )


@pytest.fixture
def hand_counted(kota_pekalongan):
    """Eight children counted in 2024: five stunted, one of them severely."""
    d = datetime.date
    born = d(2022, 1, 1)
    # Latest wins: stunted in February, normal in August -> counted, not stunted.
    c1 = _child(JENGGOT, "C1", born)
    _measure(c1, d(2024, 2, 10), -2.5)
    _measure(c1, d(2024, 8, 10), -1.0)
    # Normal in March, stunted in September -> stunted.
    c2 = _child(JENGGOT, "C2", born)
    _measure(c2, d(2024, 3, 10), -1.5)
    _measure(c2, d(2024, 9, 10), -2.4)
    # Severely stunted.
    c3 = _child(JENGGOT, "C3", born)
    _measure(c3, d(2024, 5, 10), -3.4)
    # The latest HAZ is implausible: the latest *valid* one (-2.5) counts.
    c4 = _child(JENGGOT, "C4", born)
    _measure(c4, d(2024, 4, 10), -2.5)
    _measure(c4, d(2024, 10, 10), -6.5, implausible=True)
    # Over 59 months when measured: not a balita, not counted.
    c5 = _child(JENGGOT, "C5", d(2019, 1, 1))
    _measure(c5, d(2024, 6, 10), -2.5)
    # Stunted on 31 December 2023 (outside the period), normal in 2024.
    c6 = _child(JENGGOT, "C6", born)
    _measure(c6, d(2023, 12, 31), -2.5)
    _measure(c6, d(2024, 6, 10), 0.5)
    # Measured only before the period: not counted in 2024.
    c7 = _child(JENGGOT, "C7", born)
    _measure(c7, d(2023, 11, 10), -3.5)
    # Pekalongan Barat: -2.1 stunted; exactly -2 is not (< -2); exactly -3 is
    # stunted but not severe (< -3).
    _measure(_child(MEDONO, "C8", born), d(2024, 7, 10), -2.1)
    _measure(_child(MEDONO, "C9", born), d(2024, 7, 10), -2.0)
    _measure(_child(MEDONO, "C10", born), d(2024, 7, 10), -3.0)
    # The pages read the refresh's figures.
    snapshot_refresh(years=[2023, 2024])
    return kota_pekalongan


def _by_code(rows):
    return {r.region.code: (r.children, r.stunted, r.severe) for r in rows}


def test_prevalence_of_a_year_counts_each_child_once_by_the_latest_valid_value(
    hand_counted, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        rows, total = measured_prevalence(region=hand_counted, period=YEAR_2024)

    assert (total.children, total.stunted, total.severe) == (8, 5, 1)
    assert total.percent == pytest.approx(62.5)
    assert total.severe_percent == pytest.approx(12.5)
    assert _by_code(rows) == {
        "33.75.01": (3, 2, 0),
        "33.75.02": (0, 0, 0),
        "33.75.03": (0, 0, 0),
        "33.75.04": (5, 3, 1),
    }
    empty = next(r for r in rows if r.region.code == "33.75.02")
    assert empty.percent is None


def test_prevalence_of_a_kecamatan_is_per_desa_and_of_a_desa_is_its_total(hand_counted):
    selatan = Region.objects.get(code="33.75.04")
    rows, total = measured_prevalence(region=selatan, period=YEAR_2024)
    assert _by_code(rows)[JENGGOT] == (5, 3, 1)
    assert (total.children, total.stunted, total.severe) == (5, 3, 1)

    rows, total = measured_prevalence(
        region=Region.objects.get(code=MEDONO), period=YEAR_2024
    )
    assert rows == []
    assert (total.children, total.stunted, total.severe) == (3, 2, 0)


def test_prevalence_of_a_quarter_ignores_measurements_outside_it(hand_counted):
    q3 = period_bounds(kind=PeriodKind.QUARTER, year=2024, part=3)
    assert (q3.start, q3.end) == (datetime.date(2024, 7, 1), datetime.date(2024, 9, 30))

    _rows, total = measured_prevalence(region=hand_counted, period=q3)

    # C1 (August, normal), C2 (September, stunted), C8, C9, C10 (July).
    assert (total.children, total.stunted, total.severe) == (5, 3, 0)


def test_a_month_counts_only_its_own_measurements_and_coverage_its_own_children(
    hand_counted,
):
    february = period_bounds(kind=PeriodKind.MONTH, year=2024, part=2)
    _rows, total = measured_prevalence(region=hand_counted, period=february)

    # Only C1 was measured in February 2024 (stunted then, normal later).
    assert (total.children, total.stunted, total.severe) == (1, 1, 0)
    # C5 turned 60 months on 1 January 2024: registered 0-59 in January, not after.
    assert (total.measured, total.registered) == (1, 9)

    _rows, year = measured_prevalence(region=hand_counted, period=YEAR_2024)
    # C5's June measurement was past 59 months; C7 was measured only in 2023.
    assert (year.measured, year.registered) == (8, 10)
    assert year.coverage_percent == pytest.approx(80)


def test_prevalence_by_year_restarts_the_latest_value_each_year(hand_counted):
    by_year = {
        year: (r.children, r.stunted, r.severe)
        for year, r in measured_prevalence_by_year(region=hand_counted)
    }
    assert by_year == {2023: (2, 2, 1), 2024: (8, 5, 1)}


def test_period_bounds_of_a_month_and_a_year():
    february = period_bounds(kind=PeriodKind.MONTH, year=2024, part=2)
    assert (february.start, february.end) == (
        datetime.date(2024, 2, 1),
        datetime.date(2024, 2, 29),
    )
    year = period_bounds(kind=PeriodKind.YEAR, year=2023)
    assert (year.start, year.end, year.label) == (
        datetime.date(2023, 1, 1),
        datetime.date(2023, 12, 31),
        "2023",
    )


def test_reported_series_keep_each_source_apart_and_in_year_order(kab_pekalongan):
    for year, source, value in [
        (2022, PrevalenceSource.SSGI, "23.5"),
        (2021, PrevalenceSource.EPPGBM, "13.48"),
        (2021, PrevalenceSource.SSGI, "19.5"),
        (2022, PrevalenceSource.EPPGBM, "11.04"),
    ]:
        ReportedPrevalence.objects.create(
            region=kab_pekalongan,
            year=year,
            source=source,
            value_percent=Decimal(value),
            citation="DOMAIN.md",
        )

    series = {
        s.source: [(p.year, str(p.value_percent)) for p in s.points]
        for s in reported_prevalence_series(region=kab_pekalongan)
    }

    assert series == {
        "eppgbm": [(2021, "13.48"), (2022, "11.04")],
        "ssgi": [(2021, "19.50"), (2022, "23.50")],
    }
