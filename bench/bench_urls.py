"""Server time of every URL of the URL conf, for the province and for one city.

Usage (the province-scale database, or a copy of it):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kampungkb_synthbench \\
    SECRET_KEY=bench .venv/bin/python bench/bench_urls.py [--requests 10] \\
        [--province 33] [--kabkota 33.26] [--city 33.75] [--only REGEX]
    ... bench/bench_urls.py --check    # coverage only: one GET each, no timing

Walks django.urls.get_resolver() (tests/urlwalk.py: the walk the URL fuzz test
and the every-page test use) and looks every pattern up in TABLE: how to fill its
arguments from the data (a region code, the first Kampung KB / child / cycle /
... the user may read), or why it is not timed ("POST only"). Each timed URL is
asked as three users, alternating, `--requests` times after one warm-up each:

    admin       an administrator, region arguments = the province (33)
    staf KAB    staff of a kabupaten (33.26), its rows and code
    staf CITY   staff of one city (33.75 Kota Pekalongan), its rows and code

through Django's test client (the whole request: middleware, session, queries,
templates; no network). Printed per URL: each user's status, p50 and p95 (ms),
and province/city = admin p50 / staf CITY p50 for the same page. A page whose
first request takes over --slow seconds is timed by that request alone; a query
past --timeout is cancelled by PostgreSQL, and the page then reads 500 at about
that time. Exits 1 when a
pattern is neither in TABLE nor covered by a rule, or TABLE names a pattern that
no longer exists: adding a URL means saying here how to fill it.

Writes nothing that stays: its users, sessions and anything a page writes live in
one transaction that is rolled back at the end (only sequences move on).
"""

import argparse
import logging
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kampungkb.settings")

import django  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from psycopg.pq import TransactionStatus  # noqa: E402

from dashboards.models import Alert, RefreshRun  # noqa: E402
from evaluations.models import (  # noqa: E402
    Award,
    Cycle,
    CycleCriterion,
    Evidence,
    Participant,
    RubricCriterion,
    RubricTemplate,
    Score,
)
from kampungkb.access import managed_users, scoped  # noqa: E402
from kampungkb.models import Role, User  # noqa: E402
from stunting.models import (  # noqa: E402
    CaseAudit,
    Child,
    Dashat,
    DashatBeneficiary,
    DashatSession,
    ImportBatch,
    Measurement,
    ReportedPrevalence,
)
from tests.urlwalk import fill, url_patterns  # noqa: E402
from villages.models import (  # noqa: E402
    BoundaryUpload,
    Classification,
    ClassificationProposal,
    FieldOfficer,
    FormationTarget,
    KampungActivity,
    KampungKB,
    LaunchEvent,
    OfficerAssignment,
    PokjaMember,
    ProgramIntegration,
    Region,
)

POST_ONLY = "skipped: POST only"
LEAVES = "skipped: POST only (ends the session)"


@dataclass
class Scope:
    label: str
    code: str  # the region arguments' value
    user: User
    rows: dict = field(default_factory=dict)  # picker name -> value, once


def _first(model, scope, **filters):
    rows = model.objects.filter(**filters)
    if hasattr(model, "scope_paths"):
        rows = scoped(rows, scope.user)
    return rows.order_by("pk").values_list("pk", flat=True).first()


def _first_of_cycle(model, scope, cycle_field="cycle"):
    cycle = pick("cycle", scope)
    if cycle is None:
        return None
    return _first(model, scope, **{cycle_field: cycle})


