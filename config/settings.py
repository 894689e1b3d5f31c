"""Microlens settings: one module, driven by the environment (see README, "Configuration").

Modes (MICROLENS_MODE):
- ``production`` (default): DEBUG off, secure cookies, HSTS; refuses to start without
  DJANGO_SECRET_KEY, DATABASE_URL and REDIS_URL.
- ``local``: what ``make run`` uses. SQLite under var/ and Celery's filesystem transport unless
  DATABASE_URL / REDIS_URL are set; demo logins are allowed.
- ``test``: what the test suite uses (config.settings_test).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

MODE = env.str("MICROLENS_MODE", default="production")
if MODE not in {"production", "local", "test"}:
    raise ImproperlyConfigured(f"MICROLENS_MODE must be production, local or test, not {MODE!r}")
PRODUCTION = MODE == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=MODE == "local")

if PRODUCTION:
    missing = [name for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL") if not env.str(name, "")]
    if missing:
        raise ImproperlyConfigured(
            "Production mode needs these environment variables: "
            + ", ".join(missing)
            + " (set MICROLENS_MODE=local for a local run)."
        )
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
else:
    # Only local and test modes may fall back to a fixed, obviously-insecure key.
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-local-only-key-" + "x" * 40)

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "axes",
    "core",
    "discovery",
    "scoring",
    "campaigns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "core.middleware.AuthenticationMiddleware",  # Django's, the session's user read faster
    "core.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.microlens",
            ],
        },
    },
]

# Database: DATABASE_URL (PostgreSQL in production and CI), else SQLite under var/.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'microlens.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["timeout"] = 30
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if USING_POSTGRES:
    # No JIT for web queries: PostgreSQL compiles any plan costed above jit_above_cost, and a page's
    # query (a gated nearest-first search, a large count) spent 0.5-1.6 s compiling for ~15 ms of work.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Parallel query per statement: the web tier sets 0 (config/gunicorn.conf.py). On a small server
    # under concurrent users, a page's LIMIT query split across workers reads several times the rows
    # (a relevance walk at 1M: 149 ms in parallel against 28-55 ms serial) and takes cores from the
    # other requests. The Celery workers set 0 too (docker-compose.yml's worker service): a scoring
    # chunk's reads already run in lanes, and parallel plans on top slowed a 1M full rescore with two
    # workers from 154 s to 244 s. The shell and management commands keep the server's default.
    _parallel = env.str("DB_PARALLEL_WORKERS_PER_GATHER", default="")
    if _parallel:
        DATABASES["default"]["OPTIONS"]["options"] += f" -c max_parallel_workers_per_gather={int(_parallel)}"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "core:login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"

# Uploads: imports are streamed to disk, never held in memory.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=200 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Cache: throttling, task locks and short-lived search totals. CACHE_URL picks one explicitly; else
# Redis when REDIS_URL is set (one cache shared by every web process, so a total counted by one
# worker serves them all), through a backend that treats an unreachable Redis as a miss, so pages
# keep working when Redis is down; else local memory (one per process, nothing to run).
if env.str("REDIS_URL", "") and not env.str("CACHE_URL", ""):
    CACHES = {
        "default": {
            "BACKEND": "core.cache.FailSoftRedisCache",
            "LOCATION": env.str("REDIS_URL"),
            "KEY_PREFIX": "microlens-cache",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://microlens")}

# Sessions and cookies. Sessions live in the database only: a cached copy (cached_db) saves one round
# trip per request, but a logout or session flush while Redis is unreachable would leave that copy
# behind, and the cookie would sign in again once Redis answers. Logging out must be final.
# core.sessions is Django's db engine with the per-request read precompiled (same table and format).
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag; keep default
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Email: console locally, SMTP (EMAIL_URL) in production.
if env.str("EMAIL_URL", ""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Microlens <no-reply@microlens.local>")

# django-axes: lock out after repeated failed logins for a username from an IP.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Django REST Framework.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    # DRF's JSON encoded by orjson (core/renderers.py), and DRF's browsable API.
    "DEFAULT_RENDERER_CLASSES": [
        "core.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler.api_exception_handler",
    # DRF's throttles, checked in one atomic Redis round trip (core/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonRateThrottle",
        "core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
        "token": env.str("API_THROTTLE_TOKEN", default="10/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Microlens API",
    "DESCRIPTION": "Find micro-influencers, shortlist them within budget, and report campaign results.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per shared choice set, so `check --deploy` stays free of drf-spectacular W001.
    "ENUM_NAME_OVERRIDES": {
        "PlatformEnum": "discovery.models.Platform",
        "TierEnum": "scoring.models.Tier",
        "ProvenanceEnum": "scoring.models.Provenance",
        "ImportJobStatusEnum": "discovery.models.ImportJob.Status",
        "ScoringRunStatusEnum": "scoring.models.ScoringRun.Status",
        "CampaignStatusEnum": "campaigns.models.CampaignStatus",
        "PipelineStatusEnum": "campaigns.models.PipelineStatus",
    },
}

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport (no server needed).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Longer than the longest task, so an unacknowledged task is not redelivered while it runs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
else:
    CELERY_QUEUE_DIR = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        "store_processed": False,
    }
    # kombu's filesystem transport expects its folders to exist.
    for folder in ("queue", "processed"):
        (CELERY_QUEUE_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Every night at 02:30 UTC: mark every profile dirty and rescore the catalogue (scoring/tasks.py).
    "scoring-nightly-rescore": {
        "task": "scoring.tasks.rescore_all_profiles_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Every 5 minutes: score profiles that imports or admin edits marked dirty (no-op when none are,
    # or while another scoring run is reporting progress).
    "scoring-dirty-profiles": {
        "task": "scoring.tasks.score_dirty_profiles_task",
        "schedule": crontab(minute="*/5"),
    },
    # Every minute: start the imports an admin started while the broker was down (no-op when none wait).
    "imports-start-waiting": {
        "task": "discovery.tasks.start_waiting_imports_task",
        "schedule": crontab(minute="*"),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Shown on start in local mode only (make run); never created in production.
DEMO_LOGINS_ENABLED = MODE == "local"
