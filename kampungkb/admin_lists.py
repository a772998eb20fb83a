"""Admin changelists of tables that grow with the children (millions of rows).

Django's changelist counts the whole table twice per page (the filtered count and
the full count) and pages by OFFSET. Here the count stops at `CAP` rows (a
bounded `SELECT COUNT(*) FROM (... LIMIT n)`), so does the deepest page, the full
count is not shown, and the newest rows come first through the primary key.
"""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator that counts at most `CAP` rows: pages past them are not offered."""

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.CAP].count()


class LongListAdmin(admin.ModelAdmin):
    """A changelist that reads a page of rows by index, whatever the table's size."""

    paginator = CappedPaginator
    show_full_result_count = False
    ordering = ["-pk"]
