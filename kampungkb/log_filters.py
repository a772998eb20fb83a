"""Logging filters named in settings.LOGGING."""

import logging


class ForbiddenOneLine(logging.Filter):
    """Log a 403 as one line: the path and the user's id, no traceback.

    Django logs every PermissionDenied with its traceback; a refusal is expected
    behaviour, and its message may name what was refused. 500s are left as they
    are, traceback included.
    """

    def filter(self, record):
        if getattr(record, "status_code", None) != 403:
            return True
        request = getattr(record, "request", None)
        path = getattr(request, "path", "")
        user_id = getattr(getattr(request, "user", None), "pk", None)
        record.msg = "Forbidden: %s (user id %s)"
        # Escaped as Django escapes it: a path must not add lines to the log.
        record.args = (path.encode("unicode_escape").decode("ascii"), user_id)
        record.exc_info = record.exc_text = record.stack_info = None
        return True
