"""Early-warning pages: the list, one alert and its actions, the rule settings.

Alerts are read in the user's read scope (another region's alert does not
exist: 404). Staff of the alert's kab/kota and administrators acknowledge and
close it, a PLKB acknowledges those of their own desa, officials only read.
Child names, exact days and exact z-scores only where the user sees children
(stunting.disclosure).
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kampungkb.access import can, scoped, user_scope
from kampungkb.keyset import keyset_page, pager_links
from stunting.dashat_views import child_label
from stunting.disclosure import measured_month, shown_z
from villages.forms import add_service_errors
from villages.models import Region, RegionLevel

from . import selectors, services
from .alerts import KINDS, Rules
from .forms import AlertActionForm, AlertFilterForm, AlertRuleForm
from .models import (
    COUNTRY_CODE,
    Alert,
    AlertActionKind,
    AlertKind,
    AlertRule,
    AlertStatus,
    Span,
)

PAGE_SIZE = 50


@dataclass
class Card:
    alert: Alert
    title: str
    subject: str
    when: str
    facts: list  # (label, text)
    links: list  # (label, url)
    may_acknowledge: bool
    may_close: bool


def _period(year, span, part):
    if span == Span.QUARTER:
        return _("Triwulan %(part)s %(year)s") % {"part": part, "year": year}
    if span == Span.MONTH:
        return f"{part:02d}/{year}"
    return str(year)


def _day(user, alert, iso):
    day = datetime.date.fromisoformat(iso)
    if can(user, "child.personal", alert.region):
        return day.strftime("%d-%m-%Y")
    return measured_month(day)


def _z(user, alert, value):
    shown = value if can(user, "child.personal", alert.region) else shown_z(value)
    return f"{shown:.2f}".replace(".", ",")


def _facts(user, alert):
    try:
        return _kind_facts(user, alert)
    except (KeyError, TypeError, ValueError):
        # Values stored by an older version of a rule: shown as they are.
        return [(key, str(value)) for key, value in alert.values.items()]


def _kind_facts(user, alert):
    v = alert.values
    if alert.kind == AlertKind.STUNTING_RISE:
        span = alert.span
        return [
            (
                _period(v["before"]["year"], span, v["before"]["part"]),
                _("%(percent)s %% stunting (%(stunted)s dari n = %(valid)s anak)")
                % v["before"],
            ),
            (
                _period(v["after"]["year"], span, v["after"]["part"]),
                _("%(percent)s %% stunting (%(stunted)s dari n = %(valid)s anak)")
                % v["after"],
            ),
            (_("Kenaikan"), _("%(rise)s poin persen") % v),
            (
                _("Aturan"),
                _("naik lebih dari %(points)s poin, minimal %(min_children)s anak") % v,
            ),
        ]
    if alert.kind in (AlertKind.NEWLY_STUNTED, AlertKind.HAZ_DROP):
        facts = [
            (_("TB/U sebelumnya"), _z(user, alert, v["previous_haz"])),
            (_("Diukur sebelumnya"), _day(user, alert, v["previous_on"])),
            (_("TB/U terakhir"), _z(user, alert, v["haz"])),
            (_("Diukur terakhir"), _day(user, alert, v["on"])),
        ]
        if alert.kind == AlertKind.HAZ_DROP:
            facts.append((_("Aturan"), _("turun lebih dari %(threshold)s SD") % v))
        return facts
    if alert.kind == AlertKind.AUDIT_OVERDUE:
        return [
            (_("Stunting sejak pengukuran"), _day(user, alert, v["on"])),
            (_("TB/U saat itu"), _z(user, alert, v["haz"])),
            (_("Belum diaudit"), _("%(days)s hari (batas %(threshold)s hari)") % v),
        ]
    if alert.kind == AlertKind.DASHAT_NO_END:
        return [
            (_("Akhir pendampingan"), _day(user, alert, v["follow_up_end"])),
            (
                _("Tanpa pengukuran akhir"),
                _("%(days)s hari sejak akhir (batas %(threshold)s hari)") % v,
            ),
        ]
    if alert.kind == AlertKind.NOT_GAINING_TWICE:
        return [
            (_("Ditimbang"), _day(user, alert, v["on"])),
            (_("Berat badan"), _("%(weight_kg)s kg") % v),
            (
                _("Aturan"),
                _(
                    "tidak naik sesuai kenaikan berat badan minimal (KBM) 2 bulan berturut-turut"
                ),
            ),
        ]
    # A kind added later shows its values as stored until it has its own lines.
    return [(key, str(value)) for key, value in v.items()]


def _links(user, alert):
    links = [
        (
            _("Angka stunting desa/kelurahan"),
            reverse("stunting-prevalence", args=[alert.region_id]),
        )
    ]
    if alert.child_id:
        links.append((_("Data anak"), reverse("child-detail", args=[alert.child_id])))
    if alert.child_id is None:
        return links
    if alert.kind == AlertKind.AUDIT_OVERDUE and can(
        user, "audit.change", alert.region
    ):
        links.append(
            (_("Buat audit kasus"), reverse("audit-create", args=[alert.child_id]))
        )
    if alert.kind == AlertKind.DASHAT_NO_END and alert.values.get("dashat"):
        links.append(
            (_("Dashat"), reverse("dashat-detail", args=[alert.values["dashat"]]))
        )
    if alert.kind in (AlertKind.NEWLY_STUNTED, AlertKind.HAZ_DROP) and can(
        user, "measurement.add", alert.region
    ):
        links.append(
            (_("Catat pengukuran"), reverse("child-detail", args=[alert.child_id]))
        )
    return links


def _card(user, alert) -> Card:
    open_ = alert.status != AlertStatus.CLOSED
    return Card(
        alert=alert,
        title=alert.get_kind_display(),
        subject=child_label(user, alert.child) if alert.child_id else alert.region.name,
        when=(
            _period(alert.year, alert.span, alert.part)
            if alert.year
            else _day(user, alert, alert.on.isoformat())
            if alert.on
            else ""
        ),
        facts=_facts(user, alert),
        links=_links(user, alert),
        may_acknowledge=alert.status == AlertStatus.OPEN
        and can(user, "alert.acknowledge", alert.region),
        may_close=open_ and can(user, "alert.close", alert.region),
    )


def alert_list(request):
    user = request.user
    form = AlertFilterForm(request.GET or None)
    page, error = None, ""
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        region = None
        code = data.get("wilayah", "")
        if code:
            region = scoped(Region.objects, user).filter(code=code).first()
            if region is None:
                form.add_error("wilayah", _("Wilayah ini tidak ada di wilayah Anda."))
        if not form.errors:
            alerts = selectors.alert_list_for(
                user=user,
                status=data.get("status", ""),
                kind=data.get("kind", ""),
                region=region,
            )
            try:
                page = keyset_page(
                    alerts,
                    keys=("-id",),
                    cursor=request.GET.get("cursor") or None,
                    size=PAGE_SIZE,
                )
            except ValidationError as exc:
                error = exc.messages[0]
    return render(
        request,
        "dashboards/alert_list.html",
        {
            "form": form,
            "page": page,
            "pager": pager_links(request, page),
            "cursor_error": error,
            "cards": [_card(user, a) for a in (page.rows if page else ())],
            "may_set_rules": can(user, "alert.rule"),
        },
    )


def _readable_alert(user, pk):
    return get_object_or_404(
        scoped(Alert.objects, user).select_related("region", "child__region", "rule"),
        pk=pk,
    )


def _detail(request, alert, form=None, status=200):
    user = request.user
    return render(
        request,
        "dashboards/alert_detail.html",
        {
            "card": _card(user, alert),
            "actions": alert.actions.select_related("actor").order_by("at", "id"),
            "form": form or AlertActionForm(),
        },
        status=status,
    )


def alert_detail(request, pk):
    return _detail(request, _readable_alert(request.user, pk))


@require_POST
def alert_act(request, pk):
    alert = _readable_alert(request.user, pk)
    form = AlertActionForm(request.POST)
    if not form.is_valid():
        return _detail(request, alert, form, status=400)
    action = form.cleaned_data["action"]
    needed = "alert.close" if action == AlertActionKind.CLOSE else "alert.acknowledge"
    if not can(request.user, needed, alert.region):
        raise PermissionDenied
    try:
        done = services.alert_act(
            alert=alert,
            user=request.user,
            action=action,
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _detail(request, alert, form)
    if done is None:
        messages.info(
            request,
            _("Peringatan ini sudah %(status)s.")
            % {"status": alert.get_status_display().lower()},
        )
    elif action == AlertActionKind.CLOSE:
        messages.success(request, _("Peringatan ditutup."))
    else:
        messages.success(request, _("Peringatan ditandai sedang ditangani."))
    return redirect("alert-detail", pk=alert.pk)


def _rule_regions(user):
    """The regions whose rules the user sets: their kab/kota (an administrator:
    the country and every region that has a rule)."""
    write = user_scope(user).write
    if write is None:
        codes = set(
            AlertRule.objects.filter(region__isnull=False).values_list(
                "region_id", flat=True
            )
        )
        return [None, *Region.objects.filter(code__in=codes).order_by("code")]
    return [r for r in write if r.level in (RegionLevel.PROVINSI, RegionLevel.KABKOTA)]


def alert_rules(request):
    if not can(request.user, "alert.rule"):
        raise PermissionDenied
    rules = {kind: Rules(KINDS[kind]) for kind in KINDS}
    rows = []
    for region in _rule_regions(request.user):
        code = region.code if region else COUNTRY_CODE
        for kind, in_force in rules.items():
            rule = _rule_for(in_force, region)
            rows.append(
                {
                    "region": region,
                    "code": code,
                    "kind": kind,
                    "label": AlertKind(kind).label,
                    "rule": rule,
                    "own": rule.pk is not None
                    and rule.region_id == (region.code if region else None),
                    "thresholds": [
                        (AlertRule._meta.get_field(n).verbose_name, _shown(rule, n))
                        for n in KINDS[kind].thresholds
                    ],
                }
            )
    return render(
        request,
        "dashboards/alert_rules.html",
        {"rows": rows, "country_admin": user_scope(request.user).write is None},
    )


def _shown(rule, name):
    if name == "span":
        return rule.get_span_display()
    return str(getattr(rule, name)).replace(".", ",")


def _rule_for(rules: Rules, region) -> AlertRule:
    """The rule in force for a region (active or not), else the country's."""
    if region is not None:
        for key in (region.code[:5], region.code[:2]):
            if key in rules.by_region:
                return rules.by_region[key]
    return rules.default


