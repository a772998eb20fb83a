"""REST API of children, measurements, reported prevalence, Dashat and case audits.

Same scope and roles as the pages (kampungkb.access): rows come through `scoped()`
(404 outside the read scope), every write is checked with `require()` against the
role and the region (403), then done by a service (400 per field). Personal fields
are withheld in stunting.serializers.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from kampungkb.access import require
from kampungkb.api import KeysetPagination, ScopedViewSet
from villages.filters import IntegerFilter, WithinFilter, id_filter, year_filter

from . import serializers, services
from .filters import ChildFilter, MeasurementFilter
from .models import (
    AuditStatus,
    BeneficiaryCategory,
    CaseAudit,
    Child,
    Dashat,
    DashatBeneficiary,
    DashatSession,
    DashatStatus,
    Measurement,
    NikLookupSource,
    PrevalenceSource,
    ReportedPrevalence,
)
from .selectors import (
    MEASUREMENT_LIST_KEYS,
    child_list,
    child_list_keys,
    measurement_list,
)


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(
        data=request.data, context={"request": request}, **kwargs
    )
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PrevalenceFilter(filters.FilterSet):
    region = WithinFilter(field_name="region__code")
    source = filters.ChoiceFilter(choices=PrevalenceSource.choices)
    year = year_filter("year", lookup_expr="exact")

    class Meta:
        model = ReportedPrevalence
        fields = []


class DashatFilter(filters.FilterSet):
    kampung = id_filter("kampung")
    region = WithinFilter(field_name="kampung__region__code")
    status = filters.ChoiceFilter(choices=DashatStatus.choices)

    class Meta:
        model = Dashat
        fields = []


class BeneficiaryFilter(filters.FilterSet):
    dashat = id_filter("dashat")
    region = WithinFilter(field_name="dashat__kampung__region__code")
    category = filters.ChoiceFilter(choices=BeneficiaryCategory.choices)
    child = id_filter("child")

    class Meta:
        model = DashatBeneficiary
        fields = []


class SessionFilter(filters.FilterSet):
    dashat = id_filter("dashat")
    region = WithinFilter(field_name="dashat__kampung__region__code")
    year = year_filter("date")
    month = IntegerFilter(
        field_name="date", lookup_expr="month", min_value=1, max_value=12
    )

    class Meta:
        model = DashatSession
        fields = []


class AuditFilter(filters.FilterSet):
    child = id_filter("child")
    region = WithinFilter(field_name="child__region__code")
    status = filters.ChoiceFilter(choices=AuditStatus.choices)

    class Meta:
        model = CaseAudit
        fields = []


class ListReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    def _answer(self, obj, code=status.HTTP_200_OK):
        # Read back through the scoped queryset, with what the serializer joins.
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(fresh).data, status=code)


class ChildViewSet(ListReadViewSet):
    """Children under five; names and birth dates only where you may see them.

    Paged by cursor in the order of the children page: by desa, then id (the
    order of a list must not give names away).
    """

    queryset = Child.objects.all()
    serializer_class = serializers.ChildSerializer
    filterset_class = ChildFilter
    pagination_class = KeysetPagination

    def get_queryset(self):
        return child_list(queryset=super().get_queryset(), user=self.request.user)

    def keyset_keys(self):
        return child_list_keys(user=self.request.user)

    @extend_schema(
        responses={
            201: serializers.ChildSerializer,
            200: serializers.ChildSerializer,
        }
    )
    def create(self, request):
        """Register a child: 201, or 200 with the child already registered."""
        require(request.user, "child.change")
        data = _valid(self.get_serializer_class(), request)
        require(request.user, "child.change", data["region"])
        started = timezone.now()
        # A NIK registered where the user cannot read is refused (and counted).
        child = services.child_register(
            **data, user=request.user, source=NikLookupSource.API
        )
        created = child.created_at >= started
        return self._answer(
            child, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class MeasurementViewSet(ListReadViewSet):
    """Measurements with their WHO z-scores, computed when recorded.

    Paged by cursor, by desa, child and date.
    """

    queryset = Measurement.objects.all()
    serializer_class = serializers.MeasurementSerializer
    filterset_class = MeasurementFilter
    pagination_class = KeysetPagination

    def get_queryset(self):
        return measurement_list(queryset=super().get_queryset(), user=self.request.user)

    def keyset_keys(self):
        return MEASUREMENT_LIST_KEYS

    @extend_schema(
        request=serializers.MeasurementCreateSerializer,
        responses={201: serializers.MeasurementSerializer},
    )
    def create(self, request):
        """Record a measurement; the z-scores and classes are computed from it."""
        require(request.user, "measurement.add")
        data = _valid(serializers.MeasurementCreateSerializer, request)
        require(request.user, "measurement.add", data["child"].region)
        measurement = services.measurement_record(entered_by=request.user, **data)
        return self._answer(measurement, status.HTTP_201_CREATED)


class WritableViewSet(ListReadViewSet):
    """Create, change and delete rows whose region comes from `parent_field`."""

    write_action: str
    parent_field: str
    # The row's parent cannot change: it decides where the row is and who sees it.
    fixed_parent = True

    def region_of(self, parent):
        raise NotImplementedError

    def save(self, *, instance, data):
        raise NotImplementedError

    def create(self, request):
        require(request.user, self.write_action)
        data = _valid(self.get_serializer_class(), request)
        require(
            request.user, self.write_action, self.region_of(data[self.parent_field])
        )
        return self._answer(
            self.save(instance=None, data=data), status.HTTP_201_CREATED
        )

    def partial_update(self, request, pk=None):
        instance = self.get_object()
        self.require_writable(instance, self.write_action)
        data = _valid(self.get_serializer_class(), request, partial=True)
        parent = data.get(self.parent_field)
        if parent is not None and parent != getattr(instance, self.parent_field):
            if self.fixed_parent:
                raise ValidationError(
                    {self.parent_field: _("Tidak dapat dipindahkan; buat data baru.")}
                )
            require(request.user, self.write_action, self.region_of(parent))
        return self._answer(self.save(instance=instance, data=data))


class DeletableViewSet(WritableViewSet):
    """Also deletes a row entered by mistake."""

    def remove(self, instance):
        raise NotImplementedError

    def destroy(self, request, pk=None):
        instance = self.get_object()
        self.require_writable(instance, self.write_action)
        self.remove(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _current(instance, names, data):
    """The row's values, with what a PATCH sent on top."""
    return {**{name: getattr(instance, name) for name in names}, **data}


