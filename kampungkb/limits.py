"""No web request may hold a database connection for long.

A page that computed from a million measurements once ran 22 minutes, and four of
them took every gunicorn thread, so sign-in stopped answering. In web processes
(wsgi.py calls `limit_web_connections()`) PostgreSQL cancels any statement after
WEB_STATEMENT_TIMEOUT_S, which frees the thread; the user gets a 503 page saying
why. Celery, beat and management commands (imports, refreshes, migrate) never load
wsgi.py, so their long statements run to the end.
"""

import logging

from django.conf import settings
from django.db import OperationalError
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


class StatementTimeoutMiddleware:
    """A statement cancelled for its time answers 503 with a page, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        cause = exception.__cause__
        if not (
            isinstance(exception, OperationalError)
            and getattr(cause, "sqlstate", None) == QUERY_CANCELED
        ):
            return None
        # The path only: a query string may hold a child's name.
        logger.warning("Statement cancelled after its time limit: %s", request.path)
        message = _(
            "Halaman ini terlalu lama dimuat sehingga dihentikan. Coba wilayah yang "
            "lebih kecil atau periode yang lebih pendek."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=503)
        return render(request, "request_timeout.html", {"message": message}, status=503)
