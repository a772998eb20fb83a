"""A double-tapped or resent create: one record, and never a 500.

Pages: each create form carries a one-time token (kampungkb/once.py), so the
same form sent twice creates one record and both answers lead to it. Two forms
(two tabs) sent at once: the database's unique constraint refuses the second,
which gets the same form error as when sent after the first. API: the same
call twice gives the first's 201 and then the rule's 400 with its field error.

The races need PostgreSQL (SQLite runs one write at a time): each request runs
in its own thread with its own connection, released together by a barrier;
a second barrier inside the model's save() holds both requests there until
both have passed every check, so the race happens on every run rather than by
chance. On SQLite the same requests are sent one after the other.
"""

import datetime
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from evaluations.models import Award
from kampungkb.models import Role, SubmittedForm, User
from stunting.models import CaseAudit, Child, Dashat, Measurement, ReportedPrevalence
from stunting.services import child_register
from tests.factories import ClassificationFactory, KampungFactory
from villages.models import (
    ClassificationProposal,
    FormationTarget,
    LaunchEvent,
    Region,
)

JENGGOT = "33.75.04.1004"
# What must never reach a log: the children's names and birth dates.
PERSONAL = ["Siti Rahmawati", "Budi Santoso", "2022-03-15", "2023-01-05"]

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="A true race needs PostgreSQL; SQLite serialises writes (CI runs "
    "PostgreSQL).",
)


@pytest.fixture
def world(kota_pekalongan):
    staf = User.objects.create_user("staf", role=Role.STAF)
    staf.regions.set([kota_pekalongan])
    kampung = KampungFactory(region=Region.objects.get(code=JENGGOT))
    ClassificationFactory(kampung=kampung)
    child = child_register(
        region=kampung.region,
        name="Siti Rahmawati",
        sex="P",
        birth_date=datetime.date(2022, 3, 15),
    )
    return {"staf": staf, "kampung": kampung, "child": child}


