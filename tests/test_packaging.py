"""The distribution as another team meets it: a wheel, installed into a fresh project's own virtual environment."""

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTION_FILES = ["pyproject.toml", "README.md", "clinic", "seeding"]
HOST_SETTINGS = """
INSTALLED_APPS += [
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "clinic",
    "seeding",
]
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SEEDING_ENABLED = DEBUG
SEEDING_ALLOWED_DATABASES = ["db.sqlite3"]
SEEDING_MAX_PATIENTS = 1000
SEEDING_API_RATE = "60/min"
SEEDING_LOGIN_RATE = "20/min"
"""
HOST_URLS = """
from django.urls import include

urlpatterns += [path("api/", include("seeding.urls"))]
"""


def run(*command: str | Path, cwd: Path) -> str:
    # The host project's own environment: nothing of this repository's settings may leak in.
    env = {name: value for name, value in os.environ.items() if name not in ("DJANGO_SETTINGS_MODULE", "DEBUG")}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of exactly the files the distribution is made of."""
    source = tmp_path_factory.mktemp("source")
    for name in DISTRIBUTION_FILES:
        path = PROJECT_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, source / name)
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, source, cwd=source)
    return next(dist.glob("clinic_seeding-*.whl"))


def test_the_wheel_holds_the_two_apps_and_nothing_else(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    packages = {name.split("/")[0] for name in names if not name.startswith("clinic_seeding-")}

    assert packages == {"clinic", "seeding"}
    assert "seeding/templates/admin/seeding/delete_test_data.html" in names
    assert "seeding/management/commands/seed.py" in names
    assert not any(name.startswith(("tests/", "config/", "benchmarks/")) for name in names)


def test_a_fresh_project_installs_the_wheel_migrates_and_seeds(wheel, tmp_path):
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path)
    run(environment / "bin" / "django-admin", "startproject", "hostsite", tmp_path / "site", cwd=tmp_path)
    site = tmp_path / "site"
    with (site / "hostsite" / "settings.py").open("a") as settings:
        settings.write(HOST_SETTINGS)
    with (site / "hostsite" / "urls.py").open("a") as urls:
        urls.write(HOST_URLS)

    run(python, "manage.py", "migrate", "--no-input", cwd=site)
    out = run(python, "manage.py", "seed", "--patients", "3", "--seed", "1", cwd=site)

    assert "Generated 3 patients" in out
    assert run(python, "manage.py", "seed", "--version", cwd=site).strip() == wheel.name.split("-")[1]
