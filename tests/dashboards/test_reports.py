"""What the dashboards make of snapshot figures: zero counts, missing rates, KPIs,
sorted tables. Pure functions: no database."""

from types import SimpleNamespace

from dashboards.indicators import BY_CODE, INDICATORS
from dashboards.reports import (
    child_table,
    formation_years,
    kpis,
    stunting_series,
    value_of,
    year_table,
)
from dashboards.selectors import Figure


def _count(n):
    return Figure(float(n), float(n), None)


def _rate(numerator, denominator):
    return Figure(100 * numerator / denominator, numerator, denominator)


def _place(code, label, level=3):
    return SimpleNamespace(
        code=code, label=label, name=label, level=level, url=f"/dashboard/{code}/"
    )


def test_a_missing_count_is_zero_and_a_missing_rate_has_no_data():
    formed, coverage = BY_CODE["kampung_formed"], BY_CODE["kampung_coverage"]

    assert value_of({}, formed, level=3, computed=True) == 0
    assert value_of({}, coverage, level=3, computed=True) is None
    # A year never computed for the region: nothing to say, not zero.
    assert value_of({}, formed, level=3, computed=False) is None
    assert (
        value_of({"kampung_coverage": _rate(2, 3)}, coverage, level=3, computed=True)
        == 66.67
    )


def test_a_kabkota_target_does_not_apply_to_a_kecamatan():
    target = BY_CODE["formation_target"]
    figures = {"formation_target": _count(13)}

    assert value_of(figures, target, level=2, computed=True) == 13
    assert value_of({}, target, level=1, computed=True) == 0
    assert value_of({}, target, level=3, computed=True) is None


def test_kpis_compare_with_the_year_before_and_say_when_there_is_no_data():
    series = {
        "kampung_formed": {2023: _count(19), 2024: _count(27)},
        "kampung_coverage": {2023: _rate(19, 27), 2024: _rate(27, 27)},
        "stunting_measured": {2024: _rate(268, 1500)},
        "stunting_reported_ssgi": {
            2021: Figure(20.6, None, None),
            2022: Figure(23.1, None, None),
        },
        "stunting_reported_other": {2024: Figure(17.86, None, None)},
    }

    cards = {
        k.indicator.code: k
        for k in kpis(series, years=list(range(2016, 2025)), year=2024, level=2)
    }

    formed = cards["kampung_formed"]
    assert (formed.value, formed.previous, formed.change) == (27, 19, 8)
    assert (formed.direction, formed.tone) == ("up", "good")
    assert cards["kampung_coverage"].change == 29.63
    measured = cards["stunting_measured"]
    assert (measured.value, measured.previous, measured.direction) == (17.87, None, "")
    # A reported figure: its latest year up to the asked one, against its year before.
    ssgi = cards["stunting_reported_ssgi"]
    assert (ssgi.year, ssgi.value, ssgi.previous) == (2022, 23.1, 20.6)
    # A rise in stunting is bad news.
    assert (ssgi.direction, ssgi.tone) == ("up", "bad")
    assert cards["stunting_reported_other"].previous is None
    assert "stunting_reported_eppgbm" not in cards


def test_the_child_table_has_every_indicator_and_sorts_missing_values_last():
    children = [
        _place("33.75.01", "Kecamatan Pekalongan Barat"),
        _place("33.75.02", "Kecamatan Pekalongan Timur"),
        _place("33.75.03", "Kecamatan Pekalongan Utara"),
    ]
    figures = {
        "33.75.01": {"stunting_measured": _rate(10, 100)},
        "33.75.03": {"stunting_measured": _rate(30, 100), "kampung_formed": _count(7)},
    }

    table = child_table(
        children=children,
        figures=figures,
        computed=True,
        sort="stunting_measured",
        direction="desc",
    )

    keys = [c.key for c in table.columns]
    assert keys == ["wilayah", "kode", *(i.code for i in INDICATORS)]
    stunting = keys.index("stunting_measured")
    assert [r.cells[1] for r in table.rows] == ["33.75.03", "33.75.01", "33.75.02"]
    assert [r.cells[stunting] for r in table.rows] == [30.0, 10.0, None]
    assert table.rows[0].cells[keys.index("kampung_formed")] == 7
    assert table.rows[1].cells[keys.index("kampung_formed")] == 0
    assert table.rows[0].url == "/dashboard/33.75.03/"

    ascending = child_table(
        children=children,
        figures=figures,
        computed=True,
        sort="stunting_measured",
        direction="asc",
    )
    assert [r.cells[1] for r in ascending.rows] == ["33.75.01", "33.75.03", "33.75.02"]


