"""Shapes of the stunting API: children, measurements, prevalence, Dashat, audits.

Personal fields (a child's name, birth date and parent, a beneficiary's name, an
audit's notes; a measurement's day, age in days, weight and length) are left out
of a row, key and all, unless the requesting user may see the personal data of its
desa/kelurahan (`child.personal`); a user who may not also gets a measurement's
age and z-scores coarsened (stunting.disclosure), so they cannot give the birth
date back. The NIK is taken on input only; neither it nor its hash is ever output.
"""

from rest_framework import serializers

from kampungkb.access import can
from kampungkb.api import ScopedRelatedField
from villages.models import KampungKB, Region

from .disclosure import (
    DAYS_PER_MONTH,
    PERSONAL_MEASURES,
    measured_month,
    registered_month,
    shown_age_months,
    shown_z,
)
from .models import (
    AuditCause,
    AuditIntervention,
    CaseAudit,
    Child,
    Dashat,
    DashatBeneficiary,
    DashatSession,
    Measurement,
    ReportedPrevalence,
)
from .services import MEASUREMENT_LIMITS

PERSONAL_HELP = (
    "Personal: present only for staff and the PLKB of the child's desa/kelurahan."
)
Z_HELP = (
    "Full precision for staff and the PLKB of the child's desa/kelurahan; for "
    "other readers rounded to the nearest 0.5, so it does not give the birth date."
)


class PersonalFieldsMixin:
    """Leave `personal_fields` out of rows whose region the user may not see them in."""

    personal_fields: tuple[str, ...] = ()

    def personal_region(self, instance) -> Region:
        raise NotImplementedError

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = self.context["request"].user
        if not can(user, "child.personal", self.personal_region(instance)):
            self.withhold(data, instance)
        return data

    def withhold(self, data, instance):
        """Take out of `data` what a user without child.personal may not see."""
        for name in self.personal_fields:
            data.pop(name, None)


def _personal(**kwargs):
    # Not required: the key is absent where the data is withheld.
    return {"required": False, "help_text": PERSONAL_HELP, **kwargs}


class ChildSerializer(PersonalFieldsMixin, serializers.ModelSerializer):
    """A child; `name`, `birth_date`, `parent_name` only where you may see them."""

    personal_fields = ("name", "birth_date", "parent_name")

    region = ScopedRelatedField(
        queryset=Region.objects.all(), help_text="Code of the desa/kelurahan."
    )
    nik = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="16-digit NIK; stored only as a keyed hash, never shown. A child "
        "already registered with it is returned instead (200).",
    )

    class Meta:
        model = Child
        fields = [
            "id",
            "nik",
            "name",
            "sex",
            "birth_date",
            "region",
            "posyandu",
            "parent_name",
            "created_at",
        ]
        extra_kwargs = {
            "name": _personal(),
            "birth_date": _personal(),
            "parent_name": _personal(),
        }
        # The service finds a child already registered instead of refusing it.
        validators = []

    def personal_region(self, instance):
        return instance.region

    def withhold(self, data, instance):
        super().withhold(data, instance)
        # A child is registered on or after its birth: the exact time would bound
        # the birth date within the month the ages already give.
        data["created_at"] = self.fields["created_at"].to_representation(
            registered_month(instance.created_at)
        )

    def validate(self, attrs):
        # Optional in the schema because they are withheld on output, but a new
        # child needs them.
        missing = {
            name: self.fields[name].error_messages["required"]
            for name in ("name", "birth_date")
            if name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class MeasurementSerializer(PersonalFieldsMixin, serializers.ModelSerializer):
    """A measurement with the z-scores computed from it."""

    personal_fields = PERSONAL_MEASURES

    age_days = serializers.IntegerField(
        required=False,
        help_text="With the date it gives the birth date, so it is personal. "
        + PERSONAL_HELP,
    )
    age_months = serializers.SerializerMethodField()
    measured_month = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(
        required=False, help_text="When it was recorded. " + PERSONAL_HELP
    )

    class Meta:
        model = Measurement
        fields = [
            "id",
            "child",
            "measured_on",
            "measured_month",
            "weight_kg",
            "height_cm",
            "measured",
            "oedema",
            "place",
            "posyandu",
            "age_days",
            "age_months",
            "height_adjusted_cm",
            "haz",
            "waz",
            "whz",
            "haz_class",
            "waz_class",
            "whz_class",
            "haz_implausible",
            "waz_implausible",
            "whz_implausible",
            "missing_reasons",
            "lila_cm",
            "weight_gain",
            "vitamin_a_count",
            "has_kia_book",
            "attends_mother_class",
            "import_batch",
            "created_at",
        ]
        # Not read-only: read-only keys are required in the schema, and these are
        # absent where withheld (the serializer is never used for input).
        read_only_fields = [name for name in fields if name not in PERSONAL_MEASURES]
        extra_kwargs = {
            "measured_on": _personal(),
            "weight_kg": _personal(),
            "height_cm": _personal(),
            "height_adjusted_cm": _personal(),
            "lila_cm": _personal(),
            "weight_gain": _personal(),
            "vitamin_a_count": _personal(),
            "has_kia_book": _personal(),
            "attends_mother_class": _personal(),
            "haz": {"help_text": Z_HELP},
            "waz": {"help_text": Z_HELP},
            "whz": {"help_text": Z_HELP},
        }

    def personal_region(self, instance):
        return instance.child.region

    def get_age_months(self, measurement) -> int:
        """Age in completed months at measurement; for readers without the birth
        date, counted from the 15th of the birth month."""
        return int(measurement.age_days // DAYS_PER_MONTH)

    def get_measured_month(self, measurement) -> str:
        """The month measured, YYYY-MM, for every reader."""
        return measured_month(measurement.measured_on)

    def withhold(self, data, instance):
        super().withhold(data, instance)
        for name in ("haz", "waz", "whz"):
            data[name] = shown_z(data[name])
        data["age_months"] = shown_age_months(
            birth_date=instance.child.birth_date, on=instance.measured_on
        )


class MeasurementCreateSerializer(serializers.ModelSerializer):
    """A new measurement: weight and/or length/height of a child on a day."""

    child = ScopedRelatedField(queryset=Child.objects.all())
    # Plausible for a child under five and within the column, as in the form.
    weight_kg = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=MEASUREMENT_LIMITS["weight_kg"][0],
        max_value=MEASUREMENT_LIMITS["weight_kg"][1],
        default=None,
        allow_null=True,
    )
    height_cm = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=MEASUREMENT_LIMITS["height_cm"][0],
        max_value=MEASUREMENT_LIMITS["height_cm"][1],
        default=None,
        allow_null=True,
    )

    class Meta:
        model = Measurement
        fields = [
            "child",
            "measured_on",
            "weight_kg",
            "height_cm",
            "measured",
            "oedema",
            "place",
            "posyandu",
        ]
        extra_kwargs = {"measured": {"default": ""}}
        # One measurement per child and day: the service reports it per field.
        validators = []


