"""No row values of a database error in the logs (kampungkb.log_redaction)."""

import datetime
import io
import logging

import pytest
from django.db import IntegrityError, connection, transaction

from kampungkb.log_redaction import REDACTED, RedactDatabaseDetail, redact
from stunting.models import Child
from villages.models import Region

JENGGOT = "33.75.04.1004"
NAME = "Siti (Ani) Rahmawati"
BIRTH = datetime.date(2022, 3, 15)

# The text psycopg gives for a unique violation, as it appears in a traceback.
PSYCOPG_TEXT = (
    "django.db.utils.IntegrityError: duplicate key value violates unique "
    'constraint "child_without_nik_unique"\n'
    "DETAIL:  Key (region_id, name, birth_date)=(33.75.04.1004, Siti (Ani) "
    "Rahmawati, 2022-03-15) already exists.\n"
)


@pytest.fixture
def console():
    """What the console handler configured in settings.LOGGING writes."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactDatabaseDetail) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_redact_blanks_the_detail_and_keeps_the_error():
    text = redact(PSYCOPG_TEXT + "\nThe above exception was the direct cause")

    assert "Rahmawati" not in text and "2022-03-15" not in text
    assert 'violates unique constraint "child_without_nik_unique"' in text
    assert f"DETAIL: {REDACTED}" in text
    assert "The above exception was the direct cause" in text


def test_redact_blanks_a_failing_row_and_a_key_quoted_in_a_message():
    text = redact(
        'null value in column "sex" violates not-null constraint\n'
        "Failing row contains (7, Siti, null, 2022-03-15).\n"
        "and again: Key (name)=(Siti) already exists."
    )

    assert "Siti" not in text and "2022-03-15" not in text
    assert "violates not-null constraint" in text


def test_a_logged_message_with_the_detail_is_redacted(console):
    logging.getLogger("stunting").error("Import failed: %s", PSYCOPG_TEXT)

    written = console.getvalue()
    assert "Import failed: django.db.utils.IntegrityError" in written
    assert "Rahmawati" not in written and "2022-03-15" not in written


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Only PostgreSQL quotes the row's values in the error (CI runs it).",
)
@pytest.mark.django_db
def test_a_real_integrity_error_is_logged_without_the_childs_values(
    kota_pekalongan, console
):
    desa = Region.objects.get(code=JENGGOT)
    Child.objects.create(region=desa, name=NAME, sex="P", birth_date=BIRTH)
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Child.objects.create(region=desa, name=NAME, sex="P", birth_date=BIRTH)
    assert NAME in str(raised.value)  # what would have reached the log

    try:
        raise raised.value
    except IntegrityError:
        logging.getLogger("django.request").exception("Internal Server Error: /x")

    written = console.getvalue()
    assert "Internal Server Error: /x" in written
    assert "child_without_nik_unique" in written  # the traceback is kept
    assert "Rahmawati" not in written and "2022-03-15" not in written
