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
    ],
)
def test_malformed_environment_stops_start_up_naming_the_variable(variable, environment):
    result = start_django(**environment)

    assert result.returncode != 0
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("django.core.exceptions.ImproperlyConfigured:")
    assert variable in error


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