# name: (model, page url, form, API path, API body, the rule's message or None
# when the serial answer is success: found, replaced)
def _cases(w):
    kampung, child = w["kampung"].pk, w["child"].pk
    return {
        "child": (
            Child,
            reverse("child-create"),
            {
                "region": JENGGOT,
                "name": "Budi Santoso",
                "sex": "L",
                "birth_date": "2023-01-05",
            },
            "/api/children/",
            {
                "region": JENGGOT,
                "name": "Budi Santoso",
                "sex": "L",
                "birth_date": "2023-01-05",
            },
            None,
        ),
        "measurement": (
            Measurement,
            reverse("measurement-create", args=[child]),
            {
                "measured_on": "2024-08-12",
                "weight_kg": "10.5",
                "height_cm": "80.0",
                "measured": "standing",
                "place": "posyandu",
            },
            "/api/measurements/",
            {
                "child": child,
                "measured_on": "2024-08-12",
                "weight_kg": "10.5",
                "height_cm": "80.0",
                "measured": "standing",
            },
            "Anak ini sudah diukur pada tanggal itu.",
        ),
        "target": (
            FormationTarget,
            reverse("target-list"),
            {"region": "33.75", "year": 2023, "new_count": 13},
            "/api/targets/",
            {"region": "33.75", "year": 2023, "new_count": 13},
            None,
        ),
        "reported prevalence": (
            ReportedPrevalence,
            reverse("reported-prevalence-create"),
            {
                "region": "33.75",
                "year": 2023,
                "source": "eppgbm",
                "value_percent": "12.5",
                "citation": "e-PPGBM Agustus 2023",
            },
            "/api/reported-prevalence/",
            {
                "region": "33.75",
                "year": 2023,
                "source": "eppgbm",
                "value_percent": "12.5",
                "citation": "e-PPGBM Agustus 2023",
            },
            "Sudah ada angka dari sumber ini untuk wilayah dan tahun ini.",
        ),
        "proposal": (
            ClassificationProposal,
            reverse("proposal-create", args=[kampung]),
            {"level": "berkembang", "effective_on": "2024-01-02", "reason": "Aktif"},
            "/api/proposals/",
            {
                "kampung": kampung,
                "level": "berkembang",
                "effective_on": "2024-01-02",
                "reason": "Aktif",
            },
            "Kampung KB ini masih punya usulan yang menunggu keputusan dinas.",
        ),
        "dashat": (
            Dashat,
            reverse("dashat-create"),
            {
                "kampung": kampung,
                "name": "Dashat Melati",
                "formed_on": "2023-06-07",
                "status": "active",
            },
            "/api/dashats/",
            {"kampung": kampung, "name": "Dashat Melati", "formed_on": "2023-06-07"},
            "Kampung KB ini sudah punya Dashat dengan nama ini.",
        ),
        "case audit": (
            CaseAudit,
            reverse("audit-create", args=[child]),
            {"audited_on": "2024-08-20", "causes": ["poverty"], "status": "open"},
            "/api/case-audits/",
            {"child": child, "audited_on": "2024-08-20", "causes": ["poverty"]},
            "Anak ini sudah punya audit kasus pada tanggal itu.",
        ),
        "award": (
            Award,
            reverse("evaluation-awards"),
            {
                "kampung": kampung,
                "level": "provinsi",
                "title": "Juara II",
                "year": 2024,
            },
            "/api/awards/",
            {
                "kampung": kampung,
                "level": "provinsi",
                "title": "Juara II",
                "year": 2024,
            },
            "Penghargaan ini sudah tercatat untuk Kampung KB ini pada tingkat dan "
            "tahun itu.",
        ),
        "launch": (
            LaunchEvent,
            reverse("launch-create"),
            {
                "date": "2023-06-07",
                "place": "Aula Kecamatan",
                "organizer": "33.75.04",
                "kampungs": [kampung],
            },
            "/api/launches/",
            {
                "date": "2023-06-07",
                "place": "Aula Kecamatan",
                "organizer": "33.75.04",
                "kampungs": [kampung],
            },
            "Acara pencanangan wilayah ini pada tanggal dan tempat itu sudah tercatat.",
        ),
        "user": (
            User,
            reverse("user-create"),
            {"username": "kader", "role": "pimpinan", "areas": ["33.75"]},
            None,  # accounts are made on their page only
            None,
            "Seorang pengguna dengan nama pengguna tersebut sudah ada.",
        ),
    }


CASES = [
    "child",
    "measurement",
    "target",
    "reported prevalence",
    "proposal",
    "dashat",
    "case audit",
    "award",
    "launch",
    "user",
]
API_CASES = [name for name in CASES if name != "user"]
# The proposal page, once a proposal waits, says so in place of the form.
PAGE_MESSAGES = {"proposal": "masih menunggu keputusan staf dinas"}


def _token(client, url):
    page = client.get(url).content.decode()
    return re.search(r'name="once_token" value="([0-9a-f]{32})"', page)[1]


