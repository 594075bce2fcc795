"""The seed command's wiring: options to request, report to summary, errors to CommandError."""

import re
import shlex
import uuid
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max
from model_bakery import baker

from clinic.models import CheckIn, Profile
from seeding.models import SeedRun

SMALL_RUN = "--patients 5 --therapists 2 --checkins-per-user 30"


def seed(arguments: str) -> tuple[str, str]:
    """Run `manage.py seed <arguments>` in-process and return what it wrote to stdout and stderr."""
    stdout, stderr = StringIO(), StringIO()
    call_command("seed", *arguments.split(), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.mark.django_db
def test_seed_prints_the_statistics_the_seed_and_the_elapsed_time():
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

    assert "profiles: 7 rows" in err.splitlines()
    assert "check-ins: 150 rows" in err.splitlines()
    assert "check-ins: 150 rows" not in out


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
    assert "Generated 3 patients, 1 therapist and 1 admin with 12 check-ins" in out


@pytest.mark.django_db
def test_seed_refuses_when_seeding_is_disabled(settings):
    settings.SEEDING_ENABLED = False

    with pytest.raises(CommandError, match=r"Seeding is only allowed in development environment\. .*DEBUG=true"):
        seed(SMALL_RUN)
    assert not Profile.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("--checkins-per-user 0", "--checkins-per-user must be between 1 and 365; got 0."),
        ("--patients -1", "--patients must be between 0 and 1000000; got -1."),
        ("--patients 0 --therapists 0", "At least one of --patients or --therapists must be above zero."),
        ("--end-date 2999-01-01", "--end-date must not be in the future; got 2999-01-01."),
        ("--locale xx_XX", "--locale must be a Faker locale such as en_US or pt_BR; got 'xx_XX'."),
        ("--with-logins --no-input", "--password is required when --with-logins is true, and only then."),
    ],
)
def test_seed_reports_invalid_input_by_the_option_typed(arguments, message):
    with pytest.raises(CommandError) as excinfo:
        seed(arguments)

    assert str(excinfo.value) == f"Nothing was written: {message}"
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

    assert re.search(r"^\s+cleared first\s+7 profiles, 150 check-ins$", out, re.MULTILINE)
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


@pytest.mark.django_db
def test_seed_progress_lines_keep_the_first_total_and_end_on_the_rows_written():
    _, err = seed("--scenario demo-clinic --patients 40 --therapists 10 --seed 3 --no-input")

    lines = [line for line in err.splitlines() if line.startswith("weekly availability")]
    totals = {line.split("/")[1].split()[0] for line in lines if "/" in line}
    assert len(totals) <= 1, lines
    assert re.fullmatch(r"weekly availability: \d+ rows", lines[-1])


@pytest.mark.django_db
def test_seed_summary_reads_kinds_as_a_person_does():
    out, _ = seed("--scenario demo-clinic --seed 3 --no-input")

    rows = re.search(r"^\s*rows\s+(.*)$", out, re.MULTILINE).group(1)
    assert "check-ins" in rows
    assert "treatment plans" in rows
    assert "weekly availability" in rows
    assert "_" not in rows
    assert " 0 " not in f" {rows} "


@pytest.mark.django_db
def test_seed_summary_ends_with_a_command_that_repeats_the_run():
    out, _ = seed("--scenario demo-clinic --patients 4 --therapists 3 --checkins-per-user 5 --no-input")
    first = SeedRun.objects.get()
    names = sorted(Profile.objects.values_list("full_name", flat=True))
    repeat = out.strip().splitlines()[-1].split("repeat with", 1)[1].strip()
    arguments = shlex.split(repeat)
    assert arguments[:3] == ["python", "manage.py", "seed"]
    assert arguments[3:5] == ["--scenario", "demo-clinic"]
    assert "--seed" in arguments
    assert "--end-date" in arguments
    seed(f"--undo {first.id}")

    call_command("seed", *arguments[3:], "--no-input", stdout=StringIO(), stderr=StringIO())

    assert sorted(Profile.objects.values_list("full_name", flat=True)) == names


@pytest.mark.django_db
def test_seed_records_the_effective_end_date_in_the_ledger():
    seed("--patients 1 --therapists 0 --checkins-per-user 2")

    assert SeedRun.objects.get().parameters["end_date"] == date.today().isoformat()


def test_seed_help_shows_examples_and_limits(capsys):
    with pytest.raises(SystemExit):
        call_command("seed", "--help")

    help_text = " ".join(capsys.readouterr().out.split())
    assert "examples:" in help_text
    assert "--scenario demo-clinic" in help_text
    assert "0 to 1,000,000, default 2." in help_text
    assert "SEEDING_MAX_PATIENTS" in help_text


def test_seed_version_is_this_projects(capsys):
    import seeding

    with pytest.raises(SystemExit):
        call_command("seed", "--version")

    assert capsys.readouterr().out.strip() == seeding.__version__


@pytest.mark.django_db
def test_seed_undo_accepts_a_unique_prefix_of_the_run_id():
    seed("--patients 1 --therapists 0")
    run = SeedRun.objects.get()

    out, _ = seed(f"--undo {str(run.id)[:8]}")

    assert "Deleted" in out
    assert not Profile.objects.exists()


@pytest.mark.django_db
def test_seed_clear_only_is_refused_while_real_rows_point_at_synthetic_ones():
    seed("--patients 1 --therapists 0 --checkins-per-user 1")
    synthetic = Profile.objects.get()
    baker.make(CheckIn, user=synthetic, checkin_date=date(2020, 1, 1), mood=5, energy=5, anxiety=5, sleep_hours="7")

    with pytest.raises(CommandError, match=r"(?s)Nothing was deleted.*check_ins.*--keep-referenced"):
        seed("--clear-only --no-input")
    assert Profile.objects.filter(pk=synthetic.pk).exists()

    out, _ = seed("--clear-only --keep-referenced --no-input")

    assert "Kept" in out
    assert Profile.objects.filter(pk=synthetic.pk).exists()
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "arguments",
    ["--undo 0123abcd --patients 50", "--clear-only --patients 5", "--clear-only --scenario demo-clinic"],
)
def test_seed_refuses_generation_options_in_a_deleting_mode(arguments):
    seed("--patients 1 --therapists 0")

    with pytest.raises(CommandError, match="generates nothing, so --"):
        seed(arguments)
    assert Profile.objects.count() == 1


@pytest.mark.django_db
def test_seed_runs_lists_runs_newest_first_with_short_ids():
    seed("--patients 1 --therapists 0")
    seed("--patients 2 --therapists 0")
    older, newer = SeedRun.objects.order_by("started_at")
    out = StringIO()

    call_command("seed_runs", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["id", "started", "kind", "status", "source", "error", "rows"]
    assert lines[1].startswith(str(newer.id)[:8] + " ")
    assert lines[2].startswith(str(older.id)[:8] + " ")
    assert re.search(r"generate  succeeded  command  -\s+2 profiles, 60 check-ins$", lines[1])


@pytest.mark.django_db
def test_seed_runs_shows_the_error_of_a_failed_run():
    baker.make(SeedRun, kind=SeedRun.Kind.GENERATE, status=SeedRun.Status.FAILED, error="The database refused it.")
    out = StringIO()

    call_command("seed_runs", stdout=out)

    assert "failed" in out.getvalue()
    assert "The database refused it." in out.getvalue()
