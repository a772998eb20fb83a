"""No web request may hold a database connection for long.

A page that computed from a million measurements once ran 22 minutes, and four of
them took every gunicorn thread, so sign-in stopped answering. In web processes
(wsgi.py calls `limit_web_connections()`) PostgreSQL cancels any statement after
WEB_STATEMENT_TIMEOUT_S, which frees the thread; the user gets a 503 page saying
why. Celery, beat and management commands (imports, refreshes, migrate) never load
wsgi.py, so their long statements run to the end.
"""

import logging
import time
from contextlib import ExitStack

from django.conf import settings
from django.db import OperationalError, connections
from django.db.backends.signals import connection_created
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a cancelled statement


def limit_web_connections():
    """Make every new PostgreSQL connection of this process cancel slow statements."""
    connection_created.connect(_set_statement_timeout, dispatch_uid=__name__)


def _set_statement_timeout(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        milliseconds = int(settings.WEB_STATEMENT_TIMEOUT_S * 1000)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, false)", [str(milliseconds)]
            )


class RequestTooLong(Exception):
    """A request went on querying past WEB_REQUEST_DEADLINE_S."""


class _DeadlineGuard:
    """Refuse any further query once the request has used its time."""

    def __init__(self, seconds):
        self.deadline = time.monotonic() + seconds

    def __call__(self, execute, sql, params, many, context):
        if time.monotonic() > self.deadline:
            raise RequestTooLong
        return execute(sql, params, many, context)


class StatementTimeoutMiddleware:
    """Bound a request's database time; past it, answer 503 with a page, never a 500.

    statement_timeout bounds each statement; a request of many statements is
    bounded by refusing new queries after WEB_REQUEST_DEADLINE_S, so its thread
    is back within the deadline plus one statement's limit.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.db_deadline = _DeadlineGuard(settings.WEB_REQUEST_DEADLINE_S)
        # Every database: a request's reads may go to a replica (kampungkb.replicas).
        with ExitStack() as guarded:
            for alias in settings.DATABASES:
                guarded.enter_context(
                    connections[alias].execute_wrapper(request.db_deadline)
                )
            return self.get_response(request)

    def process_exception(self, request, exception):
        cause = exception.__cause__
        cancelled = (
            isinstance(exception, OperationalError)
            and getattr(cause, "sqlstate", None) == QUERY_CANCELED
        )
        if not (cancelled or isinstance(exception, RequestTooLong)):
            return None
        # The page saying so may read the menu's data: let it.
        request.db_deadline.deadline = float("inf")
        # The path only: a query string may hold a child's name.
        logger.warning("Request stopped at its time limit: %s", request.path)
        message = _(
            "Halaman ini terlalu lama dimuat sehingga dihentikan. Coba wilayah yang "
            "lebih kecil atau periode yang lebih pendek."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=503)
        return render(request, "request_timeout.html", {"message": message}, status=503)
