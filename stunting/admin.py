from django.contrib import admin

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


@admin.register(Child)
class ChildAdmin(admin.ModelAdmin):
    # __str__ is "Anak #id": names stay out of admin log messages.
    list_display = ["__str__", "region", "sex", "posyandu", "created_at"]
    list_filter = ["sex"]
    list_select_related = ["region"]
    search_fields = ["name", "region__name", "posyandu"]
    raw_id_fields = ["region"]
    # The NIK hash is not editable on the model, so it never appears in a form.
    fields = ["name", "sex", "birth_date", "region", "posyandu", "parent_name"]
    inlines = [MeasurementInline]


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
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
    list_filter = ["haz_class", "haz_implausible", "place", "measured", "weight_gain"]
    date_hierarchy = "measured_on"
    raw_id_fields = ["child", "entered_by", "import_batch"]
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
    raw_id_fields = ["region"]


@admin.register(Dashat)
class DashatAdmin(admin.ModelAdmin):
    list_display = ["name", "kampung", "formed_on", "status"]
    list_filter = ["status"]
    raw_id_fields = ["kampung"]


@admin.register(DashatBeneficiary)
class DashatBeneficiaryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "dashat", "category", "start_on", "follow_up_end"]
    list_filter = ["category"]
    raw_id_fields = ["dashat", "child"]


@admin.register(DashatSession)
class DashatSessionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "date", "portions"]
    raw_id_fields = ["dashat"]
    filter_horizontal = ["beneficiaries_present"]


@admin.register(CaseAudit)
class CaseAuditAdmin(admin.ModelAdmin):
    list_display = ["__str__", "audited_on", "status", "next_follow_up_on"]
    list_filter = ["status"]
    raw_id_fields = ["child"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["file_name", "uploaded_by", "status", "total_rows", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(NikLookup)
class NikLookupAdmin(admin.ModelAdmin):
    """Who looked NIKs up and how many were outside their region: a record, read only."""

    list_display = ["at", "user", "source", "checked", "outside", "refused"]
    list_filter = ["source", "refused"]
    list_select_related = ["user"]
    date_hierarchy = "at"
    search_fields = ["user__username"]
    readonly_fields = [f.name for f in NikLookup._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
