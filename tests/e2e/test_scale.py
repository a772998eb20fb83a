"""Beyond one machine: a streaming replica for the reads that may lag, and a worker
per queue, on the real stack.

The replica is made from the private cluster with pg_basebackup -R and gunicorn
reads from it through DATABASE_REPLICA_URLS (stack.replica_add). Pausing its
replay tells its answers from the primary's: what a page shows then is what the
replica holds.
"""

import json
import urllib.error
import urllib.request

import psycopg
import pytest

from kampungkb.replicas import STICKY_COOKIE
from tests.browser.conftest import sign_in

from .conftest import LAPTOP, PHONE
from .helpers import (
    CITY,
    SELATAN,
    data_day,
    figure,
    measurement_csv,
    reload_until,
    shown,
    submit,
    table_cell,
)
from .stack import PASSWORD, WEB_APP_NAME, wait_for

pytestmark = pytest.mark.e2e

KERTOHARJO = "33.75.04.1006"  # Kampung KB Kuripan Kertoharjo, the demo PLKB's
IMPORTS_APP_NAME = "kampungkb-e2e-worker-imports"


@pytest.fixture(scope="module")
def replica(stack):
    """The stack with a streaming replica that gunicorn reads from."""
    stack.replica_add()
    yield stack
    stack.replica_stop()
    stack.replica_port = None
    stack.ensure_running()
    stack._end("web")
    stack.web_start()


