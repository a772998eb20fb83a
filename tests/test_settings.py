"""Settings come from the environment, with safe defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONFIG_VARS = (
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_REPLICA_URLS",
)
REPORT = """
import json
import kampungkb.settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "name": str(s.DATABASES["default"]["NAME"]),
    "debug": s.DEBUG,
    "broker": s.CELERY_BROKER_URL,
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "allowed_hosts": s.ALLOWED_HOSTS,
    "secret_key": s.SECRET_KEY,
}))
"""


def _import_settings(**env):
    """Import kampungkb.settings in a fresh interpreter with only `env` configured."""
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    return subprocess.run(
        [sys.executable, "-c", REPORT],
        cwd=PROJECT_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def _settings_with(**env):
    result = _import_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_indonesian_first_in_jakarta_time_with_english_available():
    assert settings.LANGUAGE_CODE == "id"
    assert settings.TIME_ZONE == "Asia/Jakarta"
    assert settings.USE_TZ is True
    codes = [code for code, _ in settings.LANGUAGES]
    assert codes[0] == "id"
    assert "en" in codes


def test_without_debug_a_secret_key_is_required():
    result = _import_settings()
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_an_empty_secret_key_is_refused_too():
    result = _import_settings(SECRET_KEY="", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_debug_runs_without_a_secret_key_on_local_hosts_only():
    config = _settings_with(DEBUG="1")
    assert config["debug"] is True
    assert config["secret_key"]
    assert config["allowed_hosts"] == ["127.0.0.1", "localhost"]


def test_production_serves_only_the_hosts_it_is_given():
    assert _settings_with(SECRET_KEY="k")["allowed_hosts"] == []
    config = _settings_with(SECRET_KEY="k", ALLOWED_HOSTS="kb.example.id, a.b ")
    assert config["allowed_hosts"] == ["kb.example.id", "a.b"]


def test_default_database_is_the_sqlite_file_in_the_project():
    config = _settings_with(SECRET_KEY="k")
    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["name"] == str(PROJECT_DIR / "db.sqlite3")


def test_database_url_selects_postgresql():
    config = _settings_with(
        SECRET_KEY="k", DATABASE_URL="postgres://kb:pw@db.internal:5432/kampungkb"
    )
    assert config["engine"] == "django.db.backends.postgresql"
    assert config["name"] == "kampungkb"


def test_without_a_broker_celery_tasks_run_inline():
    config = _settings_with(SECRET_KEY="k")
    assert config["broker"] == ""
    assert config["eager"] is True


def test_redis_url_becomes_the_celery_broker():
    config = _settings_with(SECRET_KEY="k", REDIS_URL="redis://127.0.0.1:6379/0")
    assert config["broker"] == "redis://127.0.0.1:6379/0"
    assert config["eager"] is False


def test_celery_broker_url_wins_over_redis_url():
    config = _settings_with(
        SECRET_KEY="k",
        REDIS_URL="redis://127.0.0.1:6379/0",
        CELERY_BROKER_URL="redis://broker:6379/1",
    )
    assert config["broker"] == "redis://broker:6379/1"
    assert config["eager"] is False


REPLICAS = """
import json
import kampungkb.settings as s
print(json.dumps({
    alias: [db["HOST"], db["PORT"], db["NAME"], db.get("TEST", {}).get("MIRROR")]
    for alias, db in s.DATABASES.items()
}))
"""


def _databases(**env):
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    result = subprocess.run(
        [sys.executable, "-c", REPLICAS],
        cwd=PROJECT_DIR,
        env={**clean, "SECRET_KEY": "t", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_replica_urls_there_is_only_the_primary():
    assert list(_databases(DATABASE_URL="postgres://u@db:5432/kkb")) == ["default"]


def test_each_replica_url_is_a_replica_database_mirrored_in_tests():
    databases = _databases(
        DATABASE_URL="postgres://u@db:5432/kkb",
        DATABASE_REPLICA_URLS="postgres://u:p@r1:5432/kkb, postgres://u:p@r2:6432/kkb",
    )
    assert databases == {
        "default": ["db", 5432, "kkb", None],
        "replica1": ["r1", 5432, "kkb", "default"],
        "replica2": ["r2", 6432, "kkb", "default"],
    }
