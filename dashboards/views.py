"""Dashboard pages: a region's indicators, drawn from precomputed snapshots only.

Figures come through dashboards.selectors (via dashboards.board); Region rows give
names and links, and a desa/kelurahan page also shows its Kampung KB and Dashat.
Scope as everywhere: a region outside the user's read scope does not exist (404).
"""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.formats import date_format, get_format
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluations.selectors import evaluator_worklist
from kampungkb.access import (
    aggregate_scope,
    code_within,
    figure_kampungs,
    figures_readable,
    require,
    scoped,
    user_scope,
)
from kampungkb.models import Role
from stunting.models import Dashat, Measurement
from villages.models import (
    KampungKB,
    LaunchEvent,
    Program,
    ProposalStatus,
    Region,
    RegionLevel,
    RumahDataKu,
)
from villages.selectors import (
    boundary_areas,
    boundary_levels,
    kampung_list_for,
    kampung_profile,
    kampung_readiness_items,
)

from . import charts, exports, launches, reports, selectors, services, skdn, worklists
from .board import Board, country, place_of, readable_place, year_asked
from .indicators import BY_CODE, INDICATORS, SKDN_GAIN, SKDN_PARTICIPATION
from .models import ACTIVE_STATUSES, COUNTRY_CODE, RefreshRun, Span
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
    """The user's own dashboard: the country, their region, or a list of their regions.

    A PLKB's start page lists their work and the figures of their kecamatan and
    kab/kota; an evaluator's lists the Kampung KB they are to score.
    """
    scope = user_scope(request.user)
    if scope.read is None:
        return _dashboard_page(request, COUNTRY_CODE, home=True)
    role = request.user.effective_role
    if role == Role.PLKB:
        regions = _outermost(list(aggregate_scope(request.user))) + list(scope.read)
    else:
        regions = _outermost(list(scope.read))
    if len(regions) == 1:
        return _dashboard_page(request, regions[0].code, home=True)
    places = [place_of(r) for r in sorted(regions, key=lambda r: r.code)]
    year = year_asked(request.GET.get("tahun")) or _opening_year(places)
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
            "work": _plkb_work(request.user) if role == Role.PLKB else None,
            "todo": _todo(request.user),
            "assignments": list(evaluator_worklist(user=request.user))
            if role == Role.EVALUATOR
            else None,
            "as_of": max(
                filter(
                    None, (selectors.data_as_of(region_code=p.code) for p in places)
                ),
                default=None,
            ),
            "refresh_state": selectors.refresh_state(
                region_codes=[p.code for p in places]
            ),
        },
    )


def _opening_year(places) -> int:
    """The latest year holding most of the places' figures, by the rule each
    dashboard opens on (not the calendar year, which has often only begun)."""
    years = selectors.refreshed_years()
    together = {
        (place.code, indicator): by_year
        for place in places
        for indicator, by_year in selectors.region_series(
            region_code=place.code
        ).items()
    }
    fallback = years[-1] if years else timezone.localdate().year
    return reports.default_year(together, years=years, fallback=fallback)


def _my_kampungs(user):
    """A PLKB's own Kampung KB, one tap from their start page."""
    if user.effective_role != Role.PLKB:
        return []
    return kampung_list_for(scoped(KampungKB.objects, user, write=True))


def _todo(user):
    """The home page's to-do list: a PLKB's desa, or a staff member's region."""
    today = timezone.localdate()
    role = user.effective_role
    if role == Role.PLKB:
        return worklists.plkb_worklist(user=user, today=today)
    if role in (Role.STAF, Role.ADMIN):
        return worklists.staff_worklist(user=user, today=today)
    return None


def _plkb_work(user):
    """Each of a PLKB's Kampung KB with what is missing or stale: no measurement
    in their desa this month, readiness items not met, a pending proposal."""
    kampungs = list(
        kampung_list_for(scoped(KampungKB.objects, user, write=True)).annotate(
            pending_proposal=Max(
                "proposals__pk",
                filter=Q(proposals__status=ProposalStatus.PENDING),
            )
        )
    )
    today = timezone.localdate()
    measured = set(
        Measurement.objects.filter(
            child__region__in=[k.region_id for k in kampungs],
            measured_on__gte=today.replace(day=1),
        )
        .values_list("child__region", flat=True)
        .distinct()
    )
    desa = scoped(Region.objects.filter(level=RegionLevel.DESA), user, write=True)
    return {
        "kampungs": [
            {
                "kampung": k,
                "measured_this_month": k.region_id in measured,
                "missing": [
                    item.label
                    for item in kampung_readiness_items(kampung=k, today=today)
                    if not item.met
                ],
            }
            for k in kampungs
        ],
        # A desa of theirs without a Kampung KB yet.
        "without_kampung": list(
            desa.exclude(pk__in=[k.region_id for k in kampungs]).order_by("code")
        ),
    }


