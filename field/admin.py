from django.contrib import admin

from .models import SyncedEntry


@admin.register(SyncedEntry)
class SyncedEntryAdmin(admin.ModelAdmin):
    """What phones have synced, for support: read-only, the sync alone writes it."""

    list_display = ["created_at", "user", "kind", "object_type", "object_id", "device"]
    list_filter = ["kind"]
    search_fields = ["user__username", "entry_id"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
