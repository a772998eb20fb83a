"""REST API of evaluation cycles, rubrics, scores, evidence, results and awards.

Same rules as the pages: rows come from evaluations.selectors (an evaluator reads
what they are assigned, a PLKB their desa's results once a cycle is closed, others
by region: 404 outside), writes are checked with `require()` (403) and done by
evaluations.services (400 per field).
"""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from kampungkb.access import require
from kampungkb.api import ScopedViewSet
from kampungkb.models import Role
from villages.filters import WithinFilter, id_filter, year_filter

from . import serializers, services
from .models import (
    Award,
    AwardLevel,
    Cycle,
    CycleCriterion,
    CycleStatus,
    EvaluatorAssignment,
    Evidence,
    Participant,
    RubricCriterion,
    RubricTemplate,
    Score,
)
from .selectors import (
    cycle_results,
    cycles_for,
    evidence_for,
    evidence_shown_name,
    participants_for,
    scores_for,
    templates_for,
)


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(
        data=request.data, context={"request": request}, **kwargs
    )
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class VisibleViewSet(ScopedViewSet):
    """Rows from an evaluations selector instead of the region scope alone."""

    def get_queryset(self):
        return self.visible(self.request.user)

    def visible(self, user):
        raise NotImplementedError


def _require_template_editor(request, template):
    """Shared templates are the administrators'; a kab/kota's, its staff's."""
    require(request.user, "evaluation.manage")
    if template.region_id is None:
        if request.user.effective_role != Role.ADMIN:
            raise PermissionDenied
    else:
        require(request.user, "evaluation.manage", template.region)


def _require_cycle_manager(request, cycle):
    require(request.user, "evaluation.manage")
    require(request.user, "evaluation.manage", cycle.region)


# --- Rubric templates -------------------------------------------------------------


class TemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Rubric templates: criteria in the input, proses and output groups.

    Shared templates (no region, e.g. the BKKBN default) are changed by
    administrators; a kab/kota's copies by its staff.
    """

    queryset = RubricTemplate.objects.prefetch_related("criteria")
    serializer_class = serializers.TemplateSerializer

    def visible(self, user):
        return templates_for(user=user).prefetch_related("criteria")

    def partial_update(self, request, pk=None):
        """Change the name, description or group weights."""
        template = self.get_object()
        _require_template_editor(request, template)
        data = _valid(self.get_serializer_class(), request, partial=True)
        for name, value in data.items():
            setattr(template, name, value)
        services.template_save(template=template)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        request=serializers.TemplateCopySerializer,
        responses={201: serializers.TemplateSerializer},
    )
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """Copy a template for a kabupaten/kota to adjust."""
        require(request.user, "evaluation.manage")
        template = self.get_object()
        data = _valid(serializers.TemplateCopySerializer, request)
        require(request.user, "evaluation.manage", data["region"])
        copy = services.template_copy(template=template, **data)
        return Response(self.get_serializer(copy).data, status=status.HTTP_201_CREATED)


class CriterionFilter(filters.FilterSet):
    template = id_filter("template")

    class Meta:
        model = RubricCriterion
        fields = []


class CriterionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet
):
    """Criteria of rubric templates (a cycle's own copies: /evaluation-criteria/)."""

    queryset = RubricCriterion.objects.all()
    serializer_class = serializers.CriterionSerializer
    filterset_class = CriterionFilter

    def visible(self, user):
        return RubricCriterion.objects.filter(template__in=templates_for(user=user))

    def get_serializer_class(self):
        if self.action == "partial_update":
            return serializers.CriterionUpdateSerializer
        return self.serializer_class

    def create(self, request):
        require(request.user, "evaluation.manage")
        data = _valid(self.get_serializer_class(), request)
        _require_template_editor(request, data["template"])
        criterion = services.criterion_save(criterion=RubricCriterion(), **data)
        return Response(self.get_serializer(criterion).data, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        criterion = self.get_object()
        _require_template_editor(request, criterion.template)
        data = _valid(self.get_serializer_class(), request, partial=True)
        criterion = services.criterion_save(criterion=criterion, **data)
        return Response(self.get_serializer(criterion).data)

    def destroy(self, request, pk=None):
        criterion = self.get_object()
        _require_template_editor(request, criterion.template)
        services.criterion_delete(criterion=criterion)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Cycles -----------------------------------------------------------------------


class CycleFilter(filters.FilterSet):
    region = WithinFilter(field_name="region__code")
    year = year_filter("year", lookup_expr="exact")
    status = filters.ChoiceFilter(choices=CycleStatus.choices)

    class Meta:
        model = Cycle
        fields = []


class CycleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Evaluation cycles: draft, open for scoring, closed (results final)."""

    queryset = Cycle.objects.all()
    serializer_class = serializers.CycleSerializer
    filterset_class = CycleFilter

    def visible(self, user):
        return cycles_for(user=user)

    def _answer(self, cycle, code=status.HTTP_200_OK):
        return Response(
            serializers.CycleSerializer(
                Cycle.objects.get(pk=cycle.pk), context={"request": self.request}
            ).data,
            status=code,
        )

    @extend_schema(
        request=serializers.CycleCreateSerializer,
        responses={201: serializers.CycleSerializer},
    )
    def create(self, request):
        """Create a draft cycle (default participants: every active Kampung KB)."""
        require(request.user, "evaluation.manage")
        data = _valid(serializers.CycleCreateSerializer, request)
        require(request.user, "evaluation.manage", data["region"])
        cycle = services.cycle_create(created_by=request.user, **data)
        return self._answer(cycle, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.CycleUpdateSerializer,
        responses=serializers.CycleSerializer,
    )
    def partial_update(self, request, pk=None):
        """Change details; what the status has fixed is refused (400)."""
        cycle = self.get_object()
        _require_cycle_manager(request, cycle)
        data = _valid(serializers.CycleUpdateSerializer, request, partial=True)
        return self._answer(services.cycle_update(cycle=cycle, **data))

    @extend_schema(request=None, responses=serializers.CycleSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        """Open scoring: the template's criteria are copied into the cycle."""
        cycle = self.get_object()
        _require_cycle_manager(request, cycle)
        return self._answer(services.cycle_open(cycle=cycle))

    @extend_schema(request=None, responses=serializers.CycleSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the cycle: scores lock and results become final."""
        cycle = self.get_object()
        _require_cycle_manager(request, cycle)
        return self._answer(services.cycle_close(cycle=cycle, closed_by=request.user))

    @extend_schema(
        request=serializers.ParticipantsSetSerializer,
        responses=serializers.CycleSerializer,
    )
    @action(detail=True, methods=["post"])
    def participants(self, request, pk=None):
        """Set the Kampung KB taking part, while the cycle is a draft."""
        cycle = self.get_object()
        _require_cycle_manager(request, cycle)
        data = _valid(serializers.ParticipantsSetSerializer, request)
        return self._answer(services.cycle_participants_set(cycle=cycle, **data))

    @extend_schema(
        request=serializers.EvaluatorAssignSerializer,
        responses=serializers.EvaluatorKampungsSerializer,
    )
    @action(detail=True, methods=["post"])
    def evaluators(self, request, pk=None):
        """Assign an evaluator the Kampung KB they score (replaces their list)."""
        cycle = self.get_object()
        _require_cycle_manager(request, cycle)
        data = _valid(serializers.EvaluatorAssignSerializer, request)
        services.evaluator_assign(
            cycle=cycle, evaluator=data["evaluator"], kampungs=data.get("kampungs")
        )
        kampungs = EvaluatorAssignment.objects.filter(
            participant__cycle=cycle, evaluator=data["evaluator"]
        ).values_list("participant__kampung", flat=True)
        return Response(
            {
                "evaluator": data["evaluator"].get_username(),
                "kampungs": sorted(kampungs),
            }
        )

    @extend_schema(responses=serializers.ResultSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def results(self, request, pk=None):
        """Totals, group scores, rank, eligibility and suggested level (see the
        results page for the formula). Evaluators score; they do not get results."""
        cycle = self.get_object()
        if request.user.effective_role == Role.EVALUATOR:
            raise PermissionDenied
        visible = set(
            participants_for(user=request.user, cycle=cycle).values_list(
                "pk", flat=True
            )
        )
        rows = [r for r in cycle_results(cycle=cycle) if r.participant.pk in visible]
        return Response(serializers.ResultSerializer(rows, many=True).data)


class CycleCriterionFilter(filters.FilterSet):
    cycle = id_filter("cycle")

    class Meta:
        model = CycleCriterion
        fields = []


class CycleCriterionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet
):
    """A cycle's rubric as copied when scoring opened; never changed after."""

    queryset = CycleCriterion.objects.all()
    serializer_class = serializers.CycleCriterionSerializer
    filterset_class = CycleCriterionFilter

    def visible(self, user):
        return CycleCriterion.objects.filter(cycle__in=cycles_for(user=user))


# --- Participants, scores, evidence -----------------------------------------------


class ParticipantFilter(filters.FilterSet):
    cycle = id_filter("cycle")
    kampung = id_filter("kampung")
    region = WithinFilter(field_name="kampung__region__code")

    class Meta:
        model = Participant
        fields = []


class ParticipantViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet
):
    """The Kampung KB taking part in each cycle."""

    queryset = Participant.objects.all()
    serializer_class = serializers.ParticipantSerializer
    filterset_class = ParticipantFilter

    def visible(self, user):
        return participants_for(user=user).select_related("kampung")

    @extend_schema(
        request=serializers.AcceptSerializer,
        responses=serializers.ParticipantSerializer,
    )
    @action(detail=True, methods=["post"], url_path="accept-suggestion")
    def accept_suggestion(self, request, pk=None):
        """Write the level the closed cycle's score suggests into the history."""
        participant = self.get_object()
        _require_cycle_manager(request, participant.cycle)
        data = _valid(serializers.AcceptSerializer, request)
        services.suggestion_accept(
            participant=participant,
            accepted_by=request.user,
            effective_on=data.get("effective_on"),
        )
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        request=serializers.KrppaSerializer,
        responses=serializers.ParticipantSerializer,
    )
    @action(detail=True, methods=["post"])
    def krppa(self, request, pk=None):
        """Record whether the Kampung KB is linked to KRPPA (also on its profile)."""
        participant = self.get_object()
        _require_cycle_manager(request, participant.cycle)
        data = _valid(serializers.KrppaSerializer, request)
        services.krppa_record(participant=participant, **data)
        return Response(self.get_serializer(self.get_object()).data)


class ScoreFilter(filters.FilterSet):
    cycle = id_filter("participant__cycle")
    participant = id_filter("participant")
    criterion = id_filter("criterion")

    class Meta:
        model = Score
        fields = []


class ScoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Scores: an evaluator sees and writes their own, for what they are assigned."""

    queryset = Score.objects.all()
    serializer_class = serializers.ScoreSerializer
    filterset_class = ScoreFilter

    def visible(self, user):
        return scores_for(user=user).select_related("evaluator")

    @extend_schema(
        responses={
            201: serializers.ScoreSerializer,
            200: serializers.ScoreSerializer,
        }
    )
    def create(self, request):
        """Score a criterion of a Kampung KB: 201 if new, 200 if it replaced yours.

        Only while the cycle is open (400 after), only if assigned (403)."""
        require(request.user, "evaluation.score")
        data = _valid(self.get_serializer_class(), request)
        existed = Score.objects.filter(
            participant=data["participant"],
            criterion=data["criterion"],
            evaluator=request.user,
        ).exists()
        score = services.score_save(
            participant=data["participant"],
            criterion=data["criterion"],
            evaluator=request.user,
            value=data["value"],
            comment=data.get("comment", ""),
        )
        return Response(
            self.get_serializer(score).data,
            status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class EvidenceFilter(filters.FilterSet):
    participant = id_filter("participant")
    cycle = id_filter("participant__cycle")

    class Meta:
        model = Evidence
        fields = []


class AnyAccept(BaseContentNegotiation):
    """A file download answers with the file's own type, whatever was asked."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class EvidenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Evidence files attached by evaluators: listed here, downloaded via /download/."""

    queryset = Evidence.objects.all()
    serializer_class = serializers.EvidenceSerializer
    filterset_class = EvidenceFilter
    parser_classes = [MultiPartParser]

    def visible(self, user):
        return evidence_for(user=user).select_related("uploaded_by")

    @extend_schema(
        request={"multipart/form-data": serializers.EvidenceUploadSerializer},
        responses={201: serializers.EvidenceSerializer},
    )
    def create(self, request):
        """Upload a PDF, JPEG or PNG (at most 5 MB) while the cycle is open."""
        require(request.user, "evaluation.score")
        data = _valid(serializers.EvidenceUploadSerializer, request)
        evidence = services.evidence_add(
            participant=data["participant"],
            uploaded_by=request.user,
            file=data["file"],
            criterion=data.get("criterion"),
        )
        return Response(self.get_serializer(evidence).data, status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        """Remove your own file while the cycle is open."""
        require(request.user, "evaluation.score")
        services.evidence_delete(evidence=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
        }
    )
    @action(
        detail=True,
        methods=["get"],
        filterset_class=None,
        content_negotiation_class=AnyAccept,
    )
    def download(self, request, pk=None):
        """The file itself, only for those who may open the Kampung KB's evaluation."""
        evidence = self.get_object()
        response = FileResponse(
            evidence.file.open("rb"),
            content_type=evidence.content_type,
            as_attachment=True,
            filename=evidence_shown_name(user=request.user, evidence=evidence),
        )
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


# --- Awards -----------------------------------------------------------------------


class AwardFilter(filters.FilterSet):
    kampung = id_filter("kampung")
    region = WithinFilter(field_name="kampung__region__code")
    level = filters.ChoiceFilter(choices=AwardLevel.choices)
    year = year_filter("year", lookup_expr="exact")
    cycle = id_filter("cycle")

    class Meta:
        model = Award
        fields = []


class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Prizes Kampung KB won at kab/kota, province or national level."""

    queryset = Award.objects.all()
    serializer_class = serializers.AwardSerializer
    filterset_class = AwardFilter

    def get_serializer_class(self):
        if self.action == "partial_update":
            return serializers.AwardUpdateSerializer
        return self.serializer_class

    def create(self, request):
        require(request.user, "evaluation.manage")
        data = _valid(self.get_serializer_class(), request)
        require(request.user, "evaluation.manage", data["kampung"].region)
        award = services.award_record(**data)
        return Response(self.get_serializer(award).data, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        award = self.get_object()
        self.require_writable(award, "evaluation.manage")
        data = _valid(self.get_serializer_class(), request, partial=True)
        award = services.award_update(award=award, **data)
        return Response(self.get_serializer(award).data)

    def destroy(self, request, pk=None):
        award = self.get_object()
        self.require_writable(award, "evaluation.manage")
        services.award_delete(award=award)
        return Response(status=status.HTTP_204_NO_CONTENT)
