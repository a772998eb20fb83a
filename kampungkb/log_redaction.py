"""Keep the values of database rows out of the logs.

PostgreSQL explains a refused row in the error's DETAIL, e.g.
`Key (region_id, name, birth_date)=(33.75.04.1004, Siti, 2023-01-05) already
exists.` or `Failing row contains (...)`: a child's name and birth date. Any
IntegrityError that reaches a log (a 500's traceback, a worker's failure) would
write them there. This filter, set on the log handlers in settings.LOGGING,
blanks those parts in the message and in the traceback text.
"""

import logging
import re

REDACTED = "[redacted]"

_PATTERNS = [
    # The whole DETAIL line(s) of a psycopg error.
    (re.compile(r"DETAIL:.*?(?=\n\S|\n\n|\Z)", re.DOTALL), f"DETAIL: {REDACTED}"),
    # The parts that carry values, wherever they appear.
    (re.compile(r"Key \((?:[^()]|\([^()]*\))*\)=\((?:[^()]|\([^()]*\))*\)"), REDACTED),
    (re.compile(r"Failing row contains \(.*?\)(?=\.?\s*$)", re.MULTILINE), REDACTED),
]


def redact(text: str) -> str:
    """The text without the row values a database error may quote."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactDatabaseDetail(logging.Filter):
    """Blank database row values in a record's message and exception text."""

    def filter(self, record):
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # A formatter prints exc_text when it is set instead of formatting
            # exc_info again, so the redacted text is what the handler writes.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
