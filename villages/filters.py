"""Query filters of the registry API (django-filter)."""

from django import forms
from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .models import (
    Classification,
    ClassificationBasis,
    ClassificationLevel,
    ClassificationProposal,
    FieldOfficer,
    FormationTarget,
    KampungActivity,
    KampungKB,
    LaunchEvent,
    OfficerAssignment,
    PokjaMember,
    ProgramIntegration,
    ProposalStatus,
    Region,
    RegionLevel,
)

# Ids are 64-bit: a larger number would overflow the database driver.
MAX_ID = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(filters.NumberFilter):
    """A whole number (NumberFilter alone would round 1.5 to 1)."""

    field_class = forms.IntegerField


def id_filter(field_name):
    return IntegerFilter(field_name=field_name, min_value=1, max_value=MAX_ID)


def year_filter(field_name, *, lookup_expr="year", **kwargs):
    # Dates exist in years 1-9999 only; the registry starts long after 1900.
    return IntegerFilter(
        field_name=field_name,
        lookup_expr=lookup_expr,
        min_value=1900,
        max_value=2100,
        **kwargs,
    )


class WithinFilter(filters.CharFilter):
    """A region code: that region and everything below it (33.75 has 33.75.04.1002)."""

    def __init__(self, *, field_name, **kwargs):
        kwargs.setdefault(
            "help_text",
            "A region code: that region and everything below it, e.g. 33.75.04.",
        )
        super().__init__(field_name=field_name, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        code = value.strip().rstrip(".")
        # Not a plain prefix: 33.7 must not match Kota Pekalongan's 33.75.
        return qs.filter(
            Q(**{self.field_name: code})
            | Q(**{f"{self.field_name}__startswith": code + "."})
        )


class ClassificationLevelFilter(filters.ChoiceFilter):
    """A classification level; 'paripurna' is the local word for berkelanjutan."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=[*ClassificationLevel.choices, ("paripurna", "Paripurna")],
            **kwargs,
        )

    def filter(self, qs, value):
        if value:
            value = ClassificationLevel.parse(value)
        return super().filter(qs, value)


class RegionFilter(filters.FilterSet):
    code = WithinFilter(field_name="code")
    level = filters.ChoiceFilter(choices=RegionLevel.choices)
    parent = filters.CharFilter(
        field_name="parent", help_text="Code of the parent region: its children."
    )
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Region
        fields = []


class KampungFilter(filters.FilterSet):
    region = WithinFilter(field_name="region__code")
    classification = ClassificationLevelFilter(
        field_name="current_level", help_text="Current classification level."
    )
    year = year_filter("formed_on", help_text="Year it was formed.")
    active = filters.BooleanFilter(field_name="is_active")

    class Meta:
        model = KampungKB
        fields = []


class KampungPartFilter(filters.FilterSet):
    """For rows that belong to one Kampung KB."""

    kampung = id_filter("kampung")
    region = WithinFilter(field_name="kampung__region__code")


class ClassificationFilter(KampungPartFilter):
    level = ClassificationLevelFilter()
    basis = filters.ChoiceFilter(choices=ClassificationBasis.choices)

    class Meta:
        model = Classification
        fields = []


class ProposalFilter(KampungPartFilter):
    status = filters.ChoiceFilter(choices=ProposalStatus.choices)

    class Meta:
        model = ClassificationProposal
        fields = []


class ActivityFilter(KampungPartFilter):
    class Meta:
        model = KampungActivity
        fields = []


class PokjaFilter(KampungPartFilter):
    class Meta:
        model = PokjaMember
        fields = []


class ProgramFilter(KampungPartFilter):
    class Meta:
        model = ProgramIntegration
        fields = []


class LaunchFilter(filters.FilterSet):
    organizer = WithinFilter(field_name="organizer__code")
    kampung = id_filter("kampungs")
    year = year_filter("date")

    class Meta:
        model = LaunchEvent
        fields = []


class TargetFilter(filters.FilterSet):
    region = WithinFilter(field_name="region__code")
    year = year_filter("year", lookup_expr="exact")

    class Meta:
        model = FormationTarget
        fields = []


class OfficerFilter(filters.FilterSet):
    region = WithinFilter(
        field_name="assignments__region__code",
        help_text="A region code: officers assigned in it or below it.",
        distinct=True,
    )

    class Meta:
        model = FieldOfficer
        fields = []


class AssignmentFilter(filters.FilterSet):
    officer = id_filter("officer")
    region = WithinFilter(field_name="region__code")

    class Meta:
        model = OfficerAssignment
        fields = []
