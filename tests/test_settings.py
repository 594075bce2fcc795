"""Settings read in a fresh interpreter, as start-up reads them: a malformed value stops it loudly."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Everything config/settings.py reads, so the test's own environment cannot leak in.
SETTINGS_VARIABLES = [
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "SEEDING_ENABLED",
    "SEEDING_MAX_PATIENTS",
    "SEEDING_API_RATE",
    "SEEDING_LOGIN_RATE",
    "SEEDING_TRUSTED_PROXIES",
    "REDIS_URL",
    "TASKS_BACKEND",
    "CSRF_TRUSTED_ORIGINS",
    "DEMO_ADMIN_USERNAME",
    "DEMO_ADMIN_PASSWORD",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
]
PRODUCTION_ENVIRONMENT = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(45)[:60],
    "ALLOWED_HOSTS": "clinic.example.com",
}


def run_django(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    env.update(environment, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, *arguments], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def start_django(**environment: str) -> subprocess.CompletedProcess[str]:
    return run_django("-c", "import django; django.setup()", **environment)


def test_well_formed_development_environment_starts():
    result = start_django(DEBUG="true")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "environment"),
    [
        ("DEBUG", {"DEBUG": "maybe"}),
        ("SEEDING_MAX_PATIENTS", {"DEBUG": "true", "SEEDING_MAX_PATIENTS": "lots"}),
        ("SEEDING_API_RATE", {"DEBUG": "true", "SEEDING_API_RATE": "fast"}),
        ("DATABASE_URL", {"DEBUG": "true", "DATABASE_URL": "mysql://x"}),
        ("SECRET_KEY", {"DEBUG": "false"}),
        ("SECRET_KEY", {**PRODUCTION_ENVIRONMENT, "SECRET_KEY": " "}),
        ("SECRET_KEY", {**PRODUCTION_ENVIRONMENT, "SECRET_KEY": "x" * 49}),
        ("DATABASE_URL", {"DEBUG": "true", "DATABASE_URL": ""}),
        ("SEEDING_API_RATE", {"DEBUG": "true", "SEEDING_API_RATE": "0/min"}),
        ("SEEDING_LOGIN_RATE", {"DEBUG": "true", "SEEDING_LOGIN_RATE": "0/min"}),
        ("SEEDING_TRUSTED_PROXIES", {"DEBUG": "true", "SEEDING_TRUSTED_PROXIES": "-1"}),
        ("REDIS_URL", {"DEBUG": "true", "REDIS_URL": "http://cache:6379"}),
        ("TASKS_BACKEND", {"DEBUG": "true", "TASKS_BACKEND": "celery"}),
        ("REDIS_URL", {"DEBUG": "true", "TASKS_BACKEND": "rq"}),
    ],
)
def test_malformed_environment_stops_start_up_naming_the_variable(variable, environment):
    result = start_django(**environment)

    assert result.returncode != 0
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("django.core.exceptions.ImproperlyConfigured:")
    assert variable in error


@pytest.mark.parametrize(
    ("environment", "backend"),
    [
        ({}, "django_tasks_db.DatabaseBackend"),
        ({"TASKS_BACKEND": "rq", "REDIS_URL": "redis://127.0.0.1:6379/5"}, "django_tasks_rq.RQBackend"),
    ],
)
def test_the_task_backend_is_chosen_by_the_environment(environment, backend):
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.TASKS['default']['BACKEND'])"
    )

    result = run_django("-c", code, DEBUG="true", **environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == backend


def test_production_environment_passes_the_deployment_checks():
    result = run_django("manage.py", "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENVIRONMENT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(("debug", "seeding_enabled"), [("true", "True"), ("false", "False")])
def test_seeding_enabled_defaults_to_debug(debug, seeding_enabled):
    result = run_django(
        "-c",
        "import django; django.setup(); from django.conf import settings; print(settings.SEEDING_ENABLED)",
        **{**PRODUCTION_ENVIRONMENT, "DEBUG": debug},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == seeding_enabled


def read_setting(expression: str, **environment: str) -> str:
    result = run_django(
        "-c", f"import django; django.setup(); from django.conf import settings; print({expression})", **environment
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_rates_reach_the_throttles():
    code = (
        "import django; django.setup(); "
        "from seeding.throttles import LoginRateThrottle, SeedingRateThrottle; "
        "print(SeedingRateThrottle().num_requests, SeedingRateThrottle().duration, "
        "LoginRateThrottle().num_requests, LoginRateThrottle().duration)"
    )
    result = run_django("-c", code, DEBUG="true", SEEDING_API_RATE="7/hour", SEEDING_LOGIN_RATE="3/min")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["7", "3600", "3", "60"]


def test_trusted_proxies_default_to_none_and_reach_drf():
    assert read_setting("settings.REST_FRAMEWORK['NUM_PROXIES']", DEBUG="true") == "0"
    assert read_setting("settings.REST_FRAMEWORK['NUM_PROXIES']", DEBUG="true", SEEDING_TRUSTED_PROXIES="2") == "2"


def test_throttle_counts_live_in_the_database_cache_unless_redis_is_named():
    backend = "settings.CACHES['default']['BACKEND']"

    assert read_setting(backend, DEBUG="true") == "django.core.cache.backends.db.DatabaseCache"
    assert read_setting(backend, DEBUG="true", REDIS_URL="redis://cache:6379/0") == (
        "django.core.cache.backends.redis.RedisCache"
    )


def test_with_debug_off_a_500_is_logged_with_its_traceback_to_stderr(tmp_path):
    # The database cannot be opened, so the token endpoint fails inside authenticate(): a real 500.
    code = (
        "import django; django.setup(); from django.test import Client; "
        "response = Client(raise_request_exception=False).post("
        "'/api/auth/token/', {'username': 'a', 'password': 'b'}, secure=True); "
        "print(response.status_code)"
    )
    environment = {
        **PRODUCTION_ENVIRONMENT,
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path}/missing/db.sqlite3",
    }
    result = run_django("-c", code, **environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "500"
    assert "Internal Server Error: /api/auth/token/" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr
