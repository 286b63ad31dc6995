"""Settings shared by every environment; everything variable comes from the environment."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Local state of the embedded default (SQLite, the filesystem broker, beat's schedule, static files).
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://localhost:8000")
SITE_NAME = "Switchboard"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "accounts",
    "catalog",
    "providers",
    "playground",
    "usage",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.StaticFilesMiddleware",
    "config.middleware.request_id_middleware",
    "usage.middleware.GatewayHeadersMiddleware",  # rate-limit and overhead headers on /api/ and /v1/
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
# The OpenAI-compatible door (/v1/) runs on config.gateway_handler with only these: API keys, no
# cookies, so sessions, CSRF, messages and the page middleware have nothing to do there.
GATEWAY_PREFIX = "/v1/"
GATEWAY_MIDDLEWARE = [
    "config.middleware.SecurityMiddleware",
    "config.middleware.request_id_middleware",
    "usage.middleware.GatewayHeadersMiddleware",
]

# --- Content-Security-Policy (django-csp) ----------------------------------------------------------
# Scripts and styles come only from our own static files: no inline <script>, no on*= or hx-on
# attributes (htmx evaluates those with eval), no style attributes (static/js sets them from data-*
# attributes). htmx's own indicator <style> is switched off in base.html. The Redoc page alone adds
# 'unsafe-inline' styles (its styling library writes <style> elements): see config/urls.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
    }
}
# X-Frame-Options DENY, X-Content-Type-Options nosniff and Referrer-Policy same-origin are Django's defaults.

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "config.context_processors.site",
            ],
        },
    },
]

# --- Data stores -----------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'switchboard.sqlite3'}")}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI each request's ORM work runs in a short-lived thread, so per-thread persistent
    # connections pile up and fresh ones cost a handshake each: psycopg's pool is shared by all threads.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=2),
        "max_size": env.int("DB_POOL_MAX", default=20),
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web and worker processes read while the other writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="sb"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "switchboard"}}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Celery ----------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost//")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),  # kombu's default is ./control, in the checkout
        "store_processed": False,
    }
)
if not REDIS_URL:
    for _folder in ("broker", "broker-processed"):
        (VAR_DIR / _folder).mkdir(exist_ok=True)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Celery queues: one per kind of slow work, so none waits behind another ----------------------
# Routed by task name. A worker without --queues consumes all of them (`make run`); production runs a
# worker per queue (Procfile), so slow webhook receivers, long batches and video polling each have
# their own processes. Everything else (beat sweeps, the ledger, rollups) stays on the default queue.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "webhooks.deliver": {"queue": "webhooks"},
    "playground.batch_work": {"queue": "batch"},
    "playground.video_advance": {"queue": "video"},
}
CELERY_TASK_QUEUES = {name: {"routing_key": name} for name in ("celery", "webhooks", "batch", "video")}

# --- Auth ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MixedCharacterClassesValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
SITE_ID = 1

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME


def _oauth_providers() -> dict:
    """OAuth apps are configured from the environment only; an unset id leaves a provider off."""
    providers: dict = {}
    for name in ("google", "github"):
        client_id = env(f"{name.upper()}_CLIENT_ID", default="")
        if client_id:
            providers[name] = {
                "APPS": [{"client_id": client_id, "secret": env(f"{name.upper()}_CLIENT_SECRET", default="")}],
                "SCOPE": ["profile", "email"] if name == "google" else ["read:user", "user:email"],
            }
    oidc_id = env("OIDC_CLIENT_ID", default="")
    if oidc_id:
        providers["openid_connect"] = {
            "APPS": [
                {
                    "provider_id": env("OIDC_PROVIDER_ID", default="sso"),
                    "name": env("OIDC_PROVIDER_NAME", default="Single sign-on"),
                    "client_id": oidc_id,
                    "secret": env("OIDC_CLIENT_SECRET", default=""),
                    "settings": {"server_url": env("OIDC_SERVER_URL", default="")},
                }
            ]
        }
    return providers


SOCIALACCOUNT_PROVIDERS = _oauth_providers()

ACCESS_TOKEN_MINUTES = env.int("JWT_ACCESS_MINUTES", default=15)
REFRESH_TOKEN_DAYS = env.int("JWT_REFRESH_DAYS", default=7)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=ACCESS_TOKEN_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=REFRESH_TOKEN_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=SECRET_KEY),
    "CHECK_USER_IS_ACTIVE": True,
}

# --- API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTAuthentication",
        "accounts.authentication.SessionAuthentication",
        "accounts.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "config.api.renderers.EnvelopeJSONRenderer",
        "config.api.renderers.EnvelopeBrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "config.api.exceptions.envelope_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Bodies above this size are refused with VALIDATION_ERROR before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", default=1024 * 1024)

SPECTACULAR_SETTINGS = {
    "TITLE": "Switchboard API",
    "DESCRIPTION": "Model gateway and playground: REST, streaming and OpenAI-compatible endpoints.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status"; name each choice set after its owner.
    "ENUM_NAME_OVERRIDES": {
        "UserStatusEnum": "accounts.models.Status",
        "ModelStatusEnum": "catalog.models.ModelStatus",
        "GenerationStatusEnum": "playground.models.GenerationStatus",
        "DeliveryStatusEnum": "webhooks.models.DeliveryStatus",
    },
}

# --- i18n / static ---------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Email -----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Switchboard <noreply@localhost>")

# --- Providers, secrets at rest ---------------------------------------------
# MultiFernet keys, newest first; rotating = prepend a new key, re-encrypt, drop the old.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    # Derived from SECRET_KEY so a bare `make run` works; production sets its own keys.
    import base64
    import hashlib

    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]
PROVIDER_SETTINGS = {
    "openai": {
        "api_key": env("OPENAI_API_KEY", default=""),
        "base_url": env("OPENAI_BASE_URL", default="https://api.openai.com/v1"),
    },
    "openrouter": {
        "api_key": env("OPENROUTER_API_KEY", default=""),
        "base_url": env("OPENROUTER_BASE_URL", default="https://openrouter.ai/api/v1"),
    },
    "huggingface": {
        "api_key": env("HF_API_KEY", default=""),
        "base_url": env("HF_BASE_URL", default="https://router.huggingface.co"),
    },
    "minimax": {
        "api_key": env("MINIMAX_API_KEY", default=""),
        "base_url": env("MINIMAX_BASE_URL", default="https://api.minimax.io"),
    },
    "ollama": {"api_key": "", "base_url": env("OLLAMA_BASE_URL", default="http://localhost:11434")},
    "demo": {"api_key": "", "base_url": ""},
}
PROVIDER_CONNECT_TIMEOUT = env.float("PROVIDER_CONNECT_TIMEOUT", default=5.0)
PROVIDER_READ_TIMEOUT = env.float("PROVIDER_READ_TIMEOUT", default=60.0)
PROVIDER_TOTAL_TIMEOUT = env.float("PROVIDER_TOTAL_TIMEOUT", default=300.0)
PROVIDER_MAX_RETRIES = env.int("PROVIDER_MAX_RETRIES", default=2)
# User-supplied URLs (custom providers, webhooks) may not reach private addresses unless this is on.
ALLOW_PRIVATE_URLS = env.bool("ALLOW_PRIVATE_URLS", default=False)
WEBHOOKS_ALLOW_PRIVATE_URLS = env.bool("WEBHOOKS_ALLOW_PRIVATE_URLS", default=False)
RESPONSE_CACHE_TTL = env.int("RESPONSE_CACHE_TTL", default=3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}

# --- Webhooks ----------------------------------------------------------------
# Standard Webhooks / Svix schedule: the first attempt at once, then these delays (seconds) after each failure.
WEBHOOKS_RETRY_SCHEDULE = [0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600]
WEBHOOKS_RETRY_JITTER = 0.1  # ±10 %, so endpoints that failed together are not retried in lockstep
WEBHOOKS_TIMEOUT_SECONDS = 15.0  # success = a 2xx within this long
WEBHOOKS_DISABLE_AFTER_DAYS = 5  # an endpoint failing this long is disabled and its owner told
WEBHOOKS_SECRET_GRACE_HOURS = 24  # after a rotation the previous secret still signs this long
# An attempt in flight holds its delivery this long; a worker killed mid-attempt frees it when the lease ends.
WEBHOOKS_ATTEMPT_LEASE_SECONDS = env.int("WEBHOOKS_ATTEMPT_LEASE_SECONDS", default=60)
# A queued task that has not run after this long is assumed lost and queued again (running twice is harmless).
WEBHOOKS_REQUEUE_AFTER_SECONDS = env.int("WEBHOOKS_REQUEUE_AFTER_SECONDS", default=300)
WEBHOOKS_SWEEP_SECONDS = env.float("WEBHOOKS_SWEEP_SECONDS", default=5.0)
# Fairness (webhooks/slots.py, with Redis): attempts in flight at once per endpoint and per user. A delivery
# over either cap is not attempted but put back WEBHOOKS_BUSY_RETRY_SECONDS (+ up to 50 %); keep the per-user
# cap well below the webhooks worker's concurrency so one tenant's slow receivers cannot hold every process.
WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT = env.int("WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT", default=2)
WEBHOOKS_MAX_IN_FLIGHT_PER_USER = env.int("WEBHOOKS_MAX_IN_FLIGHT_PER_USER", default=4)
WEBHOOKS_BUSY_RETRY_SECONDS = env.float("WEBHOOKS_BUSY_RETRY_SECONDS", default=2.0)
WEBHOOKS_MAX_ENDPOINTS_PER_USER = env.int("WEBHOOKS_MAX_ENDPOINTS_PER_USER", default=10)
if REDIS_URL:
    # With acks_late a task whose worker died is handed out again once this has passed since it was fetched.
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)

# --- Periodic work (celery beat; Procfile `beat`, or `worker -B` under `make run`) ---------------
CELERY_BEAT_SCHEDULE = vars().get("CELERY_BEAT_SCHEDULE", {})
CELERY_BEAT_SCHEDULE["webhooks-deliver-due"] = {
    "task": "webhooks.deliver_due",
    "schedule": WEBHOOKS_SWEEP_SECONDS,
    "options": {"expires": WEBHOOKS_SWEEP_SECONDS * 2},  # a backlog of sweeps is pointless; the next one covers it
}

# --- Gateway -------------------------------------------------------------------------------------
# A coarse per-caller limit on non-generation API calls; generation calls use the tier limits.
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)

# --- Background jobs: video generation and batch runs (playground/jobs*.py, playground/tasks.py) ---
VIDEO_MAX_AGE_SECONDS = env.int("VIDEO_MAX_AGE_SECONDS", default=30 * 60)  # no job stays unfinished past this
VIDEO_POLL_FIRST_SECONDS = env.float("VIDEO_POLL_FIRST_SECONDS", default=5.0)  # doubled per poll, with jitter
VIDEO_POLL_MAX_SECONDS = env.float("VIDEO_POLL_MAX_SECONDS", default=30.0)
VIDEO_MAX_PROVIDER_ERRORS = env.int("VIDEO_MAX_PROVIDER_ERRORS", default=5)  # in a row, then the job fails
VIDEO_REQUEUE_AFTER_SECONDS = env.int("VIDEO_REQUEUE_AFTER_SECONDS", default=60)  # overdue steps are re-queued
VIDEO_SWEEP_SECONDS = env.float("VIDEO_SWEEP_SECONDS", default=30.0)
VIDEO_MAX_BYTES = env.int("VIDEO_MAX_BYTES", default=500 * 1024 * 1024)
VIDEO_DEMO_SECONDS = env.float("VIDEO_DEMO_SECONDS", default=4.0)  # how long the offline demo takes per clip
BATCH_MAX_PROMPTS = 1000
BATCH_CONCURRENCY = env.int("BATCH_CONCURRENCY", default=4)  # workers on one batch at a time
BATCH_SLICE_SECONDS = env.int("BATCH_SLICE_SECONDS", default=60)  # a worker re-queues itself after this long
CELERY_BEAT_SCHEDULE["ledger-sweep"] = {
    "task": "playground.ledger_sweep",
    "schedule": 30,  # ledger rows of a process that died reach the database within ~90 s (claims go stale at 60)
    "options": {"expires": 60},
}
CELERY_BEAT_SCHEDULE["videos-sweep"] = {
    "task": "playground.videos_sweep",
    "schedule": VIDEO_SWEEP_SECONDS,
    "options": {"expires": VIDEO_SWEEP_SECONDS * 2},
}

# --- Analytics rollups and credential cleanup (usage.tasks) ---------------------------------------
CELERY_BEAT_SCHEDULE["usage-rollup-recent"] = {
    "task": "usage.rollup_recent",
    "schedule": 300,  # the analytics page shows past days from rollups; today is read live
    "options": {"expires": 600},
}
CELERY_BEAT_SCHEDULE["usage-cleanup-expired-tokens"] = {
    "task": "usage.cleanup_expired_tokens",
    "schedule": 3600,
    "options": {"expires": 3600},
}
CELERY_BEAT_SCHEDULE["accounts-flush-api-key-usage"] = {
    "task": "accounts.flush_api_key_usage",
    "schedule": 60,  # usage_count and last_used reach the database within a minute
    "options": {"expires": 120},
}

# --- Accounts: cross-origin API access, avatars, token families --------------------------------------
# Browsers on these origins may call /api/ and /v1/ (django-cors-headers), e.g.
# CORS_ALLOWED_ORIGINS=https://app.example.com,https://admin.example.com. Empty (the default) = off.
# Callers authenticate with bearer tokens or X-API-Key, never cookies, so credentials stay disallowed.
INSTALLED_APPS.append("corsheaders")
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(api|v1)/"
# Any request header (X-API-Key, the OpenAI and Anthropic SDKs' own); the wildcard leaves out
# Authorization, so it is named.
CORS_ALLOW_HEADERS = ("*", "authorization")
CORS_EXPOSE_HEADERS = [
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Endpoint",
    "X-RateLimit-Identifier",
    "Retry-After",
    "X-Request-Id",
]
# Right below SecurityMiddleware on both handlers: above everything that can answer on its own (the
# rate limiter's 429s included), so those answers carry the headers too and preflights cost nothing.
for _chain in (MIDDLEWARE, GATEWAY_MIDDLEWARE):
    _chain.insert(1, "accounts.cors.CorsMiddleware")
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=5 * 1024 * 1024)  # the upload, before resizing
CELERY_BEAT_SCHEDULE["accounts-forget-expired-token-families"] = {
    "task": "accounts.forget_expired_token_families",
    "schedule": 3600,
    "options": {"expires": 3600},
}