def alert_rule_edit(request, code, kind):
    user = request.user
    if kind not in KINDS:
        raise Http404
    if not can(user, "alert.rule"):
        raise PermissionDenied
    if code == COUNTRY_CODE:
        if user_scope(user).write is not None:
            raise PermissionDenied
        region = None
    else:
        region = get_object_or_404(
            scoped(Region.objects, user),
            code=code,
            level__in=(RegionLevel.PROVINSI, RegionLevel.KABKOTA),
        )
        if not can(user, "alert.rule", region):
            raise PermissionDenied
    spec = KINDS[kind]
    current = _rule_for(Rules(spec), region)
    initial = {"active": current.active}
    initial.update({n: getattr(current, n) for n in spec.thresholds})
    form = AlertRuleForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        thresholds=spec.thresholds,
    )
    if form.is_valid():
        try:
            services.alert_rule_save(
                kind=kind, region=region, user=user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Aturan peringatan disimpan."))
            return redirect("alert-rules")
    history = []
    if current.pk and current.region_id == (region.code if region else None):
        history = current.history.select_related("history_user").order_by(
            "-history_date"
        )[:20]
    return render(
        request,
        "dashboards/alert_rule_form.html",
        {
            "form": form,
            "kind_label": AlertKind(kind).label,
            "region": region,
            "history": history,
        },
    )
