"""The to-do lists of a home page: what needs doing in the user's own desa or
kab/kota, each item with the page or form that resolves it."""

import datetime
from dataclasses import dataclass

from django.db.models import Q

from kampungkb.access import scoped
from stunting import worklists
from stunting.models import ImportBatch, ImportStatus
from villages.models import ClassificationProposal, Region, RegionLevel
from villages.selectors import proposals_of, proposals_pending

from .models import AlertStatus
from .selectors import ALERT_BADGE_CAP, alert_list_for, alert_open_count

# Decisions on a PLKB's proposals stay on their home this long; imports with
# problems stay on the uploader's.
RECENT_DAYS = 60
# The most pending proposals a staff home lists (the rest: the proposal page).
PROPOSALS_SHOWN = 10
ALERTS_SHOWN = 10


def _recent_since(today: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        today - datetime.timedelta(days=RECENT_DAYS), datetime.time.min, datetime.UTC
    )


@dataclass
class PlkbWorklist:
    template = "dashboards/_todo_plkb.html"

    region_ids: list
    due_measurement: worklists.DueList
    newly_stunted: worklists.DueList
    not_gaining_twice: worklists.DueList
    audits_due: worklists.DueList
    audit_follow_ups: worklists.DueList
    dashat_follow_ups: worklists.DueList
    proposals: list

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.due_measurement.total,
                self.newly_stunted.total,
                self.not_gaining_twice.total,
                self.audits_due.total,
                self.audit_follow_ups.total,
                self.dashat_follow_ups.total,
                self.proposals,
            )
        )


def plkb_worklist(*, user, today: datetime.date) -> PlkbWorklist:
    """What a PLKB's desa need this month, and their proposals with decisions."""
    region_ids = list(
        scoped(
            Region.objects.filter(level=RegionLevel.DESA), user, write=True
        ).values_list("pk", flat=True)
    )
    lists = {
        name: selector(region_ids=region_ids, today=today)
        for name, selector in (
            ("due_measurement", worklists.children_due_measurement),
            ("newly_stunted", worklists.children_newly_stunted),
            ("not_gaining_twice", worklists.children_not_gaining_twice),
            ("audits_due", worklists.audits_due),
            ("audit_follow_ups", worklists.audit_follow_ups_due),
            ("dashat_follow_ups", worklists.dashat_follow_ups_due),
        )
    }
    since = _recent_since(today)
    return PlkbWorklist(
        region_ids=region_ids,
        proposals=list(proposals_of(user=user, decided_since=since)[:20]),
        **lists,
    )


@dataclass
class StaffWorklist:
    template = "dashboards/_todo_staff.html"

    proposals: list
    proposal_total: int
    imports: list
    alerts: list
    # Open alerts in the region, up to ALERT_BADGE_CAP + 1 (the badge's count).
    alert_count: int

    alert_cap = ALERT_BADGE_CAP

    @property
    def empty(self) -> bool:
        return not (self.proposal_total or self.imports or self.alerts)


def staff_worklist(*, user, today: datetime.date) -> StaffWorklist:
    """Pending proposals and open alerts of the staff member's region, and their
    imports with problems."""
    pending = proposals_pending(
        queryset=scoped(ClassificationProposal.objects, user, write=True)
    )
    shown = list(pending[: PROPOSALS_SHOWN + 1])
    since = _recent_since(today)
    imports = ImportBatch.objects.filter(
        uploaded_by=user, created_at__gte=since
    ).filter(
        Q(status__in=(ImportStatus.REJECTED, ImportStatus.FAILED))
        | (Q(status=ImportStatus.DONE) & ~Q(errors=[]))
    )
    return StaffWorklist(
        proposals=shown[:PROPOSALS_SHOWN],
        proposal_total=len(shown) if len(shown) <= PROPOSALS_SHOWN else pending.count(),
        imports=list(imports.order_by("-created_at")[:10]),
        alerts=list(alert_list_for(user=user, status=AlertStatus.OPEN)[:ALERTS_SHOWN]),
        alert_count=alert_open_count(user=user),
    )
