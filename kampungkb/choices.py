"""Choices too many for a list: a search box over one JSON endpoint per kind.

A form field offering Kampung KB, regions or users takes its rows from a *source*:
a function of the signed-in user (and, for some, a context such as a cycle's id)
registered here with `choice_source`. The view builds the form from that function
and /cari/<kind>/?sumber=<source> answers from the very same function, so a search
never finds what the form would refuse (and refuses whom the form refuses).

Up to CHOICE_SEARCH_THRESHOLD rows the field stays a <select> (or checkboxes);
above it the field is a text box taking codes (a Kemendagri code, a Kampung KB's
desa/kelurahan code, a user name), which static/js/choice-search.js turns into a
search box. Without JavaScript the codes are typed; either way the form validates
them against the source's queryset.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from villages.models import KampungKB, Region

from .models import User

# At most this many matches per search: enough to pick from on a phone.
SEARCH_LIMIT = 20

# What a typed code prefix looks like (33, 33.75, 33.75.04.1004): searched by code.
_CODE_PREFIX = re.compile(r"\d{1,2}(\.[\d.]*)?")


@dataclass(frozen=True)
class Kind:
    """One kind of choice: how it is typed (its code), labelled and searched."""

    name: str
    model: Any
    code: str
    order: str
    names: tuple[str, ...]
    unknown: Any
    placeholder: str
    help_one: Any
    help_many: Any
    # The lookup to the code's text, where `code` is a relation (Kampung KB).
    code_text: str = ""
    # Whether the refusal may name a row outside the user's scope (regions are
    # public reference data; Kampung KB and accounts are not named to outsiders).
    names_outsiders: bool = False

    def label(self, obj) -> str:
        if self.model is Region:
            return f"{obj.label} ({obj.code})"
        if self.model is KampungKB:
            return f"{obj.name} ({obj.region_id})"
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()

    def code_of(self, obj) -> str:
        return str(obj.serializable_value(self.code))

    def search(self, queryset, text: str) -> list:
        """At most SEARCH_LIMIT rows of `queryset` matching `text`: by code when it
        looks like one, else names starting with it, then names containing it."""
        rows = queryset.order_by(self.order)
        text = text.strip()
        if not text:
            return list(rows[:SEARCH_LIMIT])
        if self.model is not User and _CODE_PREFIX.fullmatch(text):
            return list(
                rows.filter(**{f"{self.code_text or self.code}__startswith": text})[
                    :SEARCH_LIMIT
                ]
            )
        starts, contains = Q(), Q()
        for name in self.names:
            starts |= Q(**{f"{name}__istartswith": text})
            contains |= Q(**{f"{name}__icontains": text})
        found = list(rows.filter(starts)[:SEARCH_LIMIT])
        if len(found) < SEARCH_LIMIT:
            found += rows.filter(contains).exclude(pk__in=[o.pk for o in found])[
                : SEARCH_LIMIT - len(found)
            ]
        return found


KINDS = {
    "wilayah": Kind(
        name="wilayah",
        model=Region,
        code="code",
        order="code",
        names=("name",),
        unknown=_("%(field)s: kode wilayah %(code)s tidak dikenal."),
        placeholder="33.75.04.1004",
        help_one=_("Ketik nama atau kode wilayah Kemendagri, misalnya 33.75.04.1004."),
        help_many=_(
            "Ketik nama atau kode wilayah Kemendagri; tanpa JavaScript, ketik kodenya "
            "dipisahkan koma."
        ),
        names_outsiders=True,
    ),
    "kampung": Kind(
        name="kampung",
        model=KampungKB,
        code="region",
        order="region",
        names=("name", "region__name"),
        unknown=_(
            "%(field)s: tidak ada Kampung KB dengan kode desa/kelurahan %(code)s yang "
            "dapat dipilih di sini."
        ),
        placeholder="33.75.04.1004",
        help_one=_(
            "Ketik nama Kampung KB atau kode desa/kelurahannya, misalnya 33.75.04.1004."
        ),
        help_many=_(
            "Ketik nama Kampung KB atau kode desa/kelurahannya; tanpa JavaScript, "
            "ketik kodenya dipisahkan koma."
        ),
        code_text="region__code",
    ),
    "pengguna": Kind(
        name="pengguna",
        model=User,
        code="username",
        order="username",
        names=("username", "first_name", "last_name"),
        unknown=_("%(field)s: tidak ada pengguna %(code)s yang dapat dipilih di sini."),
        placeholder="evaluator.satu",
        help_one=_("Ketik nama atau nama pengguna."),
        help_many=_(
            "Ketik nama atau nama pengguna; tanpa JavaScript, ketik nama penggunanya "
            "dipisahkan koma."
        ),
    ),
}

OUTSIDE = _(
    "%(field)s: %(name)s (%(code)s) tidak dapat dipilih di sini: di luar wilayah Anda "
    "atau bukan pilihan yang diminta."
)

# What the search box script says, in the page's language.
SEARCH_TEXTS = {
    "searching": _("Mencari…"),
    "none": _("Tidak ada yang cocok. Ketik nama atau kode lain."),
    "failed": _("Pencarian gagal; ketik kodenya langsung."),
    "remove": _("Hapus %(label)s"),
    "more": _("Hanya %(count)s hasil pertama yang ditampilkan; ketik lebih lengkap."),
}

# (kind, name) -> function(user, context) giving the queryset a form offers.
SOURCES = {}


def choice_source(kind: str, name: str):
    """Register a function(user, context="") as the rows a form field offers and
    /cari/<kind>/?sumber=<name> searches. It raises PermissionDenied (or Http404)
    for a user the form would refuse."""

    def register(function):
        SOURCES[(kind, name)] = function
        function.choice = (kind, name)
        return function

    return register


def _few(queryset) -> bool:
    """Whether the rows fit a list; reads at most the threshold plus one keys."""
    limit = settings.CHOICE_SEARCH_THRESHOLD
    return len(queryset.values_list("pk", flat=True)[: limit + 1]) <= limit


def _codes(value) -> list[str]:
    if isinstance(value, str):
        return list(dict.fromkeys(value.replace(",", " ").split()))
    return [str(v).strip() for v in value or () if str(v).strip()]


def _refusals(field, kind, codes) -> list[ValidationError]:
    """One message per code that cannot be chosen, naming the field."""
    outsiders = {}
    if kind.names_outsiders:
        lookable = [c for c in codes if "\x00" not in c]
        outsiders = {
            kind.code_of(o): o
            for o in kind.model._default_manager.filter(
                **{f"{kind.code}__in": lookable}
            )
        }
    errors = []
    for code in codes:
        params = {"field": field.label, "code": code}
        if code in outsiders:
            name = outsiders[code].label if kind.model is Region else str(code)
            errors.append(
                ValidationError(
                    OUTSIDE, code="invalid_choice", params={**params, "name": name}
                )
            )
        else:
            errors.append(
                ValidationError(kind.unknown, code="invalid_choice", params=params)
            )
    return errors


class SearchInput(forms.TextInput):
    """A text box of codes, with what the search box script needs to enhance it."""

    def __init__(self, *, kind, url, multiple, labeller, attrs=None):
        super().__init__(
            attrs={
                "placeholder": kind.placeholder,
                "autocomplete": "off",
                "spellcheck": "false",
                **(attrs or {}),
            }
        )
        self.kind, self.url, self.multiple, self.labeller = (
            kind,
            url,
            multiple,
            labeller,
        )

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value if v not in (None, ""))
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        shown = context["widget"]["value"] or ""
        codes = _codes(shown)
        context["widget"]["attrs"].update(
            {
                "data-choice-search": self.url,
                "data-choice-multiple": "1" if self.multiple else "0",
                "data-choice-labels": json.dumps(self.labeller(codes)),
                "data-choice-texts": json.dumps(
                    {key: str(text) for key, text in SEARCH_TEXTS.items()}
                ),
            }
        )
        return context


class CodeChoiceField(forms.ModelChoiceField):
    """One row chosen by its code, from the source's queryset."""

    def __init__(self, queryset, *, kind, **kwargs):
        self.kind = kind
        super().__init__(queryset, to_field_name=kind.code, **kwargs)

    def to_python(self, value):
        code = value.strip() if isinstance(value, str) else value
        if code in self.empty_values:
            return None
        try:
            return self.queryset.get(**{self.to_field_name: code})
        except (
            self.queryset.model.DoesNotExist,
            ValueError,
            TypeError,
            ValidationError,
        ):
            raise ValidationError(_refusals(self, self.kind, [str(code)])) from None


