"""The stunting demo: reported series from DOMAIN.md and synthetic children near 17.86 %."""

from decimal import Decimal

import pytest

from dashboards.refresh import snapshot_refresh
from stunting.demo import stunting_demo_load
from stunting.models import Child, Measurement, ReportedPrevalence
from stunting.selectors import (
    PeriodKind,
    measured_prevalence,
    period_bounds,
    reported_prevalence_series,
)
from villages.models import Region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_module")]


def test_measured_2024_prevalence_of_kota_pekalongan_is_close_to_the_reported_figure():
    kota = Region.objects.get(code="33.75")
    snapshot_refresh(years=[2024])
    _rows, total = measured_prevalence(
        region=kota, period=period_bounds(kind=PeriodKind.YEAR, year=2024)
    )
    assert total.children >= 1000
    assert total.percent == pytest.approx(17.86, abs=0.5)
    assert 0 < total.severe < total.stunted


def test_every_synthetic_child_is_marked_and_has_no_nik():
    children = Child.objects.filter(region__kabkota="33.75")
    assert children.count() >= 1000
    assert not children.exclude(name__startswith="Anak Sintetis").exists()
    assert not children.exclude(posyandu__contains="SINTETIS").exists()
    assert not children.filter(nik_hash__isnull=False).exists()
    assert Measurement.objects.filter(measured_on__year=2023).exists()
    assert not Measurement.objects.filter(haz__isnull=True).exists()


def test_loading_the_demo_again_adds_nothing():
    before = (
        Child.objects.count(),
        Measurement.objects.count(),
        ReportedPrevalence.objects.count(),
    )
    assert stunting_demo_load() == {
        "dashat": 0,
        "reported": 0,
        "children": 0,
        "measurements": 0,
    }
    assert (
        Child.objects.count(),
        Measurement.objects.count(),
        ReportedPrevalence.objects.count(),
    ) == before


def _series(code):
    return {
        s.source: [(p.year, p.value_percent) for p in s.points]
        for s in reported_prevalence_series(region=Region.objects.get(code=code))
    }


def test_the_reported_series_of_domain_md_each_with_its_source():
    assert _series("33.75") == {
        "ssgi": [(2021, Decimal("20.60")), (2022, Decimal("23.10"))],
        "other": [(2024, Decimal("17.86"))],
    }
    assert _series("33.26") == {
        "eppgbm": [(2021, Decimal("13.48")), (2022, Decimal("11.04"))],
        "ssgi": [(2021, Decimal("19.50")), (2022, Decimal("23.50"))],
    }
    # No region is invented for the national figures.
    assert set(ReportedPrevalence.objects.values_list("region", flat=True)) == {
        "33.75",
        "33.26",
    }
    assert not ReportedPrevalence.objects.filter(citation="").exists()
    other = ReportedPrevalence.objects.get(source="other")
    assert "Dinkominfo Kota Pekalongan" in other.citation and "SSGI" in other.note
