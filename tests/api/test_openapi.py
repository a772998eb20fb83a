"""The API against its own OpenAPI schema: a bounded property-based run (schemathesis).

Every operation gets generated valid and invalid input, as an administrator, so
writes go through. No answer may be a 5xx, and every answer must be documented:
its status code, content type and body shape.
"""

import datetime
import json
from decimal import Decimal

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi import checks as openapi_checks

from dashboards.refresh import snapshot_refresh
from evaluations import services as evaluations
from kampungkb.wsgi import application
from stunting import services as stunting
from tests.factories import PokjaMemberFactory, ProgramIntegrationFactory
from villages.models import (
    ClassificationProposal,
    FormationTarget,
    LaunchEvent,
    OfficerAssignment,
    Region,
)

from .conftest import BANYURIP, JENGGOT, MEDONO

CONFIG = {
    "seed": 20250429,
    # Valid and invalid input; each operation on its own, no multi-step scenarios.
    "generation": {"mode": "all"},
    "phases": {"stateful": {"enabled": False}},
}
# Bounded and repeatable: the same examples every run, nothing stored between runs.
BOUNDED = settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    # The seeded registry is shared by an operation's examples, on purpose.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


def _schema():
    # The schema /api/schema/ serves, generated in-process: loading it over HTTP
    # would need a signed-in user before the test database exists.
    loaded = schemathesis.openapi.from_dict(
        SchemaGenerator().get_schema(request=None, public=True),
        config=schemathesis.Config.from_dict(CONFIG),
    )
    loaded.app = application
    return loaded


schema = _schema()

# Keys of the rows the `seeded` fixture made, by the collection path (for ids in
# paths) or the input field (for references in bodies). Random keys almost never
# exist; mixing these in lets the run reach the services behind the lookups.
KNOWN: dict[str, list] = {}


def _sometimes_known(values, known):
    if not isinstance(values, dict):
        return st.just(values)
    return st.fixed_dictionaries(
        {
            name: st.sampled_from([value, *known(name)])
            if known(name)
            else st.just(value)
            for name, value in values.items()
        }
    )


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    collection = context.operation.path.split("{")[0]
    return _sometimes_known(path_parameters, lambda name: KNOWN.get(collection, []))


@schema.hook
def flatmap_body(context, body):
    return _sometimes_known(body, lambda name: KNOWN.get(name, []))


@pytest.fixture
def in_process_wsgi():
    """Keep the test's database connection across requests, as Django's test client does.

    Django closes old connections around each request; inside the test's
    transaction that would throw away the data the run works on.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _evaluation(users, registry, jenggot):
    """An open cycle of Kota Pekalongan with a score, evidence and an award."""
    template = evaluations.template_copy(
        template=evaluations.template_builtin(),
        region=Region.objects.get(code="33.75"),
        name="Rubrik Kota",
    )
    cycle = evaluations.cycle_create(
        region=Region.objects.get(code="33.75"),
        name="Evaluasi 2025",
        year=2025,
        evaluated_on=datetime.date(2025, 4, 29),
        template=template,
    )
    draft = evaluations.cycle_create(
        region=Region.objects.get(code="33.75"),
        name="Evaluasi 2026",
        year=2026,
        evaluated_on=datetime.date(2026, 4, 29),
    )
    evaluations.evaluator_assign(cycle=cycle, evaluator=users["evaluator"])
    evaluations.cycle_open(cycle=cycle)
    participant = cycle.participants.get(kampung=jenggot)
    criterion = cycle.criteria.first()
    score = evaluations.score_save(
        participant=participant,
        criterion=criterion,
        evaluator=users["evaluator"],
        value=3,
    )
    evidence = evaluations.evidence_add(
        participant=participant,
        uploaded_by=users["evaluator"],
        file=SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32),
    )
    award = evaluations.award_record(
        kampung=jenggot, level="provinsi", title="Juara II", rank=2, year=2024
    )
    return {
        "/api/evaluation-templates/": [template.pk, template.pk + 1],
        "/api/rubric-criteria/": list(
            template.criteria.values_list("pk", flat=True)[:3]
        ),
        "/api/evaluation-cycles/": [cycle.pk, draft.pk],
        "/api/evaluation-criteria/": [criterion.pk],
        "/api/evaluation-participants/": [participant.pk],
        "/api/evaluation-scores/": [score.pk],
        "/api/evaluation-evidence/": [evidence.pk],
        "/api/awards/": [award.pk],
        "template": [template.pk],
        "participant": [participant.pk],
        "criterion": [criterion.pk],
        "cycle": [cycle.pk],
        "evaluator": ["evaluator"],
    }


@pytest.fixture
def seeded(users, registry, settings, tmp_path):
    """One row of everything, and an administrator's token; fills KNOWN."""
    # schemathesis sends `Host: localhost`.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.MEDIA_ROOT = tmp_path / "media"
    jenggot, medono = registry[JENGGOT], registry[MEDONO]
    launch = LaunchEvent.objects.create(
        date=datetime.date(2023, 6, 7), organizer=Region.objects.get(code="33.75.02")
    )
    launch.kampungs.add(medono)
    officer = users["plkb"].field_officer
    proposal = ClassificationProposal.objects.create(
        kampung=jenggot,
        level="berkembang",
        effective_on=datetime.date(2024, 6, 1),
        reason="Semua seksi aktif.",
        proposed_by=users["plkb"],
    )
    kampung_ids = [k.pk for k in registry.values()]
    child = stunting.child_register(
        region=jenggot.region,
        name="Anak Uji",
        sex="L",
        birth_date=datetime.date(2023, 1, 1),
    )
    dashat = stunting.dashat_save(
        kampung=jenggot, name="Dashat Jenggot", formed_on=datetime.date(2023, 6, 7)
    )
    beneficiary = stunting.beneficiary_enrol(
        dashat=dashat,
        category="balita",
        child=child,
        start_on=datetime.date(2024, 1, 8),
    )
    KNOWN.clear()
    KNOWN.update(
        {
            "/api/regions/": ["33.75", "33.75.04", JENGGOT],
            "/api/dashboard/": ["ID", "33", "33.75", "33.75.04", JENGGOT],
            "/api/kampung/": kampung_ids,
            "/api/classifications/": [
                c.pk for k in registry.values() for c in k.classifications.all()
            ],
            "/api/proposals/": [proposal.pk],
            "/api/pokja/": [PokjaMemberFactory(kampung=jenggot).pk],
            "/api/programs/": [ProgramIntegrationFactory(kampung=jenggot).pk],
            "/api/launches/": [launch.pk],
            "/api/targets/": [
                FormationTarget.objects.create(
                    region=Region.objects.get(code="33.75"), year=2023, new_count=13
                ).pk
            ],
            "/api/officers/": [officer.pk],
            "/api/assignments/": list(
                OfficerAssignment.objects.values_list("pk", flat=True)
            ),
            "kampung": kampung_ids,
            "kampungs": [[medono.pk], kampung_ids],
            # A desa without a Kampung KB, one with, a kecamatan and a kota.
            "region": ["33.75.02.1002", BANYURIP, "33.75.04", "33.75"],
            "organizer": ["33.75", "33.75.02"],
            "officer": [officer.pk],
            "version": [1, 2],
            "/api/children/": [child.pk],
            "/api/measurements/": [
                stunting.measurement_record(
                    child=child,
                    measured_on=datetime.date(2025, 1, 2),
                    weight_kg=10,
                    height_cm=80,
                    measured="standing",
                ).pk
            ],
            "/api/reported-prevalence/": [
                stunting.reported_prevalence_save(
                    region=jenggot.region.kabkota,
                    year=2024,
                    source="ssgi",
                    value_percent=Decimal("17.86"),
                    citation="Uji",
                ).pk
            ],
            "/api/dashats/": [dashat.pk],
            "/api/dashat-beneficiaries/": [beneficiary.pk],
            "/api/dashat-sessions/": [
                stunting.session_record(
                    dashat=dashat,
                    date=datetime.date(2024, 1, 9),
                    menu="Nasi, ikan, sayur",
                    portions=20,
                    beneficiaries_present=[beneficiary],
                ).pk
            ],
            "/api/case-audits/": [
                stunting.audit_save(
                    child=child,
                    audited_on=datetime.date(2025, 1, 3),
                    causes=["poverty"],
                ).pk
            ],
            "child": [child.pk],
            "dashat": [dashat.pk],
            "beneficiaries_present": [[beneficiary.pk]],
            **_evaluation(users, registry, jenggot),
        }
    )
    # Figures for the dashboard endpoint to read (one year keeps the run short).
    snapshot_refresh(years=[2024])
    return Token.objects.create(user=users["admin"]).key


