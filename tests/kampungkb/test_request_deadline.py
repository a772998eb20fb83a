"""A request that keeps querying is stopped at WEB_REQUEST_DEADLINE_S with a 503.

statement_timeout bounds one statement (PostgreSQL only); a page that runs many
statements is bounded by the deadline (kampungkb/limits.py), on any database.
"""

import time

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.urls import path

from kampungkb.urls import urlpatterns as app_urlpatterns
from villages.models import Region


def many_queries(request):
    """Stands for a page that queries on and on."""
    for _ in range(3):
        Region.objects.exists()
        time.sleep(0.2)
    return HttpResponse("finished")


urlpatterns = [
    *app_urlpatterns,
    path("uji/banyak/", many_queries),
    path("api/uji/banyak/", many_queries),
]


@pytest.fixture
def root(client, db):
    client.force_login(get_user_model().objects.create_superuser("root"))
    return client


@pytest.mark.urls(__name__)
def test_a_request_past_its_deadline_answers_503_with_a_page(root, settings):
    settings.WEB_REQUEST_DEADLINE_S = 0.3

    page = root.get("/uji/banyak/")

    assert page.status_code == 503
    assert page["Content-Type"].startswith("text/html")
    assert "terlalu lama dimuat" in page.content.decode()
    api = root.get("/api/uji/banyak/")
    assert api.status_code == 503
    assert "terlalu lama" in api.json()["detail"]


@pytest.mark.urls(__name__)
def test_the_next_request_has_its_own_time(root, settings):
    settings.WEB_REQUEST_DEADLINE_S = 0.3
    assert root.get("/uji/banyak/").status_code == 503

    settings.WEB_REQUEST_DEADLINE_S = 60
    page = root.get("/uji/banyak/")

    assert page.status_code == 200
    assert page.content == b"finished"