def dashboard(request, code):
    return _dashboard_page(request, code)


def _dashboard_page(request, code, *, home=False):
    board = _board(request, code)
    place = board.place
    context = {
        "board": board,
        "place": place,
        "home": home,
        "refresh_state": selectors.refresh_state(region_codes=[place.code]),
        **_refresh_button(request.user, board),
        "query": _query(board),
        # The registry and stunting pages show rows: linked only where the
        # user reads rows, not just the aggregates of the dashboards.
        "rows_readable": code_within(place.code, user_scope(request.user).read),
    }
    if home:
        context["my_kampungs"] = _my_kampungs(request.user)
        context["todo"] = _todo(request.user)
    if request.GET.get("cetak"):
        return render(request, "dashboards/print.html", context)
    context["data_html"], context["has_figures"] = _data_html(request, board, context)
    context["map"] = _map(request, board)
    context["has_figures"] = context["has_figures"] or bool(context["map"])
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
        figures, folded = _figures(board)
        html = render_to_string(
            "dashboards/_data.html",
            {
                **context,
                "figures": figures,
                "folded": folded,
                "csv_choice": _csv_choice(),
                "min_children": BY_CODE["stunting_measured"].min_denominator,
            },
            request=request,
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
    """The page's figures, and per chart the note on the child regions it left
    out for having nothing to draw ("33 provinsi tanpa data")."""
    figures, folded = {}, {}
    if board.children:
        level = board.place.level + 1
        shown = charts.classification_shown(board.classification)
        if shown:
            figures["classification"] = charts.classification_figure(
                rows=board.classification
            )
        folded["classification"] = charts.folded_note(
            len(board.children) - len(shown), level
        )
        drawn = [t for t in board.tiles if t.children]
        if drawn:
            figures["treemap"] = charts.treemap_figure(
                root_name=board.place.name, tiles=board.tiles
            )
            folded["treemap"] = charts.folded_note(len(board.tiles) - len(drawn), level)
    if board.formation:
        figures["formation"] = charts.formation_figure(years=board.formation)
    if board.stunting:
        figures["stunting"] = charts.stunting_figure(series=board.stunting)
    return figures, folded


def _month_asked(raw) -> int | None:
    """The month in a ?bulan= value (1-12), or None if it names none."""
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 12 else None


def skdn_page(request, code):
    """A region's posyandu months (SKDN): the year's twelve months, a chart of
    D/S and N/D, and its child regions in the month picked. Reads SkdnFigure
    rows only: a handful of index reads at any level."""
    place = readable_place(user=request.user, code=code)
    years = selectors.skdn_years(region_code=place.code)
    year = year_asked(request.GET.get("tahun"))
    if year is None:
        year = years[-1] if years else timezone.localdate().year
    figures = selectors.skdn_months(region_code=place.code, year=year)
    month = _month_asked(request.GET.get("bulan"))
    if month is None:
        weighed = [m for m, f in figures.items() if f.weighed]
        month = max(weighed or figures or [timezone.localdate().month])
    rows = skdn.year_rows(figures)
    children = []
    if not place.is_desa:
        if place.is_country:
            regions = Region.objects.roots()
        else:
            regions = Region.objects.children_of(place.region)
        by_code = selectors.skdn_children(
            parent_code=place.code, year=year, month=month
        )
        read = aggregate_scope(request.user)
        for region in regions.order_by("code"):
            url = ""
            if code_within(region.code, read):
                url = reverse("dashboard-skdn", args=[region.code])
                url += "?" + urlencode({"tahun": year, "bulan": month})
            children.append(
                skdn.skdn_row(
                    label=region.label, figure=by_code.get(region.code), url=url
                )
            )
    as_of = max((f.computed_at for f in figures.values()), default=None)
    has_data = any(row.has_data for row in rows)
    return render(
        request,
        "dashboards/skdn.html",
        {
            "place": place,
            "year": year,
            "month": month,
            "month_name": MONTHS[month],
            "years": sorted(set(years) | {year}, reverse=True),
            "months": list(MONTHS.items()),
            "rows": rows,
            "picked": rows[month - 1],
            "children": children,
            "figure": charts.skdn_figure(rows=rows) if has_data else None,
            "as_of": as_of,
            "definitions": skdn.DEFINITIONS,
            "kbm_note": skdn.KBM_NOTE,
            "participation": SKDN_PARTICIPATION,
            "gain": SKDN_GAIN,
            "min_n": SKDN_PARTICIPATION.min_denominator,
            "rows_readable": code_within(place.code, user_scope(request.user).read),
        },
    )


# ?peta= of a kab/kota's map: its kecamatan or its desa/kelurahan.
MAP_LEVELS = {"kecamatan": RegionLevel.KECAMATAN, "desa": RegionLevel.DESA}
MAP_DEFAULT_INDICATOR = "stunting_measured"


def _map(request, board):
    """The choropleth of the region's children (or a kab/kota's desa/kelurahan)
    when they have boundaries: the figure, the levels and indicators to pick
    from, and the rows of its text alternative. None without boundaries."""
    place = board.place
    if place.region is None:
        return None
    levels = boundary_levels(region=place.region)
    if not levels:
        return None
    asked = MAP_LEVELS.get(request.GET.get("peta", ""))
    # Desa/kelurahan by default: the finest level with boundaries.
    level = asked if asked in levels else max(levels)
    indicators = reports.map_indicators(level=level)
    indicator = next(
        (i for i in indicators if i.code == request.GET.get("indikator")),
        BY_CODE[MAP_DEFAULT_INDICATOR],
    )
    # Drawn once until the figures or the boundaries change, like the page's data.
    key = ":".join(
        (
            "dashboard-map",
            place.code,
            str(level),
            indicator.code,
            str(board.year),
            get_language() or "",
            board.as_of.isoformat() if board.as_of else "never",
            levels[level].isoformat(),
        )
    )
    drawn = cache.get(key)
    if drawn is None:
        drawn = _map_drawn(board, level, indicator)
        cache.set(key, drawn, DATA_CACHE_SECONDS)
    return {
        **drawn,
        "indicator": indicator,
        "indicators": indicators,
        "level": next(k for k, v in MAP_LEVELS.items() if v == level),
        "levels": [(k, v.label) for k, v in MAP_LEVELS.items() if v in levels],
    }


def _map_drawn(board, level, indicator):
    place = board.place
    areas = boundary_areas(region=place.region, level=level)
    if level == place.level + 1:
        figures = board.child_figures
    else:
        figures = selectors.region_figures(
            region_codes=[a.code for a in areas], year=board.year
        )
    rows = reports.map_areas(
        areas=areas, figures=figures, indicator=indicator, level=level
    )
    return {
        "figure": charts.choropleth_figure(
            areas=rows,
            indicator=indicator,
            min_denominator=indicator.min_denominator,
        ),
        # The text alternative's rows, without the geometries.
        "rows": [
            {
                "name": r.name,
                "url": r.url,
                "shown": r.shown,
                "denominator": r.denominator,
            }
            for r in rows
        ],
        "schematic": any(a.schematic for a in areas),
        "missing": len(board.children) - len(rows) if level == place.level + 1 else 0,
    }


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


# ?desimal= of the CSV export: a decimal comma (with ";" between fields, as
# spreadsheets set to Indonesian read it) or a decimal point (with ",").
DECIMAL_COMMA, DECIMAL_POINT = "koma", "titik"


def _default_decimal() -> str:
    """The decimal mark of the active language, as the page shows its figures."""
    return DECIMAL_COMMA if get_format("DECIMAL_SEPARATOR") == "," else DECIMAL_POINT


def _csv_choice():
    """The other decimal mark, offered next to the CSV link: (value, label)."""
    if _default_decimal() == DECIMAL_COMMA:
        return DECIMAL_POINT, _("CSV dengan titik desimal")
    return DECIMAL_COMMA, _("CSV dengan koma desimal")


def export_csv(request, code):
    board = _board(request, code)
    asked = request.GET.get("desimal", "")
    if asked not in (DECIMAL_COMMA, DECIMAL_POINT):
        asked = _default_decimal()
    return _download(
        exports.table_csv(board.table, decimal_comma=asked == DECIMAL_COMMA),
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


def _refresh_button(user, board):
    """The refresh button's region (the page's, or its kab/kota among the page's
    breadcrumbs) and the latest run there, for those who may ask for one."""
    try:
        target = selectors.refresh_region_for(user=user, place=board.place)
    except PermissionDenied:
        return {"refresh_place": None}
    places = [board.place, *(crumb.place for crumb in board.crumbs)]
    return {
        "refresh_place": next(p for p in places if p.code == target),
        "latest_run": selectors.refresh_run_latest(user=user, region_code=target),
    }


@require_POST
def refresh_request(request):
    require(request.user, "indicator.refresh")
    back = request.POST.get("wilayah", "")
    # A region the user may not read does not exist (404).
    place = readable_place(user=request.user, code=back) if back else None
    try:
        target = selectors.refresh_region_for(user=request.user, place=place)
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages))
    run, created = services.refresh_run_request(user=request.user, region_code=target)
    visible = selectors.refresh_runs_for(user=request.user).filter(pk=run.pk)
    if not created and not visible.exists():
        # Joined a wider run (the country's) that this user may not open.
        messages.info(
            request, _("Pembaruan yang mencakup wilayah ini sedang berjalan.")
        )
        return redirect(_back_to(request, back) or reverse("home"))
    if not created:
        messages.info(
            request,
            _(
                "Pembaruan angka wilayah ini sudah antre atau berjalan; "
                "berikut kemajuannya."
            ),
        )
    url = reverse("dashboard-refresh-detail", args=[run.pk])
    if _back_to(request, back):
        url += "?" + urlencode({"wilayah": back})
    return redirect(url)