# How to find an argument's value: the first row of a model the scope's user may
# read (a child's measurement through its child: scoping 10 M measurements by
# region only to take one is slow).
PICKERS = {
    "region": lambda s: s.code,
    "kampung": lambda s: _first(KampungKB, s),
    "classification": lambda s: _first(Classification, s),
    "proposal": lambda s: _first(ClassificationProposal, s),
    "pokja": lambda s: _first(PokjaMember, s),
    "activity": lambda s: _first(KampungActivity, s),
    "program": lambda s: _first(ProgramIntegration, s),
    "launch": lambda s: _first(LaunchEvent, s),
    "target": lambda s: _first(FormationTarget, s),
    "officer": lambda s: _first(FieldOfficer, s),
    "assignment": lambda s: _first(OfficerAssignment, s),
    "child": lambda s: _first(Child, s, region__code__startswith=s.code),
    "measurement": lambda s: (
        Measurement.objects.filter(child=pick("child", s))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    ),
    "reported": lambda s: _first(ReportedPrevalence, s),
    "dashat": lambda s: _first(Dashat, s),
    "beneficiary": lambda s: _first(DashatBeneficiary, s),
    "session": lambda s: _first(DashatSession, s),
    "audit": lambda s: _first(CaseAudit, s),
    "import": lambda s: (
        ImportBatch.objects.order_by("-pk").values_list("pk", flat=True).first()
    ),
    "boundary-upload": lambda s: (
        BoundaryUpload.objects.order_by("-pk").values_list("pk", flat=True).first()
    ),
    "alert": lambda s: _first(Alert, s),
    # Any kind of alert rule: each page has the same form with other fields.
    "alert-kind": lambda s: "haz_drop",
    "refresh": lambda s: (
        RefreshRun.objects.order_by("-pk").values_list("pk", flat=True).first()
    ),
    "template": lambda s: _first(RubricTemplate, s),
    "criterion": lambda s: _first(RubricCriterion, s),
    "cycle": lambda s: _first(Cycle, s),
    "cycle-criterion": lambda s: _first_of_cycle(CycleCriterion, s),
    "participant": lambda s: _first_of_cycle(Participant, s),
    "score": lambda s: _first(Score, s),
    "evidence": lambda s: _first(Evidence, s),
    "award": lambda s: _first(Award, s),
    "user": lambda s: (
        managed_users(s.user).order_by("pk").values_list("pk", flat=True).first()
        or s.user.pk
    ),
}


def pick(name, scope):
    if name not in scope.rows:
        scope.rows[name] = PICKERS[name](scope)
    return scope.rows[name]


def _api(basename, picker, actions=()):
    """An API router's list and detail routes, and its POST-only actions."""
    return {
        f"api:{basename}-list": {},
        f"api:{basename}-detail": {"pk": picker},
        **{f"api:{basename}-{action}": POST_ONLY for action in actions},
    }


