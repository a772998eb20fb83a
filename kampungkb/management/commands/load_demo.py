from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from evaluations.demo import evaluation_demo_load, evaluation_demo_scores
from kampungkb.models import Role
from kampungkb.services import temporary_password, user_create
from stunting.demo import stunting_demo_load
from villages.demo import boundary_demo_load, demo_load
from villages.models import Region

DEMO_ADMIN = "admin"
DEMO_EVALUATOR = "evaluator.kota"
# One account per role for Kota Pekalongan (username, role, names, region codes).
DEMO_USERS = [
    ("staf.kota", Role.STAF, "Staf", "Dinsos-P2KB", ["33.75"]),
    (
        "plkb.selatan",
        Role.PLKB,
        "PLKB",
        "Pekalongan Selatan",
        ["33.75.04.1004", "33.75.04.1006", "33.75.04.1008"],
    ),
    ("pimpinan.kota", Role.PIMPINAN, "Pimpinan", "Kota Pekalongan", ["33.75"]),
    (DEMO_EVALUATOR, Role.EVALUATOR, "Evaluator", "Kota Pekalongan", ["33.75"]),
]


class Command(BaseCommand):
    help = "Load the Kota and Kabupaten Pekalongan demo; rerunning adds nothing."

    def handle(self, *args, **options):
        created = demo_load()
        self.stdout.write(f"Demo registry: {created} Kampung KB created.")
        boundaries = boundary_demo_load()
        self.stdout.write(
            f"Demo maps: {boundaries} SCHEMATIC (not official) region boundaries loaded."
        )
        stunting = stunting_demo_load()
        self.stdout.write(
            "Demo stunting: {reported} reported figures, {children} SYNTHETIC children "
            "with {measurements} measurements created.".format(**stunting)
        )
        evaluation = evaluation_demo_load()
        self.stdout.write(
            "Demo evaluation: {cycles} cycle (2025, Kota Pekalongan) and {awards} "
            "awards created.".format(**evaluation)
        )
        if not settings.DEBUG:
            self.stdout.write(
                "Production mode (DEBUG off): no demo accounts are created; "
                "use `python manage.py createsuperuser`."
            )
            return
        admin = self._demo_admin()
        self._demo_users(admin)
        scores = evaluation_demo_scores(
            evaluator=get_user_model().objects.get(username=DEMO_EVALUATOR)
        )
        self.stdout.write(
            f"Demo evaluation: {scores} ILLUSTRATIVE scores by {DEMO_EVALUATOR}."
        )

    def _demo_admin(self):
        User = get_user_model()
        admin = User.objects.filter(username=DEMO_ADMIN).first()
        if admin:
            self.stdout.write(
                f"Demo account '{DEMO_ADMIN}' already exists; its password was shown when "
                f"it was made (reset: `python manage.py changepassword {DEMO_ADMIN}`)."
            )
            return admin
        password = temporary_password()
        admin = User.objects.create_superuser(DEMO_ADMIN, email="", password=password)
        # Printed once, here, and stored nowhere else.
        self.stdout.write(self.style.SUCCESS(self._line(DEMO_ADMIN, "admin", password)))
        return admin

    def _demo_users(self, admin):
        User = get_user_model()
        for username, role, first, last, codes in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                self.stdout.write(f"Demo account '{username}' already exists.")
                continue
            _user, password = user_create(
                actor=admin,
                username=username,
                role=role,
                first_name=first,
                last_name=last,
                regions=Region.objects.filter(code__in=codes),
            )
            self.stdout.write(self.style.SUCCESS(self._line(username, role, password)))

    @staticmethod
    def _line(username, role, password):
        return f"Demo account ({role}): username {username}  password {password}"