def refresh_detail(request, pk):
    require(request.user, "indicator.refresh")
    try:
        run = selectors.refresh_run_get(user=request.user, pk=pk)
    except RefreshRun.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "dashboards/refresh_detail.html",
        {
            "run": run,
            "region_label": _region_label(run.region_code),
            "requester_visible": selectors.refresh_allowed(
                user=request.user, region_code=run.region_code
            ),
            "running": run.status in ACTIVE_STATUSES,
            "back": _back_to(request, request.GET.get("wilayah", "")),
        },
    )


def _region_label(code):
    if code == COUNTRY_CODE:
        return country().label
    region = Region.objects.filter(code=code).first()
    return region.label if region else code


def launch_kampung(request, pk):
    """One Kampung KB's measured stunting before and after its launch, beside the
    Kampung KB of its kab/kota not launched yet."""
    kampung = get_object_or_404(
        figure_kampungs(KampungKB.objects.select_related("region"), request.user),
        pk=pk,
    )
    span = launches.span_asked(request.GET.get("rentang"))
    comparison = launches.kampung_comparison(kampung=kampung, span=span)
    return _launch_page(
        request,
        comparison,
        title=kampung.name,
        context={"kampung": kampung},
    )


def launch_batch(request, pk):
    """A launch batch's Kampung KB summed, before and after the launch, beside the
    Kampung KB of the same kab/kota not launched yet.

    Readable by those who read one of its Kampung KB's figures (a PLKB: one of
    their own desa); it sums the batch's Kampung KB whose kab/kota the user reads
    the aggregates of.
    """
    event = get_object_or_404(
        scoped(LaunchEvent.objects.select_related("organizer"), request.user), pk=pk
    )
    batch = list(event.kampungs.order_by("region"))
    if not any(figures_readable(request.user, k.region_id) for k in batch):
        raise Http404
    read = aggregate_scope(request.user)
    members = [k for k in batch if code_within(k.region_id, read)]
    shown = set(scoped(event.kampungs.all(), request.user).values_list("pk", flat=True))
    span = launches.span_asked(request.GET.get("rentang"))
    comparison = launches.batch_comparison(
        event=event, batch=batch, members=members, span=span
    )
    title = _("Pencanangan %(date)s") % {"date": date_format(event.date, "j F Y")}
    return _launch_page(
        request,
        comparison,
        title=title,
        context={
            "event": event,
            "members": [k for k in members if k.pk in shown],
            "member_count": len(members),
            "batch_count": len(batch),
        },
    )


def _launch_page(request, comparison, *, title, context):
    figures = {}
    if comparison.has_data:
        figures = {
            measure: charts.launch_figure(
                comparison=comparison, subject_name=title, measure=measure
            )
            for measure in ("prevalence", "coverage")
        }
    kabkota = list(Region.objects.filter(code__in=comparison.kabkota))
    return render(
        request,
        "dashboards/launch.html",
        {
            **context,
            "title": title,
            "comparison": comparison,
            "rows": [
                (
                    charts.launch_period_label(subject, comparison.span),
                    subject,
                    compared,
                )
                for subject, compared in comparison.rows
            ],
            "figures": figures,
            "kabkota_names": ", ".join(r.label for r in kabkota),
            "spans": [(span, Span(span).label) for span in launches.SPANS],
            "min_children": BY_CODE["stunting_measured"].min_denominator,
            "min_registered": BY_CODE["measurement_coverage"].min_denominator,
            "as_of": max(
                filter(
                    None,
                    (selectors.data_as_of(region_code=r.code) for r in kabkota),
                ),
                default=None,
            ),
        },
    )
