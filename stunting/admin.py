from django.contrib import admin
from django.db.models import Max, Min
from django.utils.translation import gettext_lazy as _

from kampungkb.admin_lists import LongListAdmin

from .growth import HAZ_LABELS
from .models import (
    CaseAudit,
    Child,
    Dashat,
    DashatBeneficiary,
    DashatSession,
    ImportBatch,
    Measurement,
    NikLookup,
    ReportedPrevalence,
)

# Computed by stunting.growth on record and import: never typed in the admin.
SCORE_FIELDS = [
    "age_days",
    "height_adjusted_cm",
    "haz",
    "waz",
    "whz",
    "haz_class",
    "waz_class",
    "whz_class",
    "haz_implausible",
    "waz_implausible",
    "whz_implausible",
    "missing_reasons",
]


class MeasurementInline(admin.TabularInline):
    model = Measurement
    fields = [
        "measured_on",
        "weight_kg",
        "height_cm",
        "measured",
        "lila_cm",
        "weight_gain",
        "haz",
        "haz_class",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class HazClassFilter(admin.SimpleListFilter):
    """The HAZ classes, from the code: not a DISTINCT over every measurement."""

    title = _("status TB/U")
    parameter_name = "haz_class"

    def lookups(self, request, model_admin):
        return list(HAZ_LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in HAZ_LABELS:
            return queryset.filter(haz_class=self.value())
        return queryset


class MeasuredYearFilter(admin.SimpleListFilter):
    """Years between the first and last measurement (two index reads), not a
    date hierarchy's DISTINCT over every date."""

    title = _("tahun ukur")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        span = Measurement.objects.aggregate(
            first=Min("measured_on"), last=Max("measured_on")
        )
        if span["first"] is None:
            return []
        years = range(span["last"].year, span["first"].year - 1, -1)
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit() and 1 <= int(value) <= 9999:
            return queryset.filter(measured_on__year=int(value))
        return queryset


@admin.register(Child)
class ChildAdmin(LongListAdmin):
    # __str__ is "Anak #id": names stay out of admin log messages.
    list_display = ["__str__", "region", "sex", "posyandu", "created_at"]
    list_filter = ["sex"]
    list_select_related = ["region"]
    # The beginning of a name, through the UPPER(name) prefix index.
    search_fields = ["^name"]
    autocomplete_fields = ["region"]
    # The NIK hash is not editable on the model, so it never appears in a form.
    fields = ["name", "sex", "birth_date", "region", "posyandu", "parent_name"]
    inlines = [MeasurementInline]


@admin.register(Measurement)
class MeasurementAdmin(LongListAdmin):
    list_display = [
        "__str__",
        "measured_on",
        "weight_kg",
        "height_cm",
        "lila_cm",
        "weight_gain",
        "haz",
        "haz_class",
        "haz_implausible",
    ]
    list_filter = [
        HazClassFilter,
        MeasuredYearFilter,
        "haz_implausible",
        "place",
        "measured",
        "weight_gain",
    ]
    # __str__ names the child ("Anak #id").
    list_select_related = ["child"]
    autocomplete_fields = ["child", "entered_by", "import_batch"]
    readonly_fields = [*SCORE_FIELDS, "entered_by", "import_batch", "created_at"]

    # Scores follow the values: measurements come from the entry form and imports.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportedPrevalence)
class ReportedPrevalenceAdmin(admin.ModelAdmin):
    list_display = [
        "region",
        "year",
        "source",
        "value_percent",
        "numerator",
        "denominator",
    ]
    list_filter = ["source", "year"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]


@admin.register(Dashat)
class DashatAdmin(admin.ModelAdmin):
    list_display = ["name", "kampung", "formed_on", "status"]
    list_filter = ["status"]
    list_select_related = ["kampung"]
    search_fields = ["name", "kampung__name"]
    autocomplete_fields = ["kampung"]


@admin.register(DashatBeneficiary)
class DashatBeneficiaryAdmin(LongListAdmin):
    list_display = ["__str__", "dashat", "category", "start_on", "follow_up_end"]
    list_filter = ["category"]
    list_select_related = ["dashat"]
    search_fields = ["^name"]
    autocomplete_fields = ["dashat", "child"]


@admin.register(DashatSession)
class DashatSessionAdmin(LongListAdmin):
    list_display = ["__str__", "date", "portions"]
    list_select_related = ["dashat"]
    # Beneficiaries grow with the children: searched, never listed whole.
    autocomplete_fields = ["dashat", "beneficiaries_present"]


@admin.register(CaseAudit)
class CaseAuditAdmin(LongListAdmin):
    list_display = ["__str__", "audited_on", "status", "next_follow_up_on"]
    list_filter = ["status"]
    list_select_related = ["child"]
    autocomplete_fields = ["child"]


@admin.register(ImportBatch)
class ImportBatchAdmin(LongListAdmin):
    list_display = ["file_name", "uploaded_by", "status", "total_rows", "created_at"]
    list_filter = ["status"]
    list_select_related = ["uploaded_by"]
    search_fields = ["file_name"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(NikLookup)
class NikLookupAdmin(LongListAdmin):
    """Who looked NIKs up and how many were outside their region: a record, read only."""

    list_display = ["at", "user", "source", "checked", "outside", "refused"]
    list_filter = ["source", "refused"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    readonly_fields = [f.name for f in NikLookup._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
