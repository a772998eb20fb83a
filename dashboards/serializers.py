"""Shapes of the dashboard API: what the pages show, as JSON."""

from rest_framework import serializers

from . import selectors
from .board import FIRST_YEAR, LAST_YEAR
from .indicators import COUNT, INDICATORS, PERCENT, SCORE
from .models import RefreshRun

INDICATOR_CODES = [i.code for i in INDICATORS]
UNITS = [COUNT, PERCENT, SCORE]


class DashboardQuerySerializer(serializers.Serializer):
    tahun = serializers.IntegerField(
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        help_text="The year; default: the latest year with figures.",
    )


class PlaceSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Kemendagri code, or ID for the country.")
    name = serializers.CharField()
    level = serializers.IntegerField(
        help_text="0 the country, 1 provinsi, 2 kab/kota, 3 kecamatan, 4 desa/kelurahan."
    )


class IndicatorBriefSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=INDICATOR_CODES)
    name = serializers.CharField()
    unit = serializers.ChoiceField(choices=UNITS)


class KpiSerializer(serializers.Serializer):
    indicator = serializers.ChoiceField(choices=INDICATOR_CODES)
    name = serializers.CharField()
    unit = serializers.ChoiceField(choices=UNITS)
    year = serializers.IntegerField(
        help_text="The year of the figure: the asked year, or for a reported "
        "prevalence the latest year it was published up to then."
    )
    value = serializers.FloatField(allow_null=True)
    previous = serializers.FloatField(
        allow_null=True, help_text="The figure of the year before `year`."
    )
    change = serializers.FloatField(
        allow_null=True, help_text="value - previous (percentage points for a rate)."
    )
    numerator = serializers.FloatField(
        allow_null=True, help_text="A rate's numerator; null for a count."
    )
    denominator = serializers.FloatField(
        allow_null=True, help_text="A rate's denominator (its n); null for a count."
    )
    too_small = serializers.BooleanField(
        help_text="The denominator is below the minimum a rate is shown from "
        "(DASHBOARD_MIN_DENOMINATOR): the pages read 'n terlalu kecil' instead."
    )


class ValuesField(serializers.DictField):
    """Each indicator's value: null for no data, or where it does not apply."""

    child = serializers.FloatField(allow_null=True)


class ChildRowSerializer(PlaceSerializer):
    values = ValuesField()


class DashboardSerializer(serializers.Serializer):
    region = PlaceSerializer()
    year = serializers.IntegerField()
    years = serializers.ListField(
        child=serializers.IntegerField(), help_text="Years with figures."
    )
    data_as_of = serializers.DateTimeField(
        allow_null=True, help_text="When the figures were computed; null: never."
    )
    indicators = IndicatorBriefSerializer(many=True)
    kpis = KpiSerializer(many=True)
    values = ValuesField(help_text="The region's own figures in `year`.")
    children = ChildRowSerializer(
        many=True, help_text="The regions directly below, with their figures."
    )


class RefreshRunSerializer(serializers.ModelSerializer):
    region = serializers.CharField(
        source="region_code",
        help_text="The region refreshed: a kab/kota or province code, or ID for "
        "the whole country.",
    )
    percent = serializers.IntegerField(help_text="How far it is, 0-100.")
    requested_by = serializers.SerializerMethodField(
        help_text="Who asked for it; null for the nightly refresh, and for those "
        "who may not refresh that region."
    )

    class Meta:
        model = RefreshRun
        fields = [
            "id",
            "region",
            "status",
            "steps_done",
            "steps_total",
            "percent",
            "message",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_requested_by(self, run) -> str | None:
        user = self.context["request"].user
        if run.requested_by is None or not selectors.refresh_allowed(
            user=user, region_code=run.region_code
        ):
            return None
        return run.requested_by.get_username()


class RefreshRequestSerializer(serializers.Serializer):
    region = serializers.CharField(
        required=False,
        max_length=13,
        help_text="The region whose figures to refresh (its kab/kota or province "
        "is refreshed), or ID for the country (administrators). Default: your "
        "one region, or the country for an administrator.",
    )
