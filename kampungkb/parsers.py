"""The API's JSON parser: what the database cannot store is a 400, never a 500.

Its own module: settings.REST_FRAMEWORK names it, and DRF imports it while
rest_framework.views loads, so it must not import DRF's views.
"""

from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings

# No body of this API nests deeper than a few levels; Python's decoder would fail
# with a RecursionError (a 500) somewhere near 1,000.
MAX_JSON_DEPTH = 32


class StrictJSONParser(JSONParser):
    """JSON the database can store, as a 400 with a clear message when it cannot.

    Refused: nesting deeper than MAX_JSON_DEPTH, a lone surrogate, and a NUL
    character (PostgreSQL refuses it in text), the latter under the field it is in.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(_too_deep()) from exc
        _check_storable(data)
        return data


def _too_deep():
    return _("JSON bersarang lebih dari %(depth)d tingkat.") % {"depth": MAX_JSON_DEPTH}


def _check_storable(data):
    """Walk the parsed body without recursion; raise at the first unstorable part."""
    stack = [(data, None, 0)]
    while stack:
        value, field, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError(_too_deep())
        if isinstance(value, dict):
            for key, item in value.items():
                # A top-level key names the field the message goes under.
                stack.append((key, field, depth + 1))
                stack.append((item, key if field is None else field, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, field, depth + 1) for item in value)
        elif isinstance(value, str):
            if "\x00" in value:
                message = ProhibitNullCharactersValidator.message
                raise exceptions.ValidationError(
                    {field or api_settings.NON_FIELD_ERRORS_KEY: [message]}
                )
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise exceptions.ParseError(_("Teks bukan Unicode yang sah.")) from exc
