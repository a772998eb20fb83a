"""Reads that may lag go to PostgreSQL streaming replicas; everything else to the primary.

DATABASE_REPLICA_URLS names the replicas (databases "replica1", "replica2", ...);
without it there are none and every query goes to "default", as before.

The decision is made here only:
- `ReplicaReadsMiddleware` lets a request read from a replica when it is a safe
  method (GET, HEAD, OPTIONS) on one of REPLICA_READ_VIEWS (dashboards, their
  exports, the REST API's reads), and the client wrote nothing in the last
  REPLICA_STICKY_S seconds. Any write (POST, PUT, PATCH, DELETE) sets a cookie
  that keeps that browser on the primary for that long, so a user always reads
  back what they have just saved.
- `ReplicaRouter` sends such a request's reads to one replica (the same for the
  whole request, so a page never mixes two), and sends to the primary every
  write, every read inside a transaction, every read of sessions and API tokens
  (a client's very next request needs them), and all migrations.
- A replica is used only when its last check (at most REPLICA_CHECK_INTERVAL_S
  old, per process) found it answering and no more than REPLICA_MAX_LAG_S behind.
  A query that fails on a replica marks it down and the view is run again on the
  primary: a replica going away is never a 500.
"""

import contextvars
import logging
import random
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

PRIMARY = "default"
# A browser that wrote in the last REPLICA_STICKY_S seconds reads from the primary.
STICKY_COOKIE = "kkb_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Reads that may lag a few seconds: figures the worker computed (dashboards,
# measured stunting), their exports, and the REST API's reads ("api" is the API's URL namespace: all of it).
REPLICA_READ_VIEWS = frozenset(
    {
        "home",
        "indicator-list",
        "dashboard",
        "dashboard-export-csv",
        "dashboard-export-xlsx",
        "evaluation-export",
        "stunting-index",
        "stunting-prevalence",
    }
)
REPLICA_READ_NAMESPACES = frozenset({"api"})
# Read on the primary even in a replica-read request: a client's next request
# must find the session or token it was just given.
PRIMARY_ONLY_APPS = frozenset({"sessions", "authtoken", "axes"})

# The lag of a standby: nothing to replay means none; else the age of the last
# transaction it replayed. Without a WAL receiver (cut off from the primary) it
# cannot know what it misses, so the age of its last replay is its lag too.
LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE
           WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
                AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0
           ELSE COALESCE(
               EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
       END
"""


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


@dataclass
class ReplicaState:
    """What the last check of one replica found."""

    ok: bool
    lag_s: float | None
    detail: str
    checked: float = field(default_factory=time.monotonic)


_states: dict[str, ReplicaState] = {}
_states_lock = threading.Lock()


def replica_check(alias: str) -> ReplicaState:
    """Ask one replica whether it answers and how far behind it is (no cache)."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, lag = cursor.fetchone()
    except DatabaseError as exc:
        _close_quietly(alias)
        return ReplicaState(False, None, f"unreachable: {exc.__class__.__name__}")
    return replica_judge(in_recovery=in_recovery, lag=float(lag))


def replica_judge(*, in_recovery: bool, lag: float) -> ReplicaState:
    """Usable when it is a standby no more than REPLICA_MAX_LAG_S behind."""
    if not in_recovery:
        # A promoted replica is a second primary: writes there are lost to ours.
        return ReplicaState(False, None, "not a standby (promoted?)")
    if lag > settings.REPLICA_MAX_LAG_S:
        return ReplicaState(
            False,
            lag,
            f"{lag:.1f} s behind the primary, more than "
            f"{settings.REPLICA_MAX_LAG_S:g} s: skipped",
        )
    return ReplicaState(True, lag, f"{lag:.1f} s behind the primary")


def replica_state(alias: str, *, fresh: bool = False) -> ReplicaState:
    """The replica's state, checked again when the last check is too old."""
    state = _states.get(alias)
    if (
        fresh
        or state is None
        or time.monotonic() - state.checked >= settings.REPLICA_CHECK_INTERVAL_S
    ):
        state = replica_check(alias)
        with _states_lock:
            _states[alias] = state
    return state


def replica_mark_down(alias: str, reason: str) -> None:
    """Skip this replica until its next check."""
    with _states_lock:
        _states[alias] = ReplicaState(False, None, reason)
    _close_quietly(alias)


def _close_quietly(alias):
    try:
        connections[alias].close()
    except DatabaseError:
        pass


def replica_usable() -> str | None:
    """A replica answering within the lag bound (chosen at random), or None."""
    usable = [alias for alias in replica_aliases() if replica_state(alias).ok]
    return random.choice(usable) if usable else None


@dataclass
class _ReplicaReads:
    """A request allowed to read from a replica, and the one it was given."""

    alias: str | None = None
    chosen: bool = False

    def choose(self) -> str | None:
        if not self.chosen:
            self.alias, self.chosen = replica_usable(), True
        return self.alias


_reads: contextvars.ContextVar[_ReplicaReads | None] = contextvars.ContextVar(
    "kampungkb_replica_reads", default=None
)


class ReplicaRouter:
    """Reads of a replica-read request to its replica; all else to the primary."""

    def db_for_read(self, model, **hints):
        scope = _reads.get()
        if (
            scope is None
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        return scope.choose() or PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas hold the primary's own rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def may_read_replica(request) -> bool:
    """Whether this request's reads may lag: the one rule, used by the middleware."""
    match = request.resolver_match
    return (
        request.method in SAFE_METHODS
        and STICKY_COOKIE not in request.COOKIES
        and match is not None
        and (
            match.url_name in REPLICA_READ_VIEWS
            or bool(REPLICA_READ_NAMESPACES.intersection(match.namespaces))
        )
    )


class ReplicaReadsMiddleware:
    """Open a replica-read scope around the views that may lag; stick writers to
    the primary for REPLICA_STICKY_S; rerun a view on the primary when its replica
    fails under it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = bool(replica_aliases())

    def __call__(self, request):
        if not self.enabled:
            return self.get_response(request)
        try:
            response = self.get_response(request)
        finally:
            if token := getattr(request, "_replica_reads_token", None):
                _reads.reset(token)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=settings.REPLICA_STICKY_S,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if self.enabled and may_read_replica(request):
            # The session and user were loaded by the middleware before this one
            # (LoginRequiredMiddleware), on the primary.
            request._replica_reads_token = _reads.set(_ReplicaReads())
            request._replica_view = (view_func, view_args, view_kwargs)
        return None

    def process_exception(self, request, exception):
        scope = _reads.get()
        if not (
            isinstance(exception, DatabaseError) and scope is not None and scope.alias
        ):
            return None
        # The replica failed under this view (gone, or a query cancelled by its
        # recovery): skip it and answer from the primary instead.
        log.warning(
            "Replica %s failed (%s); %s read from the primary.",
            scope.alias,
            exception.__class__.__name__,
            request.path,
        )
        replica_mark_down(scope.alias, f"failed: {exception.__class__.__name__}")
        _reads.set(None)
        view_func, view_args, view_kwargs = request._replica_view
        response = view_func(request, *view_args, **view_kwargs)
        # Django renders a template response from here only when the view itself
        # raised, not when its rendering did: render it now either way.
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        return response
