"""Keyset ("cursor") pages: the one way long lists are paged, on pages and the API.

A page is found by where the previous one ended, `(k1, k2, ...) > (v1, v2, ...)`
in the list's order, so the database reads a page of rows through an index
whatever the depth: no COUNT over the whole list and no OFFSET into it. A list
has no page numbers or total, only the next and previous pages, and a last page
read backwards from the end.

The keys must be unique together (end with the primary key or another unique
set), "-" before a key orders it descending; they may cross a foreign key
(`child__region_id`) or name an annotation. The
cursor carries the boundary row's key values, base64 JSON: a tampered cursor
only moves within the rows the caller's queryset already allows (scoping stays
in the queryset), and one that does not read is a ValidationError (400, or a
form error on a page).
"""

import base64
import binascii
import json
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.lookups import (
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)
from django.utils.translation import gettext_lazy as _

FORWARD = "n"
BACKWARD = "p"
INVALID = _("Kursor halaman tidak valid.")


class _Row(Func):
    """A row value `(a, b, c)`, compared element by element (PostgreSQL, SQLite)."""

    function = ""
    template = "(%(expressions)s)"
    output_field = models.Field()


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    next: str | None
    previous: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next or self.previous)


def encode(direction: str, values) -> str:
    raw = json.dumps([direction, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def last_cursor() -> str:
    """The cursor of the last page (read backwards from the end)."""
    return encode(BACKWARD, None)


def _field(model, path):
    """The model field at the end of `path`, or None for an annotation."""
    field = None
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    return field


def _decode(cursor: str, model, keys):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        direction, values = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationError(INVALID, code="invalid_cursor") from None
    if direction not in (FORWARD, BACKWARD):
        raise ValidationError(INVALID, code="invalid_cursor")
    if values is None:
        if direction == FORWARD:
            raise ValidationError(INVALID, code="invalid_cursor")
        return direction, None
    if not isinstance(values, list) or len(values) != len(keys):
        raise ValidationError(INVALID, code="invalid_cursor")
    parsed = []
    for key, value in zip(keys, values, strict=True):
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValidationError(INVALID, code="invalid_cursor")
        field = _field(model, key.lstrip("-"))
        if field is not None:
            if field.is_relation:
                field = field.target_field
            try:
                value = field.to_python(value)
                # In the column's range: a larger id would fail in the database.
                field.run_validators(value)
            except (ValidationError, ValueError, TypeError, OverflowError):
                raise ValidationError(INVALID, code="invalid_cursor") from None
        parsed.append(value)
    return direction, parsed


def _value_of(row, key):
    value = row
    for name in key.split("__"):
        value = getattr(value, name)
    return value


def _plain(value):
    # JSON holds the boundary values: dates as ISO text, numbers as they are.
    return value.isoformat() if hasattr(value, "isoformat") else value


def _beyond(keys, values, *, forward: bool):
    names = [key.lstrip("-") for key in keys]
    # Whether each key's values grow in the direction read.
    up = [key.startswith("-") != forward for key in keys]
    lhs = [F(name) for name in names]
    rhs = [Value(v) for v in values]
    # The bound on the first key alone lets an index on it (or on a joined
    # table's column) start at the cursor; the rest narrows within it.
    first = (GreaterThanOrEqual if up[0] else LessThanOrEqual)(lhs[0], rhs[0])
    if all(up) or not any(up):
        strict = GreaterThan if up[0] else LessThan
        return [first, strict(_Row(*lhs), _Row(*rhs))]
    # Mixed directions: (k1 > v1) or (k1 = v1 and k2 < v2) or ...
    beyond = Q()
    for i, name in enumerate(names):
        step = Q(**{f"{names[j]}": values[j] for j in range(i)})
        step &= Q(**{f"{name}__{'gt' if up[i] else 'lt'}": values[i]})
        beyond |= step
    return [first, beyond]


def _reversed(key):
    return key[1:] if key.startswith("-") else f"-{key}"


def keyset_page(queryset, *, keys: tuple[str, ...], cursor: str | None, size: int):
    """The page of `queryset` in `keys` order that `cursor` points at (the first
    page without one)."""
    direction, values = (
        _decode(cursor, queryset.model, keys) if cursor else (FORWARD, None)
    )
    forward = direction == FORWARD
    rows = queryset
    if values is not None:
        rows = rows.filter(*_beyond(keys, values, forward=forward))
    order = keys if forward else tuple(_reversed(key) for key in keys)
    rows = list(rows.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    if not rows:
        return KeysetPage(rows=[], next=None, previous=None)

    def at(row, towards):
        return encode(
            towards, [_plain(_value_of(row, key.lstrip("-"))) for key in keys]
        )

    if forward:
        # A cursor means rows were left behind it; only the first page has none.
        return KeysetPage(
            rows=rows,
            next=at(rows[-1], FORWARD) if more else None,
            previous=at(rows[0], BACKWARD) if values is not None else None,
        )
    return KeysetPage(
        rows=rows,
        next=at(rows[-1], FORWARD) if values is not None else None,
        previous=at(rows[0], BACKWARD) if more else None,
    )


def pager_links(request, page: KeysetPage | None) -> dict:
    """URLs of a page's first, previous, next and last pages, keeping its filters."""
    if page is None:
        return {}
    params = request.GET.copy()
    params.pop("cursor", None)

    def url(cursor):
        query = params.copy()
        if cursor:
            query["cursor"] = cursor
        return "?" + query.urlencode()

    return {
        "first": url(None) if page.previous else None,
        "previous": url(page.previous) if page.previous else None,
        "next": url(page.next) if page.next else None,
        "last": url(last_cursor()) if page.next else None,
    }
