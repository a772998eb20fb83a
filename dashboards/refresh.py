"""Recompute indicator snapshots: lowest level by set-based queries, then roll up.

A refresh covers some years and either the whole country or some kab/kota and
provinces (`within`). Per year it computes every indicator at its lowest level,
sums numerators and denominators up the region tree (a rate is recomputed from
the sums, never averaged) and replaces that year's rows of the covered regions
and their ancestors in one transaction: readers see the old figures or the new,
never a mix, and a crash or a rerun leaves a whole table. Regions outside a
partial refresh keep their stored rows, which their parents' sums take in.
Measured stunting is also kept per quarter and month (StuntingFigure), from the
same pass over the measurements and in the same transaction, and posyandu
weighing (SKDN) per month (SkdnFigure) from one more pass over the weighings.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from villages.models import PROGRAM_START, Region, RegionLevel

from .indicators import (
    CALCULATORS,
    INDICATORS,
    SKDN_COUNTS,
    STUNTING_COUNTS,
    published_figures,
    skdn_counts,
    stunting_counts,
    stunting_indicators,
)
from .models import COUNTRY_CODE, SkdnFigure, Snapshot, StuntingFigure

ROLLING = [i for i in INDICATORS if i.rolls_up]
AS_PUBLISHED = [i for i in INDICATORS if not i.rolls_up]
_FIELDS = (
    "indicator",
    "region_code",
    "parent_code",
    "level",
    "period",
    "value",
    "numerator",
    "denominator",
    "computed_at",
)


def all_years(today: datetime.date | None = None) -> list[int]:
    """Every year the program has run, to this one."""
    today = today or timezone.localdate()
    return list(range(PROGRAM_START.year, today.year + 1))


class _Tree:
    """Parent and level of every region a refresh touches, the country on top."""

    def __init__(self, within):
        regions = Region.objects.all()
        if within is not None:
            regions = regions.filter(
                Q(kabkota__in=[c for c in within if len(c) == 5])
                | Q(province__in=[c for c in within if len(c) == 2])
                | Q(code__in={c[:2] for c in within})
            )
        self.parent = {COUNTRY_CODE: ""}
        self.level = {COUNTRY_CODE: 0}
        self.at_level = defaultdict(set, {0: {COUNTRY_CODE}})
        for code, level, parent in regions.values_list("code", "level", "parent_id"):
            self.parent[code] = parent or COUNTRY_CODE
            self.level[code] = level
            self.at_level[level].add(code)


def _in_scope(code, within):
    return within is None or any(code.startswith(prefix) for prefix in within)


def _rows_for_year(year, within, tree, computed_at, stunting):
    """Every snapshot row of one year for the covered regions and their ancestors."""
    base = defaultdict(dict)
    for calculate in CALCULATORS:
        for code, values in calculate(year=year, within=within).items():
            base[code].update(values)
    for code, values in stunting_indicators(stunting).items():
        base[code].update(values)

    rows = []
    for indicator in ROLLING:
        sums = {c: list(v) for c, v in base[indicator.code].items() if c in tree.level}
        level_rows = sums
        for level in range(indicator.level, 0, -1):
            up = defaultdict(lambda: [0, None])
            for code, (numerator, denominator) in level_rows.items():
                _add(up[tree.parent[code]], numerator, denominator)
            # Parents outside the refresh keep their children's stored figures.
            outside = _stored_siblings(
                indicator.code, year, level, tree.at_level[level - 1], within
            )
            for code, parent, numerator, denominator in outside:
                if code not in level_rows:
                    _add(up[parent], numerator, denominator)
            sums.update(up)
            level_rows = up
        for code, (numerator, denominator) in sums.items():
            if not indicator.per_desa and tree.level[code] == RegionLevel.DESA:
                continue
            if numerator or denominator:  # no row: zero, or nothing to divide
                rows.append(
                    _row(
                        indicator, code, tree, year, numerator, denominator, computed_at
                    )
                )
    # Published figures are few: they are always replaced whole, wherever they are.
    published = published_figures(year=year)
    for indicator in AS_PUBLISHED:
        for code, (value, numerator, denominator) in published[indicator.code].items():
            rows.append(
                (
                    indicator.code,
                    code,
                    code[: code.rfind(".")] if "." in code else COUNTRY_CODE,
                    code.count(".") + 1,
                    year,
                    float(value),
                    numerator,
                    denominator,
                    computed_at,
                )
            )
    return rows


def _add(total, numerator, denominator):
    total[0] += numerator
    if denominator is not None:
        total[1] = (total[1] or 0) + denominator


def _row(indicator, code, tree, year, numerator, denominator, computed_at):
    if indicator.is_rate:
        value = indicator.scale * numerator / denominator if denominator else None
    else:
        value = numerator
    return (
        indicator.code,
        code,
        tree.parent[code],
        tree.level[code],
        year,
        value,
        numerator,
        denominator,
        computed_at,
    )


def _stored_siblings(indicator, year, level, parents, within):
    """Stored rows at `level` under `parents` that lie outside the refresh.

    `parents` are all the refreshed regions one level up, with or without fresh
    rows: a parent whose refreshed children all count zero still has others.
    """
    if within is None or all(_in_scope(parent, within) for parent in parents):
        return []
    stored = Snapshot.objects.filter(
        indicator=indicator, period=year, level=level, parent_code__in=parents
    ).values_list("region_code", "parent_code", "numerator", "denominator")
    return [row for row in stored if not _in_scope(row[0], within)]


_SKDN_FIELDS = (
    "region_code",
    "parent_code",
    "level",
    "year",
    "month",
    *SKDN_COUNTS,
    "computed_at",
)
_STUNTING_FIELDS = (
    "region_code",
    "parent_code",
    "level",
    "year",
    "span",
    "part",
    *STUNTING_COUNTS,
    "computed_at",
)


def _stunting_rows(year, within, tree, computed_at, counts):
    """StuntingFigure rows of one year: each desa's counts per period, summed up
    the tree; regions outside a partial refresh keep their stored counts.

    The stored rows are read first; the rows are then yielded level by level, so
    only one level's sums are held beside `counts` (the country has 83,762 desa,
    each with 17 periods), and no query runs while they are being copied in.
    """
    outside = _outside(
        within,
        tree,
        StuntingFigure.objects.filter(year=year),
        ("region_code", "parent_code", "span", "part", *STUNTING_COUNTS),
    )
    return _summed_up(year, tree, computed_at, counts, outside, len(STUNTING_COUNTS))


def _skdn_rows(year, within, tree, computed_at, counts):
    """SkdnFigure rows of one year, as _stunting_rows: per desa and month, summed
    up the tree, with the stored counts of regions outside a partial refresh."""
    outside = _outside(
        within,
        tree,
        SkdnFigure.objects.filter(year=year),
        ("region_code", "parent_code", "month", *SKDN_COUNTS),
    )
    return _summed_up(year, tree, computed_at, counts, outside, len(SKDN_COUNTS))


def _outside(within, tree, stored, columns):
    """Per level, the stored rows under the refreshed regions one level up that
    lie outside the refresh: (code, parent, *period, *counts)."""
    outside = {level: [] for level in range(RegionLevel.DESA, 0, -1)}
    for level in outside:
        parents = tree.at_level[level - 1]
        if within is not None and not all(_in_scope(p, within) for p in parents):
            rows = stored.filter(level=level, parent_code__in=parents).values_list(
                *columns
            )
            # The tree holds the refreshed regions and their ancestors, whose
            # stored rows are being replaced: only the others are kept.
            outside[level] = [row for row in rows if row[0] not in tree.level]
    return outside


def _summed_up(year, tree, computed_at, counts, outside, width):
    """Rows (code, parent, level, year, *period, *counts, computed_at) of each
    key (code, *period) of `counts` and of every ancestor, level by level."""

    def place(code, period):
        return (code, tree.parent[code], tree.level[code], year, *period)

    level_counts = {key: v for key, v in counts.items() if key[0] in tree.level}
    for (code, *period), values in level_counts.items():
        if any(values):
            yield (*place(code, period), *values, computed_at)
    for level in range(RegionLevel.DESA, 0, -1):
        up = defaultdict(lambda: [0] * width)
        for (code, *period), values in level_counts.items():
            total = up[(tree.parent[code], *period)]
            for i, value in enumerate(values):
                total[i] += value
        for _code, parent, *rest in outside[level]:
            period, values = rest[: len(rest) - width], rest[len(rest) - width :]
            total = up[(parent, *period)]
            for i, value in enumerate(values):
                total[i] += value
        for (code, *period), values in up.items():
            if any(values):
                yield (*place(code, period), *values, computed_at)
        level_counts = up


def _covered(within, tree) -> Q:
    """The stored rows a refresh replaces: its regions and their ancestors."""
    if within is None:
        return Q()
    ancestors = [c for c in tree.level if not _in_scope(c, within)]
    covered = Q(region_code__in=ancestors)
    for prefix in within:
        covered |= Q(region_code__startswith=prefix)
    return covered


def _insert(rows, table="dashboards_snapshot", fields=_FIELDS) -> int:
    """Store rows (any iterable) and give how many: COPY on PostgreSQL, one
    executemany elsewhere. The last field of each row is its computed_at."""
    if connection.vendor == "postgresql":
        written = 0
        with connection.cursor() as cursor:
            columns = ", ".join(fields)
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        return written
    # Plain executemany: bulk_create's per-value compilation cost more than SQLite.
    adapt = connection.ops.adapt_datetimefield_value
    values = [(*row[:-1], adapt(row[-1])) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})",
            values,
        )
    return len(values)


def snapshot_refresh(
    *,
    years: Iterable[int],
    within: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Recompute every indicator for these years; give the number of rows stored.

    `within`: kab/kota or province codes to refresh (their ancestors follow), or
    None for the whole country.
    """
    years = sorted(set(years))
    within = None if within is None else sorted(set(within))
    tree = _Tree(within)
    stored = 0
    for step, year in enumerate(years, start=1):
        computed_at = timezone.now()
        stunting = stunting_counts(year=year, within=within)
        rows = _rows_for_year(year, within, tree, computed_at, stunting)
        skdn = skdn_counts(year=year, within=within, stunting=stunting)
        with transaction.atomic():
            stunting_rows = _stunting_rows(year, within, tree, computed_at, stunting)
            StuntingFigure.objects.filter(_covered(within, tree), year=year).delete()
            stored += _insert(
                stunting_rows, "dashboards_stuntingfigure", _STUNTING_FIELDS
            )
            skdn_rows = _skdn_rows(year, within, tree, computed_at, skdn)
            SkdnFigure.objects.filter(_covered(within, tree), year=year).delete()
            stored += _insert(skdn_rows, "dashboards_skdnfigure", _SKDN_FIELDS)
            Snapshot.objects.filter(
                _covered(within, tree),
                period=year,
                indicator__in=[i.code for i in ROLLING],
            ).delete()
            Snapshot.objects.filter(
                period=year, indicator__in=[i.code for i in AS_PUBLISHED]
            ).delete()
            _insert(rows)
        stored += len(rows)
        del stunting, skdn
        if progress:
            progress(step, len(years))
    return stored
