"""Issue 13, items 4 and 5: every role's pages lead somewhere, and the Kampung KB
page is one page (after `load_demo` and a full refresh of the figures)."""

import datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from dashboards.refresh import all_years, snapshot_refresh
from evaluations.demo import LEFT_UNSCORED, evaluation_demo_scores
from evaluations.models import Cycle
from kampungkb.models import Role, User
from kampungkb.services import user_create
from stunting.models import Child, Dashat
from villages.models import KampungKB, Region
from villages.services import kampung_update, proposal_create

pytestmark = pytest.mark.django_db

JENGGOT = "33.75.04.1004"
MEDONO = "33.75.01.1002"
KAUMAN = "33.75.02.1004"


@pytest.fixture(scope="module")
def accounts(demo_module, django_db_blocker):
    """The demo's accounts (as `load_demo` makes them in DEBUG mode), the evaluator
    with the demo's scores, a camat (pimpinan of one kecamatan), and the figures."""
    with django_db_blocker.unblock():
        root = User.objects.create_superuser("root", password="x-Very-long-pass-1")

        def make(username, role, codes):
            return user_create(
                actor=root,
                username=username,
                role=role,
                regions=Region.objects.filter(code__in=codes),
            )[0]

        users = {
            "admin": root,
            "staf": make("staf.kota", Role.STAF, ["33.75"]),
            "plkb": make(
                "plkb.selatan",
                Role.PLKB,
                [JENGGOT, "33.75.04.1006", "33.75.04.1008"],
            ),
            "pimpinan": make("pimpinan.kota", Role.PIMPINAN, ["33.75"]),
            "camat": make("camat.barat", Role.PIMPINAN, ["33.75.01"]),
            "evaluator": make("evaluator.kota", Role.EVALUATOR, ["33.75"]),
        }
        evaluation_demo_scores(evaluator=users["evaluator"])
        snapshot_refresh(years=all_years())
    return users


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def kampung(code):
    return KampungKB.objects.select_related("region").get(region_id=code)


class Links(HTMLParser):
    """The page's own links (GET targets), without fragments and files."""

    def __init__(self, html):
        super().__init__()
        self.links = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if not href or href.startswith(("#", "mailto:", "http")):
            return
        self.links.append(href.split("#")[0])


# --- Item 4: no dead ends ---------------------------------------------------------


def test_a_plkb_reads_the_aggregate_dashboards_of_their_whole_city(accounts):
    client = client_of(accounts["plkb"])

    for code in ("33.75", "33.75.01", MEDONO):
        assert client.get(reverse("dashboard", args=[code])).status_code == 200
    assert client.get(reverse("dashboard", args=["33.26"])).status_code == 404
    assert client.get(reverse("dashboard", args=["00"])).status_code == 404


def test_a_camat_reads_their_city_dashboard_as_well(accounts):
    client = client_of(accounts["camat"])

    assert client.get(reverse("dashboard", args=["33.75"])).status_code == 200
    assert client.get(reverse("dashboard", args=["33.75.02"])).status_code == 200
    assert client.get(reverse("dashboard", args=["33.26"])).status_code == 404


def test_personal_data_stays_in_the_plkb_own_desa(accounts):
    """Reading the city's figures gives no access to the children outside."""
    client = client_of(accounts["plkb"])
    outside = Child.objects.filter(region__kecamatan_id="33.75.01").first()
    assert outside is not None
    assert client.get(reverse("child-detail", args=[outside.pk])).status_code == 404
    page = client.get(reverse("dashboard", args=[outside.region_id])).content.decode()
    assert outside.name not in page
    # Nor the registry rows of another kecamatan: the write and row scope stay.
    medono = kampung(MEDONO)
    assert client.get(reverse("kampung-detail", args=[medono.pk])).status_code == 404


