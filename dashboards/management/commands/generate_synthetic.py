"""Fill a region with marked synthetic data for measuring the dashboards."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dashboards.synthetic import SyntheticError, synthetic_generate


class Command(BaseCommand):
    help = (
        "Fill the loaded region tree under --prefix with SYNTHETIC Kampung KB, "
        "classifications, programs, Dashat, targets and N children measured every "
        "quarter in 2023-2025; the same seed gives the same rows."
    )

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--prefix", help="Region code, e.g. 33 or 33.75.")
        where.add_argument(
            "--country",
            action="store_true",
            help="The whole country: every loaded province (load_regions without "
            "--prefix first).",
        )
        parser.add_argument(
            "--children", type=int, required=True, help="How many children."
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--measurements-per-child", type=int, default=4)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the synthetic rows of an earlier run under the prefix first.",
        )
        parser.add_argument(
            "--allow-real-data",
            action="store_true",
            help="Generate even where real Kampung KB or children exist (they stay).",
        )
        parser.add_argument(
            "--user",
            help="Owner of the provenance import batch; default: the first active "
            "administrator (none: no batch).",
        )

    def handle(self, *args, **options):
        uploader = self._uploader(options["user"])
        try:
            result = synthetic_generate(
                prefix="" if options["country"] else options["prefix"],
                children=options["children"],
                seed=options["seed"],
                measurements_per_child=options["measurements_per_child"],
                replace=options["replace"],
                allow_real_data=options["allow_real_data"],
                uploader=uploader,
                progress=self._progress,
            )
        except SyntheticError as exc:
            raise CommandError(str(exc)) from exc
        if result.deleted:
            deleted = ", ".join(f"{n:,} {name}" for name, n in result.deleted.items())
            self.stdout.write(f"Deleted from the earlier run: {deleted}.")
        stunted = (
            100 * result.stunted / result.with_valid_haz if result.with_valid_haz else 0
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"SYNTHETIC data under {options['prefix'] or 'Indonesia'} (seed {options['seed']}): "
                f"{result.kampung:,} Kampung KB, {result.classifications:,} "
                f"classifications, {result.programs:,} program integrations, "
                f"{result.dashats:,} Dashat, {result.targets:,} formation targets, "
                f"{result.children:,} children, {result.measurements:,} measurements "
                f"(stunted by latest valid HAZ: {stunted:.1f} %)."
            )
        )
        if result.batch is None:
            self.stdout.write(
                "No administrator, so no provenance import batch: the rows are "
                "marked by their names and posyandu."
            )

    def _progress(self, phase, rows, seconds):
        count = "" if rows is None else f": {rows:,}"
        self.stdout.write(f"[{seconds:7.1f} s] {phase}{count}")

    @staticmethod
    def _uploader(username):
        users = get_user_model().objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No active user named {username}.")
            return user
        return users.filter(is_superuser=True).order_by("pk").first()
