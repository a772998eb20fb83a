"""Odd input is a 400 or 404 with a message saying what and where, never a 500.

Each case was a 500 on PostgreSQL (which refuses a NUL in text) or on both
databases (year 0, deep JSON). Run on both; CI runs PostgreSQL.
"""

import datetime
import html
import json
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.test.client import encode_multipart
from rest_framework.test import APIClient

from evaluations.models import Award, Cycle
from kampungkb.models import Role, User
from kampungkb.parsers import MAX_JSON_DEPTH
from stunting import services as stunting
from stunting.models import CaseAudit, Child, ReportedPrevalence
from tests.api.conftest import JENGGOT, api, registry, users  # noqa: F401 (fixtures)
from villages.models import FormationTarget, KampungKB

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "berisi karakter NUL"


def _text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def browser_as(users):  # noqa: F811
    def client_for(role):
        client = Client()
        client.force_login(users[role])
        return client

    return client_for


@pytest.mark.parametrize(
    "role, url, where",
    [
        ("staf", "/wilayah/33.75%00/", "alamat halaman"),
        ("staf", "/stunting/wilayah/33.75%00/", "alamat halaman"),
        ("staf", "/wilayah/33.75/?q=%00", 'parameter "q"'),
        ("admin", "/akun/pengguna/?q=a%00b", 'parameter "q"'),
        ("staf", "/stunting/anak/?q=%00", 'parameter "q"'),
        ("staf", "/stunting/anak/?halaman=1&x%00=1", 'parameter "x"'),
        ("admin", "/admin/stunting/child/?q=%00", 'parameter "q"'),
    ],
)
def test_a_nul_in_the_path_or_query_is_a_400_that_says_where(
    browser_as, role, url, where
):
    response = browser_as(role).get(url)

    assert response.status_code == 400
    # The app's own 400 page, which says what was refused and where.
    assert response["Content-Type"].startswith("text/html")
    assert f"{where} {NUL_MESSAGE}" in _text(response)
    assert "Permintaan tidak dapat diproses" in _text(response)


@pytest.mark.parametrize(
    "url", ["/api/regions/33.75%00/", "/api/regions/?name=%00", "/api/children/?q=%00"]
)
def test_a_nul_in_an_api_path_or_query_is_a_json_400(api, url):  # noqa: F811
    response = api("staf").get(url)

    assert response.status_code == 400
    assert NUL_MESSAGE in response.json()["detail"]


def test_a_nul_in_the_session_cookie_is_a_400_not_a_lookup(db):
    # An escaped NUL is plain ASCII on the wire, so servers pass it on; Django
    # unquotes it and the session table was asked for it.
    client = Client(HTTP_COOKIE='sessionid="\\000abcdefghijklmnop"')

    response = client.get("/wilayah/")

    assert response.status_code == 400
    assert f"cookie {NUL_MESSAGE}" in _text(response)


def test_a_nul_in_the_token_header_is_a_400(db):
    client = APIClient(HTTP_AUTHORIZATION="Token abc\x00def")

    response = client.get("/api/me/")

    assert response.status_code == 400
    assert "header AUTHORIZATION" in response.json()["detail"]


def test_a_nul_in_a_posted_region_code_is_refused_and_saves_nothing(browser_as):
    response = browser_as("staf").post(
        "/stunting/anak/baru/",
        {
            "region": JENGGOT + "\x00",
            "name": "Anak Uji",
            "sex": "L",
            "birth_date": "2023-01-01",
        },
    )

    assert response.status_code == 400
    assert f'isian "region" {NUL_MESSAGE}' in _text(response)
    assert not Child.objects.exists()


def test_a_nul_in_a_multipart_field_is_refused(browser_as):
    response = browser_as("staf").post(
        "/stunting/prevalensi/tambah/",
        {"region": "33.75", "year": "2024", "citation": "a\x00"},
        # The test client's default: multipart/form-data.
    )

    assert response.status_code == 400
    assert f'isian "citation" {NUL_MESSAGE}' in _text(response)


def _post_json(client, url, body: str, method="POST"):
    return client.generic(method, url, body.encode(), content_type="application/json")


def test_a_nul_in_json_is_a_400_under_its_field(api, registry):  # noqa: F811
    child = stunting.child_register(
        region=registry[JENGGOT].region,
        name="Anak Uji",
        sex="L",
        birth_date=datetime.date(2023, 1, 1),
    )
    body = {"child": child.pk, "audited_on": "2025-01-03", "causes": ["pov\x00erty"]}

    response = _post_json(api("staf"), "/api/case-audits/", json.dumps(body))

    assert response.status_code == 400
    assert response.json() == {"causes": ["Karakter null tidak diizinkan."]}
    assert not CaseAudit.objects.exists()


