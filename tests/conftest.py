from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from villages.models import Region
from villages.services import region_load


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Static files collected as for production, so pages render with the manifest."""
    # Tests run with DEBUG off, as production does: the static tag then needs the
    # manifest that `collectstatic` writes.
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """A cheap hasher: the suite creates many users and never tests hashing cost."""
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    ):
        yield


@pytest.fixture
def kota_pekalongan(db):
    """Kota Pekalongan (33.75) and its ancestors, loaded from the real region data."""
    region_load(prefix="33.75")
    return Region.objects.get(code="33.75")


@pytest.fixture
def kab_pekalongan(db):
    """Kabupaten Pekalongan (33.26) and its ancestors, loaded from the real region data."""
    region_load(prefix="33.26")
    return Region.objects.get(code="33.26")


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The demo registry, loaded once for a module; gives the output of `load_demo`.

    Each test still runs in a transaction that is rolled back, so a test may change
    the demo data; the module's teardown empties the database again.
    """
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("load_demo", stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "root", password="x-Very-long-pass-1"
    )
    client.force_login(user)
    return client
