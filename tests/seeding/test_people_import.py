"""People imported from a CSV or JSON file: the happy path, and every error reported before anything is written."""

import json
import re
import shlex
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Exists, OuterRef
from django.utils import timezone
from model_bakery import baker

from clinic.models import Appointment, Enrollment, Membership, Profile
from seeding.models import SeedRun
from seeding.people import MAX_ERRORS, MAX_FILE_BYTES, MAX_NAME_LENGTH, parse_people, read_people, request_with_people
from seeding.request import PersonSpec, SeedRequest
from seeding.scenarios import scenario_request

HEADER = "email,full_name,role,mood_pattern,checkins_from,checkins_to,organization\n"
END_DATE = date(2025, 3, 3)
REPEATED_OPTIONS = ("--people", "--appointments-per-patient", "--checkin-adherence")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed", *args, "--no-input", "--checkins-per-user=1", stdout=out, stderr=StringIO())
    return out.getvalue()


def errors_of(text: str, name: str = "people.csv", request: SeedRequest | None = None) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_people(text, name, request or scenario_request("demo-clinic"))
    return caught.value.message_dict["people"]


@pytest.mark.django_db
def test_people_from_a_csv_file_join_a_clinic_run_as_synthetic_rows(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(
        HEADER
        + "ana.import@clinic.test,Ana Import,patient,stable,2025-01-01,2025-01-31,kine-clinic-b\n"
        + "tom.import@clinic.test,Tom Import,therapist,,,,kine-clinic-c\n"
    )

    seed("--scenario=demo-clinic", f"--people={people}", "--no-with-logins", "--seed=3", "--end-date=2025-03-03")

    run = SeedRun.objects.get(kind=SeedRun.Kind.GENERATE)
    ana = Profile.objects.get(email="ana.import@clinic.test")
    tom = Profile.objects.get(email="tom.import@clinic.test")
    assert (ana.role, ana.first_name, ana.last_name, ana.is_test_patient) == ("patient", "Ana", "Import", True)
    assert ana.synthetic_run_id == tom.synthetic_run_id == run.id
    assert Enrollment.objects.get(patient=ana).organization.slug == "kine-clinic-b"
    assert Membership.objects.get(profile=tom).organization.slug == "kine-clinic-c"
    assert tom.licence_number
    assert Profile.objects.filter(role=Profile.Role.PATIENT).count() == 21
    assert Profile.objects.filter(role=Profile.Role.THERAPIST).count() == 10
    same_clinic = Membership.objects.filter(profile=OuterRef("therapist"), organization=OuterRef("organization"))
    assert not Enrollment.objects.filter(~Exists(same_clinic)).exists()


@pytest.mark.django_db
def test_people_from_a_json_file_are_undone_with_their_run(tmp_path):
    people = tmp_path / "people.json"
    people.write_text(json.dumps([{"email": "jo.import@clinic.test", "full_name": "Jo Import", "role": "admin"}]))

    seed("--scenario=demo-clinic", f"--people={people}", "--no-with-logins", "--seed=4")
    run = SeedRun.objects.get(kind=SeedRun.Kind.GENERATE)
    assert Membership.objects.get(profile__email="jo.import@clinic.test").organization.slug == "kine-clinic-a"
    call_command("seed", f"--undo={run.id}", "--no-input", stdout=StringIO())

    assert not Profile.objects.filter(email="jo.import@clinic.test").exists()


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("x@clinic.test,X,doctor,,,,", "people.csv line 2: role 'doctor' is unknown"),
        ("not-an-email,X,patient,,,,", "people.csv line 2: email 'not-an-email' is not a valid email address"),
        (",X,patient,,,,", "people.csv line 2: email is required"),
        ("x@clinic.test,X,patient,sad,,,", "people.csv line 2: the mood pattern 'sad' is unknown"),
        ("x@clinic.test,X,patient,,2024-01-01,2025-03-01,", "people.csv line 2: the check-in range is 426 days"),
        ("x@clinic.test,X,patient,,2025-02-01,2025-01-01,", "checkins_from 2025-02-01 is after checkins_to"),
        ("x@clinic.test,X,patient,,soon,,", "checkins_from 'soon' is not a date"),
        ("x@clinic.test,X,patient,,,,nowhere", "organization 'nowhere' is not one of the run's organizations"),
    ],
)
def test_each_bad_row_is_reported_with_its_line_and_field(db, line, fragment):
    assert any(fragment in message for message in errors_of(HEADER + line + "\n"))


def test_a_date_in_the_future_is_refused(db):
    tomorrow = timezone.localdate() + timedelta(days=1)

    errors = errors_of(HEADER + f"x@clinic.test,X,patient,,,{tomorrow},\n")

    assert errors == [f"people.csv line 2: checkins_to {tomorrow} is in the future."]


