"""Reads for a field officer's to-do list: which children of their desa need what.

Each selector takes the desa (Region ids) the officer writes in and reads only
their children, through the indexes on child region and (child, measured_on):
a PLKB's handful of desa, never the whole table.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, F, OuterRef, Subquery, Window
from django.db.models.functions import Lag, RowNumber

from .models import (
    BALITA_MAX_DAYS,
    AuditStatus,
    CaseAudit,
    Child,
    DashatBeneficiary,
    Measurement,
)
from .weighing import month_index, weighing_marks_sql

# How far back a measurement still says something about a child today.
LOOKBACK_DAYS = 400
# A newly stunted child stays on the list this long after the measurement.
NEW_FINDING_DAYS = 90
# The most children of one kind a home page lists; the rest are counted.
LIST_LIMIT = 30


@dataclass
class DueList:
    """Up to LIST_LIMIT items of one kind, and how many there are in all."""

    items: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def _due_list(queryset, *, limit: int) -> DueList:
    items = list(queryset[: limit + 1])
    if len(items) <= limit:
        return DueList(items=items, total=len(items))
    return DueList(items=items[:limit], total=queryset.count())


def _balita(region_ids, today):
    """Children of the desa aged 0-59 months today."""
    return Child.objects.filter(
        region_id__in=region_ids,
        birth_date__lte=today,
        birth_date__gte=today - datetime.timedelta(days=BALITA_MAX_DAYS),
    )


def children_due_measurement(
    *, region_ids, today: datetime.date, limit: int = LIST_LIMIT
) -> DueList:
    """Balita of the desa not measured yet this month, longest unmeasured first.

    Each child carries `last_measured_on` (None: never measured).
    """
    this_month = Measurement.objects.filter(
        child=OuterRef("pk"), measured_on__gte=today.replace(day=1)
    )
    children = (
        _balita(region_ids, today)
        .filter(~Exists(this_month))
        .select_related("region")
        .annotate(
            last_measured_on=Subquery(
                Measurement.objects.filter(child=OuterRef("pk"))
                .order_by("-measured_on")
                .values("measured_on")[:1]
            )
        )
        .order_by(F("last_measured_on").asc(nulls_first=True), "region_id", "pk")
    )
    return _due_list(children, limit=limit)


@dataclass
class Finding:
    """A child's latest valid measurement of the last LOOKBACK_DAYS."""

    child: Child
    measured_on: datetime.date
    haz: float
    # The valid HAZ before it in the window; None when there was none.
    previous_haz: float | None


def _latest_valid(region_ids, today) -> list[dict]:
    """Each balita's latest valid HAZ of the last LOOKBACK_DAYS, with the one before.

    Filtered in Python afterwards: a condition on the latest row must not reach
    the WHERE the windows are computed over (it would change which row is latest).
    """
    rows = (
        Measurement.objects.valid_haz()
        .balita()
        .filter(
            child__region_id__in=region_ids,
            measured_on__gte=today - datetime.timedelta(days=LOOKBACK_DAYS),
            measured_on__lte=today,
        )
        .annotate(
            previous_haz=Window(
                Lag("haz"),
                partition_by=[F("child_id")],
                order_by=[F("measured_on").asc(), F("id").asc()],
            ),
            newest=Window(
                RowNumber(),
                partition_by=[F("child_id")],
                order_by=[F("measured_on").desc(), F("id").desc()],
            ),
        )
        .filter(newest=1)
        .values("child_id", "measured_on", "haz", "previous_haz")
    )
    return list(rows)


def _findings(rows, *, limit: int) -> DueList:
    """The first `limit` rows as Findings with their children, and the total."""
    shown = rows[:limit]
    children = Child.objects.select_related("region").in_bulk(
        [row["child_id"] for row in shown]
    )
    return DueList(
        items=[
            Finding(
                child=children[row["child_id"]],
                measured_on=row["measured_on"],
                haz=row["haz"],
                previous_haz=row["previous_haz"],
            )
            for row in shown
        ],
        total=len(rows),
    )


def children_newly_stunted(
    *, region_ids, today: datetime.date, limit: int = LIST_LIMIT
) -> DueList:
    """Children whose latest valid measurement, in the last NEW_FINDING_DAYS,
    shows them stunted (HAZ < -2) while the one before did not; newest first."""
    recent = today - datetime.timedelta(days=NEW_FINDING_DAYS)
    rows = [
        row
        for row in _latest_valid(region_ids, today)
        if row["haz"] < -2
        and row["previous_haz"] is not None
        and row["previous_haz"] >= -2
        and row["measured_on"] >= recent
    ]
    rows.sort(key=lambda row: (-row["measured_on"].toordinal(), row["child_id"]))
    return _findings(rows, limit=limit)


