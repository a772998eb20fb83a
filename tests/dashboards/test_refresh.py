"""Refreshing snapshots: whole or not at all, partial equals full, owed on change."""

import datetime

import pytest

from dashboards import refresh
from dashboards.models import Snapshot, StuntingFigure
from stunting.services import child_register, measurement_record
from villages.models import KampungKB, Region
from villages.services import kampung_classify

YEARS = [2023, 2024]


def stored():
    """Every snapshot row without its computation time."""
    return {
        (r.indicator, r.region_code, r.period): (r.value, r.numerator, r.denominator)
        for r in Snapshot.objects.all()
    }


def stored_stunting():
    """Every stunting figure per period without its computation time."""
    return {
        (r.region_code, r.year, r.span, r.part): (
            r.parent_code,
            r.registered,
            r.measured,
            r.valid,
            r.stunted,
            r.severe,
        )
        for r in StuntingFigure.objects.all()
    }


def test_a_failure_while_writing_leaves_the_old_figures_whole(
    db, demo_module, monkeypatch
):
    refresh.snapshot_refresh(years=YEARS)
    before = {(r.pk, r.computed_at, r.value) for r in Snapshot.objects.all()}
    assert len(before) > 1000
    stunting_before = {
        (r.pk, r.computed_at, r.valid) for r in StuntingFigure.objects.all()
    }
    assert len(stunting_before) > 100
    # The next refresh would change figures: a Kampung KB is reclassified.
    kampung = KampungKB.objects.get(region__name="Kauman", region__kabkota="33.75")
    kampung_classify(
        kampung=kampung,
        level="mandiri",
        effective_on=datetime.date(2024, 2, 1),
        basis="sk",
    )
    real_insert = refresh._insert

    def insert_half_then_fail(rows, *table):
        rows = list(rows)
        real_insert(rows[: len(rows) // 2], *table)
        raise RuntimeError("worker lost in the middle of the write")

    monkeypatch.setattr(refresh, "_insert", insert_half_then_fail)
    with pytest.raises(RuntimeError):
        refresh.snapshot_refresh(years=YEARS)
    assert {(r.pk, r.computed_at, r.value) for r in Snapshot.objects.all()} == before
    assert {
        (r.pk, r.computed_at, r.valid) for r in StuntingFigure.objects.all()
    } == stunting_before

    monkeypatch.setattr(refresh, "_insert", real_insert)
    refresh.snapshot_refresh(years=YEARS)  # the rerun completes
    mandiri = Snapshot.objects.get(
        indicator="kampung_mandiri", region_code=kampung.region_id, period=2024
    )
    assert mandiri.value == 1


def test_a_partial_refresh_gives_the_figures_a_full_one_gives(db, demo_module):
    refresh.snapshot_refresh(years=YEARS)
    # Changes in Kota Pekalongan only: a child measured, a Kampung KB reclassified.
    desa = Region.objects.get(code="33.75.04.1004")
    child = child_register(
        region=desa, name="Anak uji", sex="P", birth_date=datetime.date(2023, 1, 5)
    )
    measurement_record(
        child=child,
        measured_on=datetime.date(2024, 3, 1),
        weight_kg=7,
        height_cm=70,
        measured="lying",
    )
    kampung_classify(
        kampung=KampungKB.objects.get(region=desa),
        level="berkembang",
        effective_on=datetime.date(2024, 1, 10),
        basis="sk",
    )
    refresh.snapshot_refresh(years=YEARS, within=["33.75"])
    partial, partial_stunting = stored(), stored_stunting()
    refresh.snapshot_refresh(years=YEARS)
    assert partial == stored()
    assert partial[("stunting_measured", desa.code, 2024)][2] >= 1
    # Months and quarters too: the province and the country are summed again
    # (not added to their stored rows), and the new child counts in March 2024.
    assert partial_stunting == stored_stunting()
    assert (
        partial_stunting[("ID", 2024, "bulan", 3)][1:]
        == (partial_stunting[("33", 2024, "bulan", 3)][1:])
    )
    assert partial_stunting[(desa.code, 2024, "triwulan", 1)][2] >= 1
