"""Without a broker, work runs after the response on one background thread.

A PLKB's save and a staff member's refresh request answer before the refresh
runs (the thread is held busy by a job the test releases), and the refresh then
happens. The thread merges waiting jobs with one key, logs a job's exception and
closes its database connections after each job. With a broker, Celery gets the
task as before (tests/dashboards/test_events.py, with a real worker).
"""

import datetime
import logging
import threading

import pytest
from django.db import connections
from django.urls import reverse

from dashboards.models import (
    PendingRefresh,
    RefreshRun,
    RefreshStatus,
    RefreshTrigger,
    Snapshot,
)
from dashboards.refresh import all_years, snapshot_refresh
from kampungkb import background
from kampungkb.models import Role, User
from kampungkb.services import user_create
from tests.factories import ClassificationFactory, KampungFactory
from villages.models import Region, RumahDataKu

KOTA, JENGGOT = "33.75", "33.75.04.1004"
THIS_YEAR = all_years()[-1]


@pytest.fixture
def thread_mode(settings):
    """The embedded default: no broker, work on the background thread (also where
    CI gives the tests a broker: enqueue reads these settings at each call)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.BACKGROUND_TASKS = "thread"
    settings.DASHBOARD_REFRESH_DELAY_S = 0
    yield
    assert background.wait_idle(120), "the background thread did not finish"


@pytest.fixture
def held():
    """Keep the background thread busy until the test lets it go."""
    release = threading.Event()
    background.run_later("held-by-test", lambda: release.wait(60))
    yield release
    release.set()


@pytest.fixture
def jenggot(kota_pekalongan):
    kampung = KampungFactory(
        region=Region.objects.get(code=JENGGOT),
        formed_on=datetime.date(2023, 6, 7),
        rumah_dataku=RumahDataKu.NONE,
    )
    ClassificationFactory(kampung=kampung)
    snapshot_refresh(years=[THIS_YEAR])
    return kampung


def _rumah_dataku_ready():
    row = Snapshot.objects.get(
        indicator="readiness_rumah_dataku", region_code=KOTA, period=THIS_YEAR
    )
    return row.numerator


def _plkb(client):
    admin = User.objects.create_superuser("root")
    user, _password = user_create(
        actor=admin,
        username="plkb",
        role=Role.PLKB,
        regions=Region.objects.filter(code=JENGGOT),
    )
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_a_plkb_save_answers_before_the_refresh_which_then_runs(
    client, thread_mode, held, jenggot
):
    _plkb(client)
    assert _rumah_dataku_ready() == 0
    url = reverse("kampung-readiness", args=[jenggot.pk])
    data = {
        "siga_k0_year": "",
        "rumah_dataku": RumahDataKu.LENGKAP,
        "version": jenggot.version,
    }

    response = client.post(url, data)

    # Saved and answered while the refresh still waits its turn.
    assert response.status_code == 302, response.content.decode()[:2000]
    jenggot.refresh_from_db()
    assert jenggot.rumah_dataku == RumahDataKu.LENGKAP
    assert PendingRefresh.objects.filter(region_code=KOTA).exists()
    assert _rumah_dataku_ready() == 0

    held.set()
    assert background.wait_idle(120)

    assert _rumah_dataku_ready() == 1
    assert not PendingRefresh.objects.exists()
    run = RefreshRun.objects.get(trigger=RefreshTrigger.CHANGE)
    assert (run.region_code, run.status) == (KOTA, RefreshStatus.DONE)


@pytest.mark.django_db(transaction=True)
def test_a_staff_refresh_answers_at_once_and_the_page_follows_it(
    client, thread_mode, held, jenggot
):
    staff = User.objects.create_user("staf", role=Role.STAF)
    staff.regions.set(Region.objects.filter(code=KOTA))
    client.force_login(staff)

    response = client.post(reverse("dashboard-refresh"), {"wilayah": KOTA})

    run = RefreshRun.objects.get(trigger=RefreshTrigger.REQUEST)
    assert run.region_code == KOTA and run.status == RefreshStatus.QUEUED
    page = client.get(response["Location"]).content.decode()
    assert "Menunggu" in page
    assert 'http-equiv="refresh"' in page  # it follows the run by itself

    held.set()
    assert background.wait_idle(120)

    run.refresh_from_db()
    assert run.status == RefreshStatus.DONE, run.message
    assert run.steps_done == run.steps_total == len(all_years())
    page = client.get(response["Location"]).content.decode()
    assert "Selesai" in page and 'http-equiv="refresh"' not in page


@pytest.mark.django_db(transaction=True)
def test_waiting_jobs_with_one_key_run_once(thread_mode, held):
    ran = []

    first = background.run_later("same", lambda: ran.append(1))
    second = background.run_later("same", lambda: ran.append(2))
    held.set()
    assert background.wait_idle(10)

    assert (first, second, ran) == (True, False, [1])


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_logged_and_the_thread_goes_on(thread_mode, caplog):
    ran = []

    def fail():
        raise RuntimeError("refresh broke")

    with caplog.at_level(logging.ERROR, logger="kampungkb.background"):
        background.run_later("fails", fail)
        background.run_later("after", lambda: ran.append("after"))
        assert background.wait_idle(10)

    (record,) = [r for r in caplog.records if r.name == "kampungkb.background"]
    assert "fails" in record.getMessage()
    assert "refresh broke" in str(record.exc_info[1])
    assert ran == ["after"]


@pytest.mark.skipif(
    connections["default"].vendor == "sqlite",
    reason="Django never closes an in-memory SQLite test database: run on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_a_job_closes_its_database_connection(thread_mode):
    used = []

    def query():
        RefreshRun.objects.exists()
        used.append(connections["default"])

    background.run_later("query", query)
    assert background.wait_idle(10)

    (thread_connection,) = used
    assert thread_connection is not connections["default"]  # its own
    assert thread_connection.connection is None
