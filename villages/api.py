"""REST API of the regions and the Kampung KB registry.

Same scope and roles as the pages (kampungkb.access): reads through `scoped()`, every
write checked with `require()` against the role and the region, then done by a
service. A Kampung KB is never deleted, only deactivated.
"""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from kampungkb.access import require, scoped
from kampungkb.api import ErrorSerializer, ScopedViewSet

from . import filters, serializers
from .models import (
    Classification,
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
from .register import register_import
from .services import (
    activity_record,
    kampung_classify,
    kampung_create,
    kampung_deactivate,
    kampung_part_delete,
    kampung_part_save,
    kampung_update,
    launch_delete,
    launch_record,
    launch_update,
    officer_assign,
    officer_unassign,
    proposal_create,
    proposal_decide,
    target_delete,
    target_set,
)

LAUNCH_UPDATE_FIELDS = (
    "date",
    "organizer",
    "place",
    "officials",
    "notes",
    "source",
    "source_url",
)


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(
        data=request.data, context={"request": request}, **kwargs
    )
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class RegionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Regions you may read: provinsi, kabupaten/kota, kecamatan, desa/kelurahan."""

    queryset = Region.objects.all()
    serializer_class = serializers.RegionSerializer
    filterset_class = filters.RegionFilter
    lookup_field = "code"

    def get_object(self):
        # Codes are digits and dots; anything else (even a NUL byte, which
        # PostgreSQL refuses in a query) names no region.
        if not self.kwargs["code"].replace(".", "").isdigit():
            raise Http404
        return super().get_object()


class KampungViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Kampung KB with their current classification. Never deleted: deactivate it."""

    queryset = KampungKB.objects.with_current_level().select_related("region")
    serializer_class = serializers.KampungSerializer
    filterset_class = filters.KampungFilter

    def _answer(self, kampung, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=kampung.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        request=serializers.KampungCreateSerializer,
        responses={201: serializers.KampungSerializer},
    )
    def create(self, request):
        # The role first: a pimpinan gets 403 whatever they send.
        require(request.user, "kampung.add")
        data = _valid(serializers.KampungCreateSerializer, request)
        require(request.user, "kampung.add", data["region"])
        return self._answer(kampung_create(**data), status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.KampungUpdateSerializer,
        responses={
            200: serializers.KampungSerializer,
            409: OpenApiResponse(
                ErrorSerializer, description="Someone saved it since you read it"
            ),
        },
    )
    def partial_update(self, request, pk=None):
        """Change profile and readiness; send the `version` you read (409 if stale)."""
        kampung = self.get_object()
        self.require_writable(kampung, "kampung.change")
        data = _valid(
            serializers.KampungUpdateSerializer, request, partial=True, instance=kampung
        )
        version = data.pop("version")
        kampung_update(
            kampung=kampung, expected_version=version, changed_by=request.user, **data
        )
        return self._answer(kampung)

    @extend_schema(
        request={"multipart/form-data": serializers.RegisterImportSerializer},
        responses={
            200: serializers.RegisterReportSerializer,
            422: OpenApiResponse(
                serializers.RegisterReportSerializer,
                description="Problems found; nothing saved (all or nothing)",
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser],
    )
    def register_import(self, request):
        """Import the register (template at /kampung/impor/templat.xlsx); the report."""
        require(request.user, "kampung.add")
        data = _valid(serializers.RegisterImportSerializer, request)
        upload = data["file"]
        report = register_import(
            user=request.user,
            data=upload.read(),
            file_name=upload.name,
            save_valid_only=data["save_valid_only"],
        )
        refused = report.problems and not data["save_valid_only"]
        return Response(
            report.as_dict(),
            # 422, not 400: the request was well formed, the file's rows were not.
            status=status.HTTP_422_UNPROCESSABLE_ENTITY
            if refused
            else status.HTTP_200_OK,
        )

    @extend_schema(
        request=serializers.KampungDeactivateSerializer,
        responses=serializers.KampungSerializer,
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Mark the Kampung KB inactive; its records stay."""
        kampung = self.get_object()
        self.require_writable(kampung, "kampung.deactivate")
        data = _valid(serializers.KampungDeactivateSerializer, request)
        kampung_deactivate(
            kampung=kampung,
            on=data["deactivated_on"],
            reason=data["deactivation_reason"],
        )
        return self._answer(kampung)


class ClassificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Classification history; the latest entry of a Kampung KB is its level."""

    queryset = Classification.objects.all()
    serializer_class = serializers.ClassificationSerializer
    filterset_class = filters.ClassificationFilter

    def create(self, request):
        require(request.user, "classification.add")
        data = _valid(self.get_serializer_class(), request)
        require(request.user, "classification.add", data["kampung"].region)
        entry = kampung_classify(**data)
        return Response(self.get_serializer(entry).data, status.HTTP_201_CREATED)


class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """A PLKB's proposals of a new level, which staff approve or reject."""

    queryset = ClassificationProposal.objects.select_related(
        "proposed_by", "decided_by"
    )
    serializer_class = serializers.ProposalSerializer
    filterset_class = filters.ProposalFilter

    def create(self, request):
        require(request.user, "proposal.add")
        data = _valid(self.get_serializer_class(), request)
        require(request.user, "proposal.add", data["kampung"].region)
        proposal = proposal_create(proposed_by=request.user, **data)
        return Response(self.get_serializer(proposal).data, status.HTTP_201_CREATED)

    def _decide(self, request, *, approve):
        proposal = self.get_object()
        self.require_writable(proposal, "proposal.decide")
        data = _valid(serializers.ProposalDecisionSerializer, request)
        proposal = proposal_decide(
            proposal=proposal,
            approve=approve,
            decided_by=request.user,
            note=data["decision_note"],
        )
        return Response(self.get_serializer(proposal).data)

    @extend_schema(
        request=serializers.ProposalDecisionSerializer,
        responses=serializers.ProposalSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve: the level enters the classification history."""
        return self._decide(request, approve=True)

    @extend_schema(
        request=serializers.ProposalDecisionSerializer,
        responses=serializers.ProposalSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject, with the reason in `decision_note`."""
        return self._decide(request, approve=False)


class KampungPartViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Rows of a Kampung KB's profile; each write is an edit of the Kampung KB."""

    write_action: str
    update_serializer_class: type

    def get_serializer_class(self):
        if self.action == "partial_update":
            return self.update_serializer_class
        return self.serializer_class

    def create(self, request):
        require(request.user, self.write_action)
        data = _valid(self.get_serializer_class(), request)
        require(request.user, self.write_action, data["kampung"].region)
        part = kampung_part_save(part=self.queryset.model(), **data)
        return Response(self.get_serializer(part).data, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        part = self.get_object()
        self.require_writable(part, self.write_action)
        data = _valid(self.get_serializer_class(), request, partial=True)
        part = kampung_part_save(part=part, **data)
        return Response(self.get_serializer(part).data)

    def destroy(self, request, pk=None):
        part = self.get_object()
        self.require_writable(part, self.write_action)
        kampung_part_delete(part=part)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Activities held at each Kampung KB (counselling, meetings), latest first."""

    queryset = KampungActivity.objects.select_related("recorded_by").order_by(
        "-held_on", "-id"
    )
    serializer_class = serializers.ActivitySerializer
    filterset_class = filters.ActivityFilter

    def create(self, request):
        require(request.user, "kampung.change")
        data = _valid(serializers.ActivitySerializer, request)
        require(request.user, "kampung.change", data["kampung"].region)
        activity = activity_record(recorded_by=request.user, **data)
        return Response(self.get_serializer(activity).data, status.HTTP_201_CREATED)


class PokjaViewSet(KampungPartViewSet):
    """Officers and seksi chairs of each Kampung KB's Pokja."""

    queryset = PokjaMember.objects.all()
    serializer_class = serializers.PokjaMemberSerializer
    update_serializer_class = serializers.PokjaMemberUpdateSerializer
    filterset_class = filters.PokjaFilter
    write_action = "pokja.change"


class ProgramViewSet(KampungPartViewSet):
    """Programs of agencies and partners integrated in each Kampung KB."""

    queryset = ProgramIntegration.objects.all()
    serializer_class = serializers.ProgramSerializer
    update_serializer_class = serializers.ProgramUpdateSerializer
    filterset_class = filters.ProgramFilter
    write_action = "program.change"


class LaunchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Launch ceremonies (pencanangan) and the Kampung KB launched at each.

    Readable where organised or where a launched Kampung KB lies; changed by staff
    of the organising region.
    """

    queryset = LaunchEvent.objects.prefetch_related(
        Prefetch("kampungs", queryset=KampungKB.objects.only("id", "region"))
    )
    serializer_class = serializers.LaunchSerializer
    filterset_class = filters.LaunchFilter

    def create(self, request):
        require(request.user, "launch.change")
        data = _valid(self.get_serializer_class(), request)
        require(request.user, "launch.change", data["organizer"])
        event = launch_record(**{"kampungs": [], **data})
        return Response(self.get_serializer(event).data, status.HTTP_201_CREATED)

    def get_serializer_class(self):
        if self.action == "partial_update":
            return serializers.LaunchUpdateSerializer
        return self.serializer_class

    def partial_update(self, request, pk=None):
        event = self.get_object()
        self.require_writable(event, "launch.change")
        data = _valid(self.get_serializer_class(), request, partial=True)
        if "organizer" in data:
            require(request.user, "launch.change", data["organizer"])
        # launch_update replaces the whole record: what PATCH leaves out stays.
        current = {name: getattr(event, name) for name in LAUNCH_UPDATE_FIELDS}
        current["kampungs"] = list(event.kampungs.all())
        if "kampungs" in data:
            # The editor cannot see Kampung KB outside their regions; those stay.
            writable = scoped(KampungKB.objects, request.user, write=True)
            kept = event.kampungs.exclude(pk__in=writable.values("pk"))
            data["kampungs"] = [*data["kampungs"], *kept]
        event = launch_update(event=event, **{**current, **data})
        return Response(self.get_serializer(event).data)

    def destroy(self, request, pk=None):
        event = self.get_object()
        self.require_writable(event, "launch.change")
        launch_delete(event=event)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TargetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Yearly targets of new Kampung KB per kabupaten/kota."""

    queryset = FormationTarget.objects.all()
    serializer_class = serializers.TargetSerializer
    filterset_class = filters.TargetFilter

    def get_serializer_class(self):
        if self.action == "partial_update":
            return serializers.TargetUpdateSerializer
        return self.serializer_class

    @extend_schema(
        responses={
            201: serializers.TargetSerializer,
            200: serializers.TargetSerializer,
        }
    )
    def create(self, request):
        """Set the target of a kabupaten/kota and year: 201 if new, 200 if replaced."""
        require(request.user, "target.change")
        data = _valid(self.get_serializer_class(), request)
        require(request.user, "target.change", data["region"])
        replaced = FormationTarget.objects.filter(
            region=data["region"], year=data["year"]
        ).exists()
        target = target_set(**data)
        return Response(
            self.get_serializer(target).data,
            status.HTTP_200_OK if replaced else status.HTTP_201_CREATED,
        )

    def partial_update(self, request, pk=None):
        target = self.get_object()
        self.require_writable(target, "target.change")
        data = _valid(self.get_serializer_class(), request, partial=True)
        target = target_set(
            region=target.region,
            year=target.year,
            new_count=data.get("new_count", target.new_count),
            source=data.get("source", target.source),
        )
        return Response(self.get_serializer(target).data)

    def destroy(self, request, pk=None):
        target = self.get_object()
        self.require_writable(target, "target.change")
        target_delete(target=target)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OfficerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """PLKB/PKB field officers assigned in your regions."""

    queryset = FieldOfficer.objects.prefetch_related("regions")
    serializer_class = serializers.OfficerSerializer
    filterset_class = filters.OfficerFilter


class AssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Which desa/kelurahan each PLKB/PKB accompanies."""

    queryset = OfficerAssignment.objects.all()
    serializer_class = serializers.AssignmentSerializer
    filterset_class = filters.AssignmentFilter

    @extend_schema(
        responses={
            201: serializers.AssignmentSerializer,
            200: serializers.AssignmentSerializer,
        }
    )
    def create(self, request):
        """Assign an officer to a desa/kelurahan: 201, or 200 if already assigned."""
        require(request.user, "assignment.change")
        data = _valid(self.get_serializer_class(), request)
        require(request.user, "assignment.change", data["region"])
        existed = OfficerAssignment.objects.filter(
            officer=data["officer"], region=data["region"]
        ).exists()
        assignment = officer_assign(**data)
        return Response(
            self.get_serializer(assignment).data,
            status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    def destroy(self, request, pk=None):
        assignment = self.get_object()
        self.require_writable(assignment, "assignment.change")
        officer_unassign(assignment=assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)
