"""The private stack the end-to-end tests run against, Chromium pages and screenshots.

The stack (see stack.py) is built once per session: PostgreSQL cluster, Redis,
migrations, regions of Kota and Kabupaten Pekalongan and Kota Semarang, the
Pekalongan demo with its accounts, synthetic children in Kota Semarang (so a
full refresh takes long enough to be interrupted), the indicators, then gunicorn,
a Celery worker and beat. After each test whatever it stopped is started again.
"""

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM

from .stack import Stack, postgres_bin

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 900}


def missing_binaries() -> list[str]:
    missing = []
    if postgres_bin() is None:
        missing.append("initdb (PostgreSQL server; apt-get install postgresql)")
    if not shutil.which("redis-server"):
        missing.append("redis-server (apt-get install redis-server)")
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    return missing


MISSING = missing_binaries()


# CI sets E2E_REQUIRED=1: there a missing binary fails the tests, never skips them.
REQUIRED = os.environ.get("E2E_REQUIRED") == "1"


def pytest_collection_modifyitems(config, items):
    if not MISSING or REQUIRED:
        return
    skip = pytest.mark.skip(
        reason="end-to-end tests need " + ", ".join(MISSING) + " on this machine"
    )
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def stack():
    """The whole private stack, running; torn down at the end even on failure."""
    if MISSING:
        pytest.fail("E2E_REQUIRED=1 but this machine lacks " + ", ".join(MISSING))
    started = time.monotonic()
    private = Stack(
        logs=ARTIFACTS / "logs",
        pg_bin=postgres_bin(),
        redis_server=shutil.which("redis-server"),
    )
    shutil.rmtree(private.logs, ignore_errors=True)
    try:
        private.build()
    except BaseException:
        private.stop()
        raise
    print(f"\nprivate stack built in {time.monotonic() - started:.0f} s")
    yield private
    private.stop()


@pytest.fixture(autouse=True)
def stack_restored(stack):
    """Each test starts with every service running; whatever a test stopped comes back."""
    stack.ensure_running()
    yield
    stack.ensure_running()


class Pages:
    """Fresh signed-out Chromium pages on the private stack, and what they saw.

    Every request must stay on the private stack (nothing from the internet), and
    each answer of 500 or more (but /healthz's) is kept in `server_errors`.
    """

    def __init__(self, chromium, stack):
        self.chromium, self.stack = chromium, stack
        self.contexts, self.outside, self.server_errors = [], [], []

    def __call__(self, viewport=LAPTOP):
        context = self.chromium.new_context(
            viewport=viewport, locale="id-ID", base_url=self.stack.base_url
        )
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.on("request", self._request)
        page.on("response", self._response)
        self.contexts.append(context)
        return page

    def _request(self, request):
        if not request.url.startswith(self.stack.base_url):
            self.outside.append(request.url)

    def _response(self, response):
        # /healthz answers 503 on purpose when something is down.
        if response.status >= 500 and not response.url.endswith("/healthz"):
            self.server_errors.append(f"{response.status} {response.url}")

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(chromium, stack):
    opened = Pages(chromium, stack)
    yield opened
    opened.close()
    assert not opened.outside, f"requests outside the app: {opened.outside}"


@pytest.fixture
def shot(request):
    """shot(page, "staff-signed-in") saves test-artifacts/e2e/<test>/01-staff-signed-in.png."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    taken = []

    def take(page, name):
        taken.append(name)
        path = folder / f"{len(taken):02d}-{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