@pytest.mark.django_db
@schema.parametrize()
@BOUNDED
def test_api_answers_as_its_schema_says(case, seeded, in_process_wsgi):
    case.call_and_validate(headers={"Authorization": f"Token {seeded}"}, checks=CHECKS)


def test_schema_is_valid_openapi_without_warnings(tmp_path):
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yaml"),
    )


def test_swagger_ui_is_served_by_the_app(client, users):
    assert client.get("/api/docs/").status_code == 302

    client.force_login(users["pimpinan"])
    page = client.get("/api/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "//cdn" not in page and "unpkg" not in page and "jsdelivr" not in page
    assert client.get("/api/schema/").status_code == 200


# Odd input the generated examples rarely hold: deep nesting, NUL, bytes that are
# not UTF-8, a UTF-16 body, and numbers at and past what a column holds. Raw JSON
# tokens, so NaN and Infinity reach the parser as a client could send them.
ODD_NUMBERS = [
    "9999999.999",
    "1e308",
    "-1e308",
    "-0",
    "NaN",
    "Infinity",
    "99999999999999999999",
]
DEEP = [b"[" * 3000, b'{"a": ' * 3000, b"[" * 40 + b"]" * 40]


def _resolve(spec, node):
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].split("/")[-1]]
    return node


def _plain_value(spec, name, prop):
    """A value of the property's type, a known key where there is one."""
    if KNOWN.get(name):
        return KNOWN[name][0]
    prop = _resolve(spec, (prop.get("allOf") or prop.get("oneOf") or [prop])[0])
    if "enum" in prop:
        return next(v for v in prop["enum"] if v not in ("", None))
    if prop.get("format") == "date":
        return "2024-06-01"
    return {"integer": 1, "number": 1, "boolean": True, "array": []}.get(
        prop.get("type"), "x"
    )


def _odd_bodies(spec, operation):
    """(content type, raw body) pairs for one write operation."""
    content = operation["requestBody"]["content"].get("application/json")
    if content is None:
        return
    props = _resolve(spec, content["schema"]).get("properties", {})
    plain = {name: _plain_value(spec, name, prop) for name, prop in props.items()}
    numeric = [
        name
        for name, prop in props.items()
        if prop.get("type") in ("integer", "number") or prop.get("format") == "decimal"
    ]
    texts = [name for name, prop in props.items() if prop.get("type") == "string"]
    for body in DEEP:
        yield "application/json", body
    yield "application/json", json.dumps({**plain, **dict.fromkeys(texts, "a\0b")})
    for token in ODD_NUMBERS if numeric else []:
        # A JSON number for a number, the same text in a string for a decimal.
        body = json.dumps({**plain, **dict.fromkeys(numeric, "<odd>")})
        yield "application/json", body.replace('"<odd>"', token)
        yield "application/json", body.replace("<odd>", token)
    yield "application/json", b'{"name": "\xe9\xff\xfe"}'
    yield "application/json", json.dumps(plain).encode("utf-16")
    yield "application/json; charset=utf-16", json.dumps(plain).encode("utf-16")
    yield "application/json; charset=no-such-charset", json.dumps(plain)


@pytest.mark.django_db
def test_odd_bodies_never_give_a_server_error(seeded):
    spec = SchemaGenerator().get_schema(request=None, public=True)
    client = Client(raise_request_exception=False)
    failures = []
    for path, operations in spec["paths"].items():
        collection = path.split("{")[0]
        url = path.replace("{id}", str((KNOWN.get(collection) or [1])[0]))
        url = url.replace("{code}", "33.75")
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            for content_type, body in _odd_bodies(spec, operation):
                response = client.generic(
                    method.upper(),
                    url,
                    body,
                    content_type=content_type,
                    HTTP_AUTHORIZATION=f"Token {seeded}",
                )
                if response.status_code >= 500 or (
                    response.status_code >= 400
                    and response["Content-Type"] != "application/json"
                ):
                    failures.append(
                        f"{method.upper()} {url} {content_type} {body[:60]!r}: "
                        f"{response.status_code} {response['Content-Type']}"
                    )
    assert not failures, "\n".join(failures)