def api_get(stack, path, token):
    """An API GET as a script sends it: a token, no cookie (so never 'just wrote')."""
    request = urllib.request.Request(
        stack.url(path), headers={"Authorization": f"Token {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def api_token(stack, username):
    request = urllib.request.Request(
        stack.url("/api/token/"),
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["token"]


def healthz(stack):
    try:
        with urllib.request.urlopen(stack.url("/healthz"), timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def replica_caught_up(stack):
    """A fresh commit on the primary, replayed on the replica: it is not behind."""
    stack.sql("CREATE TABLE IF NOT EXISTS e2e_marker (at timestamptz)")
    stack.sql("INSERT INTO e2e_marker VALUES (now())")
    lsn = stack.value("SELECT pg_current_wal_lsn()::text")
    wait_for(
        lambda: stack.replica_sql(
            "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)
        )[0][0],
        seconds=60,
        what="the replica replaying the primary's last commit",
    )


def nothing_owed(stack):
    wait_for(
        lambda: stack.value("SELECT count(*) FROM dashboards_pendingrefresh") == 0,
        seconds=120,
        what="the owed refreshes to be done (dashboards_pendingrefresh empty)",
        interval=1,
    )


def reads_lagging_views_fresh(page):
    """Forget that this browser signed in (a write) just now: it may read a replica."""
    page.context.clear_cookies(name=STICKY_COOKIE)


def test_reads_that_may_lag_come_from_the_replica_and_a_writer_reads_its_own_write(
    replica, pages, shot
):
    stack = replica
    year = data_day().year
    nothing_owed(stack)
    replica_caught_up(stack)
    kampung_id, web_filled = stack.sql(
        "SELECT id, web_kampung_kb_filled FROM villages_kampungkb WHERE region_id = %s",
        (KERTOHARJO,),
    )[0]
    web = figure(stack, SELATAN, "readiness_web", year)
    web_now = (web[0] + (-1 if web_filled else 1), web[1])
    script = api_token(stack, "plkb.selatan")
    plkb = pages(PHONE)
    sign_in(plkb, "plkb.selatan", PASSWORD)
    staff = pages(LAPTOP)
    sign_in(staff, "staf.kota", PASSWORD)
    reads_lagging_views_fresh(staff)
    staff.goto(f"/dashboard/{CITY}/?tahun={year}")
    assert table_cell(staff, SELATAN, "readiness_web") == shown(*web)
    # gunicorn has its own sessions on the replica.
    assert stack.replica_sql(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
        (WEB_APP_NAME,),
    )[0][0]

    # The replica stops replaying: from now on it holds the data as it was.
    stack.replica_sql("SELECT pg_wal_replay_pause()")
    try:
        plkb.goto(f"/kampung/{kampung_id}/kesiapan/")
        plkb.set_checked("#id_web_kampung_kb_filled", not web_filled)
        response, _ = submit(plkb, plkb.get_by_role("button", name="Simpan").click)
        assert response.status == 200 and plkb.url.endswith(f"/kampung/{kampung_id}/")

        # The PLKB's browser, which just saved, reads the API from the primary...
        own = plkb.request.get(f"/api/kampung/{kampung_id}/").json()
        assert own["web_kampung_kb_filled"] is (not web_filled)
        # ... while their script (no cookie) reads the replica, still before it.
        theirs = api_get(stack, f"/api/kampung/{kampung_id}/", script)
        assert theirs["web_kampung_kb_filled"] is web_filled

        # The worker refreshes the figures on the primary; the dashboard, read
        # from the replica, still shows the old ones.
        nothing_owed(stack)
        assert figure(stack, SELATAN, "readiness_web", year) == web_now
        staff.goto(f"/dashboard/{CITY}/?tahun={year}")
        assert table_cell(staff, SELATAN, "readiness_web") == shown(*web)
        shot(staff, "dashboard-from-the-paused-replica")

        status, body = healthz(stack)
        assert status == 200, body
        behind = body["replicas"]["replica1"]
        assert behind["ok"] is True and behind["lag_s"] > 0, behind
        assert "behind the primary" in behind["detail"]
        assert str(stack.replica_port) not in json.dumps(body)
    finally:
        stack.replica_sql("SELECT pg_wal_replay_resume()")

    # Replaying again, the replica catches up and the dashboard follows.
    reload_until(
        staff,
        f"/dashboard/{CITY}/?tahun={year}",
        lambda page: table_cell(page, SELATAN, "readiness_web") == shown(*web_now),
        seconds=60,
        what="the readiness the PLKB saved, once the replica replays it",
    )
    shot(staff, "dashboard-after-the-replica-caught-up")
    assert api_get(stack, f"/api/kampung/{kampung_id}/", script)[
        "web_kampung_kb_filled"
    ] is (not web_filled)
    status, body = healthz(stack)
    assert status == 200 and body["replicas"]["replica1"]["ok"], body
    assert 0 <= body["replicas"]["replica1"]["lag_s"] < 600
    assert not pages.server_errors


def test_a_stopped_replica_leaves_every_page_answering_from_the_primary(
    replica, pages, shot
):
    stack = replica
    year = data_day().year
    nothing_owed(stack)
    script = api_token(stack, "staf.kota")
    staff = pages(LAPTOP)
    sign_in(staff, "staf.kota", PASSWORD)
    reads_lagging_views_fresh(staff)
    web = figure(stack, SELATAN, "readiness_web", year)

    stack.replica_stop(mode="immediate")  # as when its machine dies
    for _ in range(3):  # both gunicorn workers, whatever they last knew
        response = staff.goto(f"/dashboard/{CITY}/?tahun={year}")
        assert response.status == 200
        assert table_cell(staff, SELATAN, "readiness_web") == shown(*web)
        assert api_get(stack, f"/api/regions/{CITY}/", script)["code"] == CITY
        export = staff.request.get(f"/dashboard/{CITY}/ekspor.csv?tahun={year}")
        assert export.status == 200 and SELATAN in export.text()
    shot(staff, "dashboard-with-the-replica-down")
    status, body = wait_for(
        lambda: (answer := healthz(stack))[0] == 200 and answer,
        seconds=90,
        what="/healthz 200 with the replica down (reads fall back to the primary)",
        interval=1,
    )
    assert body["replicas"] == {
        "replica1": {
            "ok": False,
            "lag_s": None,
            "detail": "unreachable: OperationalError",
        }
    }

    stack.replica_start()
    wait_for(
        lambda: healthz(stack)[1]["replicas"]["replica1"]["ok"],
        seconds=60,
        what="/healthz finding the replica back",
    )
    assert not pages.server_errors


def test_a_long_import_does_not_hold_up_a_refresh_with_a_worker_per_queue(stack, pages):
    year = data_day().year
    nothing_owed(stack)
    stack.worker_stop()
    lock = None
    try:
        staff = pages(LAPTOP)
        sign_in(staff, "staf.kota", PASSWORD)
        staff.goto("/stunting/impor/")
        staff.set_input_files(
            "#id_file",
            {
                "name": "posyandu-antrean.csv",
                "mimeType": "text/csv",
                "buffer": measurement_csv(
                    children=3, desa=[KERTOHARJO], measured_on=data_day(), first=910_000
                ),
            },
        )
        submit(staff, staff.get_by_role("button", name="Unggah dan periksa").click)
        batch = stack.value("SELECT max(id) FROM stunting_importbatch")
        # The import will be long: its batch row is held, so it waits at its start.
        lock = psycopg.connect(stack.database_url)
        lock.execute(
            "SELECT id FROM stunting_importbatch WHERE id = %s FOR UPDATE", (batch,)
        )
        stack.worker_start(
            name="worker-imports", queues="imports", app_name=IMPORTS_APP_NAME
        )
        stack.worker_start(name="worker-refresh", queues="refresh,light")
        import_waiting = (
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND wait_event_type = 'Lock'"
        )
        wait_for(
            lambda: stack.value(import_waiting, (IMPORTS_APP_NAME,)),
            seconds=60,
            what="the imports worker running the import (waiting on its batch)",
        )

        # A Kampung KB changes: its refresh is queued after the import...
        kampung_id, web_filled = stack.sql(
            "SELECT id, web_kampung_kb_filled FROM villages_kampungkb "
            "WHERE region_id = %s",
            (KERTOHARJO,),
        )[0]
        web = figure(stack, SELATAN, "readiness_web", year)
        plkb = pages(PHONE)
        sign_in(plkb, "plkb.selatan", PASSWORD)
        plkb.goto(f"/kampung/{kampung_id}/kesiapan/")
        plkb.set_checked("#id_web_kampung_kb_filled", not web_filled)
        submit(plkb, plkb.get_by_role("button", name="Simpan").click)

        # ... and is done while the import still runs.
        web_now = (web[0] + (-1 if web_filled else 1), web[1])
        wait_for(
            lambda: figure(stack, SELATAN, "readiness_web", year) == web_now,
            seconds=120,
            what="the refresh worker refreshing the city while the import runs",
            interval=1,
        )
        assert stack.value(import_waiting, (IMPORTS_APP_NAME,)) == 1
        assert stack.value(
            "SELECT status FROM stunting_importbatch WHERE id = %s", (batch,)
        ) in ("pending", "running")

        lock.rollback()
        wait_for(
            lambda: (
                stack.value(
                    "SELECT status FROM stunting_importbatch WHERE id = %s", (batch,)
                )
                == "done"
            ),
            seconds=120,
            what="the import finishing once its batch is free",
            interval=1,
        )
        assert not pages.server_errors
    finally:
        if lock is not None:
            lock.close()
        for name in ("worker-imports", "worker-refresh"):
            stack.worker_stop(name)
