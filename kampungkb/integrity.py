"""Unique rules under a race: the database constraint wins, the user gets its message.

A service checks a "one ..." rule first (full_clean, or its own query), which
gives the friendly message when requests come one after the other. Two requests
at the same instant both pass that check; the database's unique constraint then
refuses the second. `unique_errors` turns that IntegrityError, and only the one
of the constraint named, into the same ValidationError the check gives, so the
second request gets a form or API error instead of a 500 whose DETAIL would
carry the record's values into the log.
"""

import re
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction

# SQLite: "UNIQUE constraint failed: stunting_child.region_id, stunting_child.name"
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w., ]+)")


def _columns_of_postgres_constraint(name, table):
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table).get(name)
    return found["columns"] if found else []


def _is_partition_of(table, parent):
    """Whether `table` is a partition of `parent` (stunting_measurement is
    partitioned by year: a duplicate is reported by the year's own index)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s) "
            "AND inhparent = to_regclass(%s)",
            [table, parent],
        )
        return cursor.fetchone() is not None


def violated_unique(exc: IntegrityError, model) -> str | None:
    """The name of `model`'s unique constraint, or unique field, that `exc` reports.

    Call it outside the failed transaction (after the savepoint rolled back):
    on PostgreSQL it may look up a constraint's columns.
    """
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    constraints = {
        c.name: [model._meta.get_field(f).column for f in c.fields]
        for c in model._meta.constraints
        if getattr(c, "fields", None)
    }
    if diag is not None:  # PostgreSQL (psycopg)
        name = diag.constraint_name
        if name in constraints:
            return name
        table = diag.table_name
        if not name or (
            table != model._meta.db_table
            and not _is_partition_of(table, model._meta.db_table)
        ):
            return None
        columns = _columns_of_postgres_constraint(name, table)
    else:
        match = _SQLITE_UNIQUE.search(str(exc))
        if not match:
            return None
        table = f"{model._meta.db_table}."
        parts = [part.strip() for part in match["columns"].split(",")]
        if not all(part.startswith(table) for part in parts):
            return None
        columns = [part.removeprefix(table) for part in parts]
    for name, fields in constraints.items():
        if sorted(fields) == sorted(columns):
            return name
    for field in model._meta.concrete_fields:
        if field.unique and [field.column] == list(columns):
            return field.name
    return None


def constraint_error(model, name) -> ValidationError:
    """The ValidationError full_clean gives for `model`'s unique constraint `name`."""
    constraint = next(c for c in model._meta.constraints if c.name == name)
    message = constraint.get_violation_error_message()
    key = constraint.fields[0] if len(constraint.fields) == 1 else NON_FIELD_ERRORS
    return ValidationError({key: ValidationError(message, code="unique")})


@contextmanager
def unique_errors(model, errors: dict[str, ValidationError] | None = None):
    """Run the block in a savepoint; raise errors[name] if constraint `name` refuses it.

    Without `errors`, each of the model's unique constraints gives its own
    message, as full_clean would. Any other IntegrityError is raised unchanged:
    it is a bug, not a race.
    """
    if errors is None:
        errors = {
            c.name: constraint_error(model, c.name)
            for c in model._meta.constraints
            if getattr(c, "fields", None)
        }
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        error = errors.get(violated_unique(exc, model))
        if error is None:
            raise
        # "from None": the IntegrityError's DETAIL holds the row's values.
        raise error from None
