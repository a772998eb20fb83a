"""Reads that may lag go to a replica; writes, transactions and a writer's own reads
to the primary; a replica that is down or behind is skipped, never a 500.

The suite has no replica (DATABASE_REPLICA_URLS is empty): these tests add one for
a test, either unreachable or the primary itself (which is no standby). The real
thing, a streaming replica made with pg_basebackup, is tests/e2e/test_replica.py.
"""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, connections, transaction
from django.db.utils import ConnectionDoesNotExist, load_backend
from rest_framework.authtoken.models import Token

from kampungkb import replicas
from tests.kampungkb.test_health import _free_port
from villages.models import Region

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="replicas are PostgreSQL streaming replicas; CI runs these on PostgreSQL",
    ),
    # Not inside a test transaction: in one, every read rightly goes to the primary.
    pytest.mark.django_db(transaction=True),
]

REPLICA = "replica1"


@pytest.fixture
def replica(monkeypatch):
    """add(**settings): a database "replica1" like the primary but for `settings`.

    Made by hand, not from settings.DATABASES: Django's test case then lets it
    connect, as it does any connection made during a test.
    """

    def add(**overrides):
        conf = {
            **connections["default"].settings_dict,
            "OPTIONS": {"connect_timeout": 2},
            **overrides,
        }
        connections[REPLICA] = load_backend(conf["ENGINE"]).DatabaseWrapper(
            conf, REPLICA
        )
        monkeypatch.setattr(replicas, "replica_aliases", lambda: [REPLICA])
        return REPLICA

    replicas._states.clear()
    yield add
    replicas._states.clear()
    try:
        connections[REPLICA].close()
        del connections[REPLICA]
    except ConnectionDoesNotExist:
        pass


@pytest.fixture
def asked(monkeypatch):
    """The requests' asks for a replica; they get none, so the test database answers."""
    calls = []

    def usable():
        calls.append(1)

    monkeypatch.setattr(replicas, "replica_usable", usable)
    return calls


def test_dashboards_exports_and_api_reads_may_use_a_replica_other_pages_never(
    admin_client_logged_in, kota_pekalongan, replica, asked
):
    replica(PORT=_free_port())
    client = admin_client_logged_in
    for path in ("/dashboard/33.75/", "/dashboard/33.75/ekspor.csv", "/api/regions/"):
        asked.clear()
        assert client.get(path).status_code == 200
        assert asked == [1], path
    for path in ("/wilayah/33.75/", "/akun/"):
        asked.clear()
        client.get(path)
        assert asked == [], path


def test_a_write_keeps_that_browser_on_the_primary_for_a_while(
    admin_client_logged_in, kota_pekalongan, replica, asked, settings
):
    replica(PORT=_free_port())
    settings.REPLICA_STICKY_S = 9
    client = admin_client_logged_in
    response = client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    cookie = response.cookies[replicas.STICKY_COOKIE]
    assert cookie["max-age"] == 9 and cookie["httponly"]
    assert client.get("/dashboard/33.75/").status_code == 200
    assert asked == []


def test_writes_transactions_sessions_tokens_and_migrations_stay_on_the_primary(
    monkeypatch,
):
    router = replicas.ReplicaRouter()
    assert router.db_for_read(Region) == "default"  # outside a replica-read request
    offered = iter(["replica1", "replica2"])
    monkeypatch.setattr(replicas, "replica_usable", lambda: next(offered))
    token = replicas._reads.set(replicas._ReplicaReads())
    try:
        # One replica for the whole request: a page never mixes two.
        assert router.db_for_read(Region) == "replica1"
        assert router.db_for_read(Region) == "replica1"
        assert router.db_for_read(Session) == "default"
        assert router.db_for_read(Token) == "default"
        assert router.db_for_write(Region, instance=Region(code="1")) == "default"
        with transaction.atomic():
            assert router.db_for_read(Region) == "default"
    finally:
        replicas._reads.reset(token)
    assert router.allow_migrate("replica1", "villages") is False
    assert router.allow_migrate("default", "villages") is True


def test_a_replica_behind_more_than_the_bound_is_skipped(settings):
    settings.REPLICA_MAX_LAG_S = 5
    assert replicas.replica_judge(in_recovery=True, lag=4.9).ok
    behind = replicas.replica_judge(in_recovery=True, lag=7.25)
    assert not behind.ok and behind.lag_s == 7.25
    assert behind.detail == "7.2 s behind the primary, more than 5 s: skipped"
    assert not replicas.replica_judge(in_recovery=False, lag=0).ok


def test_a_replica_gone_under_a_page_is_skipped_and_the_page_answers(
    admin_client_logged_in, kota_pekalongan, replica
):
    replica(PORT=_free_port())
    # Its last check found it fine; it has gone since.
    replicas._states[REPLICA] = replicas.ReplicaState(True, 0.0, "0.0 s behind")
    response = admin_client_logged_in.get("/dashboard/33.75/")
    assert response.status_code == 200
    assert "Kota Pekalongan" in response.content.decode()
    assert replicas._states[REPLICA].ok is False
    assert replicas._states[REPLICA].detail == "failed: OperationalError"

    replicas._states[REPLICA] = replicas.ReplicaState(True, 0.0, "0.0 s behind")
    response = admin_client_logged_in.get("/api/regions/33.75/")
    assert response.status_code == 200
    assert response.json()["name"] == "Kota Pekalongan"


def test_healthz_lists_each_replica_and_its_state_but_never_its_address(
    client, kota_pekalongan, replica, settings
):
    settings.CELERY_BROKER_URL = ""
    port = _free_port()
    replica(PORT=port, HOST="127.0.0.1", NAME="kkb_hidden_db", PASSWORD="s3cret-pw")
    response = client.get("/healthz")
    body = response.content.decode()
    assert response.json()["replicas"] == {
        REPLICA: {"ok": False, "lag_s": None, "detail": "unreachable: OperationalError"}
    }
    for secret in (str(port), "kkb_hidden_db", "s3cret-pw"):
        assert secret not in body


def test_healthz_refuses_a_replica_that_is_no_standby(client, replica, settings):
    settings.CELERY_BROKER_URL = ""
    replica()  # the primary itself, as after a replica was promoted
    assert client.get("/healthz").json()["replicas"] == {
        REPLICA: {"ok": False, "lag_s": None, "detail": "not a standby (promoted?)"}
    }
