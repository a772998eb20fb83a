"""Recompute the dashboards' indicator snapshots now."""

import time

from django.core.management.base import BaseCommand, CommandError

from dashboards.models import RefreshTrigger
from dashboards.refresh import all_years
from dashboards.services import snapshot_refresh_recorded
from villages.models import Region


class Command(BaseCommand):
    help = (
        "Recompute every indicator for every year (or the years given), for the "
        "whole country or the kab/kota and provinces given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", dest="years")
        parser.add_argument(
            "--within",
            action="append",
            help="kab/kota or province code, e.g. 33.75 (repeatable)",
        )

    def handle(self, *args, years=None, within=None, **options):
        years = years or all_years()
        if within:
            known = set(
                Region.objects.filter(code__in=within, level__lte=2).values_list(
                    "code", flat=True
                )
            )
            unknown = sorted(set(within) - known)
            if unknown:
                raise CommandError(
                    f"Not a loaded province or kab/kota code: {', '.join(unknown)}"
                )
        start = time.perf_counter()

        def progress(done, total):
            self.stdout.write(f"  year {done}/{total} done")

        # Recorded as a run, so the dashboards tell when and what it covered.
        rows = snapshot_refresh_recorded(
            years=years,
            within=within,
            trigger=RefreshTrigger.COMMAND,
            progress=progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{rows:,} figures for {len(years)} year(s) in "
                f"{time.perf_counter() - start:.1f} s."
            )
        )
