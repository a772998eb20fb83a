"""Refreshes asked for by people: one at a time, within their regions, seen in scope.

Staff of Kota Pekalongan (33.75) may refresh their city's figures (and with them
the province's and the country's sums that include it), never the whole country;
a refresh asked for while one covering the same region is queued or running joins
it; a run is seen only by those whose regions hold it, with the requester's name.
"""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dashboards import services
from dashboards.models import COUNTRY_CODE, RefreshRun, RefreshStatus, Snapshot
from dashboards.refresh import snapshot_refresh
from dashboards.tasks import refresh_all
from kampungkb.models import Role, User
from tests.conftest import wait_until
from tests.factories import ClassificationFactory, KampungFactory
from villages.models import Region

KOTA, KAB = "33.75", "33.26"
JENGGOT, KLESEM = "33.75.04.1004", "33.26.01.2001"
SELATAN = "33.75.04"
ALREADY = "sudah antre atau berjalan"


def _account(username, role, codes=()):
    user = User.objects.create_user(username, role=role)
    user.regions.set(Region.objects.filter(code__in=codes))
    return user


@pytest.fixture
def regions(kota_pekalongan, kab_pekalongan):
    """A Kampung KB in each of the two kab/kota, so each has figures."""
    for code in (JENGGOT, KLESEM):
        ClassificationFactory(
            kampung=KampungFactory(
                region=Region.objects.get(code=code),
                formed_on=datetime.date(2023, 6, 7),
            )
        )


@pytest.fixture
def people(regions):
    return {
        "kota": _account("staf.kota", Role.STAF, [KOTA]),
        "kab": _account("staf.kab", Role.STAF, [KAB]),
        "admin": User.objects.create_superuser("root"),
    }


def _signed_in(client, user):
    client.force_login(user)
    return client


def _ask(client, code, capture):
    """Press the refresh button on the dashboard of `code`; the task is not run."""
    with capture(execute=False) as queued:
        response = client.post(reverse("dashboard-refresh"), {"wilayah": code})
    return response, len(queued)


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


# --- One at a time ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_request_joins_the_run_already_going(
    client, people, django_capture_on_commit_callbacks
):
    _signed_in(client, people["kota"])

    first, queued_first = _ask(client, KOTA, django_capture_on_commit_callbacks)
    # From a kelurahan's dashboard the city is refreshed: the same run.
    second, queued_second = _ask(client, JENGGOT, django_capture_on_commit_callbacks)

    run = RefreshRun.objects.get()
    assert (queued_first, queued_second) == (1, 0)
    assert run.region_code == KOTA and run.status == RefreshStatus.QUEUED
    detail = reverse("dashboard-refresh-detail", args=[run.pk])
    assert first["Location"].startswith(detail)
    assert second["Location"].startswith(detail)
    page = client.get(second["Location"]).content.decode()
    assert ALREADY in page
    # The API answers the same: the run already going, not a new one.
    again = _api(people["kota"]).post("/api/refresh-runs/", {"region": KOTA})
    assert again.status_code == 200 and again.json()["id"] == run.pk
    assert RefreshRun.objects.count() == 1

    # Once it is over, a new request queues a new run.
    refresh_all(run.pk)
    third, queued_third = _ask(client, KOTA, django_capture_on_commit_callbacks)
    assert queued_third == 1 and RefreshRun.objects.count() == 2


@pytest.mark.django_db
def test_a_run_of_the_country_covers_the_city_but_not_the_other_way(
    client, people, django_capture_on_commit_callbacks
):
    national, _new = services.refresh_run_request(
        user=people["admin"], region_code=COUNTRY_CODE
    )
    _signed_in(client, people["kota"])

    response, queued = _ask(client, KOTA, django_capture_on_commit_callbacks)

    # Joined the country's run, which staff may not open: told, sent back.
    assert queued == 0 and RefreshRun.objects.count() == 1
    assert response["Location"] == f"/dashboard/{KOTA}/"
    dashboard = client.get(response["Location"]).content.decode()
    assert "Pembaruan yang mencakup wilayah ini sedang berjalan." in dashboard
    api = _api(people["kota"]).post("/api/refresh-runs/", {"region": KOTA})
    assert api.status_code == 202 and "id" not in api.json()

    # A city's run does not hold back the country's.
    RefreshRun.objects.filter(pk=national.pk).update(status=RefreshStatus.DONE)
    city, _new = services.refresh_run_request(user=people["kota"], region_code=KOTA)
    country, created = services.refresh_run_request(
        user=people["admin"], region_code=COUNTRY_CODE
    )
    assert created and country.pk != city.pk


