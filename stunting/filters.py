"""Filters of the children and measurement lists, shared by the page and the API.

A FilterSet validates (its form gives the page's errors and the API's 400) and
calls the selectors; the list itself is paged by kampungkb.keyset.
"""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from kampungkb.access import can, scoped
from villages.filters import IntegerFilter, id_filter
from villages.models import Region

from .disclosure import month_bounds
from .growth import HAZ_LABELS
from .models import Child, Measurement, Sex
from .selectors import (
    STUNTED,
    STUNTED_CLASSES,
    child_search,
    children_by_measurement,
    in_region,
    period_range,
)

FIRST_YEAR = 2015
HAZ_CHOICES = [
    (STUNTED, _("Stunting (pendek dan sangat pendek)")),
    *HAZ_LABELS.items(),
]


class RegionCodeField(forms.ModelChoiceField):
    """A region typed as its Kemendagri code: too many to list."""

    widget = forms.TextInput(attrs={"placeholder": "33.75.04"})

    def to_python(self, value):
        return super().to_python(value.strip() if isinstance(value, str) else value)


@extend_schema_field(OpenApiTypes.STR)
class RegionFilter(filters.ModelChoiceFilter):
    """A region code, among those the user may read: that region and below it."""

    field_class = RegionCodeField

    def __init__(self, *, path, **kwargs):
        self.path = path
        kwargs.setdefault(
            "help_text",
            "A region code you may read: that region and everything below it, "
            "e.g. 33.75.04.",
        )
        super().__init__(
            queryset=lambda request: scoped(Region.objects, request.user),
            label=_("Kode wilayah"),
            method=self.within,
            **kwargs,
        )

    def within(self, queryset, name, region):
        return queryset.filter(in_region(self.path, region))


class PeriodForm(forms.Form):
    """A month needs its year; neither lies in the future."""

    def clean(self):
        data = super().clean()
        if data.get("month") and not data.get("year"):
            self.add_error("month", _("Isi tahun untuk memilih bulan."))
        year = data.get("year")
        if year and year > timezone.localdate().year:
            self.add_error("year", _("Tahun tidak boleh di masa depan."))
        return data


class ListFilterSet(filters.FilterSet):
    """The period (year, or a month of it) and HAZ class, as a user types them."""

    year = IntegerFilter(
        label=_("Tahun"), method="no_op", min_value=FIRST_YEAR, max_value=2100
    )
    month = IntegerFilter(label=_("Bulan"), method="no_op", min_value=1, max_value=12)
    haz_class = filters.ChoiceFilter(
        label=_("Status TB/U"), choices=HAZ_CHOICES, method="no_op"
    )

    def no_op(self, queryset, name, value):
        # Read together in filter_queryset: the period and class go as one.
        return queryset

    def period(self) -> tuple[datetime.date, datetime.date] | None:
        data = self.form.cleaned_data
        if not data.get("year"):
            return None
        return period_range(year=data["year"], month=data.get("month"))


class ChildFilter(ListFilterSet):
    """Children: region, sex, measured in a period, HAZ class, name or NIK."""

    region = RegionFilter(path="region")
    sex = filters.ChoiceFilter(label=_("Jenis kelamin"), choices=Sex.choices)
    q = filters.CharFilter(
        label=_("Nama atau NIK"),
        method="search",
        max_length=150,
        help_text="The beginning of a name (any case) or a whole 16-digit NIK, "
        "among the children whose personal data you may see; none otherwise.",
    )
    year = IntegerFilter(
        label=_("Tahun ukur"),
        method="no_op",
        min_value=FIRST_YEAR,
        max_value=2100,
        help_text="Children measured in this year (with `month`: that month).",
    )
    haz_class = filters.ChoiceFilter(
        label=_("Status TB/U"),
        choices=HAZ_CHOICES,
        method="no_op",
        help_text="HAZ class of the child's latest measurement (in the period, "
        "if one is given); `stunting` is pendek or sangat_pendek.",
    )

    class Meta:
        model = Child
        fields = []
        form = PeriodForm

    def search(self, queryset, name, value):
        return child_search(queryset, user=self.request.user, query=value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        period = self.period()
        haz_class = self.form.cleaned_data.get("haz_class")
        if period or haz_class:
            queryset = children_by_measurement(
                queryset, period=period, haz_class=haz_class
            )
        return queryset


BY_MONTH_HELP = (
    " Where you may not see the child's personal data, by month (the day of a "
    "measurement is personal)."
)


class MeasurementFilter(ListFilterSet):
    child = id_filter("child")
    region = RegionFilter(path="child__region")
    measured_after = filters.DateFilter(
        method="filter_measured_after", help_text="On or after." + BY_MONTH_HELP
    )
    measured_before = filters.DateFilter(
        method="filter_measured_before", help_text="On or before." + BY_MONTH_HELP
    )
    year = IntegerFilter(
        label=_("Tahun ukur"),
        method="no_op",
        min_value=FIRST_YEAR,
        max_value=2100,
        help_text="Measured in this year (with `month`: that month).",
    )

    class Meta:
        model = Measurement
        fields = []
        form = PeriodForm

    def _by_day_or_month(self, queryset, by_day: Q, by_month: Q):
        # A filter by day would find the day a serializer withholds
        # (stunting.disclosure): on other rows it only sees the month.
        user = self.request.user
        if not can(user, "child.personal"):
            return queryset.filter(by_month)
        personal = Q(pk__in=scoped(Measurement.objects, user, write=True).values("pk"))
        return queryset.filter((personal & by_day) | (~personal & by_month))

    def filter_measured_after(self, queryset, name, value):
        first, _last = month_bounds(value)
        return self._by_day_or_month(
            queryset, Q(measured_on__gte=value), Q(measured_on__gte=first)
        )

    def filter_measured_before(self, queryset, name, value):
        _first, last = month_bounds(value)
        return self._by_day_or_month(
            queryset, Q(measured_on__lte=value), Q(measured_on__lte=last)
        )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        period = self.period()
        if period:
            queryset = queryset.filter(measured_on__range=period)
        haz_class = self.form.cleaned_data.get("haz_class")
        if haz_class == STUNTED:
            queryset = queryset.filter(haz_class__in=STUNTED_CLASSES)
        elif haz_class:
            queryset = queryset.filter(haz_class=haz_class)
        return queryset
