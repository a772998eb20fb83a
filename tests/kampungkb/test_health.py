"""/healthz: 200 when every part answers, 503 with the reason otherwise."""

import datetime
import socket

import pytest
from django.utils import timezone

from dashboards.models import Snapshot
from dashboards.refresh import snapshot_refresh
from kampungkb import health


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthy_without_a_broker_once_figures_are_fresh(
    client, kota_pekalongan, settings
):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "never refreshed" in response.json()["checks"]["indicators"]["detail"]

    snapshot_refresh(years=[2024])
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"


def test_old_figures_make_it_fail_and_say_how_old(client, kota_pekalongan, settings):
    settings.CELERY_BROKER_URL = ""
    snapshot_refresh(years=[2024])
    Snapshot.objects.update(computed_at=timezone.now() - datetime.timedelta(hours=30))
    body = client.get("/healthz").json()
    assert body["status"] == "fail"
    assert body["checks"]["indicators"] == {
        "ok": False,
        "detail": "indicators last refreshed 30.0 h ago",
    }


def test_an_unreachable_redis_fails_the_redis_and_worker_checks(
    client, kota_pekalongan, settings
):
    snapshot_refresh(years=[2024])
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and checks["indicators"]["ok"]
    assert checks["redis"] == {
        "ok": False,
        "detail": "Redis unreachable: ConnectionError",
    }
    assert checks["worker"]["ok"] is False


@pytest.mark.skipif(
    not health.settings.CELERY_BROKER_URL, reason="needs the Redis of CI (REDIS_URL)"
)
def test_a_recent_heartbeat_passes_and_a_stale_one_fails(client, kota_pekalongan):
    snapshot_refresh(years=[2024])
    health.heartbeat()
    assert client.get("/healthz").status_code == 200
    health._redis().set(health.HEARTBEAT_KEY, 0)
    body = client.get("/healthz").json()
    assert body["checks"]["worker"]["ok"] is False
    assert "heartbeat" in body["checks"]["worker"]["detail"]
