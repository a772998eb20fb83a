"""Dashboards state truly which refresh computed their figures.

Every path that computes figures (the command, the nightly run, a refresh owed by
a change, a staff request) records a run; a page names the latest full refresh
(every year) covering its region and the latest partial one that touched it:
when, which region and years, what started it and how it ended.
"""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboards.models import (
    COUNTRY_CODE,
    PendingRefresh,
    RefreshRun,
    RefreshStatus,
    RefreshTrigger,
)
from dashboards.refresh import all_years
from dashboards.services import pending_refresh_run, refresh_run_request
from dashboards.tasks import refresh_all
from kampungkb.models import Role, User
from villages.models import Region
from villages.services import kampung_create

KOTA, MEDONO = "33.75", "33.75.01.1002"
FIRST, LAST = all_years()[0], all_years()[-1]


@pytest.fixture
def official(client, kota_pekalongan):
    user = User.objects.create_user("pimpinan", role=Role.PIMPINAN)
    user.regions.set(Region.objects.filter(code=KOTA))
    client.force_login(user)
    return client


def _state(client, code=KOTA):
    html = client.get(reverse("dashboard", args=[code])).content.decode()
    full = re.search(r'<li id="refresh-full">(.*?)</li>', html, re.S)
    partial = re.search(r'<li id="refresh-partial">(.*?)</li>', html, re.S)
    return html, full and full.group(1), partial and partial.group(1)


def _change(since=datetime.date(2023, 6, 14)):
    kampung_create(region=Region.objects.get(code=MEDONO), formed_on=since)


@pytest.mark.django_db
def test_the_refresh_command_is_told_as_the_last_full_refresh(official):
    _change()
    assert PendingRefresh.objects.exists()

    call_command("refresh_indicators", stdout=StringIO())

    html, full, partial = _state(official)
    assert "belum pernah dijalankan" not in html
    assert full.startswith(
        "Pembaruan penuh terakhir: Indonesia, semua tahun, perintah server: Selesai, "
    )
    assert partial is None
    # What it covered is no longer owed.
    assert not PendingRefresh.objects.exists()


@pytest.mark.django_db
def test_a_refresh_owed_by_a_change_is_told_as_partial(official):
    call_command("refresh_indicators", stdout=StringIO())
    _change(since=datetime.date(2023, 6, 14))

    assert pending_refresh_run() == [KOTA]

    _html, full, partial = _state(official)
    assert full.startswith("Pembaruan penuh terakhir: Indonesia, semua tahun")
    assert partial.startswith(
        f"Pembaruan sebagian terakhir: Kota Pekalongan, tahun 2023–{LAST}, "
        "otomatis setelah data berubah: Selesai, "
    )


@pytest.mark.django_db
def test_the_command_within_a_city_is_partial_for_the_country_full_for_the_city(
    kota_pekalongan, client
):
    client.force_login(User.objects.create_superuser("root"))

    call_command("refresh_indicators", "--within", KOTA, stdout=StringIO())

    _html, full, partial = _state(client, KOTA)
    assert full.startswith("Pembaruan penuh terakhir: Kota Pekalongan, semua tahun")
    assert partial is None
    _html, full, partial = _state(client, COUNTRY_CODE)
    assert full == (
        "Pembaruan penuh (semua tahun) belum pernah dijalankan untuk wilayah ini."
    )
    assert partial.startswith(
        f"Pembaruan sebagian terakhir: Kota Pekalongan, tahun {FIRST}–{LAST}, "
        "perintah server: Selesai"
    )


@pytest.mark.django_db
def test_a_run_asked_for_and_waiting_is_told_with_its_state(official):
    staff = User.objects.create_user("staf", role=Role.STAF)
    staff.regions.set(Region.objects.filter(code=KOTA))
    call_command("refresh_indicators", stdout=StringIO())

    # Not run: in this test's transaction, its enqueue after commit never fires.
    run, _created = refresh_run_request(user=staff, region_code=KOTA)

    _html, full, _partial = _state(official)
    assert full.startswith(
        "Pembaruan penuh terakhir: Kota Pekalongan, semua tahun, "
        "diminta dari dasbor: Menunggu, "
    )
    RefreshRun.objects.filter(pk=run.pk).update(
        status=RefreshStatus.FAILED, finished_at=datetime.datetime.now(datetime.UTC)
    )
    _html, full, _partial = _state(official)
    assert "diminta dari dasbor: Gagal" in full


@pytest.mark.django_db
def test_the_nightly_refresh_is_told_as_nightly(official):
    refresh_all()

    run = RefreshRun.objects.get()
    assert (run.trigger, run.status) == (RefreshTrigger.NIGHTLY, RefreshStatus.DONE)
    _html, full, _partial = _state(official)
    assert full.startswith(
        "Pembaruan penuh terakhir: Indonesia, semua tahun, jadwal malam: Selesai"
    )