@pytest.mark.django_db
def test_a_run_left_by_a_dead_worker_no_longer_holds_its_region(client, people):
    dead = RefreshRun.objects.create(
        region_code=KOTA,
        status=RefreshStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(hours=3),
    )

    run, created = services.refresh_run_request(user=people["kota"], region_code=KOTA)

    dead.refresh_from_db()
    assert created and run.pk != dead.pk
    assert dead.status == RefreshStatus.FAILED
    assert dead.message.startswith("Terhenti sebelum selesai")


@pytest.mark.django_db
def test_the_nightly_refresh_is_not_queued_twice(people):
    going, _new = services.refresh_run_request(
        user=people["admin"], region_code=COUNTRY_CODE
    )

    assert refresh_all() == going.pk  # the nightly task finds it and leaves it
    assert RefreshRun.objects.count() == 1
    assert RefreshRun.objects.get().status == RefreshStatus.QUEUED


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_the_same_moment_make_one_run(people, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite runs one writer at a time: the race needs PostgreSQL "
            "(DATABASE_URL=postgres://...)"
        )
    enqueued = []
    monkeypatch.setattr(
        refresh_all, "apply_async", lambda args, countdown=0: enqueued.append(args)
    )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def ask():
        try:
            barrier.wait(timeout=10)
            results.append(
                services.refresh_run_request(user=people["kota"], region_code=KOTA)
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(created for _run, created in results) == [False, True]
    assert len({run.pk for run, _created in results}) == 1
    assert RefreshRun.objects.count() == 1 and len(enqueued) == 1


@pytest.mark.django_db(transaction=True)
def test_a_live_worker_keeps_its_run_and_a_dead_ones_is_replaced(people):
    if connection.vendor != "postgresql":
        pytest.skip("Workers are told alive by PostgreSQL advisory locks")
    running = RefreshRun.objects.create(
        region_code=KOTA, status=RefreshStatus.RUNNING, started_at=timezone.now()
    )
    # Another session holds the run's lock, as the worker running it does.
    worker = connections.create_connection("default")
    with worker.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_lock(%s, %s)", [services.RUN_LOCK_CLASS, running.pk]
        )
    try:
        run, created = services.refresh_run_request(
            user=people["kota"], region_code=KOTA
        )
        assert (run.pk, created) == (running.pk, False)
    finally:
        worker.close()  # the worker dies: PostgreSQL drops its lock

    def lock_dropped():
        """PostgreSQL to end the dead worker's session"""
        return running.pk not in services._live_run_ids()

    wait_until(lock_dropped, seconds=10)
    run, created = services.refresh_run_request(user=people["kota"], region_code=KOTA)
    running.refresh_from_db()
    assert created and running.status == RefreshStatus.FAILED


# --- Within the user's regions ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("code", [COUNTRY_CODE, "33", KAB, KLESEM])
def test_staff_cannot_ask_for_the_country_or_another_region(
    client, people, code, django_capture_on_commit_callbacks
):
    _signed_in(client, people["kota"])

    response, queued = _ask(client, code, django_capture_on_commit_callbacks)
    api = _api(people["kota"]).post("/api/refresh-runs/", {"region": code})

    assert response.status_code == 404  # a region they do not read
    assert api.status_code == 400 and "region" in api.json()
    assert queued == 0 and not RefreshRun.objects.exists()


