import os
import shutil
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from kampungkb.celery import app as celery_app
from villages.models import Region
from villages.services import region_load

# Debian's Chromium, never a downloaded browser (tests/browser and tests/e2e).
CHROMIUM = os.environ.get(
    "CHROMIUM_PATH", shutil.which("chromium") or "/usr/bin/chromium"
)


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Static files collected as for production, so pages render with the manifest."""
    # Tests run with DEBUG off, as production does: the static tag then needs the
    # manifest that `collectstatic` writes.
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """A cheap hasher: the suite creates many users and never tests hashing cost."""
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    ):
        yield


@pytest.fixture(scope="session", autouse=True)
def background_work_inline():
    """Work meant for after the response runs at once: figures are there right
    after a save. tests/kampungkb/test_background.py covers the background thread."""
    with override_settings(BACKGROUND_TASKS="inline"):
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no drawn dashboard parts left by another."""
    cache.clear()


@pytest.fixture
def kota_pekalongan(db):
    """Kota Pekalongan (33.75) and its ancestors, loaded from the real region data."""
    region_load(prefix="33.75")
    return Region.objects.get(code="33.75")


@pytest.fixture
def kab_pekalongan(db):
    """Kabupaten Pekalongan (33.26) and its ancestors, loaded from the real region data."""
    region_load(prefix="33.26")
    return Region.objects.get(code="33.26")


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The demo registry, loaded once for a module; gives the output of `load_demo`.

    Each test still runs in a transaction that is rolled back, so a test may change
    the demo data; the module's teardown empties the database again.
    """
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("load_demo", stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "root", password="x-Very-long-pass-1"
    )
    client.force_login(user)
    return client


@pytest.fixture
def celery_worker(transactional_db, settings, tmp_path):
    """Run the Celery tasks a test enqueues as production does, sharing its data.

    With a broker (CI: Redis) a real worker process runs them against the test
    database; without one (the SQLite default) Celery runs them inline. Either way
    the worker sees the same MEDIA_ROOT, which this fixture sets.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("A real worker shares the test database only on PostgreSQL.")
    credentials = db["USER"] + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kampungkb", "worker", "--pool=solo"]
        + ["-Q", settings.WORKER_QUEUES]
        + ["--purge", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail("The Celery worker did not start.")
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def wait_until(check, *, seconds=60):
    """Poll `check` until it returns something truthy (work done by another process)."""
    deadline = time.monotonic() + seconds
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(
                f"Still waiting after {seconds} s for {check.__doc__ or check}."
            )
        time.sleep(0.2)
    return result


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the session: Playwright's sync API runs once per thread."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop on this thread; Django would then
    # take the tests' own ORM calls for async code. They are plain sync calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium package"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
