"""SocialDesk settings: one module, driven by the environment.

With nothing set it runs embedded (SQLite in WAL mode, a file-system Celery
broker) so `make demo` works on a bare machine. With ``DATABASE_URL`` and
``CELERY_BROKER_URL`` it runs on Postgres and Redis. ``SOCIALDESK_ENV=production``
turns on every secure default and refuses to start without its secrets.
See `.env.example` for every variable.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from socialdesk.env import env_bool, env_float, env_int, env_list, env_str
from socialdesk.parallel_tests import isolate_parallel_test_process

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SOCIALDESK_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# A parallel test process's own Redis database and broker folder (no-op otherwise).
isolate_parallel_test_process(VAR_DIR)

PRODUCTION = env_str("SOCIALDESK_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when SOCIALDESK_ENV=production")


def _development_secret(name: str) -> str:
    """A random per-checkout secret kept under var/, for development only."""
    path = VAR_DIR / f".{name}"
    if not path.exists():
        # Written aside and linked into place, so processes starting together
        # (parallel tests, web and worker) all read the one that won.
        draft = path.with_name(f"{path.name}.{secrets.token_hex(8)}")
        draft.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        draft.chmod(0o600)
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    return path.read_text(encoding="utf-8").strip()


def _required_secret(name: str) -> str:
    value = env_str(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set in production")
    return _development_secret(name.lower())


SECRET_KEY = _required_secret("SECRET_KEY")

# Network credentials are encrypted with a rotating key set (MultiFernet):
# the first key encrypts, every key decrypts. Comma-separated Fernet keys.
_credential_keys = env_list("SOCIALDESK_CREDENTIAL_KEYS", [])
if not _credential_keys:
    if PRODUCTION:
        raise ImproperlyConfigured("SOCIALDESK_CREDENTIAL_KEYS must be set in production")
    _seed = _development_secret("credential_key_seed").encode()
    _credential_keys = [base64.urlsafe_b64encode(hashlib.sha256(_seed).digest()).decode()]
CREDENTIAL_KEYS = _credential_keys

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.forms",  # its widget templates, for the design-system form renderer
    "accounts.admin_site.SocialDeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: its runserver answers without Nagle's wait.
    "socialdesk",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # Before our apps, so accounts/admin.py can re-register their admin pages
    # for the SocialDesk admin role.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "events",
    "accounts",
    "inbox",
    "channels",
    "escalation",
    "kpis",
    "audit",
    "records",
    # Middleware and the metrics registry only: the database and cache
    # backends stay Django's own (no django_prometheus.db / .cache engines).
    "django_prometheus",
    "ops",
    "console",
    "demo",
]

MIDDLEWARE = [
    # First and last, so request latency by view covers every other middleware.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "ops.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "socialdesk.headers.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "events.context.RequestContextMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionPolicyMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    "accounts.middleware.AccessPendingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "socialdesk.urls"
WSGI_APPLICATION = "socialdesk.wsgi.application"
ASGI_APPLICATION = "socialdesk.asgi.application"

# Fields drawn with GOV.UK Frontend markup (socialdesk/design_forms.py).
FORM_RENDERER = "socialdesk.design_forms.DesignFormRenderer"

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
                "accounts.context_processors.roles",
                "ops.context_processors.app_version",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
    DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("DB_CONN_MAX_AGE", 60))
    # Django asks a reused connection SELECT 1 at the start of each request: a
    # connection left half-open by a failover is replaced, not trusted.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # psycopg 3 with parameters bound by the server, so a statement a
    # connection runs again is prepared once and not planned on each run:
    # planning was most of Postgres's time on a conversation open (1.7 ms of
    # 2.1 for its main statement; docs/operations.md). Set
    # DB_PREPARED_STATEMENTS=0 behind a pooler in transaction mode (PgBouncer
    # before 1.21), which cannot keep a prepared statement with a session.
    #
    # No parallel workers per query by default: a page's statements stop at a
    # LIMIT, and each worker walked its own share past it (a search with
    # operators at 200,000 conversations: 31 ms of execution with 2 workers,
    # 6 ms without), on cores the other requests need.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=5 if env_bool("DB_PREPARED_STATEMENTS", True) else None,
        options=f"-c max_parallel_workers_per_gather={env_int('DB_PARALLEL_WORKERS', 0)}",
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "socialdesk.sqlite3",
            # WAL lets the web process read while the worker writes; IMMEDIATE
            # transactions plus a busy timeout make concurrent writers wait
            # for each other instead of failing with "database is locked".
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": VAR_DIR / "test.sqlite3"},
        }
    }
DB_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox:list"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username/address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    # Django's password check, refused to non-superusers when SSO_ONLY is on.
    "accounts.sso.backends.PasswordBackend",
    # OpenID Connect; answers only the SSO callback, and only when configured.
    "accounts.sso.backends.OidcBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # ASVS 6.2: long passphrases allowed, no composition rules, 128 at most.
    {"NAME": "accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
]

# Lock out repeated failures per username and address (django-axes).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "security/locked_out.html"
AXES_VERBOSE = False
# The same client address as the audit log and DRF (see TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "events.context.client_ip"

# MFA (TOTP via django-otp). Required for admins and managers; set
# MFA_REQUIRED_FOR_ALL to require it of officers too.
MFA_REQUIRED_FOR_ALL = env_bool("MFA_REQUIRED_FOR_ALL", False)
MFA_ENFORCED = env_bool("MFA_ENFORCED", True)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "SocialDesk")
# Account changes (MFA, recovery codes, API tokens, e-mail, password) need the
# password, and the second factor where there is one, again this recently.
REAUTH_SECONDS = env_int("REAUTH_SECONDS", 300)
# --- Single sign-on (OpenID Connect, mozilla-django-oidc) -------------------------
# On when the issuer and client id are set. The endpoints come from the
# provider's /.well-known/openid-configuration (README, "Single sign-on").
OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER", "")
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
SSO_ENABLED = bool(OIDC_OP_ISSUER and OIDC_RP_CLIENT_ID)
if (
    SSO_ENABLED
    and PRODUCTION
    and not all(
        (
            OIDC_RP_CLIENT_SECRET,
            OIDC_OP_AUTHORIZATION_ENDPOINT,
            OIDC_OP_TOKEN_ENDPOINT,
            OIDC_OP_USER_ENDPOINT,
            OIDC_OP_JWKS_ENDPOINT,
        )
    )
):
    raise ImproperlyConfigured("SSO needs OIDC_RP_CLIENT_SECRET and the four OIDC_OP_*_ENDPOINTs")
# The name on the sign-in button: "Sign in with <SSO_PROVIDER_NAME>".
SSO_PROVIDER_NAME = env_str("SSO_PROVIDER_NAME", "your organisation's account")
# Password sign-in refused to everyone but superusers (the break-glass accounts).
SSO_ONLY = env_bool("SSO_ONLY", False)
# Some providers (Entra ID) send no email_verified claim but only issue
# addresses they own; set this only for such a provider.
SSO_TRUST_EMAIL = env_bool("SSO_TRUST_EMAIL", False)
# Optional: the claim that lists groups, and group=team-slug:role pairs, e.g.
# "sd-officers=customer-services:officer,sd-managers=customer-services:manager".
SSO_GROUPS_CLAIM = env_str("SSO_GROUPS_CLAIM", "")
SSO_GROUP_ROLES = env_list("SSO_GROUP_ROLES", [])

# Sessions: signed out after this long without activity, and in any case
# this long after signing in (ASVS 7.3.1 / 7.3.2).
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
# --- Cache ----------------------------------------------------------------------
# Redis when there is one (CACHE_URL, else the Redis broker's server); the
# process's own memory when embedded. A Redis outage degrades to the database
# (IGNORE_EXCEPTIONS) instead of failing every request.
CACHE_URL = env_str("CACHE_URL") or (
    env_str("CELERY_BROKER_URL") if env_str("CELERY_BROKER_URL", "").startswith("redis") else ""
)
REDIS_CACHE = bool(CACHE_URL)
if REDIS_CACHE:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "socialdesk",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions live in the database; with a Redis cache configured (production),
# reads come from the cache and the database stays the record (cached_db).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_CACHE
    else "django.contrib.sessions.backends.db"
)

# --- Security -------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 10 * 3600)  # absolute lifetime
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
# Preload is on in production (check --deploy asks for it); turn it off with the
# env var if the parent domain cannot commit to HTTPS everywhere.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline scripts or styles anywhere, no third-party origins (django-csp).
# Data lives in <script type="application/json"> blocks read by static JS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Health checks and Prometheus scrape the app over plain HTTP from inside the
# network (the container's own loopback); they carry no session or secret
# beyond the metrics token, which the scraper sends on the private network.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
if env_bool("SECURE_PROXY_SSL_HEADER", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies of ours stand in front of the app. Each appends the
# address it was reached from to X-Forwarded-For, so the client is that many
# entries from the right. 0 (the default): X-Forwarded-For is never read and
# the client is REMOTE_ADDR. Lockouts (django-axes), rate limits (DRF) and the
# audit log all take the address from events.context.client_ip. Set it too high
# and a client can choose its own address; too low and everyone behind the
# proxy shares one, so one person's wrong passwords lock out everyone.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
# Browser features the app does not use are denied to it and to anything it
# might embed (socialdesk/headers.py); copy buttons write to the clipboard.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "clipboard-read": [],
    "clipboard-write": ["self"],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": [],
    "publickey-credentials-get": [],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

# --- i18n / time ----------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
# The zone KPI days and weeks are counted in (empty: TIME_ZONE).
KPI_TIME_ZONE = env_str("KPI_TIME_ZONE", "")
# Rollups pass an event only once it is this old (a transaction still open when
# they read may yet commit a lower id).
KPI_ROLLUP_SETTLE_SECONDS = env_int("KPI_ROLLUP_SETTLE_SECONDS", 60)
# Engagement of our posts is re-read for this many days after posting.
KPI_POST_METRICS_DAYS = env_int("KPI_POST_METRICS_DAYS", 7)
# The channels' own posts are read back this far, and their figures kept current.
KPI_OWN_POSTS_DAYS = env_int("KPI_OWN_POSTS_DAYS", 30)
# Where users get this deployment's source code (AGPL-3.0 section 13: a modified
# version run as a service must offer its source to its users); a footer link.
SOCIALDESK_SOURCE_URL = env_str("SOCIALDESK_SOURCE_URL", "")
# This SocialDesk's public address, for links in e-mails (escalations, weekly summary).
SOCIALDESK_BASE_URL = env_str("SOCIALDESK_BASE_URL", "")
# One language, British English: no translation catalogue to look strings up in
# on every form label and template value (4% of a conversation view's CPU).
# Dates keep the en-GB formats: they follow LANGUAGE_CODE, not USE_I18N.
USE_I18N = False
USE_TZ = True

# --- Static ---------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
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
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Celery ---------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    # Embedded mode: a broker that needs no server. One folder serves as both
    # the in and out queue so producers and the worker see the same messages.
    # The test suite keeps its own folder, so a `make demo` running beside it
    # cannot take the tests' tasks (nor the tests the demo's).
    _broker_dir = Path(
        env_str("SOCIALDESK_BROKER_DIR", "")
        or VAR_DIR / ("test-broker" if "pytest" in sys.modules else "broker")
    )
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # With acks_late, a task whose worker died is redelivered after this long.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600)
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The stock persistent scheduler plus a heartbeat (ops/beat.py); beat wakes at
# least this often so the heartbeat stays fresh between sparse tasks.
CELERY_BEAT_SCHEDULER = "ops.beat.HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 10
# Workers log through LOGGING below (JSON in production), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fix-up closes every database connection before and after
# each task unless this is set: a new Postgres backend (and its temp tables)
# per task. socialdesk/celery.py applies Django's own rule between tasks
# instead, as between requests; the fix-up still renews them after this many.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)

# --- Social networks ------------------------------------------------------------
# When set, the X and Facebook clients are pointed at the local sandbox network
# (see sandbox/). Production leaves it empty and nothing else changes.
SOCIAL_SANDBOX_URL = env_str("SOCIAL_SANDBOX_URL", "")
NETWORK_HTTP_TIMEOUT = float(env_str("NETWORK_HTTP_TIMEOUT", "15"))
DEFAULT_POLL_INTERVAL_SECONDS = env_int("DEFAULT_POLL_INTERVAL_SECONDS", 60)
# The media proxy (inbox.services.media): the largest file it fetches from a
# network, how long it waits, and how long it keeps a re-encoded image.
MEDIA_MAX_BYTES = env_int("MEDIA_MAX_BYTES", 10 * 1024 * 1024)
MEDIA_FETCH_TIMEOUT = float(env_str("MEDIA_FETCH_TIMEOUT", "10"))
MEDIA_CACHE_SECONDS = env_int("MEDIA_CACHE_SECONDS", 24 * 3600)
# A claimed poll whose worker died can be claimed again after this long.
POLL_CLAIM_LEASE_SECONDS = env_int("POLL_CLAIM_LEASE_SECONDS", 300)
BACKFILL_DAYS = env_int("BACKFILL_DAYS", 7)  # history imported when a channel is connected
# How long a worker holds a send before another may take it over (and first
# check the network for it): longer than one network call can take.
OUTBOUND_SEND_LEASE_SECONDS = env_int("OUTBOUND_SEND_LEASE_SECONDS", 90)
# After a send with an unknown outcome, wait this long before checking the
# network and retrying: a delayed request may still land in the meantime.
OUTBOUND_UNKNOWN_SETTLE_SECONDS = env_int("OUTBOUND_UNKNOWN_SETTLE_SECONDS", 60)

# --- Webhooks and network apps (issue 4) ------------------------------------------
# X signs Account Activity webhooks (and answers CRC checks) with the app's
# consumer secret; Meta signs with the app secret and checks the subscription
# with the verify token. Outside production they default to the sandbox
# network's values; in production, unset means every webhook is refused (403)
# and polling alone keeps the inbox current.
_SANDBOX_DEFAULT = not PRODUCTION
X_CONSUMER_KEY = env_str("X_CONSUMER_KEY", "sandbox-consumer-key" if _SANDBOX_DEFAULT else "")
X_CONSUMER_SECRET = env_str(
    "X_CONSUMER_SECRET", "sandbox-consumer-secret" if _SANDBOX_DEFAULT else ""
)
FACEBOOK_APP_ID = env_str("FACEBOOK_APP_ID", "900000000000001" if _SANDBOX_DEFAULT else "")
FACEBOOK_APP_SECRET = env_str(
    "FACEBOOK_APP_SECRET", "sandbox-app-secret" if _SANDBOX_DEFAULT else ""
)
FACEBOOK_VERIFY_TOKEN = env_str(
    "FACEBOOK_VERIFY_TOKEN", "sandbox-verify-token" if _SANDBOX_DEFAULT else ""
)
# Webhook deliveries processed per task (one batch of ingest).
WEBHOOK_BATCH_SIZE = env_int("WEBHOOK_BATCH_SIZE", 500)
# With a cache every process shares (Redis), deliveries ask for a processing run
# only while none is queued; the mark lapses after this many seconds if a queued
# run is lost. 0 (no shared cache): every delivery asks for a run.
WEBHOOK_WAKE_SECONDS = env_int("WEBHOOK_WAKE_SECONDS", 1 if REDIS_CACHE else 0)
# With that mark, the run a delivery asks for starts this long after it, so the
# deliveries of a burst share one run (less than WEBHOOK_WAKE_SECONDS).
WEBHOOK_GATHER_SECONDS = env_float("WEBHOOK_GATHER_SECONDS", 0.25)
# Processed deliveries (raw bodies) are kept this long, then deleted.
WEBHOOK_RETENTION_DAYS = env_int("WEBHOOK_RETENTION_DAYS", 30)

# --- E-mail ---------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "socialdesk@localhost")

# --- REST framework -------------------------------------------------------------
# The browsable API is a developer's convenience: off in production (JSON only),
# and where on, drawn by our own CSP-clean page (socialdesk/api.py).
API_BROWSABLE = env_bool("API_BROWSABLE", not PRODUCTION)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Personal tokens; for people who must use MFA, only tokens made from a
        # session that passed it (accounts/services/tokens.py). First, so a
        # refused or missing key answers 401 with WWW-Authenticate: Token.
        "accounts.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        *(["socialdesk.api.BrowsableApiRenderer"] if API_BROWSABLE else []),
    ],
    # DRF's throttles find the client the way events.context.client_ip does.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SocialDesk API",
    "DESCRIPTION": "The officer's inbox: conversations, messages and every action on them, "
    "scoped by the same access rule as the pages. Session or token authentication.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several serializers have a "kind": name the choice sets so the schema is stable.
    "ENUM_NAME_OVERRIDES": {
        "HoursExceptionKindEnum": "escalation.models.ExceptionKind",
        "ConversationKindEnum": "inbox.models.ConversationKind",
    },
}

# --- Operations: health, metrics, logs (issue 19) ------------------------------------
# A worker or beat heartbeat older than this fails /health/ready.
HEALTH_HEARTBEAT_MAX_AGE = env_int("HEALTH_HEARTBEAT_MAX_AGE", 60)
# Seconds the readiness check waits for the broker.
HEALTH_BROKER_TIMEOUT = float(env_str("HEALTH_BROKER_TIMEOUT", "1"))
# A channel counts as failing after this many failed polls in a row (or when it
# needs attention); readiness fails only when every active channel is failing.
HEALTH_CHANNEL_FAILURES = env_int("HEALTH_CHANNEL_FAILURES", 3)
# Bearer token Prometheus sends to /metrics. Unset: /metrics is refused in
# production and open elsewhere.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# The window of the ingest gauges (items stored, latency).
METRICS_WINDOW_SECONDS = env_int("METRICS_WINDOW_SECONDS", 300)
# JSON lines (one object per record, with the request id) in production; plain
# text elsewhere unless LOG_FORMAT=json.
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or plain")

from ops.logs import logging_config  # noqa: E402 - needs the values above

LOGGING = logging_config(json_lines=LOG_FORMAT == "json", level=env_str("LOG_LEVEL", "INFO"))