@pytest.mark.django_db
def test_a_staff_refresh_recomputes_their_city_never_the_country(
    client, people, django_capture_on_commit_callbacks
):
    snapshot_refresh(years=[2024])
    before = dict(Snapshot.objects.values_list("region_code", "computed_at"))
    assert {KOTA, KAB, "33", COUNTRY_CODE} <= set(before)
    _signed_in(client, people["kota"])
    html = client.get(f"/dashboard/{SELATAN}/").content.decode()
    assert "Perbarui semua angka Kota Pekalongan" in html

    # Without a region named, staff refresh their one region.
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("dashboard-refresh"))
    run = RefreshRun.objects.get()
    assert run.region_code == KOTA
    refresh_all(run.pk)

    after = dict(Snapshot.objects.values_list("region_code", "computed_at"))
    assert after[KOTA] > before[KOTA]
    assert after["33"] > before["33"]  # the sums that include the city
    assert after[KAB] == before[KAB]  # Kabupaten Pekalongan's figures untouched
    run.refresh_from_db()
    assert run.status == RefreshStatus.DONE


@pytest.mark.django_db
def test_an_administrator_still_refreshes_the_whole_country(
    client, people, django_capture_on_commit_callbacks
):
    _signed_in(client, people["admin"])
    assert "Perbarui semua angka" in client.get("/dashboard/ID/").content.decode()

    response, queued = _ask(client, COUNTRY_CODE, django_capture_on_commit_callbacks)

    assert response.status_code == 302 and queued == 1
    assert RefreshRun.objects.get().region_code == COUNTRY_CODE


# --- Seen within scope ------------------------------------------------------------


@pytest.mark.django_db
def test_a_run_is_seen_only_within_the_regions_it_refreshes(client, people):
    city, _new = services.refresh_run_request(user=people["kota"], region_code=KOTA)
    nightly = RefreshRun.objects.create(status=RefreshStatus.DONE)

    def page(user, run):
        client.force_login(user)
        return client.get(reverse("dashboard-refresh-detail", args=[run.pk]))

    own = page(people["kota"], city)
    assert own.status_code == 200
    assert "staf.kota" in own.content.decode()
    assert "Kota Pekalongan" in own.content.decode()
    assert page(people["kab"], city).status_code == 404
    assert page(people["kota"], nightly).status_code == 404
    admin_view = page(people["admin"], city).content.decode()
    assert "staf.kota" in admin_view

    listed = _api(people["kab"]).get("/api/refresh-runs/").json()["results"]
    assert listed == []
    assert _api(people["kab"]).get(f"/api/refresh-runs/{city.pk}/").status_code == 404
    mine = _api(people["kota"]).get("/api/refresh-runs/").json()["results"]
    assert [(r["id"], r["region"], r["requested_by"]) for r in mine] == [
        (city.pk, KOTA, "staf.kota")
    ]
    everything = _api(people["admin"]).get("/api/refresh-runs/").json()["results"]
    assert {r["id"] for r in everything} == {city.pk, nightly.pk}


@pytest.mark.django_db
def test_the_dashboard_links_only_a_run_the_user_may_open(client, people):
    other, _new = services.refresh_run_request(user=people["kab"], region_code=KAB)
    html = _signed_in(client, people["kota"]).get(f"/dashboard/{KOTA}/")
    text = html.content.decode()

    assert reverse("dashboard-refresh-detail", args=[other.pk]) not in text
    city, _new = services.refresh_run_request(user=people["kota"], region_code=KOTA)
    text = client.get(f"/dashboard/{KOTA}/").content.decode()
    assert reverse("dashboard-refresh-detail", args=[city.pk]) in text


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.PIMPINAN, Role.PLKB, Role.EVALUATOR])
def test_others_get_no_refresh_runs_from_the_api(people, role):
    run, _new = services.refresh_run_request(user=people["kota"], region_code=KOTA)
    user = _account(f"user.{role}", role, [KOTA])

    assert _api(user).get("/api/refresh-runs/").status_code == 403
    assert _api(user).get(f"/api/refresh-runs/{run.pk}/").status_code == 403
    assert _api(user).post("/api/refresh-runs/", {}).status_code == 403
    assert RefreshRun.objects.count() == 1
