"""Read-only API of the dashboards: a region's snapshot figures, as on its page.

The same scope as the pages: a region outside the user's read scope does not exist
(404); the country (code ID) is read by those without a region restriction.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .board import Board, readable_place
from .indicators import INDICATORS
from .reports import at_year, value_of
from .serializers import DashboardQuerySerializer, DashboardSerializer


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
