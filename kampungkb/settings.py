"""Settings for Kampung KB Monitor: one module, everything from the environment.

Without any environment the app runs on a SQLite file with Celery tasks inline
(the `make run` default). Production sets DATABASE_URL (PostgreSQL),
CELERY_BROKER_URL or REDIS_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Only for local development; never used once DEBUG is off.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "kampungkb",
    "villages",
    "stunting",
    "evaluations",
    "dashboards",
    "field",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their own caching headers.
    "kampungkb.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kampungkb.middleware.PreferredLanguageMiddleware",
    # Before anything reads the session, a form or the database (400 for a NUL).
    "kampungkb.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user unless its view says otherwise.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Reads that may lag go to a replica (after the user is loaded from the
    # primary; before StatementTimeoutMiddleware, which answers a timeout first).
    "kampungkb.replicas.ReplicaReadsMiddleware",
    # A statement cancelled by WEB_STATEMENT_TIMEOUT_S answers a 503 page.
    "kampungkb.limits.StatementTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records who made each change in the audit trail.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Lockout after repeated failed sign-ins; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kampungkb.urls"
WSGI_APPLICATION = "kampungkb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kampungkb.context_processors.nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default refreshes figures on a background thread while
    # requests write: WAL lets readers go on during a write, a write waits for
    # another (busy timeout) instead of failing with "database is locked", and
    # IMMEDIATE takes the write lock at BEGIN, where waiting is still possible.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
    }
# PostgreSQL streaming replicas for the reads that may lag (kampungkb/replicas.py):
# "replica1", "replica2", ... in the order given. None: everything on "default".
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{number}"] = {
        **dj_database_url.parse(
            url,
            conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        ),
        # A replica that is gone is skipped quickly, not waited for.
        "OPTIONS": {"connect_timeout": 2},
        # Tests read the primary's own test database through it.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["kampungkb.replicas.ReplicaRouter"]
# A replica further behind than this is skipped (reads go to the primary); each
# web process checks its replicas at most this often.
REPLICA_MAX_LAG_S = float(os.environ.get("REPLICA_MAX_LAG_S", "5"))
REPLICA_CHECK_INTERVAL_S = float(os.environ.get("REPLICA_CHECK_INTERVAL_S", "2"))
# A browser that wrote reads from the primary for this long (its own writes),
# by default as long as a replica may be behind plus the age of a check.
REPLICA_STICKY_S = int(
    os.environ.get(
        "REPLICA_STICKY_S", str(int(REPLICA_MAX_LAG_S + REPLICA_CHECK_INTERVAL_S + 1))
    )
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Web processes only (kampungkb/limits.py): PostgreSQL cancels a statement after this.
WEB_STATEMENT_TIMEOUT_S = float(os.environ.get("WEB_STATEMENT_TIMEOUT_S", "30"))
# A web request may start no new query after this many seconds (kampungkb/limits.py).
WEB_REQUEST_DEADLINE_S = float(os.environ.get("WEB_REQUEST_DEADLINE_S", "60"))

AUTH_USER_MODEL = "kampungkb.User"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one account from one address lock it, there only, for
# 30 minutes; an address with 20 failures across any accounts is refused as long
# (kampungkb.lockout). Behind a reverse proxy REMOTE_ADDR is the proxy's own:
# TRUSTED_PROXY_COUNT says how many of ours add to X-Forwarded-For; never trusted
# without it, since any client can send that header.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "kampungkb.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "kampungkb.lockout.client_ip"
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# An API token stops working this many days after it was issued (kampungkb.tokens).
API_TOKEN_LIFETIME_DAYS = int(os.environ.get("API_TOKEN_LIFETIME_DAYS", "30"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Indonesian first, English available.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Jakarta"
USE_TZ = True

# Children's NIK are stored only as HMAC-SHA256 with this key. It must stay the same
# for the life of the data (a new key makes every stored hash unmatchable), so it is
# separate from SECRET_KEY, which may be rotated. Required in production.
NIK_HASH_KEY = os.environ.get("NIK_HASH_KEY", "")
if not NIK_HASH_KEY:
    if env_bool("PRODUCTION"):
        raise ImproperlyConfigured("NIK_HASH_KEY must be set when PRODUCTION=1.")
    NIK_HASH_KEY = "nik-" + SECRET_KEY

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Measurement files up to 20 MB (about 200,000 rows) may be uploaded.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MEASUREMENT_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
# Bounds of a measurement file's contents, checked before and while it is read
# (stunting.importer): a small file must not claim a huge sheet or cell.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "200000"))
IMPORT_MAX_EMPTY_ROWS = 1000  # in a row, before the file is refused
IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
IMPORT_XLSX_MAX_RATIO = 100  # uncompressed / compressed size of a zip member
# An import task is killed after IMPORT_TIME_LIMIT_S; a batch still "running"
# IMPORT_STALE_AFTER_S after it started has lost its worker and is marked failed.
IMPORT_TIME_LIMIT_S = 16 * 60
IMPORT_STALE_AFTER_S = IMPORT_TIME_LIMIT_S + 4 * 60
IMPORT_MAX_ATTEMPTS = 3  # a file that kills its worker each time is given up
IMPORT_FAILED_FILE_KEEP_S = 24 * 3600  # then a failed batch's file is deleted
# A file's own z-score (e-PPGBM's ZS columns) further than this from ours is listed.
ZSCORE_DIFFERENCE_LIMIT = float(os.environ.get("ZSCORE_DIFFERENCE_LIMIT", "0.05"))
# A rate whose denominator is below its minimum reads "n terlalu kecil" on cards
# and charts (its counts stay in the tables): prevalence from measured children,
# measurement coverage of registered children, and shares of desa/kelurahan or
# Kampung KB and mean scores (complete counts, exact from 1).
DASHBOARD_MIN_DENOMINATOR = {
    "prevalence": int(os.environ.get("DASHBOARD_MIN_DENOMINATOR", "30")),
    "coverage": int(os.environ.get("DASHBOARD_MIN_DENOMINATOR_COVERAGE", "10")),
    "share": int(os.environ.get("DASHBOARD_MIN_DENOMINATOR_SHARE", "1")),
}
# Above this many choices a form field is a search box instead of a list (a PLKB
# with three desa keeps a list; an administrator's 8,563 desa are searched).
CHOICE_SEARCH_THRESHOLD = int(os.environ.get("CHOICE_SEARCH_THRESHOLD", "200"))
# NIK matched outside a user's region: at most this many per window, then every
# NIK lookup of that user is refused until the window has passed.
NIK_OUTSIDE_LIMIT = int(os.environ.get("NIK_OUTSIDE_LIMIT", "10"))
NIK_OUTSIDE_WINDOW_S = 24 * 3600

STATIC_URL = "static/"
# Where `collectstatic` writes; a test run of the whole stack keeps its own copy.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    # Token first: an anonymous API client gets 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kampungkb.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kampungkb.api.exception_handler",
    # JSON only, with a nesting limit and no NUL (kampungkb/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["kampungkb.parsers.StrictJSONParser"],
    # The API reads JSON only (kampungkb.api.ScopedViewSet); so do its tests.
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kampung KB Monitor API",
    "DESCRIPTION": "Regions and the Kampung KB registry, under the same roles and "
    "region scope as the pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kampungkb.api.document_errors",
    ],
    # Several models have a `level`, `kind` or `role`: name each enum after its type.
    "ENUM_NAME_OVERRIDES": {
        "RegionLevelEnum": "villages.models.RegionLevel",
        "RegionKindEnum": "villages.models.RegionKind",
        "ClassificationLevelEnum": "villages.models.ClassificationLevel",
        "ClassificationLevelInputEnum": "villages.serializers.LEVEL_INPUT_CHOICES",
        "OfficerKindEnum": "villages.models.OfficerKind",
        "PokjaRoleEnum": "villages.models.PokjaRole",
        "UserRoleEnum": "kampungkb.models.Role",
        "IndicatorCodeEnum": "dashboards.serializers.INDICATOR_CODES",
        "IndicatorUnitEnum": "dashboards.serializers.UNITS",
        "AwardLevelEnum": "evaluations.models.AwardLevel",
    },
    # Swagger UI from the app's own static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Celery: without a broker, tasks run inline (the embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get(
    "REDIS_URL", ""
)
# No result backend: nothing reads a task's return value (progress and outcomes
# are rows in the database). With Redis as one, every enqueue also subscribed to
# its result channel and, with Redis down, retried that for about 20 s.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Without a broker, tasks run after the response on one background thread per
# process (kampungkb/background.py); "inline" runs them at once (the tests).
BACKGROUND_TASKS = os.environ.get("BACKGROUND_TASKS", "thread")
if BACKGROUND_TASKS not in ("thread", "inline"):
    raise ImproperlyConfigured("BACKGROUND_TASKS must be 'thread' or 'inline'.")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# A request that enqueues a task must not hang when Redis is down: give up fast,
# the change is already saved and the periodic sweep catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A worker or beat that loses Redis keeps trying to reconnect, however long it is
# down, and never exits for it (see kampungkb/broker.py for the transport).
if CELERY_BROKER_URL.startswith("redis://"):
    CELERY_BROKER_TRANSPORT = "kampungkb.broker:Transport"
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# An import that is running when Redis goes away runs to its end.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# Queues by kind of work, so a long import never holds up a refresh or an email:
# "imports" (measurement files), "refresh" (indicator figures), "light" (the
# rest). Every task of the project is named here (tests/kampungkb/test_queues.py);
# a worker takes the queues given with -Q (docs/OPERATIONS.md); WORKER_QUEUES is
# the -Q of a worker that takes them all.
WORKER_QUEUES = "imports,refresh,light"
CELERY_TASK_DEFAULT_QUEUE = "light"
CELERY_TASK_ROUTES = {
    "stunting.import_measurements": {"queue": "imports"},
    "stunting.import_sweep": {"queue": "light"},
    "dashboards.refresh_pending": {"queue": "refresh"},
    "dashboards.refresh_all": {"queue": "refresh"},
    "kampungkb.heartbeat": {"queue": "light"},
}
CELERY_BEAT_SCHEDULE = {
    "indicators-nightly": {
        "task": "dashboards.refresh_all",
        "schedule": crontab(hour=1, minute=0),
    },
    # Refreshes owed by changes whose task was never queued or never finished.
    "indicators-sweep": {"task": "dashboards.refresh_pending", "schedule": 60.0},
    # Measurement files uploaded while Redis was down; imports whose worker died.
    "imports-sweep": {"task": "stunting.import_sweep", "schedule": 60.0},
    "worker-heartbeat": {"task": "kampungkb.heartbeat", "schedule": 30.0},
}

# /healthz fails when the worker's heartbeat or the figures are older than this.
HEALTH_MAX_HEARTBEAT_AGE_S = int(os.environ.get("HEALTH_MAX_HEARTBEAT_AGE_S", "120"))
HEALTH_MAX_REFRESH_AGE_S = int(
    os.environ.get("HEALTH_MAX_REFRESH_AGE_S", str(26 * 3600))
)

# Each process keeps its own small cache of drawn dashboard parts (keyed by the
# time their figures were computed): nothing to run, and nothing fails when
# Redis is down.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 500},
    }
}

# Seconds between a change and its refresh: a burst of edits is refreshed once.
DASHBOARD_REFRESH_DELAY_S = float(os.environ.get("DASHBOARD_REFRESH_DELAY_S", "2"))

# Cookies and headers. PRODUCTION=1 (behind HTTPS) turns on everything that
# `manage.py check --deploy` asks for; plain DEBUG-off runs (tests, a local
# docker compose on http) keep cookies usable without TLS.
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 8 * 60 * 60
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A refused form says what happened in the app's own page (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "kampungkb.views.csrf_failure"
if env_bool("PRODUCTION"):
    if DEBUG:
        raise ImproperlyConfigured("PRODUCTION=1 cannot run with DEBUG on.")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # Database errors quote row values (children's names, birth dates).
        "redact_db_detail": {"()": "kampungkb.log_redaction.RedactDatabaseDetail"},
        # A 403 is one line (path, user id), not a traceback; a 500 keeps its own.
        "forbidden": {"()": "kampungkb.log_filters.ForbiddenOneLine"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_db_detail"],
        }
    },
    "loggers": {"django.request": {"filters": ["forbidden"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
# The worker logs through LOGGING above too (and so through its filters).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