# Every pattern of the URL conf but Django's admin (see `_rule`): {} = no
# arguments, {argument: picker} = filled from the data, text = why not timed.
TABLE = {
    "home": {},
    "choice-search": "skipped: needs its form's ?sumber= (timed by bench_forms.py)",
    "indicator-list": {},
    "alert-list": {},
    "alert-rules": {},
    "alert-rule-edit": {"code": "region", "kind": "alert-kind"},
    "alert-detail": {"pk": "alert"},
    "alert-act": POST_ONLY,
    "dashboard-refresh": POST_ONLY,
    "dashboard-refresh-detail": {"pk": "refresh"},
    "launch-kampung": {"pk": "kampung"},
    "launch-batch": {"pk": "launch"},
    "dashboard": {"code": "region"},
    "dashboard-skdn": {"code": "region"},
    "dashboard-export-csv": {"code": "region"},
    "dashboard-export-xlsx": {"code": "region"},
    "registry": {},
    "region-detail": {"code": "region"},
    "kampung-create": {},
    "register-upload": {},
    "boundary-upload": {},
    "boundary-upload-detail": {"pk": "boundary-upload"},
    "register-template": {},
    "kampung-detail": {"pk": "kampung"},
    "kampung-edit": {"pk": "kampung"},
    "kampung-readiness": {"pk": "kampung"},
    "pokja-edit": {"pk": "kampung"},
    "program-edit": {"pk": "kampung"},
    "proposal-create": {"pk": "kampung"},
    "activity-create": {"pk": "kampung"},
    "proposal-list": {},
    "proposal-decide": {"pk": "proposal"},
    "proposal-evidence": {"pk": "proposal"},
    "launch-list": {},
    "launch-create": {},
    "launch-edit": {"pk": "launch"},
    "target-list": {},
    "officer-list": {},
    "officer-detail": {"pk": "officer"},
    "officer-unassign": POST_ONLY,
    "stunting-index": {},
    "stunting-prevalence": {"code": "region"},
    "child-list": {},
    "child-create": {},
    "child-detail": {"pk": "child"},
    "measurement-create": {"pk": "child"},
    "measurement-score": POST_ONLY,
    "reported-prevalence-list": {},
    "reported-prevalence-create": {},
    "import-upload": {},
    "import-detail": {"pk": "import"},
    "import-status": {"pk": "import"},
    "import-zscore-csv": {"pk": "import"},
    "import-zscore-xlsx": {"pk": "import"},
    "dashat-list": {},
    "dashat-create": {},
    "dashat-detail": {"pk": "dashat"},
    "dashat-edit": {"pk": "dashat"},
    "dashat-enrol": POST_ONLY,
    "dashat-session": POST_ONLY,
    "audit-list": {},
    "audit-create": {"child_pk": "child"},
    "audit-edit": {"pk": "audit"},
    "evaluation-list": {},
    "evaluation-create": {},
    "evaluation-templates": {},
    "evaluation-template-copy": {},
    "evaluation-template": {"pk": "template"},
    "evaluation-awards": {},
    "evaluation-award-delete": POST_ONLY,
    "evaluation-evidence": {"pk": "evidence"},
    "evaluation-evidence-delete": POST_ONLY,
    "evaluation-detail": {"pk": "cycle"},
    "evaluation-edit": {"pk": "cycle"},
    "evaluation-open": POST_ONLY,
    "evaluation-close": POST_ONLY,
    "evaluation-participants": {"pk": "cycle"},
    "evaluation-evaluators": {"pk": "cycle"},
    "evaluation-results": {"pk": "cycle"},
    "evaluation-results-print": {"pk": "cycle"},
    "evaluation-export": {"pk": "cycle"},
    "evaluation-participant": {"pk": "cycle", "participant_pk": "participant"},
    "evaluation-score": {"pk": "cycle", "participant_pk": "participant"},
    "evaluation-evidence-upload": POST_ONLY,
    "evaluation-accept": POST_ONLY,
    "evaluation-krppa": POST_ONLY,
    "password_change": {},
    "api-token": {},
    "user-list": {},
    "user-create": {},
    "user-edit": {"pk": "user"},
    "user-reset-password": {"pk": "user"},
    "api:api-root": {},
    "api:region-list": {},
    "api:region-detail": {"code": "region"},
    **_api("kampung", "kampung", ["deactivate"]),
    "api:kampung-register-import": POST_ONLY,
    **_api("classification", "classification"),
    **_api("proposal", "proposal", ["approve", "reject"]),
    **_api("pokja", "pokja"),
    **_api("kampung-activity", "activity"),
    **_api("program", "program"),
    **_api("launch", "launch"),
    **_api("target", "target"),
    **_api("officer", "officer"),
    **_api("assignment", "assignment"),
    **_api("child", "child"),
    **_api("measurement", "measurement"),
    **_api("reported-prevalence", "reported"),
    **_api("dashat", "dashat"),
    **_api("dashat-beneficiary", "beneficiary"),
    **_api("dashat-session", "session"),
    **_api("case-audit", "audit"),
    **_api("evaluation-template", "template", ["copy"]),
    **_api("rubric-criterion", "criterion"),
    **_api(
        "evaluation-cycle", "cycle", ["close", "open", "evaluators", "participants"]
    ),
    "api:evaluation-cycle-results": {"pk": "cycle"},
    **_api("evaluation-criterion", "cycle-criterion"),
    **_api("evaluation-participant", "participant", ["accept-suggestion", "krppa"]),
    **_api("evaluation-score", "score"),
    **_api("evaluation-evidence", "evidence"),
    "api:evaluation-evidence-download": {"pk": "evidence"},
    **_api("award", "award"),
    **_api("refresh-run", "refresh"),
    "api:dashboard": {"code": "region"},
    "api:me": {},
    "api:my-token": {},
    "api:token": POST_ONLY,
    "api:schema": {},
    "api:docs": {},
    # The field app's JSON for a PLKB's phone (others get its 403).
    "field-bundle": {},
    "field-sync": POST_ONLY,
    "set_language": POST_ONLY,
    "field-who": "skipped: PLKB only (these users get 403); built once per "
    "language and process, then a copy of the same bytes",
    "healthz": {},
    # The field app: a PLKB's shell (others: 403), its worker and manifest.
    "field-app": {},
    "field-sw": {},
    "field-manifest": {},
    "login": {},
    "logout": LEAVES,
}