class ReportedPrevalenceViewSet(DeletableViewSet):
    """Prevalence figures published by surveys and agencies, each with its source."""

    queryset = ReportedPrevalence.objects.select_related("region")
    serializer_class = serializers.ReportedPrevalenceSerializer
    filterset_class = PrevalenceFilter
    write_action = "prevalence.change"
    parent_field = "region"
    fixed_parent = False

    def region_of(self, parent):
        return parent

    def save(self, *, instance, data):
        if instance is not None:
            data = _current(
                instance,
                (
                    "region",
                    "year",
                    "source",
                    "value_percent",
                    "numerator",
                    "denominator",
                    "citation",
                    "note",
                ),
                data,
            )
        return services.reported_prevalence_save(prevalence=instance, **data)

    def remove(self, instance):
        services.reported_prevalence_delete(prevalence=instance)


class DashatViewSet(WritableViewSet):
    """Dashat kitchens of the Kampung KB. Not deleted: set the status to inactive."""

    queryset = Dashat.objects.select_related("kampung__region")
    serializer_class = serializers.DashatSerializer
    filterset_class = DashatFilter
    write_action = "dashat.change"
    parent_field = "kampung"

    def region_of(self, parent):
        return parent.region

    def save(self, *, instance, data):
        if instance is not None:
            data = _current(
                instance,
                ("kampung", "name", "formed_on", "status", "place", "funding_source"),
                data,
            )
        return services.dashat_save(dashat=instance, **data)


class BeneficiaryViewSet(DeletableViewSet):
    """People receiving Dashat meals, followed for six months."""

    queryset = DashatBeneficiary.objects.select_related("dashat__kampung__region")
    serializer_class = serializers.BeneficiarySerializer
    filterset_class = BeneficiaryFilter
    write_action = "dashat.change"
    parent_field = "dashat"

    def region_of(self, parent):
        return parent.kampung.region

    def save(self, *, instance, data):
        if instance is None:
            return services.beneficiary_enrol(**data)
        data.pop("dashat", None)
        return services.beneficiary_update(
            beneficiary=instance,
            **_current(
                instance,
                ("category", "name", "child", "start_on", "follow_up_end"),
                data,
            ),
        )

    def remove(self, instance):
        services.beneficiary_delete(beneficiary=instance)


class SessionViewSet(DeletableViewSet):
    """Days of cooking and serving at a Dashat, with who came."""

    queryset = DashatSession.objects.select_related(
        "dashat__kampung__region"
    ).prefetch_related("beneficiaries_present")
    serializer_class = serializers.SessionSerializer
    filterset_class = SessionFilter
    write_action = "dashat.change"
    parent_field = "dashat"

    def region_of(self, parent):
        return parent.kampung.region

    def save(self, *, instance, data):
        if instance is not None:
            data = _current(instance, ("dashat", "date", "menu", "portions"), data)
            data.setdefault(
                "beneficiaries_present", list(instance.beneficiaries_present.all())
            )
        return services.session_record(session=instance, **data)

    def remove(self, instance):
        services.session_delete(session=instance)


class CaseAuditViewSet(DeletableViewSet):
    """Audits of why a child is stunted, and what is done about it."""

    queryset = CaseAudit.objects.select_related("child__region")
    serializer_class = serializers.CaseAuditSerializer
    filterset_class = AuditFilter
    write_action = "audit.change"
    parent_field = "child"

    def region_of(self, parent):
        return parent.region

    def save(self, *, instance, data):
        if instance is not None:
            data = _current(
                instance,
                (
                    "child",
                    "audited_on",
                    "causes",
                    "interventions",
                    "status",
                    "next_follow_up_on",
                    "closed_on",
                    "notes",
                ),
                data,
            )
        return services.audit_save(audit=instance, **data)

    def remove(self, instance):
        services.audit_delete(audit=instance)