class CodesChoiceField(forms.ModelMultipleChoiceField):
    """Several rows chosen by their codes, separated by commas, spaces or lines;
    every code that cannot be chosen gets its own message."""

    def __init__(self, queryset, *, kind, **kwargs):
        self.kind = kind
        super().__init__(queryset, to_field_name=kind.code, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return super().prepare_value(value)

    def clean(self, value):
        codes = _codes(value)
        if not codes:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return self.queryset.none()
        # A NUL cannot even be sent to PostgreSQL: such a code is simply unknown.
        lookable = [c for c in codes if "\x00" not in c]
        chosen = self.queryset.filter(**{f"{self.kind.code}__in": lookable})
        allowed = {self.kind.code_of(o) for o in chosen}
        refused = [c for c in codes if c not in allowed]
        if refused:
            raise ValidationError(_refusals(self, self.kind, refused))
        return chosen


def choice_field(source, queryset, *, context="", multiple=False, **kwargs):
    """A <select> (checkboxes when `multiple`) of `queryset` when it is short, else
    a box of codes that the search endpoint of `source` fills."""
    kind_name, source_name = source.choice
    kind = KINDS[kind_name]
    if _few(queryset):
        if multiple:
            kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
            field = forms.ModelMultipleChoiceField(queryset=queryset, **kwargs)
        else:
            field = forms.ModelChoiceField(queryset=queryset, **kwargs)
        # The label the search box shows, so both read the same.
        field.label_from_instance = kind.label
        return field
    query = {"sumber": source_name}
    if context:
        query["konteks"] = context
    url = f"{reverse('choice-search', args=[kind.name])}?{urlencode(query)}"

    def labels(codes):
        codes = [c for c in codes if "\x00" not in c]
        if not codes:
            return {}
        rows = queryset.filter(**{f"{kind.code}__in": codes})
        return {kind.code_of(o): kind.label(o) for o in rows}

    kwargs.setdefault("help_text", kind.help_many if multiple else kind.help_one)
    kwargs["widget"] = SearchInput(
        kind=kind, url=url, multiple=multiple, labeller=labels
    )
    field_class = CodesChoiceField if multiple else CodeChoiceField
    return field_class(queryset, kind=kind, **kwargs)
