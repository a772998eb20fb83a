"""Read-only API of the dashboards: a region's snapshot figures, as on its page.

The same scope as the pages: a region outside the user's read scope does not exist
(404); the country (code ID) is read by those without a region restriction.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response
from rest_framework.views import APIView

from kampungkb.access import require
from kampungkb.api import ErrorSerializer, ScopedViewSet

from . import selectors, services
from .board import Board, readable_place
from .indicators import INDICATORS
from .reports import at_year, value_of
from .serializers import (
    DashboardQuerySerializer,
    DashboardSerializer,
    RefreshRequestSerializer,
    RefreshRunSerializer,
)


def _values(figures, level, computed):
    return {
        i.code: value_of(figures, i, level=level, computed=computed) for i in INDICATORS
    }


class DashboardView(APIView):
    """A region's indicators for a year: KPIs with the year before, and child rows."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "code",
                str,
                OpenApiParameter.PATH,
                description="Region code (e.g. 33.75), or ID for the whole country.",
            ),
            DashboardQuerySerializer,
        ],
        responses=DashboardSerializer,
    )
    def get(self, request, code):
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        place = readable_place(user=request.user, code=code)
        board = Board(
            user=request.user, place=place, year=query.validated_data.get("tahun")
        )
        data = {
            "region": place,
            "year": board.year,
            "years": board.years,
            "data_as_of": board.as_of,
            "indicators": [
                {"code": i.code, "name": i.name, "unit": i.unit} for i in INDICATORS
            ],
            "kpis": [
                {
                    "indicator": k.indicator.code,
                    "name": k.indicator.name,
                    "unit": k.indicator.unit,
                    "year": k.year,
                    "value": k.value,
                    "previous": k.previous,
                    "change": k.change,
                    "numerator": k.numerator,
                    "denominator": k.denominator,
                    "too_small": k.small,
                }
                for k in board.kpis
            ],
            "values": _values(
                at_year(board.series, board.year), place.level, board.computed
            ),
            "children": [
                {
                    "code": child.code,
                    "name": child.label,
                    "level": child.level,
                    "values": _values(
                        board.child_figures.get(child.code, {}),
                        child.level,
                        board.computed,
                    ),
                }
                for child in board.children
            ],
        }
        return Response(DashboardSerializer(data).data)


class RefreshRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Indicator refreshes, for those who may ask for one: the runs of regions
    within their scope (404 for others), and a new one for a region they manage."""

    serializer_class = RefreshRunSerializer

    def check_permissions(self, request):
        super().check_permissions(request)
        require(request.user, "indicator.refresh")

    def get_queryset(self):
        return selectors.refresh_runs_for(user=self.request.user).select_related(
            "requested_by"
        )

    @extend_schema(
        request=RefreshRequestSerializer,
        responses={
            201: RefreshRunSerializer,
            200: RefreshRunSerializer,
            202: ErrorSerializer,
        },
    )
    def create(self, request):
        """Queue a refresh of a region's figures: 201 with the new run, 200 with the
        run already queued or running that covers it (never a second one), or 202
        when that is a wider run (the country's) you may not see."""
        user = request.user
        query = RefreshRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        code = query.validated_data.get("region", "")
        try:
            place = readable_place(user=user, code=code) if code else None
        except Http404:
            raise ValidationError(
                {"region": _("Wilayah %(code)s tidak ditemukan.") % {"code": code}}
            ) from None
        target = selectors.refresh_region_for(user=user, place=place)
        run, created = services.refresh_run_request(user=user, region_code=target)
        if not self.get_queryset().filter(pk=run.pk).exists():
            # Joined a wider run (the country's) that this user may not see.
            return Response(
                {"detail": _("Pembaruan yang mencakup wilayah ini sedang berjalan.")},
                status=status.HTTP_202_ACCEPTED,
            )
        return Response(
            self.get_serializer(run).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