def _rule(pattern):
    """Django's admin site (one set of routes per registered model)."""
    if pattern.app != "admin":
        return None
    if pattern.name == "admin:logout":
        return LEAVES
    if pattern.arguments:
        return "skipped: admin form of one row (its changelist is timed)"
    return {}


def plan(patterns):
    """(pattern, how) for each pattern, and the problems: uncovered, stale."""
    rows, problems = [], []
    keys = set()
    for p in patterns:
        keys.add(p.key)
        how = _rule(p)
        if how is None:
            how = TABLE.get(p.key)
        if how is None:
            problems.append(f"{p.key} ({p.route}): not in bench_urls.TABLE")
            continue
        if isinstance(how, dict):
            missing = set(p.arguments) - set(how)
            if missing:
                problems.append(f"{p.key}: TABLE fills no {', '.join(missing)}")
                continue
            unknown = {v for v in how.values() if v not in PICKERS}
            if unknown:
                problems.append(f"{p.key}: no picker {', '.join(unknown)}")
                continue
        rows.append((p, how))
    for key in sorted(set(TABLE) - keys):
        problems.append(f"{key}: in bench_urls.TABLE but not in the URL conf")
    return rows, problems


def scopes(province, kabkota, city):
    admin = User.objects.create_superuser(
        "bench.urls.admin", role=Role.ADMIN, is_staff=True
    )
    made = [Scope("admin", province, admin)]
    for label, code in (("staf " + kabkota, kabkota), ("staf " + city, city)):
        user = User.objects.create_user(f"bench.urls.{code}", role=Role.STAF)
        user.regions.set([Region.objects.get(code=code)])
        made.append(Scope(label, code, user))
    return made


def path_for(pattern, how, scope):
    """The pattern's path for the scope, or None when the data has no such row."""
    values = {arg: pick(picker, scope) for arg, picker in how.items()}
    if any(v is None for v in values.values()):
        return None
    return fill(pattern.route, lambda name: str(values[name]))


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _get(client, path):
    """GET in a savepoint: a query cancelled by the statement timeout (a 500)
    spoils only its own request, not the bench's transaction; (status, ms)."""
    savepoint = transaction.savepoint()
    start = time.perf_counter()
    status = client.get(path).status_code
    ms = (time.perf_counter() - start) * 1000
    if (
        connection.vendor == "postgresql"
        and connection.connection.info.transaction_status == TransactionStatus.INERROR
    ):
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    return status, ms


