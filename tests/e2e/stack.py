"""A private copy of the production stack for the end-to-end tests.

Its own PostgreSQL cluster and redis-server on free loopback ports, and gunicorn,
a Celery worker and Celery beat started from this checkout against them, so the
tests may stop Redis, kill the worker or restart PostgreSQL without touching
anything another test run (or another engineer) uses. On demand (replica_add) a
streaming replica of that cluster, made with pg_basebackup, on its own port, and
gunicorn reading from it through DATABASE_REPLICA_URLS.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# Variables of the settings module a caller's environment must not leak into the stack.
APP_VARIABLES = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "DEBUG",
    "PRODUCTION",
    "SECRET_KEY",
    "NIK_HASH_KEY",
    "ALLOWED_HOSTS",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "CELERY_BROKER_READ_URL",
    "CELERY_BROKER_WRITE_URL",
    "CELERY_RESULT_BACKEND",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "PGAPPNAME",
    "DATABASE_REPLICA_URLS",
    "REPLICA_MAX_LAG_S",
    "REPLICA_CHECK_INTERVAL_S",
    "REPLICA_STICKY_S",
}
# The worker's database sessions carry this name (libpq's PGAPPNAME), so a test
# can see what the worker is doing in pg_stat_activity.
WORKER_APP_NAME = "kampungkb-e2e-worker"
# gunicorn's sessions, on the primary and on the replica.
WEB_APP_NAME = "kampungkb-e2e-web"
# The queues a worker takes unless told otherwise: all of them.
ALL_QUEUES = "imports,refresh,light"
# With a replica: gunicorn checks it every half second and keeps a writer's
# browser on the primary for 30 s. The lag bound is wide, as a test pauses the
# replica's replay to tell its answers from the primary's.
REPLICA_SETTINGS = {
    "REPLICA_MAX_LAG_S": "600",
    "REPLICA_CHECK_INTERVAL_S": "0.5",
    "REPLICA_STICKY_S": "30",
}


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: PG_BIN, the PATH, or Debian's layout."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = shutil.which("initdb")
    if found:  # often a link from /usr/local/bin: its folder has no createdb
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(check, *, seconds: float, what: str, interval: float = 0.2):
    """Poll `check` until it gives something truthy; fail saying `what` never happened."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"Still waiting after {seconds:.0f} s: {what}.")
        time.sleep(interval)


class StackError(RuntimeError):
    pass


PASSWORD = "Sandi-e2e-yang-panjang-1"
# One process for all the data (Django starts once): the tables, the regions of
# Kota Pekalongan, Kabupaten Pekalongan and Kota Semarang, the Pekalongan demo,
# its accounts (as load_demo makes them in DEBUG mode, with a known password),
# 20,000 synthetic children in Kota Semarang so a full refresh takes a while,
# and every indicator.
LOAD_DATA = f"""
from django.contrib.auth import get_user_model
from django.core.management import call_command
from kampungkb.management.commands.load_demo import DEMO_ADMIN, DEMO_USERS
from kampungkb.services import user_create
from villages.models import Region

call_command("migrate", interactive=False, verbosity=0)
for prefix in ("33.75", "33.26", "33.74"):
    call_command("load_regions", prefix=prefix)
call_command("load_demo")
admin = get_user_model().objects.create_superuser(DEMO_ADMIN, password={PASSWORD!r})
for username, role, first, last, codes in DEMO_USERS:
    user_create(
        actor=admin,
        username=username,
        role=role,
        first_name=first,
        last_name=last,
        regions=Region.objects.filter(code__in=codes),
        password={PASSWORD!r},
    )
call_command("generate_synthetic", prefix="33.74", children=20_000)
call_command("refresh_indicators")
"""


