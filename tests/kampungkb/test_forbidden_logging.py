"""A 403 is logged as one line (path, user id); a 500 keeps its traceback."""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from kampungkb.urls import urlpatterns as app_urlpatterns
from tests.api.conftest import api, users  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

# What a refusal's message might carry; it must never reach the log.
PERSONAL = "Budi Santoso, lahir 2023-01-01, NIK 3375010101230001"


def refuse(request, **kwargs):
    raise PermissionDenied(PERSONAL)


def crash(request):
    raise RuntimeError("boom")


# The app's own URLs too: its error pages link them.
urlpatterns = [
    path("refuse/", refuse),
    path("refuse/<str:part>/", refuse),
    path("crash/", crash),
    *app_urlpatterns,
]


def _request_records(caplog):
    return [r for r in caplog.records if r.name == "django.request"]


def _assert_one_line_403(caplog, path, user):
    (record,) = _request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == f"Forbidden: {path} (user id {user.pk})"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text
    assert PERSONAL not in caplog.text


@pytest.mark.urls(__name__)
def test_a_permission_denied_logs_one_line_without_its_message(client, users, caplog):  # noqa: F811
    client.force_login(users["staf"])

    with caplog.at_level(logging.INFO):
        response = client.get("/refuse/")

    assert response.status_code == 403
    _assert_one_line_403(caplog, "/refuse/", users["staf"])


@pytest.mark.urls(__name__)
def test_a_500_still_logs_its_traceback(users, caplog):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(users["staf"])

    with caplog.at_level(logging.INFO):
        response = client.get("/crash/")

    assert response.status_code == 500
    (record,) = _request_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "Traceback" in caplog.text and "RuntimeError: boom" in caplog.text


def test_a_page_refused_to_a_plkb_logs_one_line(client, users, caplog):  # noqa: F811
    client.force_login(users["plkb"])

    with caplog.at_level(logging.INFO):
        response = client.get("/akun/pengguna/")

    assert response.status_code == 403
    _assert_one_line_403(caplog, "/akun/pengguna/", users["plkb"])


def test_an_api_write_refused_to_pimpinan_logs_one_line(api, users, caplog):  # noqa: F811
    with caplog.at_level(logging.INFO):
        response = api("pimpinan").post(
            "/api/kampung/", {"region": "33.75.04.1004", "formed_on": "2023-06-07"}
        )

    assert response.status_code == 403
    _assert_one_line_403(caplog, "/api/kampung/", users["pimpinan"])


@pytest.mark.urls(__name__)
def test_a_path_cannot_add_lines_to_the_log(client, users, caplog):  # noqa: F811
    client.force_login(users["staf"])

    with caplog.at_level(logging.INFO):
        client.get("/refuse/a%0AForbidden: x (user id 1)/")

    (record,) = _request_records(caplog)
    assert "\n" not in record.getMessage()
    assert record.getMessage().startswith("Forbidden: /refuse/a\\nForbidden")
