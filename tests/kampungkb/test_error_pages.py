"""Error pages say what happened and what to do next, in the app's own look.

Tests run with DEBUG off, as production does, so these are the pages users get.
"""

import html
import re

import pytest
from django.test import Client
from django.utils import translation
from django.views.defaults import server_error

from tests.api.conftest import JENGGOT, registry, users  # noqa: F401 (fixtures)

CONTACT = "hubungi staf Dinsos-P2KB kabupaten/kota Anda"


def _text(response):
    """The page's words, without tags."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _signed_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_missing_page_is_the_apps_404_with_its_menu_and_ways_on(users):  # noqa: F811
    response = _signed_in(users["staf"]).get("/tidak-ada/")

    assert response.status_code == 404
    text = _text(response)
    assert "Halaman tidak ditemukan" in text
    assert "di luar wilayah kerja akun Anda" in text
    assert CONTACT in text
    body = response.content.decode()
    assert 'aria-label="Menu utama"' in body  # the signed-in frame, not a bare page
    assert 'href="/"' in body and 'href="/wilayah/"' in body
    assert "Not Found" not in body


@pytest.mark.django_db
def test_the_404_page_speaks_english_when_chosen(users):  # noqa: F811
    client = _signed_in(users["staf"])
    client.cookies["django_language"] = "en"
    text = _text(client.get("/tidak-ada/"))

    assert "Page not found" in text
    assert "Halaman tidak ditemukan" not in text
    assert "contact the Dinsos-P2KB staff of your district or city" in text


@pytest.mark.django_db
def test_a_refused_action_is_the_apps_403_naming_the_role(users, registry):  # noqa: F811
    kampung = registry[JENGGOT]
    response = _signed_in(users["pimpinan"]).get(f"/kampung/{kampung.pk}/ubah/")

    assert response.status_code == 403
    text = _text(response)
    assert "Anda tidak berhak membuka halaman ini" in text
    assert "Peran akun Anda (Pimpinan" in text
    assert "mengubah peran atau wilayah kerja akun Anda" in text
    assert 'aria-label="Menu utama"' in response.content.decode()


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_the_apps_page(users, registry):  # noqa: F811
    client = _signed_in(users["staf"], enforce_csrf_checks=True)
    kampung = registry[JENGGOT]
    response = client.post(f"/kampung/{kampung.pk}/ubah/", {"name": "x"})

    assert response.status_code == 403
    text = _text(response)
    assert "Formulir tidak dapat dikirim" in text
    assert "Tidak ada yang disimpan." in text
    assert "CSRF verification failed" not in text
    assert 'aria-label="Menu utama"' in response.content.decode()
    kampung.refresh_from_db()
    assert kampung.name != "x"


@pytest.mark.django_db
def test_a_nul_answers_the_apps_400_page(users):  # noqa: F811
    response = _signed_in(users["staf"]).get("/wilayah/?q=a%00b")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    text = _text(response)
    assert "Permintaan tidak dapat diproses" in text
    assert 'parameter "q" berisi karakter NUL' in text
    assert "\x00" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.kampungkb.error_urls")
def test_a_bug_shows_the_apps_500_page():
    client = Client(raise_request_exception=False)
    response = client.get("/rusak/")

    assert response.status_code == 500
    text = _text(response)
    assert "Terjadi kesalahan di server" in text
    assert "Ini bukan kesalahan Anda." in text
    assert "a bug in a page" not in text  # nothing of the error itself
    assert 'href="/static/css/app.' in response.content.decode()


def test_the_500_page_needs_no_database_nor_context(rf):
    # No django_db mark: any query here would fail the test.
    request = rf.get("/stunting/anak/")
    for code, title in (("id", "Terjadi kesalahan di server"), ("en", "Server error")):
        with translation.override(code):
            response = server_error(request)
        assert response.status_code == 500
        assert title in _text(response)
