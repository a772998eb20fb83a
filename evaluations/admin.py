"""Admin: rubric templates and awards are edited here too; scores and evidence are
read-only, since only the services keep them locked after a cycle closes."""

from django.contrib import admin

from .models import (
    Award,
    Cycle,
    CycleCriterion,
    EvaluatorAssignment,
    Evidence,
    Participant,
    RubricCriterion,
    RubricTemplate,
    Score,
)


class RubricCriterionInline(admin.TabularInline):
    model = RubricCriterion
    extra = 0


@admin.register(RubricTemplate)
class RubricTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "builtin", "updated_at"]
    inlines = [RubricCriterionInline]


class CycleCriterionInline(admin.TabularInline):
    model = CycleCriterion
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "year", "evaluated_on", "status"]
    list_filter = ["status", "year"]
    readonly_fields = [
        "status",
        "weight_input",
        "weight_proses",
        "weight_output",
        "opened_at",
        "closed_at",
        "closed_by",
    ]
    inlines = [CycleCriterionInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = ["kampung", "cycle", "krppa_linked", "accepted_classification"]
    list_filter = ["cycle"]


@admin.register(EvaluatorAssignment)
class EvaluatorAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["evaluator", "participant", "assigned_at"]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["participant", "criterion", "evaluator", "value", "updated_at"]
    list_filter = ["participant__cycle"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    # No file link: evidence is served only by the view that checks scope.
    list_display = ["original_name", "participant", "uploaded_by", "size"]
    exclude = ["file"]


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ["kampung", "level", "title", "year", "awarded_by"]
    list_filter = ["level", "year"]