@dataclass
class NotGaining:
    """A child whose weight did not rise enough two months running (2T)."""

    child: Child
    measured_on: datetime.date
    weight_kg: float


def children_not_gaining_twice(
    *, region_ids, today: datetime.date, limit: int = LIST_LIMIT
) -> DueList:
    """Children marked 2T at their latest weighing of this month or last month
    (the SKDN marks, stunting.weighing); the latest first."""
    if not region_ids:
        return DueList(items=[], total=0)
    this_month = (today.year, today.month)
    last_month = divmod(month_index(*this_month) - 2, 12)
    sql, params = weighing_marks_sql(
        first=(last_month[0], last_month[1] + 1),
        last=this_month,
        where=f"AND c.region_id IN ({', '.join(['%s'] * len(region_ids))})",
        params=list(region_ids),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    latest = {}
    for (
        child_id,
        _region,
        ym,
        measured_on,
        weight_kg,
        _mark,
        _file,
        twice,
        _bgm,
    ) in rows:
        if child_id not in latest or ym > latest[child_id][0]:
            latest[child_id] = (ym, measured_on, weight_kg, twice)
    flagged = sorted(
        (
            (measured_on, child_id, weight_kg)
            for child_id, (_ym, measured_on, weight_kg, twice) in latest.items()
            if twice
        ),
        key=lambda row: (-row[0].toordinal(), row[1]),
    )
    shown = flagged[:limit]
    children = Child.objects.select_related("region").in_bulk([r[1] for r in shown])
    return DueList(
        items=[
            NotGaining(child=children[child_id], measured_on=on, weight_kg=weight)
            for on, child_id, weight in shown
        ],
        total=len(flagged),
    )


def audits_due(*, region_ids, today: datetime.date, limit: int = LIST_LIMIT) -> DueList:
    """Stunted children owed a case audit, oldest finding first.

    Owed: the latest valid HAZ is < -2, no audit is still open, and none was
    made on or after that measurement (a closed audit before a new finding
    does not cover it).
    """
    stunted = {
        row["child_id"]: row
        for row in _latest_valid(region_ids, today)
        if row["haz"] < -2
    }
    covered = set()
    for audit in CaseAudit.objects.filter(child_id__in=list(stunted)).values(
        "child_id", "status", "audited_on"
    ):
        finding = stunted[audit["child_id"]]
        if (
            audit["status"] != AuditStatus.CLOSED
            or audit["audited_on"] >= finding["measured_on"]
        ):
            covered.add(audit["child_id"])
    rows = sorted(
        (row for child_id, row in stunted.items() if child_id not in covered),
        key=lambda row: (row["measured_on"], row["child_id"]),
    )
    return _findings(rows, limit=limit)


def audit_follow_ups_due(
    *, region_ids, today: datetime.date, limit: int = LIST_LIMIT
) -> DueList:
    """Open case audits whose next follow-up date has come, most overdue first."""
    audits = (
        CaseAudit.objects.filter(
            child__region_id__in=region_ids, next_follow_up_on__lte=today
        )
        .exclude(status=AuditStatus.CLOSED)
        .select_related("child__region")
        .order_by("next_follow_up_on", "pk")
    )
    return _due_list(audits, limit=limit)


def dashat_follow_ups_due(
    *, region_ids, today: datetime.date, limit: int = LIST_LIMIT
) -> DueList:
    """Dashat children whose follow-up ends this month or has ended in the last
    LOOKBACK_DAYS, with no valid measurement on or after its end; earliest first."""
    month_end = (today.replace(day=28) + datetime.timedelta(days=4)).replace(
        day=1
    ) - datetime.timedelta(days=1)
    end_measured = Measurement.objects.valid_haz().filter(
        child_id=OuterRef("child_id"), measured_on__gte=OuterRef("follow_up_end")
    )
    enrolments = (
        DashatBeneficiary.objects.filter(
            child__region_id__in=region_ids,
            follow_up_end__lte=month_end,
            follow_up_end__gte=today - datetime.timedelta(days=LOOKBACK_DAYS),
        )
        .filter(~Exists(end_measured))
        .select_related("child__region", "dashat")
        .order_by("follow_up_end", "pk")
    )
    return _due_list(enrolments, limit=limit)
