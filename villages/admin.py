from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import (
    Classification,
    ClassificationLevel,
    FieldOfficer,
    FormationTarget,
    KampungActivity,
    KampungKB,
    LaunchEvent,
    OfficerAssignment,
    PokjaMember,
    ProgramIntegration,
    Region,
    RegionLevel,
)


class KabKotaFilter(admin.SimpleListFilter):
    """Kab/kota that actually have rows here, so the list stays short."""

    title = _("kabupaten/kota")
    parameter_name = "kabkota"
    region_path = "region__kabkota"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).values(self.region_path).distinct()
        return [
            (r.code, r.name)
            for r in Region.objects.filter(code__in=codes, level=RegionLevel.KABKOTA)
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.region_path: self.value()})
        return queryset


class ClassificationFilter(admin.SimpleListFilter):
    title = _("klasifikasi saat ini")
    parameter_name = "klasifikasi"

    def lookups(self, request, model_admin):
        return [*ClassificationLevel.choices, ("none", _("Belum diklasifikasi"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(current_level__isnull=True)
        if self.value():
            return queryset.filter(current_level=self.value())
        return queryset


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent"]
    list_filter = [
        "level",
        "kind",
        ("province", admin.RelatedOnlyFieldListFilter),
        ("kabkota", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    readonly_fields = ["parent", "province", "kabkota", "kecamatan"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        # Region codes are prefixes: "33.75" finds everything in Kota Pekalongan.
        if search_term[:2].isdigit():
            return queryset.filter(code__startswith=search_term.strip()), False
        return super().get_search_results(request, queryset, search_term)

    def has_delete_permission(self, request, obj=None):
        # Regions come from Kemendagri data; only `load_regions` changes the tree.
        return False


class ClassificationInline(admin.TabularInline):
    model = Classification
    extra = 0
    fields = [
        "level",
        "effective_on",
        "basis",
        "decided_by",
        "decision_ref",
        "note",
        "illustrative_note",
    ]


class PokjaInline(admin.TabularInline):
    model = PokjaMember
    extra = 0


class ProgramInline(admin.TabularInline):
    model = ProgramIntegration
    extra = 0


@admin.register(KampungKB)
class KampungKBAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "region_code",
        "kabkota_name",
        "formed_on",
        "current_level_display",
        "is_active",
    ]
    list_filter = [
        KabKotaFilter,
        ClassificationFilter,
        "is_active",
        "rumah_dataku",
        "krppa_integrated",
    ]
    search_fields = ["name", "region__name", "region__code"]
    autocomplete_fields = ["region"]
    date_hierarchy = "formed_on"
    inlines = [ClassificationInline, PokjaInline, ProgramInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "region",
                    "name",
                    "formed_on",
                    "sk_number",
                    "sk_date",
                    "secretariat_address",
                ]
            },
        ),
        (
            _("Status"),
            {"fields": ["is_active", "deactivated_on", "deactivation_reason"]},
        ),
        (
            _("Kesiapan"),
            {
                "fields": [
                    "web_kampung_kb_filled",
                    "siga_k0_year",
                    "rumah_dataku",
                    "krppa_integrated",
                ]
            },
        ),
        (_("Sumber data"), {"fields": ["source", "illustrative_note"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_current_level()
            .select_related("region__kabkota")
        )

    @admin.display(description=_("kode wilayah"), ordering="region__code")
    def region_code(self, obj):
        return obj.region_id

    @admin.display(description=_("kabupaten/kota"), ordering="region__kabkota__name")
    def kabkota_name(self, obj):
        return obj.region.kabkota.name

    @admin.display(description=_("klasifikasi"), ordering="current_level")
    def current_level_display(self, obj):
        return (
            ClassificationLevel(obj.current_level).label if obj.current_level else "–"
        )

    def has_delete_permission(self, request, obj=None):
        # A Kampung KB is deactivated, never deleted.
        return False


class KampungKabKotaFilter(KabKotaFilter):
    region_path = "kampung__region__kabkota"


@admin.register(Classification)
class ClassificationAdmin(admin.ModelAdmin):
    list_display = ["kampung", "level", "effective_on", "basis", "decided_by"]
    list_filter = ["level", "basis", KampungKabKotaFilter]
    search_fields = ["kampung__name", "kampung__region__code", "decision_ref"]
    autocomplete_fields = ["kampung"]
    list_select_related = ["kampung"]


@admin.register(PokjaMember)
class PokjaMemberAdmin(admin.ModelAdmin):
    list_display = ["kampung", "role", "seksi", "name", "position"]
    list_filter = ["role", "seksi", KampungKabKotaFilter]
    search_fields = ["name", "kampung__name", "kampung__region__code"]
    autocomplete_fields = ["kampung"]


@admin.register(ProgramIntegration)
class ProgramIntegrationAdmin(admin.ModelAdmin):
    list_display = ["kampung", "program", "since", "agency"]
    list_filter = ["program", KampungKabKotaFilter]
    search_fields = ["kampung__name", "kampung__region__code", "agency"]
    autocomplete_fields = ["kampung"]


@admin.register(KampungActivity)
class KampungActivityAdmin(admin.ModelAdmin):
    list_display = ["kampung", "held_on", "title", "participants", "recorded_by"]
    list_filter = [KampungKabKotaFilter]
    search_fields = ["title", "kampung__name", "kampung__region__code"]
    autocomplete_fields = ["kampung"]
    list_select_related = ["kampung", "recorded_by"]
    readonly_fields = ["recorded_by", "created_at"]


class AssignmentInline(admin.TabularInline):
    model = OfficerAssignment
    extra = 1
    autocomplete_fields = ["region"]


@admin.register(FieldOfficer)
class FieldOfficerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "nip", "phone"]
    list_filter = ["kind"]
    search_fields = [
        "name",
        "nip",
        "assignments__region__name",
        "assignments__region__code",
    ]
    inlines = [AssignmentInline]


@admin.register(OfficerAssignment)
class OfficerAssignmentAdmin(admin.ModelAdmin):
    list_display = ["officer", "region", "assigned_on"]
    list_filter = [KabKotaFilter]
    search_fields = ["officer__name", "region__name", "region__code"]
    autocomplete_fields = ["officer", "region"]


@admin.register(LaunchEvent)
class LaunchEventAdmin(admin.ModelAdmin):
    list_display = ["date", "place", "organizer", "kampung_count"]
    list_filter = [("organizer", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "place",
        "officials",
        "organizer__name",
        "organizer__code",
        "kampungs__name",
    ]
    autocomplete_fields = ["organizer", "kampungs"]
    date_hierarchy = "date"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("organizer")
            .annotate(n_kampung=Count("kampungs"))
        )

    @admin.display(description=_("jumlah Kampung KB"), ordering="n_kampung")
    def kampung_count(self, obj):
        return obj.n_kampung


@admin.register(FormationTarget)
class FormationTargetAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "new_count"]
    list_filter = ["year", ("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["region__name", "region__code"]
    autocomplete_fields = ["region"]
