import pytest

from villages.models import Region
from villages.services import region_load


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


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "root", password="x-Very-long-pass-1"
    )
    client.force_login(user)
    return client
