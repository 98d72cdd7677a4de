"""wassweb settings, read from the environment.

WASSWEB_MODE picks the defaults: `production` (the default, secure), `demo` (one process, SQLite,
relaxed and saying so on every page) or `test`. DATABASE_URL and REDIS_URL switch on the real services.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import holidays
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

from accounts.networks import ANYWHERE, PRIVATE_NETWORKS, parse_networks
from wassweb.env import env_bool, env_choice, env_hex, env_int, env_list, env_postgres_url, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("WASSWEB_VAR_DIR", str(BASE_DIR / "var")))

MODE = env_choice("WASSWEB_MODE", "production", {"production", "demo", "test"})
DEMO = MODE == "demo"
TESTING = MODE == "test"
RELAXED = DEMO or TESTING

DEBUG = env_bool("DEBUG", default=DEMO)


def _secret_key() -> str:
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    if not RELAXED:
        raise ImproperlyConfigured("SECRET_KEY must be set in production (WASSWEB_MODE=production).")
    # The demo keeps a random key on disk so sessions survive a restart; it is never committed.
    key_file = VAR_DIR / "demo_secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = get_random_secret_key()
    key_file.write_text(key)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if RELAXED else [])

INSTALLED_APPS = [
    "daphne",
    # Django's admin on the project's site, which writes every admin request to the access log.
    "wassweb.apps.WasswebAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "channels",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "accounts",
    "sightings",
    "audit",
]

MIDDLEWARE = [
    # First, so a database outage or a pool timeout in any layer below answers 503 with Retry-After, not 500.
    "wassweb.db_outage.DatabaseOutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Separated network and second factor, before any view runs (accounts/middleware.py).
    "accounts.middleware.SecurityGateMiddleware",
    # Inside the gate: one access-log entry for every request by a person (audit/access_middleware.py).
    "audit.access_middleware.AccessRecordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so it sees the outcome of a login attempt and answers a locked-out one.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wassweb.urls"
WSGI_APPLICATION = "wassweb.wsgi.application"
ASGI_APPLICATION = "wassweb.asgi.application"

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
                "wassweb.context_processors.deployment",
            ],
        },
    },
]

# Database: PostgreSQL through psycopg 3 when DATABASE_URL is set, otherwise a SQLite file.
# Two roles in production (docs/OPERATIONS.md): DATABASE_URL is the application's role, which owns nothing and
# may only add to the ledger; DATABASE_OWNER_URL, the role that owns the tables, is used only by `migrate` and
# `db_grant_app_role` (wassweb/db_roles.py). Without it both run as DATABASE_URL's role (demo, tests).
DATABASE_URL = env_str("DATABASE_URL")
DATABASE_OWNER_URL = env_postgres_url("DATABASE_OWNER_URL")
DATABASE_OWNER: dict | None = None
# Each process holds at most DB_POOL_MAX_SIZE connections (Django's psycopg pool, shared by the process's
# request threads); a request waits at most DB_POOL_TIMEOUT seconds for one and is then answered 503 with
# Retry-After (wassweb.db_outage), so a burst of clients queues for connections instead of exhausting
# PostgreSQL's max_connections (docs/OPERATIONS.md, "Connections"). Celery workers use one plain connection per
# process instead (wassweb.celery). DB_POOL_MAX_SIZE=0 turns the pool off, e.g. behind a PgBouncer; then each
# thread keeps its own connection for DB_CONN_MAX_AGE seconds.
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 10, minimum=0)
DB_POOL_MIN_SIZE = min(env_int("DB_POOL_MIN_SIZE", 2, minimum=0), DB_POOL_MAX_SIZE)
DB_POOL_TIMEOUT = env_int("DB_POOL_TIMEOUT", 3, minimum=1)
# Seconds a connection without a pool (a prefork worker process, or DB_POOL_MAX_SIZE=0) is kept between uses.
DB_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
# Past this many requests already waiting for a connection, the next is answered 503 at once instead of
# queueing: above capacity a fast refusal with Retry-After, never a pile of threads waiting out the timeout.
DB_POOL_MAX_WAITING = env_int("DB_POOL_MAX_WAITING", 2 * max(DB_POOL_MAX_SIZE, 1), minimum=1)
if DATABASE_URL:
    if DB_POOL_MAX_SIZE:
        # Health checks make the pool test a connection on checkout, so one PostgreSQL dropped while it sat idle
        # (a restart, pg_terminate_backend) is replaced instead of failing the request that draws it.
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=True)}
        # Beside the URL's own options (sslmode, application_name, …).
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": DB_POOL_MIN_SIZE,
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": DB_POOL_TIMEOUT,
            "max_waiting": DB_POOL_MAX_WAITING,
        }
    else:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE)}
    if DATABASE_OWNER_URL:
        DATABASE_OWNER = dj_database_url.parse(DATABASE_OWNER_URL)
        if DATABASE_OWNER["NAME"] != DATABASES["default"]["NAME"]:
            raise ImproperlyConfigured("DATABASE_OWNER_URL must name the same database as DATABASE_URL.")
elif DATABASE_OWNER_URL:
    raise ImproperlyConfigured("DATABASE_OWNER_URL needs DATABASE_URL (the application's role) as well.")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # A file, not memory, so a live daphne process started by the tests sees the same data.
            # One file per test run, so parallel runs in one checkout do not share it.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Integration keys and their municipality's cameras are remembered per process this many seconds, so a batch of
# reads needs no SQL; a revoked key or a camera switched off takes effect within it. 0 looks them up every time.
KEY_CACHE_SECONDS = env_int("KEY_CACHE_SECONDS", 5, minimum=0)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses locked-out credentials before any password is checked.
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Internationalisation: Korean first, English shipped.
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The demo and the tests serve straight from the finders; production serves what collectstatic gathered.
STATIC_ROOT = None if RELAXED else Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Static files are served by the app itself (no CDN); the demo and tests skip collectstatic.
WHITENOISE_USE_FINDERS = RELAXED
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # files leave only through views that check and log access

# Redis: Celery broker and the Channels layer. Without it everything runs in one process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py's async pool fails at once when full, so size it explicitly. Its default 5 s read
                # timeout equals channels-redis' 5 s BZPOPMIN, which made idle sockets fail with "Timeout reading".
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": env_int("CHANNELS_REDIS_MAX_CONNECTIONS", 200),
                        "socket_timeout": env_int("CHANNELS_REDIS_SOCKET_TIMEOUT", 15, minimum=6),
                    }
                ],
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL or TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
# A worker killed mid-batch leaves the message unacknowledged, so another worker redoes it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A batch whose worker process dies is handed back at once (reject_on_worker_lost); one whose whole worker dies
# (SIGKILL, a lost host) stays unacknowledged and goes back to the queue this long after it was taken, found by
# another worker's sweep every CELERY_RESTORE_INTERVAL seconds: redone within 35 s, not the broker's default hour.
# The price: a task still running (or waiting to retry) after this long is handed out a second time, so it must be
# longer than any task takes (a batch of 1,000 reads takes well under a second; the retry waits of
# wassweb.task_retry stop at 20 s). Redone batches store nothing twice (unique read_id + order).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 30, minimum=1),
    "unacked_restore_interval": env_int("CELERY_RESTORE_INTERVAL", 5, minimum=1),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Wanted orders expire on time (the hotlist also drops an order the moment it passes its expiry).
    "orders-expire": {"task": "sightings.orders_expire", "schedule": 30.0},
    # A worker killed between storing hits and announcing them leaves them out of the alert stream (and so out
    # of every replay); this puts them in, a few seconds late rather than never.
    "alerts-announce-pending": {"task": "sightings.alerts_announce_pending", "schedule": 10.0},
    # Look-back buffer: create the coming hour partitions, drop those past retention.
    "lookback-maintain": {"task": "sightings.lookback_maintain", "schedule": 300.0},
}

REST_FRAMEWORK = {
    # People by session (second factor enforced by accounts.middleware), or by their own `api`-scope key.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.SessionOrKeyAuthentication",
        "accounts.authentication.PersonalKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "wassweb.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 100,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")
SPECTACULAR_SETTINGS = {
    "TITLE": "wassweb API",
    "DESCRIPTION": "Plate reads in, wanted-vehicle hits out, footage disclosure and the PIPA ledger.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI is served from the vendored sidecar package: no CDN on a separated network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that several serializers share get one stable name each instead of a hash suffix.
    "ENUM_NAME_OVERRIDES": {
        "LegalBasisEnum": "audit.purposes.LEGAL_BASIS_CHOICES",
        "OrderStatusEnum": "sightings.models.WantedOrder.Status",
        "OrderPriorityEnum": "sightings.models.WantedOrder.Priority",
        "FootageRequestStatusEnum": "sightings.models.FootageRequest.Status",
    },
    # The error answers every operation shares (400/401/403/404/409/503, one shape) are documented in one place.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "wassweb.api_schema.add_error_responses",
    ],
}

# Security: production values are the defaults; the demo and the tests run over plain HTTP on loopback.
SESSION_COOKIE_SECURE = not RELAXED
CSRF_COOKIE_SECURE = not RELAXED
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not RELAXED)
# Load balancers and process managers probe /health/ over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if RELAXED else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not RELAXED
SECURE_HSTS_PRELOAD = not RELAXED
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Reads API: the largest batch and body the ingest endpoint accepts.
READS_MAX_BATCH = 1000
# Read ids are remembered this long (ids only, docs/INGEST.md), so a retried batch is accepted once.
READS_DEDUP_SECONDS = env_int("READS_DEDUP_SECONDS", 600, minimum=10)
READS_MAX_BODY_BYTES = env_int("READS_MAX_BODY_BYTES", 64 * 1024 * 1024, minimum=1024)
# A read's seen_at must be plausible for a live feed (docs/INGEST.md): no older than the look-back horizon
# (sightings.reads.lookback.MAX_RETENTION_HOURS) and no further ahead than a camera clock may run.
READS_MAX_AGE_HOURS = env_int("READS_MAX_AGE_HOURS", 72, minimum=1)
READS_MAX_FUTURE_SECONDS = env_int("READS_MAX_FUTURE_SECONDS", 300, minimum=0)
DATA_UPLOAD_MAX_MEMORY_SIZE = READS_MAX_BODY_BYTES
# A plain batch from a municipality's key is answered in the ASGI application's own lane, without the middleware
# for people (sightings/reads/lane.py); anything else about the request goes through the whole stack.
READS_FAST_LANE = env_bool("READS_FAST_LANE", default=True)
# The lane's threads per web process; a batch is answered 503 with Retry-After at once when the latest one
# waited READS_LANE_MAX_WAIT_MS for a thread, or READS_LANE_BACKLOG are waiting (docs/INGEST.md).
READS_LANE_THREADS = env_int("READS_LANE_THREADS", 4, minimum=1)
READS_LANE_MAX_WAIT_MS = env_int("READS_LANE_MAX_WAIT_MS", 300, minimum=1)
READS_LANE_BACKLOG = env_int("READS_LANE_BACKLOG", 200, minimum=1)

# Footage requests: urgent ones escalate when undecided this long; the officer's access and the files'
# retention run from the approval. The ledger entry is kept after the files are purged.
FOOTAGE_URGENT_ESCALATE_MINUTES = env_int("FOOTAGE_URGENT_ESCALATE_MINUTES", 15, minimum=1)
FOOTAGE_ACCESS_HOURS = env_int("FOOTAGE_ACCESS_HOURS", 72, minimum=1)
FOOTAGE_RETENTION_DAYS = env_int("FOOTAGE_RETENTION_DAYS", 30, minimum=1)
FOOTAGE_MAX_FILE_BYTES = env_int("FOOTAGE_MAX_FILE_BYTES", 500 * 1024 * 1024, minimum=1024)
FOOTAGE_MAX_FILES = env_int("FOOTAGE_MAX_FILES", 20, minimum=1)
FOOTAGE_MAX_WINDOW_HOURS = env_int("FOOTAGE_MAX_WINDOW_HOURS", 24, minimum=1)
# A footage window may start at most this long ago: the centres keep their recordings no longer (commonly 30 days),
# and a window older than that is a wrong date, not footage anyone can provide.
FOOTAGE_WINDOW_MAX_AGE_DAYS = env_int("FOOTAGE_WINDOW_MAX_AGE_DAYS", 30, minimum=1)
CELERY_BEAT_SCHEDULE.update(
    {
        "footage-escalate-urgent": {"task": "sightings.footage_escalate_urgent", "schedule": 60.0},
        "footage-expire-access": {"task": "sightings.footage_expire_access", "schedule": 300.0},
        "footage-purge-files": {"task": "sightings.footage_purge_files", "schedule": 3600.0},
    }
)

# Patrol units (docs/UNITS.md): only each unit's last position is kept, and only this long; a terminal may report
# at most once every UNIT_POSITION_MIN_INTERVAL_SECONDS (faster reports get 429 with Retry-After).
UNIT_POSITION_MAX_AGE_SECONDS = env_int("UNIT_POSITION_MAX_AGE_SECONDS", 3600, minimum=60)
UNIT_POSITION_MIN_INTERVAL_SECONDS = env_int("UNIT_POSITION_MIN_INTERVAL_SECONDS", 3, minimum=1)
CELERY_BEAT_SCHEDULE["unit-positions-purge"] = {"task": "sightings.unit_positions_purge", "schedule": 300.0}

# Live views (docs/LIVE_VIEW.md): an officer working an urgent order asks to watch one camera; its centre allows
# LIVE_VIEW_DEFAULT_MINUTES unless it picks another length up to LIVE_VIEW_MAX_MINUTES (never past the order's
# expiry). A request nobody decides within LIVE_VIEW_PENDING_MINUTES lapses: a live picture is needed now or not at
# all. Stream addresses are signed for LIVE_VIEW_LINK_SECONDS and fetched again by the player, so an early end stops
# the picture within that time even at a video server that knows nothing of it.
LIVE_VIEW_DEFAULT_MINUTES = env_int("LIVE_VIEW_DEFAULT_MINUTES", 30, minimum=1)
LIVE_VIEW_MAX_MINUTES = env_int("LIVE_VIEW_MAX_MINUTES", 60, minimum=1)
LIVE_VIEW_PENDING_MINUTES = env_int("LIVE_VIEW_PENDING_MINUTES", 10, minimum=1)
LIVE_VIEW_LINK_SECONDS = env_int("LIVE_VIEW_LINK_SECONDS", 120, minimum=10)
CELERY_BEAT_SCHEDULE["live-views-expire"] = {"task": "sightings.live_views_expire", "schedule": 30.0}


# Published chain heads (docs/LEDGER.md, "Published heads"): beat signs each chain's entry count and last hash
# with Ed25519 every CHAIN_HEADS_PUBLISH_HOURS, stores the statement and appends it to CHAIN_HEADS_FILE, which the
# auditors copy. The private key (64 hex digits) is needed only where statements are published; processes that
# only show them need CHAIN_HEADS_PUBLIC_KEY, otherwise derived from the private key.
def _chain_heads_signing_key() -> str | None:
    configured = env_hex("CHAIN_HEADS_SIGNING_KEY", nbytes=32)
    if configured or not RELAXED:
        return configured
    # Like the demo's SECRET_KEY: random, kept on disk so statements stay checkable across restarts, never committed.
    key_file = VAR_DIR / "demo_chain_heads_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)  # an Ed25519 private key is 32 random bytes
    key_file.write_text(key)
    return key


CHAIN_HEADS_SIGNING_KEY = _chain_heads_signing_key()
CHAIN_HEADS_PUBLIC_KEY = env_hex("CHAIN_HEADS_PUBLIC_KEY", nbytes=32)
CHAIN_HEADS_FILE = Path(env_str("CHAIN_HEADS_FILE", str(VAR_DIR / "chain-heads.jsonl")))
CHAIN_HEADS_PUBLISH_HOURS = env_int("CHAIN_HEADS_PUBLISH_HOURS", 24, minimum=1)
CELERY_BEAT_SCHEDULE["chain-heads-publish"] = {
    "task": "audit.chain_heads_publish",
    "schedule": timedelta(hours=CHAIN_HEADS_PUBLISH_HOURS),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "wassweb.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": env_choice("LOG_FORMAT", "plain", {"plain", "json"})}
    },
    "filters": {"one_line_refusals": {"()": "wassweb.logging.OneLineRefusals"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # An expected 403 or 400 is one line, not a traceback.
        "django.request": {"filters": ["one_line_refusals"]},
        # A worker logs each task twice at INFO, received and succeeded: with the reads' small batches that was two
        # lines per POST. The "succeeded" line (celery.app.trace) stays, one per batch; failures still log.
        "celery.worker.strategy": {"level": "WARNING"},
    },
}

# django-guardian: no object permissions for anonymous people, so no placeholder user either.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Security (people and machines). See README "Security".
# Second factor (TOTP, with one-use recovery codes) for every person. The demo and the tests relax it.
OTP_REQUIRED = env_bool("OTP_REQUIRED", default=not RELAXED)
OTP_TOTP_ISSUER = "wassweb"
OTP_RECOVERY_CODE_COUNT = 10
# Lock-out after repeated failed sign-ins: a username from one address after AXES_FAILURE_LIMIT failures, and
# an address whatever the usernames after AXES_ADDRESS_FAILURE_LIMIT (accounts.backends). Never a username
# alone: whoever knows it could lock its owner out everywhere. Failures for one username from several
# addresses are an anomaly for the auditor instead (audit.anomalies).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.backends.PairAndAddressLockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.permissions.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = not TESTING
# Separated network: per-role allow-lists (comma-separated CIDRs). Production defaults to loopback and the
# private ranges; the demo and tests allow any address. "keys" governs machine clients' API keys, whose
# own allowed_networks can narrow it further.
_default_networks = list(ANYWHERE if RELAXED else PRIVATE_NETWORKS)
ALLOWED_NETWORKS = {
    role: env_list(f"ALLOWED_NETWORKS_{role.upper()}", _default_networks)
    for role in ("officer", "operator", "auditor", "admin", "keys")
}
# X-Forwarded-For is believed only from these proxies (comma-separated CIDRs); empty: never. The client is then
# the right-most address that is not one of them (accounts.networks); daphne itself must not rewrite the peer
# (no --proxy-headers: it would take the left-most address, which the client writes).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _name, _values in [*((f"ALLOWED_NETWORKS_{k.upper()}", v) for k, v in ALLOWED_NETWORKS.items())] + [
    ("TRUSTED_PROXIES", TRUSTED_PROXIES)
]:
    try:
        parse_networks(_values, setting=_name)
    except ValueError as _error:
        raise ImproperlyConfigured(str(_error)) from None
# Content Security Policy: no inline script or style anywhere; everything comes from this origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        # The live-view player feeds the video element from a MediaSource (blob: address); the centre's video server
        # is added for the player's page alone (sightings.live_views.views).
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF, "ws:", "wss:"] if RELAXED else [SELF, "wss:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The reads API is rate-limited per integration key (accounts.throttles): a centre's platform sends a few
# batches a second; set READS_RATE_LIMIT higher for benchmarks that push one key hard.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"reads": env_str("READS_RATE_LIMIT", "3000/min")}
# Rate-limit counters are shared by every web process through Redis when it is there.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Key use and repeated refusals are counted per interval and sealed as one AccessTally row each (audit.tallies,
# docs/LEDGER.md): at most this many seconds of counts are open at any time.
ACCESS_TALLY_INTERVAL_SECONDS = env_int("ACCESS_TALLY_INTERVAL_SECONDS", 60, minimum=1)
# An interval is sealed this long after it ends, so counts on their way into it are not left behind.
ACCESS_TALLY_GRACE_SECONDS = 5
ACCESS_TALLY_MAX_ADDRESSES = 20  # distinct addresses kept per tally
CELERY_BEAT_SCHEDULE["audit-tallies-flush"] = {"task": "audit.tallies_flush", "schedule": 15.0}

# The auditor's anomaly flags (audit.anomalies, docs/LEDGER.md "Anomalies"): what counts as unusual. A flag asks
# for a second look; the thresholds are named on the anomalies page.
AUDIT_WORKING_HOURS = (env_int("AUDIT_WORKDAY_START_HOUR", 9, minimum=0), env_int("AUDIT_WORKDAY_END_HOUR", 18))
# ISO weekdays (1 = Monday) that have working hours.
AUDIT_WORKING_DAYS = tuple(int(day) for day in env_list("AUDIT_WORKING_DAYS", ["1", "2", "3", "4", "5"]))
# Whose public holidays count as days off for those flags (a country code the `holidays` package knows; empty: none).
AUDIT_PUBLIC_HOLIDAYS = env_str("AUDIT_PUBLIC_HOLIDAYS", "KR")
if AUDIT_PUBLIC_HOLIDAYS and AUDIT_PUBLIC_HOLIDAYS not in holidays.list_supported_countries():
    raise ImproperlyConfigured(
        f"AUDIT_PUBLIC_HOLIDAYS={AUDIT_PUBLIC_HOLIDAYS!r} is not a country code with known holidays"
    )
AUDIT_REPEATED_LOOKS = env_int("AUDIT_REPEATED_LOOKS", 10, minimum=2)  # looks at one plate or order by one person
AUDIT_REPEATED_LOOKS_WINDOW_MINUTES = env_int("AUDIT_REPEATED_LOOKS_WINDOW_MINUTES", 60, minimum=1)
AUDIT_BULK_SIGHTINGS_PER_HOUR = env_int("AUDIT_BULK_SIGHTINGS_PER_HOUR", 1000, minimum=1)
AUDIT_REFUSALS_IN_A_ROW = env_int("AUDIT_REFUSALS_IN_A_ROW", 5, minimum=2)
