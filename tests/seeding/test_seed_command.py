"""The seed command's wiring: options to request, report to summary, errors to CommandError."""

import os
import re
import subprocess
import sys
import uuid
from datetime import date
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db.models import Max

from clinic.models import CheckIn, Profile
from seeding.models import SeedRun

SMALL_RUN = "--patients 5 --therapists 2 --checkins-per-user 30"


def seed(arguments: str) -> tuple[str, str]:
    """Run `manage.py seed <arguments>` in-process and return what it wrote to stdout and stderr."""
    stdout, stderr = StringIO(), StringIO()
    call_command("seed", *arguments.split(), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.mark.django_db
def test_seed_prints_000s_statistics_the_seed_and_the_elapsed_time():
    out, _ = seed(f"{SMALL_RUN} --seed 42")

    assert "Generated 5 patients and 2 therapists with 150 check-ins" in out
    for statistic, value in [
        ("users_created", "7"),
        ("patients_created", "5"),
        ("therapists_created", "2"),
        ("checkins_per_user", "30"),
        ("total_checkins", "150"),
        ("mood_pattern", "stable"),
        ("seed", "42"),
        ("run id", str(SeedRun.objects.get().id)),
    ]:
        assert re.search(rf"^\s*{statistic}\s+{value}\b", out, re.MULTILINE), statistic
    assert re.search(r"elapsed\s+\d+\.\d\d s", out)
    assert Profile.objects.count() == 7
    assert CheckIn.objects.count() == 150


@pytest.mark.django_db
def test_seed_writes_progress_lines_to_stderr_when_not_a_terminal():
    out, err = seed(SMALL_RUN)

    assert "profiles: 7/7 rows (100%)" in err
    assert "checkins: 150/150 rows (100%)" in err
    assert "rows (" not in out


@pytest.mark.django_db
def test_seed_at_verbosity_0_prints_nothing():
    assert seed(f"{SMALL_RUN} --verbosity 0") == ("", "")
    assert Profile.objects.count() == 7


@pytest.mark.django_db
def test_seed_end_date_sets_the_latest_checkin():
    seed("--seed 5 --end-date 2026-01-31")

    latest = CheckIn.objects.values("user_id").annotate(latest=Max("checkin_date")).values_list("latest", flat=True)
    assert set(latest) == {date(2026, 1, 31)}


@pytest.mark.django_db
def test_seed_passes_every_option_to_the_request():
    out, _ = seed(
        "--patients 3 --therapists 1 --admins 1 --checkins-per-user 4 --mood-pattern cycling"
        " --locale pt_BR --with-logins --password pw-123 --no-input"
    )

    run = SeedRun.objects.get()
    assert run.parameters["admins_count"] == 1
    assert run.parameters["mood_pattern"] == "cycling"
    assert run.parameters["locale"] == "pt_BR"
    assert run.parameters["with_logins"] is True
    assert Profile.objects.filter(user__isnull=False).count() == 5
    assert CheckIn.objects.count() == 12
    assert "Generated 3 patients, 1 therapists and 1 admins with 12 check-ins" in out


@pytest.mark.django_db
def test_seed_refuses_when_seeding_is_disabled(settings):
    settings.SEEDING_ENABLED = False

    with pytest.raises(CommandError, match="Seeding is only allowed in development environment"):
        seed(SMALL_RUN)
    assert not Profile.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ("--checkins-per-user 0", "checkins_per_user"),
        ("--patients -1", "patients_count"),
        ("--patients 0 --therapists 0", "patients_count"),
        ("--end-date 2999-01-01", "end_date"),
        ("--locale xx_XX", "locale"),
        ("--with-logins --no-input", "password"),
    ],
)
def test_seed_reports_invalid_input_as_a_command_error(arguments, field):
    with pytest.raises(CommandError, match=f"(?s)Invalid request, nothing was written.*{field}"):
        seed(arguments)
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_seed_rejects_an_unknown_mood_pattern():
    with pytest.raises(CommandError, match="--mood-pattern"):
        seed("--mood-pattern gloomy")


@pytest.mark.django_db
def test_seed_clear_only_deletes_the_synthetic_rows(real_patient):
    seed(SMALL_RUN)

    out, _ = seed("--clear-only --no-input")

    assert "Deleted" in out
    assert list(Profile.objects.all()) == [real_patient]
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db
def test_seed_clear_replaces_the_synthetic_rows(real_patient):
    seed(SMALL_RUN)

    out, _ = seed("--patients 1 --therapists 0 --checkins-per-user 3 --clear --no-input")

    assert re.search(r"cleared first\s+.*profiles=7", out)
    assert Profile.objects.filter(is_test_patient=True).count() == 1
    assert CheckIn.objects.count() == 4
    assert real_patient.check_ins.count() == 1


@pytest.mark.django_db
def test_seed_undo_deletes_that_runs_rows():
    seed(SMALL_RUN)
    kept = SeedRun.objects.get()
    seed("--patients 1 --therapists 0")
    undone = SeedRun.objects.exclude(pk=kept.pk).get()

    out, _ = seed(f"--undo {undone.id}")

    assert "Deleted" in out
    assert set(Profile.objects.values_list("synthetic_run_id", flat=True)) == {kept.id}
    undone.refresh_from_db()
    assert undone.status == SeedRun.Status.UNDONE


@pytest.mark.django_db
def test_seed_undo_of_an_unknown_run_is_a_command_error():
    unknown = uuid.uuid4()

    with pytest.raises(CommandError, match=f"There is no seed run with id {unknown}"):
        seed(f"--undo {unknown}")


@pytest.mark.django_db
def test_seed_undo_of_a_malformed_run_id_is_a_command_error():
    with pytest.raises(CommandError, match="not-a-run-id"):
        seed("--undo not-a-run-id")


def test_seed_from_the_command_line_exits_non_zero_on_bad_input(tmp_path):
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}

    result = subprocess.run(
        [sys.executable, "manage.py", "seed", "--checkins-per-user", "0"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "checkins_per_user must be between 1 and 365" in result.stderr
