import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from villages.demo import demo_load

DEMO_ADMIN = "admin"


class Command(BaseCommand):
    help = "Load the Kota and Kabupaten Pekalongan demo; rerunning adds nothing."

    def handle(self, *args, **options):
        created = demo_load()
        self.stdout.write(f"Demo registry: {created} Kampung KB created.")
        self._demo_admin()

    def _demo_admin(self):
        User = get_user_model()
        if not settings.DEBUG:
            self.stdout.write(
                "Production mode (DEBUG off): no demo administrator is created; "
                "use `python manage.py createsuperuser`."
            )
            return
        if User.objects.filter(username=DEMO_ADMIN).exists():
            self.stdout.write(
                f"Demo administrator '{DEMO_ADMIN}' already exists; its password was shown "
                f"when it was made (reset it with `python manage.py changepassword {DEMO_ADMIN}`)."
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(DEMO_ADMIN, email="", password=password)
        # Printed once, here, and stored nowhere else.
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo administrator created. Username: {DEMO_ADMIN}  Password: {password}"
            )
        )
