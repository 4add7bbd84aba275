"""Settings for advisor-crm, all read from the environment.

Everything that differs between a laptop and production comes from environment
variables through the small typed helpers below. With DEBUG on, the embedded
defaults apply (SQLite under var/, Celery tasks in-process, development keys);
with DEBUG off, every secret must be given or start-up fails with a message that
names the missing variable.
"""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str | None = None) -> str:
    """Return the variable, or the default; fail loudly when neither exists."""
    value = os.environ.get(name)
    if value is not None and value != "":
        return value
    if default is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = env_str(name, None if default is None else ",".join(default))
    return [item.strip() for item in raw.split(",") if item.strip()]


def _dev_secret(purpose: str) -> str:
    """A fixed key for local development only; production must set its own."""
    return hashlib.sha256(f"advisor-crm-development-{purpose}".encode()).hexdigest()


DEBUG = env_bool("DEBUG", False)

# Secrets have development defaults only while DEBUG is on.
SECRET_KEY = env_str("SECRET_KEY", _dev_secret("secret-key") if DEBUG else None)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else None
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# ID numbers are encrypted with Fernet; several comma-separated keys allow rotation
# (the first encrypts, all decrypt). The blind index uses its own HMAC key so that a
# leaked index cannot be used to decrypt, and exact search still works.
FIELD_ENCRYPTION_KEYS = env_list(
    "FIELD_ENCRYPTION_KEYS",
    [base64.urlsafe_b64encode(bytes.fromhex(_dev_secret("fernet"))).decode()] if DEBUG else None,
)
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY", _dev_secret("blind-index") if DEBUG else None)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "auditlog",
    "advisor_crm.accounts",
    "clients",
    "kyc",
    "kms",
    "scoring",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response.
    "advisor_crm.middleware.SecurityHeadersMiddleware",
    # A body Django cannot decode (a charset it does not know, bytes that are not in
    # the declared one) answers 400 here, before the CSRF check reads it and fails.
    "advisor_crm.middleware.UndecodableRequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Ends a session idle for too long, or older than its absolute limit.
    "advisor_crm.middleware.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # htmx requests after the session ended go to the login; no-store for user pages.
    "advisor_crm.middleware.SessionAwareMiddleware",
    # Records the logged-in user as the actor of every audited change.
    "auditlog.middleware.AuditlogMiddleware",
    # Axes goes last so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Gunicorn serves the collected static files itself; runserver does it in DEBUG.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "advisor_crm.urls"
WSGI_APPLICATION = "advisor_crm.wsgi.application"

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
                "django.template.context_processors.i18n",
                "advisor_crm.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            # WAL lets the dev server and an in-process task read while another writes.
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["username", "display_name", "email"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "advisor_crm.accounts.passwords.NotTheCurrentPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "clients:list"
LOGOUT_REDIRECT_URL = "login"

# Failed-login throttling: lock the username+IP pair after a few failures, for a
# while, so that a colleague's mistyped password does not lock a whole office.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Password spraying tries one password on many usernames, which the limit above never
# sees: the handler also locks an IP address after this many failures across all
# usernames. Higher than the per-account limit, since an office shares one address.
AXES_HANDLER = "advisor_crm.accounts.throttling.AxesHandler"
AXES_IP_FAILURE_LIMIT = env_int("AXES_IP_FAILURE_LIMIT", 20)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# Plans and other personal documents live in a private location: nothing under it is
# ever served by URL; views stream files after an access check.
PRIVATE_STORAGE_ROOT = Path(env_str("PRIVATE_STORAGE_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
    },
    # Plan PDFs: written atomically (temp file + rename) so that a reader never sees
    # half a file, and overwritten in place so that a redelivered render job writes
    # the same path again instead of a second copy.
    "plans": {
        "BACKEND": "kms.storage.AtomicFileSystemStorage",
        "OPTIONS": {
            "location": PRIVATE_STORAGE_ROOT / "plans",
            "base_url": None,
            "allow_overwrite": True,
        },
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# Celery: with a broker URL the tasks go to Redis and a worker; without one they run
# in-process, so the laptop default needs no broker at all.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 50)
# Called in a Celery worker's main process before it forks its pool (advisor_crm/celery.py).
WORKER_WARM_UP = ["kms.plan_services.renderer_warm_up"]
# A pool process whose resident memory passes this (KiB) is replaced after its task:
# a plan render peaks near 250 MB, so this catches growth, not normal work.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 450_000)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than the longest job, so that a slow job is not delivered twice.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # How often a worker looks for jobs whose worker died without acknowledging them
    # (about interval x throttle seconds; kombu's defaults). They come back once older
    # than the visibility timeout.
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Plan rendering: transient failures (database, storage) are retried with exponential
# backoff up to this many times before the document is marked failed.
PLAN_RENDER_MAX_RETRIES = env_int("PLAN_RENDER_MAX_RETRIES", 4)
PLAN_RENDER_RETRY_BACKOFF = env_int("PLAN_RENDER_RETRY_BACKOFF", 5)
# The two library fixes in kms/pdf_speedups.py that make plans render faster. Off, the
# libraries draw as shipped: a way to rule the fixes out when a plan looks wrong.
PLAN_RENDER_SPEEDUPS = env_bool("PLAN_RENDER_SPEEDUPS", True)

SESSION_COOKIE_HTTPONLY = True
# Two limits on a session (advisor_crm/middleware.py, SessionTimeoutMiddleware): the
# absolute one counts from login, the idle one from the last request.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 60 * 30)
# Self only: scripts and styles come from our static files (htmx included), no inline
# script, no eval. Style attributes are allowed (style-src-attr): the pictures and the
# preview bars size themselves with them, and an attribute can neither run script nor
# load anything that img-src and font-src do not allow; <style> elements stay blocked.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in [
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    ]
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    # Production is HTTPS only (behind a TLS proxy that sets X-Forwarded-Proto). The
    # health check stays reachable over plain HTTP for the container's own probe.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Axes logs every login at INFO; failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
        # WeasyPrint reports every layout step at INFO; its warnings (a missing font,
        # an unsupported CSS property) still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Page size of the client list. Keyset pagination keeps every page equally cheap.
CLIENT_LIST_PAGE_SIZE = env_int("CLIENT_LIST_PAGE_SIZE", 25)