def test_an_evaluator_opens_the_profiles_they_score_read_only(accounts):
    client = client_of(accounts["evaluator"])
    jenggot = kampung(JENGGOT)

    response = client.get(reverse("kampung-detail", args=[jenggot.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert jenggot.name in page
    for edit in ("kampung-edit", "kampung-readiness", "pokja-edit", "program-edit"):
        assert reverse(edit, args=[jenggot.pk]) not in page
    assert client.get(reverse("kampung-edit", args=[jenggot.pk])).status_code == 404
    outside = KampungKB.objects.filter(region__kabkota_id="33.26").first()
    assert client.get(reverse("kampung-detail", args=[outside.pk])).status_code == 404


def test_the_evaluator_home_lists_what_they_score(accounts):
    cycle = Cycle.objects.get(region_id="33.75", year=2025)
    criteria = cycle.criteria.count()

    page = client_of(accounts["evaluator"]).get(reverse("home")).content.decode()

    work = page[page.index('id="penilaian"') :]
    participants = cycle.participants.select_related("kampung__region")
    assert participants.count() == 27
    for participant in participants:
        assert participant.kampung.name in work
        score_url = reverse("evaluation-score", args=[cycle.pk, participant.pk])
        assert score_url in work
    assert work.count("sudah dinilai") == 27 - len(LEFT_UNSCORED)
    assert work.count(f"0 dari {criteria} kriteria") == len(LEFT_UNSCORED)
    assert cycle.name in work


def test_the_plkb_home_lists_their_work(accounts):
    plkb = accounts["plkb"]
    jenggot = kampung(JENGGOT)
    kampung_update(
        kampung=jenggot,
        expected_version=jenggot.version,
        changed_by=plkb,
        web_kampung_kb_filled=False,
    )
    proposal_create(
        kampung=jenggot,
        level="mandiri",
        effective_on=datetime.date(2025, 1, 1),
        reason="Pokja lengkap",
        proposed_by=plkb,
    )

    page = client_of(plkb).get(reverse("home")).content.decode()

    work = page[page.index('id="pekerjaan"') :]
    jenggot_part = work[work.index(jenggot.name) : work.index("</article>")]
    assert "Web Kampung KB terisi" in jenggot_part
    assert "Usulan klasifikasi menunggu keputusan dinas" in jenggot_part
    assert reverse("kampung-readiness", args=[jenggot.pk]) in jenggot_part
    for code in (JENGGOT, "33.75.04.1006", "33.75.04.1008"):
        assert reverse("kampung-detail", args=[kampung(code).pk]) in work
    # Their figures: the city and their kecamatan.
    assert reverse("dashboard", args=["33.75"]) in page
    assert reverse("dashboard", args=["33.75.04"]) in page


@pytest.mark.parametrize(
    "role", ["admin", "staf", "plkb", "pimpinan", "camat", "evaluator"]
)
def test_every_link_on_each_role_home_page_leads_to_a_page(accounts, role):
    client = client_of(accounts[role])
    home = client.get(reverse("home"))
    assert home.status_code == 200
    links = sorted(set(Links(home.content.decode()).links))
    assert reverse("home") in links
    broken = {}
    for link in links:
        if urlsplit(link).path in (reverse("logout"),):
            continue
        status = client.get(link).status_code
        if status in (403, 404) or status >= 500:
            broken[link] = status
    assert broken == {}


@pytest.mark.parametrize("role", ["plkb", "camat"])
def test_every_link_on_the_city_dashboard_leads_to_a_page(accounts, role):
    """A PLKB or camat reads the whole city's aggregates, not its rows: the page
    links the registry and stunting pages only where they may read them."""
    client = client_of(accounts[role])
    page = client.get(reverse("dashboard", args=["33.75"]))
    assert page.status_code == 200
    links = sorted(set(Links(page.content.decode()).links))
    assert reverse("region-detail", args=["33.75"]) not in links
    broken = {}
    for link in links:
        status = client.get(link).status_code
        if status in (403, 404) or status >= 500:
            broken[link] = status
    assert broken == {}


# --- Item 5: the Kampung KB page ---------------------------------------------------


def test_the_kampung_page_shows_everything_about_it(accounts):
    jenggot = kampung(JENGGOT)
    client = client_of(accounts["staf"])

    page = client.get(reverse("kampung-detail", args=[jenggot.pk])).content.decode()

    assert "Juara II" in page  # its award (evaluations)
    figures = page[page.index('id="angka"') :]
    figures = figures[: figures.index("</section>")]
    for label in (
        "Stunting terukur",
        "Stunting terlapor",
        "Anak 0-59 bulan terdaftar",
        "Skor evaluasi terakhir",
    ):
        assert label in figures
    assert "anak diukur" in figures  # the measured rate carries its n
    assert reverse("dashboard", args=[JENGGOT]) in figures
    kitchen = Dashat.objects.select_related("kampung").get()  # the demo's one
    page = client.get(
        reverse("kampung-detail", args=[kitchen.kampung.pk])
    ).content.decode()
    dashat = page[page.index('id="dashat"') :]
    assert kitchen.name in dashat[: dashat.index("</section>")]


def test_the_kampung_page_costs_the_same_for_any_kampung(accounts):
    client = client_of(accounts["staf"])
    counts = []
    for code in (JENGGOT, KAUMAN, MEDONO):
        with CaptureQueriesContext(connection) as queries:
            assert (
                client.get(
                    reverse("kampung-detail", args=[kampung(code).pk])
                ).status_code
                == 200
            )
        counts.append(len(queries))
    assert max(counts) <= 40
    assert max(counts) - min(counts) <= 2


def test_readiness_is_edited_apart_from_the_profile(accounts):
    jenggot = kampung(JENGGOT)
    client = client_of(accounts["plkb"])

    profile = client.get(reverse("kampung-edit", args=[jenggot.pk])).content.decode()
    readiness = client.get(
        reverse("kampung-readiness", args=[jenggot.pk])
    ).content.decode()

    assert 'name="web_kampung_kb_filled"' not in profile
    assert 'name="secretariat_address"' in profile
    assert 'name="web_kampung_kb_filled"' in readiness
    assert 'name="secretariat_address"' not in readiness
    detail = client.get(reverse("kampung-detail", args=[jenggot.pk])).content.decode()
    assert reverse("kampung-readiness", args=[jenggot.pk]) in detail

    response = client.post(
        reverse("kampung-readiness", args=[jenggot.pk]),
        {
            "web_kampung_kb_filled": "on",
            "siga_k0_year": "2025",
            "rumah_dataku": "lengkap",
            "version": jenggot.version,
        },
    )

    assert response.status_code == 302
    saved = kampung(JENGGOT)
    assert (saved.siga_k0_year, saved.rumah_dataku) == (2025, "lengkap")
    assert saved.name == jenggot.name


def test_a_plkb_cannot_change_the_formation_date_or_sk(accounts):
    plkb, jenggot = accounts["plkb"], kampung(JENGGOT)
    client = client_of(plkb)
    url = reverse("kampung-edit", args=[jenggot.pk])
    page = client.get(url).content.decode()
    formed = page[page.index('name="formed_on"') - 200 : page.index('name="formed_on"')]
    assert "disabled" in page[page.index('name="formed_on"') :].split(">")[0] + formed

    client.post(
        url,
        {
            "name": "Kampung KB Jenggot Baru",
            "formed_on": "2020-01-01",
            "sk_number": "SK palsu",
            "secretariat_address": "",
            "version": jenggot.version,
        },
    )

    saved = kampung(JENGGOT)
    assert saved.name == "Kampung KB Jenggot Baru"
    assert saved.formed_on == jenggot.formed_on
    assert saved.sk_number == jenggot.sk_number
    # The service refuses too, whoever calls it.
    with pytest.raises(ValidationError) as refused:
        kampung_update(
            kampung=saved,
            expected_version=saved.version,
            changed_by=plkb,
            formed_on=datetime.date(2020, 1, 1),
        )
    assert "formed_on" in refused.value.error_dict
    # And the API.
    api = APIClient()
    api.force_authenticate(plkb)
    response = api.patch(
        reverse("api:kampung-detail", args=[saved.pk]),
        {"version": saved.version, "sk_number": "SK palsu"},
        format="json",
    )
    assert response.status_code == 400
    assert "sk_number" in response.json()
    assert kampung(JENGGOT).sk_number == jenggot.sk_number


def test_staff_change_the_formation_record(accounts):
    staf, jenggot = accounts["staf"], kampung(JENGGOT)
    client = client_of(staf)
    response = client.post(
        reverse("kampung-edit", args=[jenggot.pk]),
        {
            "name": jenggot.name,
            "formed_on": jenggot.formed_on.isoformat(),
            "sk_number": "SK 400/12/2023",
            "sk_date": "2023-06-01",
            "secretariat_address": "",
            "version": jenggot.version,
        },
    )
    assert response.status_code == 302
    assert kampung(JENGGOT).sk_number == "SK 400/12/2023"


def test_the_decide_page_shows_the_facts_the_proposal_relies_on(accounts):
    jenggot = kampung(JENGGOT)
    proposal = proposal_create(
        kampung=jenggot,
        level="mandiri",
        effective_on=datetime.date(2025, 1, 1),
        reason="Delapan seksi aktif",
        proposed_by=accounts["plkb"],
    )

    page = (
        client_of(accounts["staf"])
        .get(reverse("proposal-decide", args=[proposal.pk]))
        .content.decode()
    )

    rules = page[page.index('id="syarat"') :]
    rules = rules[: rules.index("</section>")]
    for asked in ("Rumah DataKu", "Program terintegrasi", "Seksi Pokja", "Dashat"):
        assert asked in rules
    assert "minimal Lengkap" in rules  # what mandiri asks of Rumah DataKu
    facts = page[page.index('id="fakta"') :]
    for shown in ("Kesiapan", "Skor evaluasi terakhir", "Stunting terukur"):
        assert shown in facts
    assert "anak diukur" in facts


# --- Item 5: a proposal may carry an evidence file ------------------------------------

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _propose(client, kampung_pk, upload):
    return client.post(
        reverse("proposal-create", args=[kampung_pk]),
        {
            "level": "mandiri",
            "effective_on": "2025-01-01",
            "reason": "SK Pokja baru dan delapan seksi aktif",
            "evidence": upload,
        },
    )


def test_a_proposal_carries_its_evidence_to_the_decider(accounts, media):
    jenggot = kampung(JENGGOT)
    plkb = client_of(accounts["plkb"])
    upload = SimpleUploadedFile("sk-pokja.pdf", PDF, "application/pdf")

    assert _propose(plkb, jenggot.pk, upload).status_code == 302

    proposal = jenggot.proposals.get(status="pending")
    assert proposal.evidence_name == "sk-pokja.pdf"
    assert "sk-pokja" not in proposal.evidence.name  # stored under a random name
    staf = client_of(accounts["staf"])
    page = staf.get(reverse("proposal-decide", args=[proposal.pk])).content.decode()
    link = reverse("proposal-evidence", args=[proposal.pk])
    assert f'href="{link}">sk-pokja.pdf</a>' in page
    served = staf.get(link)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PDF
    assert served["Content-Type"] == "application/pdf"
    assert "attachment" in served["Content-Disposition"]
    assert "sandbox" in served["Content-Security-Policy"]
    # A camat of another kecamatan reads the city's figures, not this file.
    assert client_of(accounts["camat"]).get(link).status_code == 404


def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_is_saved(
    accounts, media
):
    jenggot = kampung(JENGGOT)
    before = jenggot.proposals.count()
    upload = SimpleUploadedFile("sk.pdf", b"<html>not a pdf</html>", "application/pdf")

    response = _propose(client_of(accounts["plkb"]), jenggot.pk, upload)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["evidence"] == ["Hanya berkas PDF, JPEG, atau PNG yang diterima."]
    assert jenggot.proposals.count() == before
    assert not list(media.rglob("*.*"))