def test_a_nul_in_a_json_key_is_a_400_about_the_whole_input(api, registry):  # noqa: F811
    response = _post_json(api("staf"), "/api/kampung/", '{"na\\u0000me": "x"}')

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Karakter null tidak diizinkan."]}


@pytest.mark.parametrize(
    "method, url",
    [
        ("POST", "/api/kampung/"),
        ("PATCH", "/api/kampung/{pk}/"),
        ("POST", "/api/token/"),
        ("POST", "/api/case-audits/"),
    ],
)
def test_deeply_nested_json_is_a_400_with_a_message(api, registry, method, url):  # noqa: F811
    url = url.format(pk=registry[JENGGOT].pk)

    response = _post_json(api("staf"), url, "[" * 3000, method=method)

    assert response.status_code == 400
    assert response.json() == {
        "detail": f"JSON bersarang lebih dari {MAX_JSON_DEPTH} tingkat."
    }


def test_json_nested_just_past_the_limit_is_refused_and_at_it_is_read(api, registry):  # noqa: F811
    # Valid JSON the decoder reads without trouble: the limit itself refuses it.
    deep = '{"name": ' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "}"
    too_deep = '{"name": ' + "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    too_deep += "}"
    url = f"/api/kampung/{registry[JENGGOT].pk}/"

    read = _post_json(api("staf"), url, deep, method="PATCH")
    refused = _post_json(api("staf"), url, too_deep, method="PATCH")

    # Read, then refused by the serializer for what it is: not a name.
    assert read.status_code == 400 and "name" in read.json()
    assert refused.status_code == 400 and "detail" in refused.json()
    assert KampungKB.objects.get(pk=registry[JENGGOT].pk).name != "[]"


@pytest.mark.parametrize("year", ["0", "1999", "99999"])
def test_reported_prevalence_year_out_of_range_is_a_field_error_on_the_page(
    browser_as, year
):
    response = browser_as("staf").post(
        "/stunting/prevalensi/tambah/",
        {
            "region": "33.75",
            "year": year,
            "source": "ssgi",
            "value_percent": "17.86",
            "citation": "SSGI",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["year"]
    assert not ReportedPrevalence.objects.exists()


@pytest.mark.parametrize("year", [0, 1999, 99999])
def test_reported_prevalence_year_out_of_range_is_a_field_error_in_the_api(
    api,  # noqa: F811
    kota_pekalongan,
    year,
):
    response = api("staf").post(
        "/api/reported-prevalence/",
        {
            "region": "33.75",
            "year": year,
            "source": "ssgi",
            "value_percent": "17.86",
            "citation": "SSGI",
        },
    )

    assert response.status_code == 400
    assert set(response.json()) == {"year"}
    assert not ReportedPrevalence.objects.exists()


@pytest.mark.parametrize(
    "url, body",
    [
        ("/api/awards/", {"level": "provinsi", "title": "Juara II", "rank": 2}),
        ("/api/evaluation-cycles/", {"name": "Evaluasi", "evaluated_on": "2025-04-29"}),
    ],
)
def test_year_0_is_refused_by_the_models_that_check_a_year(api, registry, url, body):  # noqa: F811
    # 0 is falsy: the models' year checks skipped it and saved a year 0.
    body = {**body, "year": 0, "region": "33.75", "kampung": registry[JENGGOT].pk}

    response = api("admin").post(url, body)

    assert response.status_code == 400
    assert "year" in response.json()
    assert Award.objects.count() == Cycle.objects.count() == 0


def test_a_formation_target_of_year_0_does_not_validate(kota_pekalongan):
    target = FormationTarget(region=kota_pekalongan, year=0, new_count=13)

    with pytest.raises(ValidationError) as refused:
        target.full_clean()

    assert "year" in refused.value.message_dict


def test_an_id_past_a_bigint_in_the_query_is_ignored(browser_as):
    # Found by tests/test_url_fuzz.py: the number overflowed the database driver.
    response = browser_as("staf").get("/stunting/dashat/?kampung=" + "9" * 20)

    assert response.status_code == 200


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=BoUnDaRy"],
)
def test_a_form_body_read_by_the_nul_check_still_reaches_the_view(db, content_type):
    # The check parses form bodies before the view; DRF must still read them.
    User.objects.create_user("staf", password="Rahasia-Kampung-9", role=Role.STAF)
    fields = {"username": "staf", "password": "Rahasia-Kampung-9"}
    if content_type.startswith("multipart"):
        body = encode_multipart("BoUnDaRy", fields)
    else:
        body = urlencode(fields)

    response = APIClient().generic("POST", "/api/token/", body, content_type)

    assert response.status_code == 200
    assert response.json()["token"]