def measure(rows, made, requests, slow_ms=5000):
    """{pattern key: {scope label: (status, [ms], path)} or a reason}, in order.

    A page whose first request (the warm-up) takes over `slow_ms` for any user is
    timed by each user's first request: ten more of a two-minute page would take
    the bench's hour.
    """
    clients = {}
    for scope in made:
        clients[scope.label] = Client(raise_request_exception=False)
        clients[scope.label].force_login(scope.user)
    results = {}
    for pattern, how in rows:
        if isinstance(how, str):
            results[pattern.key] = how
            continue
        paths = {s.label: path_for(pattern, how, s) for s in made}
        if not any(paths.values()):
            results[pattern.key] = "skipped: no row in the data to fill it with"
            continue
        timing, first = {}, {}
        for label, path in paths.items():
            if path is not None:  # warm up: templates, caches, connections
                status, first[label] = _get(clients[label], path)
                timing[label] = (status, [], path)
        slow = requests and max(first.values()) > slow_ms
        for label in timing if slow else []:  # each user's one request
            timing[label][1].append(first[label])
        for _ in range(0 if slow else requests):
            for label, (_status, times, path) in timing.items():
                times.append(_get(clients[label], path)[1])
        results[pattern.key] = timing
    return results


def report(results, made, out=sys.stdout):
    labels = [s.label for s in made]
    city = labels[-1]
    width = max(len(k) for k in results) + 1
    head = "".join(f"{label:>26}" for label in labels)
    print(f"{'pattern':<{width}}{head}  province/city", file=out)
    print(f"{'':<{width}}" + "   status   p50 ms   p95 ms" * len(labels), file=out)
    for key, result in results.items():
        if isinstance(result, str):
            print(f"{key:<{width}}  {result}", file=out)
            continue
        cells = []
        for label in labels:
            if label not in result:
                cells.append(f"{'no row':>26}")
                continue
            status, times, _path = result[label]
            if times:
                p50, p95 = statistics.median(times), percentile(times, 0.95)
                cells.append(f"{status:>9}{p50:>9.1f}{p95:>9.1f}")
            else:
                cells.append(f"{status:>9}{'-':>9}{'-':>9}")
        ratio = ""
        if result.get(labels[0], (0, []))[1] and result.get(city, (0, []))[1]:
            ratio = statistics.median(result[labels[0]][1]) / statistics.median(
                result[city][1]
            )
            ratio = f"{ratio:7.2f}"
        print(f"{key:<{width}}{''.join(cells)}  {ratio}", file=out)


def run(
    *,
    province,
    kabkota,
    city,
    requests,
    only=None,
    out=sys.stdout,
    slow_ms=5000,
    timeout_s=60,
):
    """Plan, measure and print; give (results, problems). Writes are rolled back."""
    patterns = list(url_patterns())
    rows, problems = plan(patterns)  # the whole URL conf, --only or not
    if only:
        patterns = [p for p in patterns if re.search(only, p.key)]
        rows = [(p, how) for p, how in rows if re.search(only, p.key)]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # a query past it answers 500
                cursor.execute(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
        made = scopes(province, kabkota, city)
        results = measure(rows, made, requests, slow_ms)
        transaction.set_rollback(True)
    report(results, made, out)
    timed = sum(isinstance(r, dict) for r in results.values())
    print(
        f"{len(patterns)} patterns: {timed} timed, {len(results) - timed} with a "
        f"reason, {len(problems)} neither",
        file=out,
    )
    for problem in problems:
        print(f"NOT COVERED: {problem}", file=out)
    return results, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--province", default="33")
    parser.add_argument("--kabkota", default="33.26")
    parser.add_argument("--city", default="33.75")
    parser.add_argument("--only", help="a regex on the view names (or routes)")
    parser.add_argument(
        "--slow",
        type=float,
        default=5.0,
        help="seconds: a page whose first request takes longer is not repeated",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds: PostgreSQL cancels a longer query (the page answers 500)",
    )
    parser.add_argument(
        "--check", action="store_true", help="coverage only: one GET each, no timing"
    )
    args = parser.parse_args()
    from django.test.utils import setup_test_environment

    # A cancelled query's traceback per request would bury the table.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    setup_test_environment()  # the test client's host and no real e-mail
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Static URLs without the collectstatic manifest: the same work per page.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    _results, problems = run(
        province=args.province,
        kabkota=args.kabkota,
        city=args.city,
        requests=0 if args.check else args.requests,
        only=args.only,
        slow_ms=args.slow * 1000,
        timeout_s=args.timeout,
    )
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
