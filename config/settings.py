"""Settings, read from the environment in this one place.

A malformed value stops start-up with ImproperlyConfigured naming the variable.
"""

import os
import re
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
THROTTLE_RATE_PATTERN = re.compile(r"^[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)$")
MIN_SECRET_KEY_LENGTH = 50  # Django's own deployment check asks for at least 50 characters


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_throttle_rate(name: str, default: str) -> str:
    rate = os.environ.get(name, default).strip()
    if not THROTTLE_RATE_PATTERN.match(rate):
        raise ImproperlyConfigured(
            f"{name} must look like '60/min' (a count above 0 / second|minute|hour|day), got {rate!r}."
        )
    return rate


def env_database(name: str, default: str) -> dict:
    raw = os.environ.get(name, default)
    if not raw.strip():
        raise ImproperlyConfigured(f"{name} is set but empty: give a sqlite:// or postgres:// URL, or unset it.")
    try:
        config = dj_database_url.parse(raw, conn_max_age=60)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a database URL Django can use: {exc}") from None
    if config["ENGINE"] not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
        raise ImproperlyConfigured(f"{name} must name a sqlite:// or postgres:// database, got {raw!r}.")
    return config


def env_secret_key(name: str, *, debug: bool) -> str:
    key = os.environ.get(name, "")
    if debug and not key:
        return "insecure-development-key-only-for-debug-mode"
    if not key.strip():
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is false.")
    if not debug and len(key) < MIN_SECRET_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"{name} must be at least {MIN_SECRET_KEY_LENGTH} characters when DEBUG is false, got {len(key)}."
        )
    return key


def env_redis_url(name: str) -> str | None:
    url = os.environ.get(name, "").strip()
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name} must be a redis://, rediss:// or unix:// URL, got {url!r}.")
    return url or None


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret_key("SECRET_KEY", debug=DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Seeding writes synthetic rows; by default it is allowed only where DEBUG is on.
SEEDING_ENABLED = env_bool("SEEDING_ENABLED", DEBUG)
SEEDING_MAX_PATIENTS = env_int("SEEDING_MAX_PATIENTS", 1_000_000)
# The databases seeding may write to (glob patterns of database names or SQLite file names): any while
# DEBUG is on; otherwise only names that say they are disposable.
DISPOSABLE_DATABASE_PATTERNS = [f"*{sep}{kind}" for kind in ("demo", "test", "dev", "staging") for sep in "_-"]
# A sharded run's worker renews its shard's lease this often (a third of it); a killed worker's shard
# is taken by another once the lease has run out.
SEEDING_SHARD_LEASE_SECONDS = env_int("SEEDING_SHARD_LEASE_SECONDS", 60, minimum=1)
SEEDING_ALLOWED_DATABASES = env_list("SEEDING_ALLOWED_DATABASES", ["*"] if DEBUG else DISPOSABLE_DATABASE_PATTERNS)
SEEDING_API_RATE = env_throttle_rate("SEEDING_API_RATE", "60/min")
SEEDING_LOGIN_RATE = env_throttle_rate("SEEDING_LOGIN_RATE", "20/min")
# How many proxies in front of the server append to X-Forwarded-For; 0 trusts only REMOTE_ADDR.
SEEDING_TRUSTED_PROXIES = env_int("SEEDING_TRUSTED_PROXIES", 0, minimum=0)
REDIS_URL = env_redis_url("REDIS_URL")
TASKS_BACKENDS = ("db", "rq")
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "db").strip().lower()
if TASKS_BACKEND not in TASKS_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(TASKS_BACKENDS)}, got {TASKS_BACKEND!r}.")
if TASKS_BACKEND == "rq" and not REDIS_URL:
    raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL, the Redis server its queue lives on.")
# The login `manage.py demo_admin` creates, for local demos only.
DEMO_ADMIN_USERNAME = os.environ.get("DEMO_ADMIN_USERNAME", "admin")
DEMO_ADMIN_PASSWORD = os.environ.get("DEMO_ADMIN_PASSWORD", "demo-admin-password")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "clinic",
    "seeding",
]
# Background runs and shards (seeding/tasks.py) go through Django's Tasks framework: by default its queue is a
# table of this database (worker: manage.py db_worker); TASKS_BACKEND=rq puts it on Redis (manage.py rqworker).
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
else:
    INSTALLED_APPS.append("django_tasks_db")
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The benchmark (manage.py seed_benchmark) is loaded only where its packages, test-only ones, are installed.
if find_spec("factory") and find_spec("model_bakery"):
    INSTALLED_APPS.append("benchmarks")

MIDDLEWARE = [
    "config.middleware.refuse_chunked_bodies",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction begins, so concurrent runs and clears wait their turn
    # (up to the timeout) instead of failing midway when a reader turns writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Throttle counts must survive restarts and hold across workers: a shared cache, never process memory.
# The database cache's table comes with `migrate` (a seeding migration runs createcachetable).
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "seeding.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NUM_PROXIES": SEEDING_TRUSTED_PROXIES,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic synthetic data API",
    "DESCRIPTION": "Generate, list, undo and clear synthetic clinic data. Admin only.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Open in development; with DEBUG off, only for those who may seed.
    "SERVE_PERMISSIONS": ["seeding.permissions.MayReadSchema"],
    # Swagger UI from our own static files: the docs must work without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,  # request bodies get their own components: no read-only fields in them
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,  # the enum itself lists the choices
}

SIMPLE_JWT = {
    # A refresh token works once, and every token dies with a password change.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "CHECK_REVOKE_TOKEN": True,
}

# Every error, 500s and failed runs with their tracebacks, to stderr, whatever DEBUG says. Refusals
# (4xx, a blocked clear, an interrupted run) are answered to the user and stay out of the log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": "ERROR"},
    "loggers": {"django": {"handlers": [], "level": "ERROR", "propagate": True}},
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# The column comment on profiles.is_test_patient exists for PostgreSQL; SQLite has no comments.
SILENCED_SYSTEM_CHECKS = ["fields.W163"]