def test_an_unknown_sort_falls_back_to_the_code_and_headers_offer_the_other_way():
    children = [_place("33.75.02", "B"), _place("33.75.01", "A")]

    table = child_table(
        children=children, figures={}, computed=True, sort="nope", direction="sideways"
    )

    assert (table.sort, table.direction) == ("kode", "asc")
    assert [r.cells[1] for r in table.rows] == ["33.75.01", "33.75.02"]
    headers = {h.column.key: h for h in table.headers}
    assert (headers["kode"].aria_sort, headers["kode"].next_direction) == (
        "ascending",
        "desc",
    )
    # A number column is first sorted largest first.
    assert (
        headers["kampung_formed"].aria_sort,
        headers["kampung_formed"].next_direction,
    ) == ("", "desc")
    assert headers["wilayah"].next_direction == "asc"


def test_formation_years_run_from_the_first_busy_year_and_say_if_targets_were_met():
    series = {
        "kampung_formed": {
            2022: _count(6),
            2023: _count(19),
            2024: _count(27),
            2025: _count(27),
        },
        "kampung_formed_in_year": {2022: _count(6), 2023: _count(13), 2024: _count(8)},
        "formation_target": {2023: _count(13), 2024: _count(8)},
        "formation_achievement": {2023: _rate(13, 13), 2024: _rate(8, 8)},
        "kampung_coverage": {y: _rate(0, 27) for y in range(2016, 2022)},
    }

    years = formation_years(series, years=list(range(2016, 2026)), level=2)

    assert [
        (y.year, y.formed, y.formed_in_year, y.target, y.reached) for y in years
    ] == [
        (2022, 6, 6, None, None),
        (2023, 19, 13, 13, True),
        (2024, 27, 8, 8, True),
        (2025, 27, 0, None, None),
    ]
    # Below the kab/kota there are no targets.
    assert all(
        y.target is None
        for y in formation_years(series, years=list(range(2016, 2026)), level=3)
    )


def test_stunting_series_keep_sources_apart_and_measured_last():
    series = {
        "stunting_reported_ssgi": {
            2022: Figure(23.1, None, None),
            2021: Figure(20.6, None, None),
        },
        "stunting_measured": {2024: _rate(268, 1500), 2023: _rate(123, 609)},
        "stunting_reported_other": {2024: Figure(17.86, None, None)},
    }

    out = stunting_series(series)

    assert [(s.code, s.measured) for s in out] == [
        ("stunting_reported_ssgi", False),
        ("stunting_reported_other", False),
        ("stunting_measured", True),
    ]
    assert [(p.year, p.value) for p in out[0].points] == [(2021, 20.6), (2022, 23.1)]
    assert out[0].name == "Dilaporkan: SSGI (survei)"
    assert [(p.year, p.value) for p in out[2].points] == [(2023, 20.2), (2024, 17.87)]


def test_a_desa_table_has_a_row_per_refreshed_year():
    # 2021 has no row of this desa at all: refreshed, so its count is zero.
    series = {"kampung_formed": {2022: _count(1)}}

    table = year_table(series=series, years=[2021, 2022], level=4)

    keys = [c.key for c in table.columns]
    assert keys[0] == "tahun"
    assert [r.cells[0] for r in table.rows] == [2021, 2022]
    assert [r.cells[keys.index("kampung_formed")] for r in table.rows] == [0, 1]
    # Targets are set by the kab/kota: nothing to show for a desa.
    assert [r.cells[keys.index("formation_target")] for r in table.rows] == [None, None]


def test_a_prevalence_shows_from_the_minimum_denominator_and_reads_n_too_small_below(
    settings,
):
    settings.DASHBOARD_MIN_DENOMINATOR = {"prevalence": 30, "coverage": 10, "share": 1}
    children = [_place("33.75.01", "A"), _place("33.75.02", "B")]
    figures = {
        "33.75.01": {"stunting_measured": _rate(6, 30)},
        "33.75.02": {"stunting_measured": _rate(29, 29)},
    }

    table = child_table(children=children, figures=figures, computed=True)

    stunting = [c.key for c in table.columns].index("stunting_measured")
    assert table.rows[0].cells[stunting] == 20.0
    assert str(table.rows[1].cells[stunting]) == "n terlalu kecil (29 / 29)"
    cards = {
        k.indicator.code: k
        for k in kpis(
            {"stunting_measured": {2024: _rate(29, 29), 2023: _rate(6, 30)}},
            years=[2023, 2024],
            year=2024,
            level=2,
        )
    }
    card = cards["stunting_measured"]
    assert card.small and card.n == "29 / 29 anak" and card.change is None
    settings.DASHBOARD_MIN_DENOMINATOR = {"prevalence": 29, "coverage": 10, "share": 1}
    assert not BY_CODE["stunting_measured"].too_small(29)
