"""Every URL of the project, as every role, with odd values: never a 5xx.

The walk takes each URL pattern (but the admin's), fills its arguments with a real
object of the demo data found by following the pages' links, and asks for it
with odd values in the path (a NUL, "..", a very long string, numbers past a
bigint) and in every query parameter the view read. Bounded: one request per odd
value and URL, all the parameters the view read set to it at once.
"""

import re
from urllib.parse import unquote, urlencode

import pytest
from django.http import QueryDict
from django.test import Client

from kampungkb.models import Role, User
from tests.factories import FieldOfficerFactory
from tests.urlwalk import fill, url_patterns, walk
from villages.models import OfficerAssignment, Region

ODD_PATH = [
    "33.75%00",
    "..",
    "x" * 300,
    "0",
    "99999999999999999999",
    "33.75%27--",
    "%C3%A9%F0%9F%98%80",
]
ODD_QUERY = [
    "\x00",
    "0",
    "-1",
    "abc",
    "99999999999999999999",
    "1e308",
    "NaN",
    "0000-00-00",
    "9999-12-31",
    "x" * 300,
    "..",
]
# A period form reads nothing else until its kind is valid.
WITH_KIND = [
    {"kind": "year", "year": "<odd>"},
    {"kind": "quarter", "year": "2024", "quarter": "<odd>"},
    {"kind": "month", "year": "2024", "month": "<odd>"},
]
# Pages that only answer POST with their GET (a redirect), or leave the session.
SKIP = {"logout", "set_language"}


def _patterns():
    """(route, view name, argument regexes) of every pattern but the admin's."""
    for p in url_patterns():
        if p.app != "admin" and p.name and p.name not in SKIP:
            yield p


class ReadKeys:
    """The query parameters a request looked up, recorded on QueryDict."""

    def __init__(self, monkeypatch):
        self.keys = set()
        for method in ("__getitem__", "get", "getlist", "__contains__"):
            original = getattr(QueryDict, method)
            monkeypatch.setattr(QueryDict, method, self._recording(original))

    def _recording(self, original):
        def method(query, key, *args):
            self.keys.add(key)
            return original(query, key, *args)

        return method

    def during(self, call):
        self.keys = set()
        response = call()
        return response, {k for k in self.keys if isinstance(k, str)}


@pytest.fixture(scope="module")
def accounts(demo_module, django_db_blocker):
    """One account per role in Kota Pekalongan; the PLKB accompanies Jenggot."""
    with django_db_blocker.unblock():
        kota = Region.objects.get(code="33.75")
        accounts = {"admin": User.objects.create_superuser("fuzz-admin")}
        for role in (Role.STAF, Role.PLKB, Role.PIMPINAN, Role.EVALUATOR):
            user = User.objects.create_user(f"fuzz-{role}", role=role)
            if role != Role.PLKB:
                user.regions.set([kota])
            accounts[role] = user
        OfficerAssignment.objects.create(
            officer=FieldOfficerFactory(user=accounts[Role.PLKB]),
            region=Region.objects.get(code="33.75.04.1004"),
        )
    return accounts


@pytest.fixture(scope="module")
def real_paths(accounts, django_db_blocker):
    """Every pattern, and a real path for those with arguments (once a module)."""
    client = Client()
    patterns = list(_patterns())
    with django_db_blocker.unblock():
        client.force_login(accounts["admin"])
        return patterns, walk(client, patterns).found


@pytest.mark.django_db
def test_the_walk_has_a_real_path_for_every_url_with_arguments(real_paths):
    patterns, found = real_paths

    assert [p.name for p in patterns if p.arguments and p.name not in found] == []
    assert len(patterns) > 100


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", ["admin", Role.STAF, Role.PLKB, Role.PIMPINAN, Role.EVALUATOR]
)
def test_no_url_gives_a_server_error_for_odd_values(
    role, accounts, real_paths, monkeypatch
):
    patterns, found = real_paths
    client = Client(raise_request_exception=False)
    client.force_login(accounts[role])
    recorder = ReadKeys(monkeypatch)
    failures = []

    def check(path, query=None):
        url = f"{path}?{urlencode(query)}" if query else path
        response, keys = recorder.during(lambda: client.get(url))
        # /healthz answers 503 by design when a service it checks is missing (no
        # worker runs beside this test); its body then says which, as JSON.
        health_says_why = (
            path == "/healthz"
            and response.status_code == 503
            and response.json()["status"] == "fail"
        )
        if response.status_code >= 500 and not health_says_why:
            failures.append(f"{response.status_code} {url[:160]}")
        return keys

    for p in patterns:
        path = found.get(p.name) if p.arguments else fill(p.route, "")
        for value in ODD_PATH if p.arguments else []:
            # Only values the route accepts reach a view.
            if all(re.fullmatch(rx, unquote(value)) for rx in p.arguments.values()):
                check(fill(p.route, value))
        if path is None:
            continue
        keys = check(path)
        for value in ODD_QUERY if keys else []:
            check(path, dict.fromkeys(keys, value))
        for form in WITH_KIND if "kind" in keys else []:
            for value in ODD_QUERY:
                check(path, {k: v.replace("<odd>", value) for k, v in form.items()})

    assert not failures, "\n".join(failures)
