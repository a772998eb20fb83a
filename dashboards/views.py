"""Dashboard pages: a region's indicators, drawn from precomputed snapshots only.

Figures come through dashboards.selectors (via dashboards.board); Region rows give
names and links, and a desa/kelurahan page also shows its Kampung KB and Dashat.
Scope as everywhere: a region outside the user's read scope does not exist (404).
"""

from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kampungkb.access import can, require, scoped, user_scope
from kampungkb.models import Role
from stunting.models import Dashat
from villages.models import KampungKB, Program, RumahDataKu
from villages.selectors import kampung_list_for, kampung_profile

from . import charts, exports, selectors, services
from .board import Board, place_of, readable_place, year_asked
from .indicators import INDICATORS
from .models import COUNTRY_CODE, RefreshRun, RefreshStatus
from .reports import child_table

# "Data as of" is told in the program's own time, whatever the server's.
JAKARTA = ZoneInfo("Asia/Jakarta")


def _board(request, code) -> Board:
    return Board(
        user=request.user,
        place=readable_place(user=request.user, code=code),
        year=year_asked(request.GET.get("tahun")),
        sort=request.GET.get("urut", ""),
        direction=request.GET.get("arah", ""),
    )


def _outermost(regions):
    """The regions not inside another of them."""
    return [
        r
        for r in regions
        if not any(r.code.startswith(o.code + ".") for o in regions if o != r)
    ]


def home(request):
    """The user's own dashboard: the country, their region, or a list of their regions."""
    scope = user_scope(request.user)
    if scope.read is None:
        return _dashboard_page(request, COUNTRY_CODE, home=True)
    regions = _outermost(list(scope.read))
    if len(regions) == 1:
        return _dashboard_page(request, regions[0].code, home=True)
    places = [place_of(r) for r in sorted(regions, key=lambda r: r.code)]
    year = year_asked(request.GET.get("tahun")) or timezone.localdate().year
    figures = selectors.region_figures(region_codes=[p.code for p in places], year=year)
    table = child_table(
        children=places,
        figures=figures,
        computed=bool(figures),
        sort=request.GET.get("urut", ""),
        direction=request.GET.get("arah", ""),
    )
    return render(
        request,
        "dashboards/home.html",
        {
            "places": places,
            "year": year,
            "table": table,
            "my_kampungs": _my_kampungs(request.user),
            "as_of": max(
                filter(
                    None, (selectors.data_as_of(region_code=p.code) for p in places)
                ),
                default=None,
            ),
            "latest_run": selectors.refresh_run_latest(),
        },
    )


def _my_kampungs(user):
    """A PLKB's own Kampung KB, one tap from their start page."""
    if user.effective_role != Role.PLKB:
        return []
    return kampung_list_for(scoped(KampungKB.objects, user, write=True))


def dashboard(request, code):
    return _dashboard_page(request, code)


def _dashboard_page(request, code, *, home=False):
    board = _board(request, code)
    place = board.place
    context = {
        "board": board,
        "place": place,
        "home": home,
        "can_refresh": can(request.user, "indicator.refresh"),
        "latest_run": selectors.refresh_run_latest(),
        "query": _query(board),
    }
    if home:
        context["my_kampungs"] = _my_kampungs(request.user)
    if request.GET.get("cetak"):
        return render(request, "dashboards/print.html", context)
    context["data_html"], context["has_figures"] = _data_html(request, board, context)
    if place.is_desa:
        context["kampung"] = _kampung_card(request.user, place.region)
    return render(request, "dashboards/dashboard.html", context)


# Rendered figures, tables and charts stay valid until the region's figures are
# refreshed (their time is in the key), so the page costs the same for a
# province as for a kelurahan once drawn.
DATA_CACHE_SECONDS = 60 * 60


