"""A slow statement cannot hold a web thread; workers and commands are not limited.

One prevalence page once ran 22 minutes, and four of them took every gunicorn
thread. Web processes have PostgreSQL cancel a statement after
WEB_STATEMENT_TIMEOUT_S (kampungkb/limits.py, applied by wsgi.py); the user gets a
503 page, and the thread's connection serves the next request.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.backends.signals import connection_created
from django.http import HttpResponse
from django.urls import path, reverse

from kampungkb import limits
from kampungkb.urls import urlpatterns as app_urlpatterns

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="statement_timeout is PostgreSQL's; CI runs these on PostgreSQL",
)

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "from django.db import connection\n"
    "with connection.cursor() as c:\n"
    "    c.execute('SHOW statement_timeout')\n"
    "    print(c.fetchone()[0])\n"
)


def sleep(request):
    """Stands for a page whose query runs too long."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    return HttpResponse("never")


urlpatterns = [
    *app_urlpatterns,
    path("uji/tidur/", sleep),
    path("api/uji/tidur/", sleep),
]


@pytest.fixture
def web_process(transactional_db, settings):
    """This thread as in gunicorn: new connections get a 200 ms statement_timeout."""
    settings.WEB_STATEMENT_TIMEOUT_S = 0.2
    limits.limit_web_connections()
    connection.close()
    yield
    connection_created.disconnect(dispatch_uid=limits.__name__)
    connection.close()


@pytest.mark.urls(__name__)
def test_a_cancelled_statement_answers_503_and_the_next_request_works(
    client, web_process
):
    client.force_login(get_user_model().objects.create_superuser("root"))

    page = client.get("/uji/tidur/")

    assert page.status_code == 503
    assert page["Content-Type"].startswith("text/html")
    assert "terlalu lama dimuat" in page.content.decode()

    api = client.get("/api/uji/tidur/")
    assert api.status_code == 503
    assert "terlalu lama" in api.json()["detail"]

    # Same thread, same connection: it still answers, and still has its limit.
    assert client.get(reverse("registry")).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "200ms"


def _run(code, *, args=None):
    db = connection.settings_dict
    credentials = db["USER"] + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SECRET_KEY": "t",
    }
    env.pop("WEB_STATEMENT_TIMEOUT_S", None)
    command = args or [sys.executable, "-c", code]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_web_process_connection_has_the_statement_timeout(db):
    assert _run("import kampungkb.wsgi\n" + SHOW) == "30s"


def test_management_commands_and_the_celery_worker_have_none(db):
    command = [sys.executable, "manage.py", "shell", "-c", SHOW]
    assert _run(None, args=command) == "0"
    # What `celery -A kampungkb worker` loads before it runs a task.
    worker = "from kampungkb.celery import app\napp.loader.import_default_modules()\n"
    assert _run(worker + SHOW) == "0"