class ReportedPrevalenceSerializer(serializers.ModelSerializer):
    """A published stunting prevalence and where it comes from."""

    region = ScopedRelatedField(
        queryset=Region.objects.all(), help_text="Code of the region it describes."
    )

    class Meta:
        model = ReportedPrevalence
        fields = [
            "id",
            "region",
            "year",
            "source",
            "value_percent",
            "numerator",
            "denominator",
            "citation",
            "note",
        ]
        validators = []


class DashatSerializer(serializers.ModelSerializer):
    """A Dapur Sehat Atasi Stunting of a Kampung KB."""

    kampung = ScopedRelatedField(
        queryset=KampungKB.objects.all(), help_text="Fixed once created."
    )

    class Meta:
        model = Dashat
        # The service gives the unique rule's own message (and the database holds it
        # under a race); DRF's generated check would make optional fields required.
        validators = []
        fields = [
            "id",
            "kampung",
            "name",
            "formed_on",
            "status",
            "place",
            "funding_source",
        ]


class BeneficiarySerializer(PersonalFieldsMixin, serializers.ModelSerializer):
    """Someone receiving Dashat meals; `name` only where you may see it."""

    personal_fields = ("name",)

    dashat = ScopedRelatedField(
        queryset=Dashat.objects.all(), help_text="Fixed once created."
    )
    child = ScopedRelatedField(
        queryset=Child.objects.all(),
        required=False,
        allow_null=True,
        help_text="Required for baduta and balita: a child of the Kampung KB's "
        "desa/kelurahan.",
    )

    class Meta:
        model = DashatBeneficiary
        fields = [
            "id",
            "dashat",
            "category",
            "name",
            "child",
            "start_on",
            "follow_up_end",
        ]
        extra_kwargs = {
            "name": _personal(allow_blank=True),
            "follow_up_end": {
                "required": False,
                "help_text": "Default: six months after `start_on`.",
            },
        }

    def personal_region(self, instance):
        return instance.dashat.kampung.region


class SessionSerializer(serializers.ModelSerializer):
    """A day of cooking and serving at a Dashat."""

    dashat = ScopedRelatedField(
        queryset=Dashat.objects.all(), help_text="Fixed once created."
    )
    beneficiaries_present = ScopedRelatedField(
        queryset=DashatBeneficiary.objects.all(),
        many=True,
        required=False,
        help_text="Ids of this Dashat's beneficiaries who came.",
    )

    class Meta:
        model = DashatSession
        fields = ["id", "dashat", "date", "menu", "portions", "beneficiaries_present"]


class CaseAuditSerializer(PersonalFieldsMixin, serializers.ModelSerializer):
    """A stunting case audit; `notes` only where you may see them."""

    personal_fields = ("notes",)

    child = ScopedRelatedField(
        queryset=Child.objects.all(), help_text="Fixed once created."
    )
    causes = serializers.ListField(
        child=serializers.ChoiceField(choices=AuditCause.choices),
        max_length=len(AuditCause.choices),
        help_text="At least one.",
    )
    interventions = serializers.ListField(
        child=serializers.ChoiceField(choices=AuditIntervention.choices),
        max_length=len(AuditIntervention.choices),
        required=False,
    )

    class Meta:
        model = CaseAudit
        # The service gives the unique rule's own message (and the database holds it
        # under a race); DRF's generated check would make optional fields required.
        validators = []
        fields = [
            "id",
            "child",
            "audited_on",
            "causes",
            "interventions",
            "status",
            "next_follow_up_on",
            "closed_on",
            "notes",
        ]
        extra_kwargs = {
            "notes": _personal(
                help_text="Free text about the family. " + PERSONAL_HELP
            ),
        }

    def personal_region(self, instance):
        return instance.child.region