def _page_client(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _api_client(user):
    client = APIClient(raise_request_exception=False)
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _race(calls, model, monkeypatch):
    """Run the calls at the same instant, each in its own thread and connection."""
    start, at_save = threading.Barrier(len(calls)), threading.Barrier(len(calls))
    save = model.save

    def held_save(self, *args, **kwargs):
        # Both requests have passed every check before either writes. A request
        # that never gets here (its twin answered it) lets the other go on.
        try:
            at_save.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass
        return save(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", held_save)
    answers = [None] * len(calls)

    def run(i, call):
        try:
            start.wait(timeout=10)
            answers[i] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _send(calls, model, monkeypatch, race):
    if race:
        return _race(calls, model, monkeypatch)
    return [call() for call in calls]


def _count(model, world):
    # The fixture's own rows (its user, its child) are not the test's.
    if model is User:
        return User.objects.exclude(pk=world["staf"].pk).count()
    if model is Child:
        return Child.objects.exclude(pk=world["child"].pk).count()
    return model.objects.count()


def _no_personal_values(caplog):
    assert "Internal Server Error" not in caplog.text
    for value in PERSONAL:
        assert value not in caplog.text


def _same_form_twice(name, world, monkeypatch, caplog, race):
    model, url, form = _cases(world)[name][:3]
    clients = [_page_client(world["staf"]) for _ in range(2)]
    token = _token(clients[0], url)
    data = {**form, "once_token": token}

    answers = _send(
        [lambda c=c: c.post(url, data) for c in clients], model, monkeypatch, race
    )

    assert _count(model, world) == 1
    statuses = sorted(a.status_code for a in answers)
    if name == "user":  # the first shows the new account's password, once
        created = User.objects.get(username="kader")
        assert statuses == [200, 302]
        assert {a["Location"] for a in answers if a.status_code == 302} == {
            reverse("user-edit", args=[created.pk])
        }
    else:
        assert statuses == [302, 302]
        assert answers[0]["Location"] == answers[1]["Location"]
    assert SubmittedForm.objects.filter(token=token).count() == 1
    _no_personal_values(caplog)
    return clients, answers


def _two_forms(name, world, monkeypatch, caplog, race):
    model, url, form, _api, _body, message = _cases(world)[name]
    message = PAGE_MESSAGES.get(name, message)
    clients = [_page_client(world["staf"]) for _ in range(2)]
    tokens = [_token(c, url) for c in clients]

    answers = _send(
        [
            lambda c=c, t=t: c.post(url, {**form, "once_token": t})
            for c, t in zip(clients, tokens, strict=True)
        ],
        model,
        monkeypatch,
        race,
    )

    assert _count(model, world) == 1
    statuses = sorted(a.status_code for a in answers)
    if message is None:  # found again, or replaced: both succeed
        assert statuses == [302, 302]
    elif name == "user":  # a new account's page shows its password once
        assert statuses == [200, 200]
        assert sum(message in a.content.decode() for a in answers) == 1
    else:
        assert statuses == [200, 302]
        refused = next(a for a in answers if a.status_code == 200)
        assert message in refused.content.decode()
    _no_personal_values(caplog)


def _api_twice(name, world, monkeypatch, caplog, race):
    model, _url, _form, path, body, message = _cases(world)[name]
    clients = [_api_client(world["staf"]) for _ in range(2)]

    answers = _send(
        [lambda c=c: c.post(path, body, format="json") for c in clients],
        model,
        monkeypatch,
        race,
    )

    assert _count(model, world) == 1
    statuses = sorted(a.status_code for a in answers)
    if message is None:
        assert all(status in (200, 201) for status in statuses)
    else:
        assert statuses == [201, 400]
        refused = next(a for a in answers if a.status_code == 400)
        assert message in str(refused.json())
    _no_personal_values(caplog)


# One after the other: on every database.


@pytest.mark.parametrize("name", CASES)
def test_the_same_form_sent_twice_makes_one_record(name, world, monkeypatch, caplog):
    clients, answers = _same_form_twice(name, world, monkeypatch, caplog, race=False)

    # The second is the repeat: it is told so on the first one's result.
    shown = clients[1].get(answers[1]["Location"]).content.decode()
    assert "Formulir ini sudah terkirim" in shown


@pytest.mark.parametrize("name", CASES)
def test_two_forms_sent_one_after_the_other(name, world, monkeypatch, caplog):
    _two_forms(name, world, monkeypatch, caplog, race=False)


@pytest.mark.parametrize("name", API_CASES)
def test_the_same_api_call_twice(name, world, monkeypatch, caplog):
    _api_twice(name, world, monkeypatch, caplog, race=False)


# At the same instant: PostgreSQL.


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", CASES)
def test_a_double_tap_makes_one_record(name, world, monkeypatch, caplog):
    _same_form_twice(name, world, monkeypatch, caplog, race=True)


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", CASES)
def test_two_forms_at_once_get_the_serial_answers(name, world, monkeypatch, caplog):
    _two_forms(name, world, monkeypatch, caplog, race=True)


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", API_CASES)
def test_two_api_calls_at_once_get_the_serial_answers(name, world, monkeypatch, caplog):
    _api_twice(name, world, monkeypatch, caplog, race=True)
