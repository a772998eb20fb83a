"""What /healthz reports: the database, Redis, a Celery worker's heartbeat, and the
age of the indicator figures. Each check says why it fails, in plain words.

It also lists the read replicas with their lag; a replica that is down or behind
fails no check, since reads then go to the primary (kampungkb/replicas.py)."""

import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from . import replicas as pool

# Where the worker's heartbeat task writes the time it last ran.
HEARTBEAT_KEY = "kampungkb:worker-heartbeat"


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def _redis():
    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
    )


def database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return Check(False, f"database unreachable: {exc.__class__.__name__}")
    return Check(True, connection.vendor)


def broker() -> Check:
    if not settings.CELERY_BROKER_URL:
        return Check(True, "no broker: tasks run inline")
    try:
        _redis().ping()
    except redis.RedisError as exc:
        return Check(False, f"Redis unreachable: {exc.__class__.__name__}")
    return Check(True, "Redis answers")


def worker() -> Check:
    if not settings.CELERY_BROKER_URL:
        return Check(True, "no broker: tasks run inline")
    try:
        beat = _redis().get(HEARTBEAT_KEY)
    except redis.RedisError:
        return Check(False, "no heartbeat: Redis unreachable")
    if beat is None:
        return Check(False, "no worker heartbeat yet (worker or beat not running)")
    age = time.time() - float(beat)
    if age > settings.HEALTH_MAX_HEARTBEAT_AGE_S:
        return Check(False, f"last worker heartbeat {age:.0f} s ago")
    return Check(True, f"last worker heartbeat {age:.0f} s ago")


def indicators() -> Check:
    from dashboards.selectors import data_as_of

    try:
        as_of = data_as_of()
    except Exception as exc:  # noqa: BLE001 - reported by the database check too
        return Check(False, f"cannot read the figures: {exc.__class__.__name__}")
    if as_of is None:
        return Check(False, "indicators never refreshed (manage.py refresh_indicators)")
    age = (timezone.now() - as_of).total_seconds()
    if age > settings.HEALTH_MAX_REFRESH_AGE_S:
        return Check(False, f"indicators last refreshed {age / 3600:.1f} h ago")
    return Check(True, f"indicators refreshed {age / 60:.0f} min ago")


CHECKS = {
    "database": database,
    "redis": broker,
    "worker": worker,
    "indicators": indicators,
}


def report() -> dict[str, Check]:
    return {name: check() for name, check in CHECKS.items()}


def replicas() -> dict[str, dict]:
    """Each replica by its alias (never its address): usable or not, lag, why."""
    report = {}
    for alias in pool.replica_aliases():
        state = pool.replica_state(alias, fresh=True)
        lag = None if state.lag_s is None else round(state.lag_s, 1)
        report[alias] = {"ok": state.ok, "lag_s": lag, "detail": state.detail}
    return report


def heartbeat() -> None:
    """Record that a worker ran a task just now (scheduled by beat)."""
    _redis().set(HEARTBEAT_KEY, time.time(), ex=3600)
