"""Readyboard settings: one module, read from the environment through small strict helpers.

With no environment at all this runs the embedded default: SQLite and a filesystem Celery
broker under `READYBOARD_DATA_DIR` (default `./var`). `READYBOARD_PRODUCTION=1` turns every
convenience default off and insists on SECRET_KEY, DATABASE_URL, REDIS_URL and ALLOWED_HOSTS.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    """The variable's value; an empty string counts as unset."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if required:
        raise ImproperlyConfigured(f"{name} must be set when READYBOARD_PRODUCTION is on")
    return default


def env_bool(name: str, default: bool) -> bool:
    """Strict boolean: a typo like `ture` fails loudly instead of silently meaning False."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env_str(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


PRODUCTION = env_bool("READYBOARD_PRODUCTION", False)

DATA_DIR = Path(env_str("READYBOARD_DATA_DIR", str(BASE_DIR / "var"))).resolve()


def data_path(*parts: str) -> Path:
    """A path under the data folder, its parent created on demand."""
    path = DATA_DIR.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _dev_secret_key() -> str:
    # Stable across restarts (sessions survive) without anyone having to invent a key.
    key_file = data_path("secret_key")
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY", required=PRODUCTION) or _dev_secret_key()
DEBUG = env_bool("READYBOARD_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when READYBOARD_PRODUCTION is on")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- readyboard ------------------------------------------------------------------------

# file:// clone URLs: the demo and the tests need them; a shared server should not.
READYBOARD_ALLOW_LOCAL_REPOS = env_bool("READYBOARD_ALLOW_LOCAL_REPOS", not PRODUCTION)
READYBOARD_EVIDENCE_RETENTION = env_int("READYBOARD_EVIDENCE_RETENTION", 12, minimum=1)
READYBOARD_GIT_CACHE_DIR = Path(
    env_str("READYBOARD_GIT_CACHE_DIR", str(DATA_DIR / "git-cache"))
).resolve()
READYBOARD_MAX_REPO_MB = env_int("READYBOARD_MAX_REPO_MB", 500, minimum=1)
READYBOARD_SCAN_TIMEOUT = env_int("READYBOARD_SCAN_TIMEOUT", 600, minimum=10)
# The scanner runs in a child process: parse processes per scan (0 = one per core) and
# its address-space cap in MB (0 = none), so one pathological repository cannot take the
# machine's memory.
READYBOARD_SCAN_JOBS = env_int("READYBOARD_SCAN_JOBS", 0, minimum=0)
READYBOARD_SCAN_MEMORY_MB = env_int("READYBOARD_SCAN_MEMORY_MB", 4096, minimum=0)

# --- django ----------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages are large tables (a leaderboard page is ~120 KB of HTML, ~9 KB gzipped) and
    # gunicorn serves them without a compressing proxy. Below WhiteNoise, which serves its
    # own pre-compressed static files; Django pads the gzip output against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"
ASGI_APPLICATION = "dashboard.asgi.application"

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
            ],
        },
    },
]


def _database() -> dict:
    url = env_str("DATABASE_URL", required=PRODUCTION)
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    # Embedded default: the web process and the worker share one file, so wait on locks
    # instead of failing with "database is locked"; WAL lets readers run beside the writer.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": data_path("readyboard.sqlite3"),
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing one
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Security headers; the cookie/HSTS ones only make sense behind HTTPS (production).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- celery (read by dashboard/celery.py with namespace="CELERY") -----------------------

REDIS_URL = env_str("REDIS_URL", required=PRODUCTION)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
else:
    # No Redis: kombu's filesystem transport, a folder the web process and worker share.
    CELERY_BROKER_URL = "filesystem://"
    _broker = DATA_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "out"),
        "data_folder_out": str(_broker / "out"),
        "data_folder_processed": str(_broker / "processed"),
        # Exchange tables too, or kombu writes them to ./control of whatever cwd it has.
        "control_folder": str(_broker / "control"),
        "store_processed": False,
    }
    for _sub in ("out", "processed"):
        (_broker / _sub).mkdir(parents=True, exist_ok=True)

CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = READYBOARD_SCAN_TIMEOUT
CELERY_TASK_TIME_LIMIT = READYBOARD_SCAN_TIMEOUT + 60
# A late-acked message is redelivered after this; it must outlast the hard limit, or a
# long scan would be handed to a second worker while the first is still on it.
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = CELERY_TASK_TIME_LIMIT + 300
CELERY_TASK_DEFAULT_QUEUE = "readyboard"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- schedules, notifications, integrations, observability (issue 6) --------------------


def env_weekday(name: str, default: int) -> int:
    value = env_int(name, default)
    if value > 6:
        raise ImproperlyConfigured(f"{name}={value} must be a weekday number, 0 (Monday)..6")
    return value


def env_time(name: str, default: str) -> str:
    """An `HH:MM` time of day (UTC), checked now so a typo fails at start-up."""
    raw = env_str(name, default)
    hours, _, minutes = raw.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a time of day (HH:MM, UTC)")
    return f"{int(hours):02d}:{int(minutes):02d}"


# Weekly scans: the fleet default slot (a repository may override the day and time or pause).
READYBOARD_SCHEDULE_WEEKDAY = env_weekday("READYBOARD_SCHEDULE_WEEKDAY", 0)
READYBOARD_SCHEDULE_TIME = env_time("READYBOARD_SCHEDULE_TIME", "06:00")
READYBOARD_SCHEDULE_TICK_SECONDS = env_int("READYBOARD_SCHEDULE_TICK_SECONDS", 300, minimum=10)
# Alerts: an overall score drop of at least this many points (or a new P0 failure).
READYBOARD_ALERT_SCORE_DROP = env_int("READYBOARD_ALERT_SCORE_DROP", 5, minimum=1)
READYBOARD_DIGEST_WEEKDAY = env_weekday("READYBOARD_DIGEST_WEEKDAY", 0)
READYBOARD_DIGEST_TIME = env_time("READYBOARD_DIGEST_TIME", "08:00")
READYBOARD_WEBHOOK_TIMEOUT = env_int("READYBOARD_WEBHOOK_TIMEOUT", 10, minimum=1)
READYBOARD_DELIVERY_MAX_ATTEMPTS = env_int("READYBOARD_DELIVERY_MAX_ATTEMPTS", 6, minimum=1)
READYBOARD_DELIVERY_BACKOFF_SECONDS = env_int("READYBOARD_DELIVERY_BACKOFF_SECONDS", 30, minimum=1)
READYBOARD_PUBLIC_URL = (env_str("READYBOARD_PUBLIC_URL", "") or "").rstrip("/")
READYBOARD_API_PAGE_SIZE = env_int("READYBOARD_API_PAGE_SIZE", 50, minimum=1)
READYBOARD_API_MAX_PAGE_SIZE = env_int("READYBOARD_API_MAX_PAGE_SIZE", 500, minimum=1)
READYBOARD_BADGE_MAX_AGE = env_int("READYBOARD_BADGE_MAX_AGE", 300)
# Prometheus scrapes with `Authorization: Bearer <this>` (an API token works as well).
READYBOARD_METRICS_TOKEN = env_str("READYBOARD_METRICS_TOKEN")
READYBOARD_READY_TIMEOUT = env_int("READYBOARD_READY_TIMEOUT", 3, minimum=1)

# The container image collects static files outside the data volume.
STATIC_ROOT = Path(env_str("READYBOARD_STATIC_ROOT", str(STATIC_ROOT))).resolve()

if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # /ready and every request fail fast instead of hanging on an unreachable database.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

# E-mail: SMTP when EMAIL_HOST is set, else the console (the log) — e-mail is optional.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "readyboard@localhost")

# Structured logs: JSON lines with the request id (web) or task and scan id (worker).
READYBOARD_LOG_FORMAT = env_str("READYBOARD_LOG_FORMAT", "json" if PRODUCTION else "text")
if READYBOARD_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("READYBOARD_LOG_FORMAT must be json or text")
MIDDLEWARE.insert(0, "dashboard.observability.middleware.RequestIdMiddleware")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "dashboard.observability.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "dashboard.observability.logs.JsonFormatter"},
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s%(scan_ref)s] "
            "%(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": READYBOARD_LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
# The worker logs through the LOGGING above (JSON in production), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- trust: sign-in, roles, security headers, credentials (dashboard.accounts/.security) ---

# Every page needs sign-in except the URL names in dashboard.security.public (badges,
# health; token-checked API/metrics); the access tests hold every URL pattern to that list.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "dashboard.security.middleware.SignInRequiredMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("dashboard.security.middleware.SignInRequiredMiddleware") + 1,
    "dashboard.security.middleware.ViewerReadOnlyMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "dashboard.security.middleware.SecurityHeadersMiddleware",
)
AUTHENTICATION_BACKENDS = ["dashboard.accounts.backends.ThrottledModelBackend"]
READYBOARD_LOGIN_MAX_FAILURES = env_int("READYBOARD_LOGIN_MAX_FAILURES", 5, minimum=1)
READYBOARD_LOGIN_MAX_FAILURES_PER_IP = env_int(
    "READYBOARD_LOGIN_MAX_FAILURES_PER_IP", 30, minimum=1
)
READYBOARD_LOGIN_WINDOW_MINUTES = env_int("READYBOARD_LOGIN_WINDOW_MINUTES", 15, minimum=1)
# HSTS is sent only on requests that arrived over HTTPS (SECURE_PROXY_SSL_HEADER in production).
READYBOARD_HSTS_SECONDS = env_int("READYBOARD_HSTS_SECONDS", 31_536_000)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Named repository credentials as files (a mounted secret folder); env vars work without it.
READYBOARD_CREDENTIALS_DIR = env_str("READYBOARD_CREDENTIALS_DIR")
# Credentials in URLs or loaded secrets never reach a log line.
LOGGING["filters"]["scrub"] = {"()": "dashboard.security.log_filters.ScrubSecretsFilter"}
LOGGING["handlers"]["console"]["filters"] = ["scrub", *LOGGING["handlers"]["console"]["filters"]]
