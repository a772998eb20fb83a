"""Filters of the dashboard pages: figures with their units, changes, sort links."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from dashboards.charts import prevalence_band, prevalence_band_index
from dashboards.reports import format_amount

register = template.Library()


@register.filter
def amount(value, unit):
    """A figure as people read it: 1.500, 70,37 %; a dash for no data."""
    return format_amount(value, unit)


@register.filter
def change(kpi):
    """A KPI's change against the year before: +8, −2,5 poin."""
    delta = kpi.change
    if delta is None:
        return ""
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    size = (
        floatformat(abs(delta), -2) if kpi.indicator.is_rate else intcomma(abs(delta))
    )
    if kpi.indicator.is_rate:
        return _("%(sign)s%(size)s poin") % {"sign": sign, "size": size}
    return f"{sign}{size}"


@register.filter
def arrow(direction):
    return {"up": "▲", "down": "▼", "same": "="}.get(direction, "")


@register.filter
def band(value):
    """The prevalence band name of a measured stunting figure."""
    return prevalence_band(value)[1]


@register.filter
def band_class(value):
    """A CSS class for a prevalence band: band-0 (no data) .. band-5."""
    return f"band-{prevalence_band_index(value)}"


@register.simple_tag
def sort_query(year, header):
    """The query string of a column header's sort link."""
    return urlencode(
        {"tahun": year, "urut": header.column.key, "arah": header.next_direction}
    )