class Stack:
    """Start, break and stop the private services; tell the tests where they are."""

    def __init__(self, *, logs: Path, pg_bin: Path, redis_server: str):
        self.pg_bin = pg_bin
        self.redis_server = redis_server
        self.logs = logs
        self.dir = Path(tempfile.mkdtemp(prefix="kampungkb-e2e-"))
        # initdb refuses to run as root: then the cluster belongs to `postgres`,
        # which must be able to reach its folder.
        self.as_postgres = os.geteuid() == 0
        os.chmod(self.dir, 0o711)
        self.pg_data = self.dir / "pg" / "data"
        self.pg_log = self.dir / "pg" / "server.log"
        self.pg_port = free_port()
        self.replica_data = self.dir / "replica" / "data"
        self.replica_log = self.dir / "replica" / "server.log"
        self.replica_port = None  # no replica until replica_add()
        self.redis_port = free_port()
        self.web_port = free_port()
        self.database = "kampungkb_e2e_private"
        self.database_url = (
            f"postgres://postgres@127.0.0.1:{self.pg_port}/{self.database}"
        )
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.media_root = self.dir / "media"
        self.processes: dict[str, subprocess.Popen] = {}
        self._log_files = []
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in APP_VARIABLES},
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.redis_url,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": "e2e-only-secret-key-not-for-production",
            "NIK_HASH_KEY": "e2e-only-nik-hash-key",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "MEDIA_ROOT": str(self.media_root),
            "STATIC_ROOT": str(self.dir / "static"),
            "DASHBOARD_REFRESH_DELAY_S": "1",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
        }

    # --- processes ------------------------------------------------------------

    def _log(self, name):
        self.logs.mkdir(parents=True, exist_ok=True)
        handle = open(self.logs / f"{name}.log", "a")  # noqa: SIM115 - closed in stop()
        self._log_files.append(handle)
        return handle

    def _spawn(self, name, args, env=None):
        log = self._log(name)
        log.write(f"\n--- {time.strftime('%H:%M:%S')} start: {' '.join(args)}\n")
        log.flush()
        self.processes[name] = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self.processes[name]

    def _end(self, name, *, kill=False, timeout=15):
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        if kill:
            process.kill()
        else:
            process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def _run(self, args, *, as_postgres=False, timeout=120):
        if as_postgres and self.as_postgres:
            args = ["runuser", "-u", "postgres", "--", *args]
        done = subprocess.run(
            args,
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise StackError(
                f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    def manage(self, *args, timeout=300):
        """Run a management command against the private stack; give its output."""
        return self._run([PYTHON, "manage.py", *args], timeout=timeout)

    # --- PostgreSQL -----------------------------------------------------------

    def _pg(self, tool):
        return str(self.pg_bin / tool)

    def postgres_init(self):
        (self.dir / "pg").mkdir()
        if self.as_postgres:
            shutil.chown(self.dir / "pg", "postgres", "postgres")
        self._run(
            [self._pg("initdb"), "-D", str(self.pg_data), "-U", "postgres"]
            + ["-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            as_postgres=True,
        )
        self.postgres_start()
        self._run(
            [self._pg("createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port)]
            + ["-U", "postgres", self.database]
        )

    def _pg_ctl(self, *args, timeout=60):
        return self._run(
            [self._pg("pg_ctl"), "-D", str(self.pg_data), *args],
            as_postgres=True,
            timeout=timeout,
        )

    def postgres_start(self):
        # Options are stored with the cluster (postmaster.opts): a restart keeps them.
        options = (
            f"-p {self.pg_port} -k {self.dir / 'pg'} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._pg_ctl(
            "start",
            "-w",
            "-t",
            "60",
            "-l",
            str(self.pg_log),
            "-o",
            options,
        )

    def postgres_restart(self):
        """`pg_ctl restart -m fast`: every open session is cut, as in a real restart."""
        # With a log file: otherwise the new server writes into (and holds) our pipe.
        self._pg_ctl("restart", "-m", "fast", "-w", "-t", "60", "-l", str(self.pg_log))

    def postgres_stop(self):
        if (self.pg_data / "postmaster.pid").exists():
            try:
                self._pg_ctl("stop", "-m", "fast", "-w", "-t", "30")
            except (StackError, subprocess.TimeoutExpired):
                self._pg_ctl("stop", "-m", "immediate", "-w", "-t", "30")

    # --- the streaming replica --------------------------------------------------

    @property
    def replica_url(self):
        return f"postgres://postgres@127.0.0.1:{self.replica_port}/{self.database}"

    def replica_add(self):
        """A streaming replica of the cluster (pg_basebackup -R), and gunicorn
        restarted to read from it."""
        (self.dir / "replica").mkdir()
        if self.as_postgres:
            shutil.chown(self.dir / "replica", "postgres", "postgres")
        self._run(
            [self._pg("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.pg_port)]
            + ["-U", "postgres", "-D", str(self.replica_data), "-R"]
            + ["-X", "stream", "-c", "fast", "--no-sync"],
            as_postgres=True,
            timeout=300,
        )
        self.replica_port = free_port()
        self.replica_start()
        self._end("web")
        self.web_start()

    def replica_start(self):
        options = (
            f"-p {self.replica_port} -k {self.dir / 'replica'} "
            "-c listen_addresses=127.0.0.1 -c hot_standby=on"
        )
        self._run(
            [self._pg("pg_ctl"), "-D", str(self.replica_data), "start", "-w"]
            + ["-t", "60", "-l", str(self.replica_log), "-o", options],
            as_postgres=True,
            timeout=90,
        )

    def replica_stop(self, mode="fast"):
        if (self.replica_data / "postmaster.pid").exists():
            self._run(
                [self._pg("pg_ctl"), "-D", str(self.replica_data), "stop"]
                + ["-m", mode, "-w", "-t", "30"],
                as_postgres=True,
                timeout=60,
            )

    def replica_running(self) -> bool:
        return (self.replica_data / "postmaster.pid").exists()

    def replica_sql(self, query, params=None):
        """Rows of one statement on the replica (a fresh connection)."""
        return self.sql(query, params, url=self.replica_url)

    def sql(self, query, params=None, *, url=None):
        """Rows of one statement on the private database (a fresh connection)."""
        with psycopg.connect(
            url or self.database_url, autocommit=True, connect_timeout=5
        ) as c:
            cursor = c.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def value(self, query, params=None):
        rows = self.sql(query, params)
        return rows[0][0] if rows else None

    # --- Redis ------------------------------------------------------------------

    def redis_start(self):
        (self.dir / "redis").mkdir(exist_ok=True)
        self._spawn(
            "redis",
            [self.redis_server, "--port", str(self.redis_port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.dir / "redis")],
        )
        wait_for(
            lambda: port_open(self.redis_port),
            seconds=20,
            what=f"redis-server answering on port {self.redis_port}",
        )

    def redis_kill(self):
        """Redis gone at once, as when its machine or container dies."""
        self._end("redis", kill=True)
        wait_for(
            lambda: not port_open(self.redis_port),
            seconds=10,
            what="the port of the killed redis-server closing",
        )

    # --- the app --------------------------------------------------------------

    def web_start(self):
        env = {**self.env, "PGAPPNAME": WEB_APP_NAME}
        if self.replica_port:
            env |= {"DATABASE_REPLICA_URLS": self.replica_url, **REPLICA_SETTINGS}
        self._spawn(
            "web",
            [PYTHON, "-m", "gunicorn", "kampungkb.wsgi:application"]
            + ["--bind", f"127.0.0.1:{self.web_port}", "--workers", "2"]
            + ["--timeout", "60", "--graceful-timeout", "5", "--access-logfile", "-"],
            env=env,
        )
        wait_for(
            lambda: self.status("/masuk/") == 200,
            seconds=60,
            what="gunicorn serving the sign-in page",
        )

    def worker_start(
        self, purge=False, *, name="worker", queues=ALL_QUEUES, app_name=None
    ):
        """A Celery worker taking `queues` (all by default); its database sessions
        are named `app_name` (WORKER_APP_NAME for the one worker)."""
        self._spawn(
            name,
            [PYTHON, "-m", "celery", "-A", "kampungkb", "worker", "--pool=solo"]
            + ["-Q", queues, "--without-gossip", "--without-mingle", "--loglevel=INFO"]
            + ["--hostname", f"e2e-{self.web_port}-{name}@%h"]
            + (["--purge"] if purge else []),
            env={**self.env, "PGAPPNAME": app_name or WORKER_APP_NAME},
        )

    def worker_stop(self, name="worker"):
        """A warm shutdown: the worker ends its task, then exits."""
        self._end(name, timeout=60)

    def worker_kill(self):
        """SIGKILL: the worker dies where it stands, nothing cleaned up."""
        process = self.processes.pop("worker")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def beat_start(self):
        self._spawn(
            "beat",
            [PYTHON, "-m", "celery", "-A", "kampungkb", "beat", "--loglevel=INFO"]
            + ["--schedule", str(self.dir / "beat-schedule")],
        )

    def workers(self) -> list[str]:
        """The Celery workers started (the one worker, or one per queue)."""
        return [name for name in self.processes if name.startswith("worker")]

    def pid(self, name) -> int | None:
        process = self.processes.get(name)
        return process.pid if process is not None and process.poll() is None else None

    def running(self, name) -> bool:
        process = self.processes.get(name)
        return process is not None and process.poll() is None

    # --- HTTP -------------------------------------------------------------------

    def url(self, path):
        return self.base_url + path

    def status(self, path, timeout=5) -> int | None:
        """The HTTP status of a GET (None when nothing answers)."""
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return None

    # --- all of it --------------------------------------------------------------

    def build(self):
        """Everything from nothing: services, data, static files, the app running."""
        self.postgres_init()
        self.redis_start()
        static = self._spawn(
            "collectstatic", [PYTHON, "manage.py", "collectstatic", "--noinput"]
        )
        self.manage("shell", "-c", LOAD_DATA, timeout=600)
        if static.wait(timeout=300):
            raise StackError("collectstatic failed: see its log")
        self.processes.pop("collectstatic")
        # The refreshes queued while the data was loaded are owed no more: the
        # full refresh above computed everything.
        self.worker_start(purge=True)
        self.beat_start()
        self.web_start()
        self.wait_healthy()

    def wait_healthy(self, seconds=90):
        """/healthz answers 200: database, Redis, a worker's heartbeat, the figures.

        Beat sends the first heartbeat only after 30 s: ask the worker for one now.
        """
        self.send_task("kampungkb.heartbeat")
        wait_for(
            lambda: self.status("/healthz", timeout=10) == 200,
            seconds=seconds,
            what="/healthz answering 200 (database, Redis, worker heartbeat, figures)",
            interval=0.5,
        )

    def send_task(self, name, **options):
        """Queue a task on the private Redis.

        Through an explicit connection: Celery prefers CELERY_BROKER_URL from the
        environment to the broker an app is given, and a test run on shared Redis
        sets it.
        """
        from celery import Celery
        from django.conf import settings

        app = Celery("kampungkb-e2e", set_as_current=False)
        # To the queue the app itself would use (its CELERY_TASK_ROUTES).
        options.setdefault("queue", settings.CELERY_TASK_ROUTES[name]["queue"])
        with app.connection_for_write(self.redis_url) as connection:
            app.send_task(name, connection=connection, ignore_result=True, **options)
        app.close()

    def ensure_running(self):
        """Start whatever a test stopped or killed, on the same ports."""
        if not (self.pg_data / "postmaster.pid").exists():
            self.postgres_start()
        if self.replica_port and not self.replica_running():
            self.replica_start()
        if not self.running("redis"):
            self.redis_start()
        if not self.running("web"):
            self.web_start()
        if not self.running("worker"):
            self.worker_start()
        if not self.running("beat"):
            self.beat_start()

    def stop(self):
        """Everything down, whatever state a test left it in; then the files go."""
        for name in ("collectstatic", "beat", *self.workers(), "web", "redis"):
            try:
                self._end(name)
            except Exception:  # noqa: BLE001 - stop the rest anyway
                pass
        for stop in (self.replica_stop, self.postgres_stop):
            try:
                stop()
            except Exception:  # noqa: BLE001
                pass
        self.logs.mkdir(parents=True, exist_ok=True)
        for log, kept in ((self.pg_log, "postgres"), (self.replica_log, "replica")):
            if log.exists():
                shutil.copy2(log, self.logs / f"{kept}.log")
        for handle in self._log_files:
            handle.close()
        shutil.rmtree(self.dir, ignore_errors=True)