def test_a_taken_or_repeated_email_is_refused(db):
    baker.make(Profile, email="taken@clinic.test", role=Profile.Role.PATIENT)

    errors = errors_of(
        HEADER + "taken@clinic.test,T,patient,,,,\nsame@clinic.test,S,patient,,,,\nSAME@clinic.test,S,admin,,,,\n"
    )

    assert errors == [
        "people.csv line 4: email 'SAME@clinic.test' repeats people.csv line 3.",
        "people.csv line 2: email 'taken@clinic.test' is already taken by a profile or a login.",
    ]


def test_errors_are_capped_and_the_rest_counted(db):
    lines = "".join(f"x{n}@clinic.test,X,doctor,,,,\n" for n in range(MAX_ERRORS + 5))

    errors = errors_of(HEADER + lines)

    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1] == "... and 5 more errors."


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("people.txt", "", "a people file is .csv"),
        ("people.csv", "email,name\n", "the columns full_name, role are required"),
        ("people.csv", "email,full_name,role,age\nx@clinic.test,X,patient,3\n", "unknown column 'age'"),
        ("people.json", "{", "not valid JSON"),
        ("people.json", '{"email": "x"}', "a list of objects"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_problem(db, name, text, fragment):
    assert any(fragment in message for message in errors_of(text, name))


def test_a_bad_file_writes_nothing_and_the_command_says_why(db, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(HEADER + "ok@clinic.test,Ok,patient,,,,\nbad,Bad,patient,,,,\n")

    with pytest.raises(CommandError, match=re.escape("people.csv line 3: email 'bad' is not a valid email address")):
        seed("--scenario=demo-clinic", f"--people={people}", "--no-with-logins")

    assert not Profile.objects.exists()
    assert not SeedRun.objects.filter(kind=SeedRun.Kind.GENERATE).exists()


def test_the_people_are_added_to_the_counts_of_their_role():
    people = (PersonSpec("a@clinic.test", "A", "patient"), PersonSpec("b@clinic.test", "B", "admin"))

    request = request_with_people(SeedRequest(patients_count=2), people)

    assert (request.patients_count, request.admins_count, request.people) == (3, 1, people)


@pytest.mark.django_db
def test_the_printed_command_repeats_a_run_with_people_appointments_and_adherence(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(HEADER + "ana.import@clinic.test,Ana Import,patient,cycling,2025-01-01,2025-02-28,\n")
    out = seed(
        "--scenario=demo-clinic",
        f"--people={people}",
        "--appointments-per-patient=2",
        "--checkin-adherence=0.6",
        "--no-with-logins",
        "--end-date=2025-03-03",
    )
    first = SeedRun.objects.get(kind=SeedRun.Kind.GENERATE)
    rows = sorted(Appointment.objects.values_list("patient__email", "starts_at", "ends_at", "status"))
    repeat = shlex.split(out.strip().splitlines()[-1].split("repeat with", 1)[1])
    assert [people.as_posix(), "2", "0.6"] == [repeat[repeat.index(o) + 1] for o in REPEATED_OPTIONS]
    call_command("seed", f"--undo={first.id}", "--no-input", stdout=StringIO())

    call_command("seed", *repeat[3:], "--no-input", stdout=StringIO(), stderr=StringIO())

    second = SeedRun.objects.filter(kind=SeedRun.Kind.GENERATE).exclude(pk=first.pk).get()
    assert second.seed == first.seed
    assert {**second.parameters, "seed": None} == first.parameters  # the first run's seed was drawn, not given
    assert second.counts == first.counts
    assert sorted(Appointment.objects.values_list("patient__email", "starts_at", "ends_at", "status")) == rows
    assert Profile.objects.filter(role=Profile.Role.PATIENT).count() == 21


def test_a_name_longer_than_allowed_is_refused(db):
    errors = errors_of(HEADER + f"x@clinic.test,{'N' * (MAX_NAME_LENGTH + 1)},patient,,,,\n")

    assert errors == [f"people.csv line 2: full_name is at most {MAX_NAME_LENGTH} characters."]


def test_a_file_that_is_not_utf8_or_too_large_is_refused_before_it_is_parsed(db, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "jose@clinic.test,José,patient,,,,\n").encode("latin-1"))
    large = tmp_path / "large.csv"
    large.write_text(HEADER + "x@clinic.test,X,patient,,,,\n" * (MAX_FILE_BYTES // 20))
    request = scenario_request("demo-clinic")

    with pytest.raises(ValidationError, match=r"latin\.csv: cannot be read"):
        read_people(latin, request)
    with pytest.raises(ValidationError, match=r"large\.csv: the file has [\d,]+ bytes; a people file has at most"):
        read_people(large, request)
