"""Shapes of the evaluations API: output rows and the input each service takes.

Input serializers only check shape; the rules live in the models' clean() and in
evaluations.services, whose errors the API reports per field (kampungkb.api).
Rows named in input must be ones the user may read, else they "do not exist".
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kampungkb.access import scoped
from kampungkb.api import ScopedRelatedField
from kampungkb.models import Role, User
from villages.models import ClassificationLevel, KampungKB, Region

from . import selectors
from .choices import evaluator_accounts
from .models import (
    Award,
    Cycle,
    CycleCriterion,
    Evidence,
    Participant,
    RubricCriterion,
    RubricTemplate,
    Score,
)


def _user(field):
    return field.context["request"].user


@extend_schema_field(OpenApiTypes.INT)
class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to a row that `rows(user)` lets the requesting user read."""

    def __init__(self, *, rows, **kwargs):
        self.rows = rows
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.rows(_user(self))

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def _name(user) -> str | None:
    # Who, as a username: accounts themselves are not part of the API.
    return user.get_username() if user else None


class CriterionSerializer(serializers.ModelSerializer):
    template = VisibleRelatedField(rows=lambda user: selectors.templates_for(user=user))

    class Meta:
        model = RubricCriterion
        fields = [
            "id",
            "template",
            "group",
            "code",
            "name",
            "guide",
            "weight",
            "scale_min",
            "scale_max",
            "order",
        ]
        # The unique code is checked once, by the model, with its own message.
        validators = []


class CriterionUpdateSerializer(CriterionSerializer):
    template = serializers.PrimaryKeyRelatedField(read_only=True)


class TemplateCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RubricCriterion
        fields = [
            "id",
            "group",
            "code",
            "name",
            "guide",
            "weight",
            "scale_min",
            "scale_max",
            "order",
        ]
        read_only_fields = fields


class TemplateSerializer(serializers.ModelSerializer):
    criteria = TemplateCriterionSerializer(many=True, read_only=True)

    class Meta:
        model = RubricTemplate
        fields = [
            "id",
            "name",
            "description",
            "region",
            "builtin",
            "weight_input",
            "weight_proses",
            "weight_output",
            "criteria",
            "updated_at",
        ]
        read_only_fields = ["region", "builtin", "criteria", "updated_at"]


class TemplateCopySerializer(serializers.Serializer):
    region = ScopedRelatedField(
        queryset=Region.objects.all(), help_text="Code of the kabupaten/kota."
    )
    name = serializers.CharField(max_length=150)


class CycleCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CycleCriterion
        fields = [
            "id",
            "cycle",
            "group",
            "code",
            "name",
            "guide",
            "weight",
            "scale_min",
            "scale_max",
            "order",
        ]
        read_only_fields = fields


CYCLE_INPUT_FIELDS = [
    "name",
    "year",
    "evaluated_on",
    "scoring_ends_on",
    "template",
    "min_age_years",
    "eligibility_counting",
    "threshold_berkembang",
    "threshold_mandiri",
    "threshold_berkelanjutan",
    "notes",
]


class CycleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cycle
        fields = [
            "id",
            "region",
            *CYCLE_INPUT_FIELDS,
            "status",
            "weight_input",
            "weight_proses",
            "weight_output",
            "source",
            "illustrative_note",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = fields


class CycleUpdateSerializer(serializers.ModelSerializer):
    template = VisibleRelatedField(
        rows=lambda user: selectors.templates_for(user=user),
        required=False,
        allow_null=True,
        help_text="Default: the BKKBN template. Fixed once scoring opens.",
    )

    class Meta:
        model = Cycle
        fields = CYCLE_INPUT_FIELDS
        # The region and name are checked once, by the model, with its message.
        validators = []


class CycleCreateSerializer(CycleUpdateSerializer):
    region = ScopedRelatedField(
        queryset=Region.objects.all(), help_text="Code of the kabupaten/kota."
    )
    kampungs = ScopedRelatedField(
        queryset=KampungKB.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the Kampung KB taking part. Default: every active "
        "Kampung KB of the kabupaten/kota.",
    )

    class Meta(CycleUpdateSerializer.Meta):
        fields = ["region", *CYCLE_INPUT_FIELDS, "kampungs"]


class ParticipantsSetSerializer(serializers.Serializer):
    kampungs = ScopedRelatedField(
        queryset=KampungKB.objects.all(),
        many=True,
        allow_empty=True,
        help_text="Ids of the Kampung KB taking part (replaces the list).",
    )


@extend_schema_field(OpenApiTypes.STR)
class EvaluatorField(serializers.SlugRelatedField):
    """An evaluator account the requesting staff member manages, by username."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", **kwargs)

    def get_queryset(self):
        return evaluator_accounts(scoped(User.objects.all(), _user(self), write=True))


class EvaluatorAssignSerializer(serializers.Serializer):
    evaluator = EvaluatorField(help_text="Username of an evaluator account you manage.")
    kampungs = ScopedRelatedField(
        queryset=KampungKB.objects.all(),
        many=True,
        required=False,
        allow_null=True,
        help_text="Ids of the Kampung KB this evaluator scores (replaces their "
        "list). Left out or null: every participant.",
    )


class EvaluatorKampungsSerializer(serializers.Serializer):
    evaluator = serializers.CharField(help_text="Username of the evaluator.")
    kampungs = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Ids of the Kampung KB they score in this cycle.",
    )


class ParticipantSerializer(serializers.ModelSerializer):
    kampung_name = serializers.CharField(source="kampung.name", read_only=True)
    region = serializers.CharField(source="kampung.region_id", read_only=True)

    class Meta:
        model = Participant
        fields = [
            "id",
            "cycle",
            "kampung",
            "kampung_name",
            "region",
            "krppa_linked",
            "krppa_note",
            "accepted_classification",
            "accepted_at",
        ]
        read_only_fields = fields


class ResultSerializer(serializers.Serializer):
    participant = serializers.IntegerField(source="participant.pk")
    kampung = serializers.IntegerField(source="participant.kampung_id")
    kampung_name = serializers.CharField(source="participant.kampung.name")
    region = serializers.CharField(source="participant.kampung.region_id")
    rank = serializers.IntegerField(
        allow_null=True,
        help_text="Standard competition rank (1, 2, 2, 4); null until complete.",
    )
    total = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="0-100; null until each counted group has a score.",
    )
    input = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, source="groups.input"
    )
    proses = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, source="groups.proses"
    )
    output = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, source="groups.output"
    )
    criteria_scored = serializers.IntegerField()
    criteria_count = serializers.IntegerField()
    evaluators_scored = serializers.IntegerField()
    eligible = serializers.BooleanField(
        help_text="Old enough for the province round at the evaluation date."
    )
    eligible_from = serializers.DateField()
    current_level = serializers.ChoiceField(
        choices=ClassificationLevel.choices, allow_null=True
    )
    suggested_level = serializers.ChoiceField(
        choices=ClassificationLevel.choices, allow_null=True
    )
    accepted = serializers.BooleanField()

    def to_representation(self, instance):
        # Groups a rubric leaves empty have no key: give them null.
        instance.groups = {
            g: instance.groups.get(g) for g in ("input", "proses", "output")
        }
        return super().to_representation(instance)


class ScoreSerializer(serializers.ModelSerializer):
    participant = VisibleRelatedField(
        rows=lambda user: selectors.participants_for(user=user)
    )
    criterion = VisibleRelatedField(
        rows=lambda user: CycleCriterion.objects.filter(
            cycle__in=selectors.cycles_for(user=user)
        )
    )
    evaluator = serializers.SerializerMethodField()

    class Meta:
        model = Score
        fields = [
            "id",
            "participant",
            "criterion",
            "evaluator",
            "value",
            "comment",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        validators = []

    def get_evaluator(self, score) -> str | None:
        # A PLKB reads their desa's scores after the close, as the page shows
        # them: without who gave which score.
        if _user(self).effective_role == Role.PLKB:
            return None
        return _name(score.evaluator)


class EvidenceSerializer(serializers.ModelSerializer):
    original_name = serializers.SerializerMethodField(
        help_text="The uploader's file name; bukti-<id>.<ext> for those who may not "
        "know the uploader."
    )
    uploaded_by = serializers.SerializerMethodField(
        help_text="Null for those who may not know the evaluators (a PLKB; another "
        "evaluator)."
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "participant",
            "criterion",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = fields

    def get_original_name(self, evidence) -> str:
        return selectors.evidence_shown_name(user=_user(self), evidence=evidence)

    def get_uploaded_by(self, evidence) -> str | None:
        if not selectors.evidence_uploader_visible(user=_user(self), evidence=evidence):
            return None
        return _name(evidence.uploaded_by)


class EvidenceUploadSerializer(serializers.Serializer):
    participant = VisibleRelatedField(
        rows=lambda user: selectors.participants_for(user=user)
    )
    criterion = VisibleRelatedField(
        rows=lambda user: CycleCriterion.objects.filter(
            cycle__in=selectors.cycles_for(user=user)
        ),
        required=False,
        allow_null=True,
    )
    file = serializers.FileField(
        help_text="PDF, JPEG or PNG, at most 5 MB; the type is read from the content."
    )


class AcceptSerializer(serializers.Serializer):
    effective_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Default: today. Not before the cycle's evaluation date.",
    )


class KrppaSerializer(serializers.Serializer):
    linked = serializers.BooleanField()
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )


class AwardSerializer(serializers.ModelSerializer):
    kampung = ScopedRelatedField(queryset=KampungKB.objects.all())
    cycle = VisibleRelatedField(
        rows=lambda user: selectors.cycles_for(user=user),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Award
        # The service gives the unique rule's own message (and the database holds it
        # under a race); DRF's generated check would make optional fields required.
        validators = []
        fields = [
            "id",
            "kampung",
            "level",
            "title",
            "rank",
            "year",
            "awarded_by",
            "cycle",
            "source",
            "illustrative_note",
        ]
        read_only_fields = ["illustrative_note"]


class AwardUpdateSerializer(AwardSerializer):
    kampung = serializers.PrimaryKeyRelatedField(read_only=True)