def _data_html(request, board, context):
    """The page's KPIs, charts and tables as HTML, from the cache or drawn now,
    and whether they hold a chart (the page then loads plotly.js)."""
    as_of = board.as_of
    key = ":".join(
        (
            "dashboard-data",
            board.place.code,
            str(board.year),
            board.sort,
            board.direction,
            get_language() or "",
            as_of.isoformat() if as_of else "never",
        )
    )
    drawn = cache.get(key)
    if drawn is None:
        figures = _figures(board)
        html = render_to_string(
            "dashboards/_data.html", {**context, "figures": figures}, request=request
        )
        drawn = (html, bool(figures))
        cache.set(key, drawn, DATA_CACHE_SECONDS)
    return drawn


def _query(board):
    """The query string that keeps the page's year and sort on every link."""
    return urlencode(
        {
            "tahun": board.year,
            "urut": board.sort,
            "arah": board.direction,
        }
    )


def _figures(board):
    figures = {}
    if board.children:
        figures["classification"] = charts.classification_figure(
            rows=board.classification
        )
        if any(t.children for t in board.tiles):
            figures["treemap"] = charts.treemap_figure(
                root_name=board.place.name, tiles=board.tiles
            )
    if board.formation:
        figures["formation"] = charts.formation_figure(years=board.formation)
    if board.stunting:
        figures["stunting"] = charts.stunting_figure(series=board.stunting)
    return figures


def _kampung_card(user, region):
    """The Kampung KB of a desa/kelurahan as Rumah DataKu shows it, if readable."""
    pk = scoped(KampungKB.objects, user).filter(region=region).values("pk").first()
    if pk is None:
        return None
    kampung = kampung_profile(queryset=scoped(KampungKB.objects, user), pk=pk["pk"])
    classifications = list(kampung.classifications.all())
    return {
        "kampung": kampung,
        "current": classifications[0] if classifications else None,
        "programs": len(kampung.programs.all()),
        "program_total": len(Program),
        "has_rumah_dataku": kampung.rumah_dataku != RumahDataKu.NONE,
        "dashats": list(
            scoped(Dashat.objects, user).filter(kampung=kampung).order_by("name")
        ),
    }


def _export_name(board, extension):
    return f"dasbor-{board.place.code}-{board.year}.{extension}"


def _download(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_csv(request, code):
    board = _board(request, code)
    return _download(
        exports.table_csv(board.table),
        "text/csv; charset=utf-8",
        _export_name(board, "csv"),
    )


def export_xlsx(request, code):
    board = _board(request, code)
    as_of = board.as_of
    notes = [
        (_("Wilayah"), f"{board.place.label} ({board.place.code})"),
        (_("Tahun"), str(board.year)),
        (
            _("Data per"),
            timezone.localtime(as_of, JAKARTA).strftime("%Y-%m-%d %H:%M WIB")
            if as_of
            else _("belum pernah dihitung"),
        ),
        (
            _("Sumber"),
            _("Kampung KB Monitor, angka indikator yang sudah dihitung (snapshot)."),
        ),
    ]
    content = exports.table_xlsx(
        board.table, title=board.title, notes=notes, notes_title=_("Keterangan")
    )
    return _download(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _export_name(board, "xlsx"),
    )


def indicator_list(request):
    return render(request, "dashboards/indicator_list.html", {"indicators": INDICATORS})


def _back_to(request, code):
    """The dashboard to go back to, if it names a region the user may read."""
    try:
        place = readable_place(user=request.user, code=code or "")
    except Http404:
        return ""
    return place.url


@require_POST
def refresh_request(request):
    require(request.user, "indicator.refresh")
    run = services.refresh_run_request(user=request.user)
    url = reverse("dashboard-refresh-detail", args=[run.pk])
    back = request.POST.get("wilayah", "")
    if _back_to(request, back):
        url += "?" + urlencode({"wilayah": back})
    return redirect(url)


def refresh_detail(request, pk):
    require(request.user, "indicator.refresh")
    try:
        run = selectors.refresh_run_get(pk=pk)
    except RefreshRun.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "dashboards/refresh_detail.html",
        {
            "run": run,
            "running": run.status in (RefreshStatus.QUEUED, RefreshStatus.RUNNING),
            "back": _back_to(request, request.GET.get("wilayah", "")),
        },
    )
