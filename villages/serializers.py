"""Shapes of the registry API: output rows, and the input each service takes.

Input serializers only check shape; the registry rules live in the models' clean()
and the services, whose errors the API reports per field (kampungkb.api).
"""

from rest_framework import serializers

from kampungkb.access import can, code_within, region_within, user_scope
from kampungkb.api import ScopedRelatedField
from kampungkb.models import User

from .models import (
    Classification,
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
    Region,
)
from .services import (
    KAMPUNG_EDITABLE_FIELDS,
    KAMPUNG_OFFICIAL_FIELDS,
    OFFICIAL_STAFF_ONLY,
)

LEVEL_INPUT_CHOICES = [*ClassificationLevel.choices, ("paripurna", "Paripurna")]


class LevelField(serializers.ChoiceField):
    """A classification level; 'paripurna' is read as berkelanjutan."""

    def __init__(self, **kwargs):
        super().__init__(choices=LEVEL_INPUT_CHOICES, **kwargs)

    def to_internal_value(self, data):
        return ClassificationLevel.parse(super().to_internal_value(data))


def _person(user: User | None) -> str | None:
    # A name to show, never the account itself: accounts are not part of the API.
    return (user.get_full_name() or user.get_username()) if user else None


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "kind", "parent", "postal_code"]
        read_only_fields = fields


class KampungSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    current_level = serializers.ChoiceField(
        choices=ClassificationLevel.choices,
        read_only=True,
        allow_null=True,
        help_text="Level of the latest classification; null: not classified yet.",
    )

    class Meta:
        model = KampungKB
        fields = [
            "id",
            "region",
            "region_name",
            "name",
            "formed_on",
            "sk_number",
            "sk_date",
            "secretariat_address",
            "is_active",
            "deactivated_on",
            "deactivation_reason",
            "current_level",
            "web_kampung_kb_filled",
            "siga_k0_year",
            "rumah_dataku",
            "krppa_integrated",
            "source",
            "illustrative_note",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class KampungCreateSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(
        queryset=Region.objects.all(), help_text="Code of the desa/kelurahan."
    )

    class Meta:
        model = KampungKB
        fields = [
            "region",
            "name",
            "formed_on",
            "sk_number",
            "sk_date",
            "secretariat_address",
            "source",
            "illustrative_note",
        ]
        extra_kwargs = {
            "name": {
                "required": False,
                "help_text": "Default: 'Kampung KB <desa/kelurahan>'.",
            }
        }


class KampungUpdateSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(
        min_value=1,
        help_text="Required: the `version` you read. If someone saved in between, "
        "the answer is 409 and nothing changes.",
    )

    class Meta:
        model = KampungKB
        fields = ["version", *KAMPUNG_EDITABLE_FIELDS]

    def validate(self, attrs):
        # PATCH makes every field optional, but an edit without the version it
        # started from could silently overwrite someone else's.
        if "version" not in attrs:
            raise serializers.ValidationError(
                {"version": self.fields["version"].error_messages["required"]}
            )
        # The formation date and SK are the office's record: a PLKB may not change them.
        kampung, user = self.instance, self.context["request"].user
        official = [
            name
            for name in KAMPUNG_OFFICIAL_FIELDS
            if name in attrs and getattr(kampung, name, None) != attrs[name]
        ]
        if official and not can(
            user, "kampung.official", kampung.region if kampung else None
        ):
            raise serializers.ValidationError(
                {name: [str(OFFICIAL_STAFF_ONLY)] for name in official}
            )
        return attrs


class KampungDeactivateSerializer(serializers.Serializer):
    # Named as the model's fields, so the model's own errors land on them.
    deactivated_on = serializers.DateField()
    deactivation_reason = serializers.CharField()


class ClassificationSerializer(serializers.ModelSerializer):
    kampung = ScopedRelatedField(queryset=KampungKB.objects.all())
    level = LevelField()

    class Meta:
        model = Classification
        fields = [
            "id",
            "kampung",
            "level",
            "effective_on",
            "basis",
            "decided_by",
            "decision_ref",
            "note",
            "illustrative_note",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class ProposalSerializer(serializers.ModelSerializer):
    kampung = ScopedRelatedField(queryset=KampungKB.objects.all())
    level = LevelField()
    proposed_by = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = ClassificationProposal
        # The service gives the unique rule's own message (and the database holds it
        # under a race); DRF's generated check would make optional fields required.
        validators = []
        fields = [
            "id",
            "kampung",
            "level",
            "effective_on",
            "reason",
            "status",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "classification",
        ]
        read_only_fields = [
            "status",
            "proposed_at",
            "decided_at",
            "decision_note",
            "classification",
        ]

    def get_proposed_by(self, proposal) -> str:
        return _person(proposal.proposed_by)

    def get_decided_by(self, proposal) -> str | None:
        return _person(proposal.decided_by)


class ProposalDecisionSerializer(serializers.Serializer):
    decision_note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when rejecting.",
    )


class ActivitySerializer(serializers.ModelSerializer):
    kampung = ScopedRelatedField(queryset=KampungKB.objects.all())
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = KampungActivity
        fields = [
            "id",
            "kampung",
            "held_on",
            "title",
            "note",
            "participants",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]


class PokjaMemberSerializer(serializers.ModelSerializer):
    kampung = ScopedRelatedField(queryset=KampungKB.objects.all())

    class Meta:
        model = PokjaMember
        fields = ["id", "kampung", "role", "seksi", "name", "position"]
        # The constraints are checked once, by the model, with its own messages.
        validators = []


class PokjaMemberUpdateSerializer(PokjaMemberSerializer):
    kampung = serializers.PrimaryKeyRelatedField(read_only=True)


class ProgramSerializer(serializers.ModelSerializer):
    kampung = ScopedRelatedField(queryset=KampungKB.objects.all())

    class Meta:
        model = ProgramIntegration
        fields = ["id", "kampung", "program", "since", "agency", "notes"]
        validators = []


class ProgramUpdateSerializer(ProgramSerializer):
    kampung = serializers.PrimaryKeyRelatedField(read_only=True)


class LaunchSerializer(serializers.ModelSerializer):
    organizer = ScopedRelatedField(
        queryset=Region.objects.all(), help_text="Code of the organising region."
    )
    kampungs = ScopedRelatedField(
        queryset=KampungKB.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the Kampung KB launched.",
    )

    class Meta:
        model = LaunchEvent
        # The service gives the unique rule's own message (and the database holds it
        # under a race); DRF's generated check would make optional fields required.
        validators = []
        fields = [
            "id",
            "date",
            "place",
            "organizer",
            "officials",
            "kampungs",
            "notes",
            "source_url",
            "source",
            "illustrative_note",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # List only the launched Kampung KB the reader may open; the region code
        # is on the prefetched rows, so this costs no query per launch.
        readable = user_scope(self.context["request"].user).read
        data["kampungs"] = sorted(
            k.pk for k in instance.kampungs.all() if code_within(k.region_id, readable)
        )
        return data


class LaunchUpdateSerializer(LaunchSerializer):
    class Meta(LaunchSerializer.Meta):
        read_only_fields = ["illustrative_note"]


class TargetSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(
        queryset=Region.objects.all(), help_text="Code of the kabupaten/kota."
    )

    class Meta:
        model = FormationTarget
        fields = ["id", "region", "year", "new_count", "source"]
        # One target per region and year: posting the same pair again replaces it.
        validators = []
        # The years the target form accepts (a year 0 reached the service: a 500).
        extra_kwargs = {"year": {"min_value": 2014, "max_value": 2100}}


class TargetUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = FormationTarget
        fields = ["id", "region", "year", "new_count", "source"]
        read_only_fields = ["region", "year"]


class OfficerSerializer(serializers.ModelSerializer):
    regions = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text="Codes of the desa/kelurahan they accompany.",
    )

    class Meta:
        model = FieldOfficer
        # Contact details and the linked account stay out of the API.
        fields = ["id", "name", "kind", "regions"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Only the desa/kelurahan inside the reader's regions.
        readable = user_scope(self.context["request"].user).read
        data["regions"] = [
            r.code for r in instance.regions.all() if region_within(r, readable)
        ]
        return data


class AssignmentSerializer(serializers.ModelSerializer):
    officer = ScopedRelatedField(queryset=FieldOfficer.objects.all())
    region = ScopedRelatedField(
        queryset=Region.objects.all(), help_text="Code of the desa/kelurahan."
    )

    class Meta:
        model = OfficerAssignment
        fields = ["id", "officer", "region", "assigned_on"]
        validators = []


class RegisterImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The register: XLSX or CSV laid out as /kampung/impor/templat.xlsx"
    )
    save_valid_only = serializers.BooleanField(
        default=False,
        help_text="Save the valid rows even if others have problems",
    )


class RegisterReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    refused = serializers.IntegerField()
    rows = serializers.IntegerField()
    saved = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.DictField())
    ignored_columns = serializers.ListField(child=serializers.CharField())
