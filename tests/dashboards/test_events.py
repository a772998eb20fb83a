"""A change owes a refresh in its own transaction; a worker pays it."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from dashboards import refresh
from dashboards.models import PendingRefresh, RefreshRun, RefreshStatus, Snapshot
from dashboards.services import pending_refresh_run, refresh_run_request
from stunting.models import Child
from stunting.services import child_register, measurement_record
from tests.conftest import wait_until
from villages.models import KampungKB, Region
from villages.services import kampung_create


def test_a_change_owes_a_refresh_in_its_own_transaction(kota_pekalongan):
    desa = Region.objects.get(code="33.75.01.1009")
    kampung_create(region=desa, formed_on=datetime.date(2023, 6, 14))
    owed = PendingRefresh.objects.get()
    assert (owed.region_code, owed.since) == ("33.75", datetime.date(2023, 6, 14))
    # A second change merges into the same row and keeps the earliest date.
    child_register(
        region=desa, name="Anak", sex="L", birth_date=datetime.date(2022, 2, 2)
    )
    owed = PendingRefresh.objects.get()
    assert owed.since == datetime.date(2022, 2, 2)
    assert pending_refresh_run() == ["33.75"]
    assert not PendingRefresh.objects.exists()
    assert (
        Snapshot.objects.get(
            indicator="kampung_formed", region_code="33.75", period=2024
        ).value
        == 1
    )


def test_nothing_owed_when_the_change_is_rolled_back(kota_pekalongan):
    desa = Region.objects.get(code="33.75.01.1009")
    with pytest.raises(ValueError):
        with transaction.atomic():
            kampung_create(region=desa, formed_on=datetime.date(2023, 6, 14))
            raise ValueError("the surrounding save fails")
    assert not PendingRefresh.objects.exists()
    assert not KampungKB.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_refreshes_the_dashboard_after_a_change(
    kota_pekalongan, celery_worker
):
    """With a broker (CI: Redis) a real worker process does the refresh."""
    desa = Region.objects.get(code="33.75.01.1009")
    year = datetime.date.today().year
    child = Child.objects.create(
        name="Anak", sex="L", birth_date=datetime.date(year - 1, 1, 1), region=desa
    )
    measurement_record(
        child=child,
        measured_on=datetime.date(year, 1, 2),
        weight_kg=8,
        height_cm=66,
        measured="lying",
    )

    def refreshed():
        """the worker's refresh of the measured child"""
        return Snapshot.objects.filter(
            indicator="stunting_measured", region_code="33.75", period=year
        ).first()

    row = wait_until(refreshed, seconds=60)
    assert (row.numerator, row.denominator) == (1, 1)  # 66 cm at 366 days: stunted
    wait_until(lambda: not PendingRefresh.objects.exists(), seconds=30)


@pytest.mark.django_db(transaction=True)
def test_staff_can_run_a_full_refresh_and_see_it_finish(kota_pekalongan, celery_worker):
    run, _created = refresh_run_request()

    def finished():
        """the full refresh run to finish"""
        run.refresh_from_db()
        return run.status in (RefreshStatus.DONE, RefreshStatus.FAILED)

    wait_until(finished, seconds=120)
    assert run.status == RefreshStatus.DONE, run.message
    assert run.steps_done == run.steps_total == len(refresh.all_years())
    assert Snapshot.objects.filter(indicator="kampung_coverage").exists()
    assert RefreshRun.objects.count() == 1


def test_the_refresh_command_fills_the_figures_and_refuses_unknown_codes(
    kota_pekalongan,
):
    kampung_create(
        region=Region.objects.get(code="33.75.01.1009"),
        formed_on=datetime.date(2023, 6, 14),
    )
    out = StringIO()
    call_command(
        "refresh_indicators", "--year", "2024", "--within", "33.75", stdout=out
    )
    assert "1/1" in out.getvalue()
    assert (
        Snapshot.objects.get(
            indicator="kampung_formed", region_code="33", period=2024
        ).value
        == 1
    )
    with pytest.raises(CommandError, match="33.99"):
        call_command("refresh_indicators", "--within", "33.99")
