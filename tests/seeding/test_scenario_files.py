"""Scenarios from the command line: built-in and TOML files, with every given option overriding them."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count

from clinic.models import CheckIn, Enrollment, Membership, Organization, Profile, TreatmentPlan
from seeding.scenarios import ScenarioError, load_scenario, scenario_request

EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "scenarios" / "demo-clinic.toml"

TWO_CLINICS = """\
patients_count = 9
therapists_count = 3
checkins_per_user = 4
mood_pattern = "stable"
exceptions_per_therapist = [1, 1]
plans_per_patient = 4

[[organizations]]
name = "North"
slug = "north"
therapist_weight = 2
patient_weight = 2

[[organizations]]
name = "South"
slug = "south"
therapist_weight = 1
patient_weight = 1
"""


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed", *args, "--no-input", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def scenario_file(tmp_path):
    def write(text: str) -> Path:
        path = tmp_path / "scenario.toml"
        path.write_text(text)
        return path

    return write


def test_the_example_file_equals_the_built_in_scenario():
    assert load_scenario(str(EXAMPLE_FILE)) == load_scenario("demo-clinic")


@pytest.mark.django_db
def test_seed_command_produces_the_demo_clinic_scenario():
    seed("--scenario", "demo-clinic", "--seed", "3")

    assert Organization.objects.count() == 3
    assert Membership.objects.count() == 10
    assert Enrollment.objects.count() == 20
    assert TreatmentPlan.objects.count() == 60
    assert get_user_model().objects.filter(profile__is_test_patient=True).count() == 30
    login = get_user_model().objects.filter(profile__role=Profile.Role.THERAPIST).first()
    assert login.check_password("Password123")


@pytest.mark.django_db
def test_toml_scenario_with_command_line_overrides_gives_the_overridden_counts(scenario_file):
    path = scenario_file(TWO_CLINICS)

    seed("--scenario", str(path), "--patients", "12", "--therapists", "6", "--checkins-per-user", "2")

    assert Profile.objects.filter(role=Profile.Role.PATIENT).count() == 12
    assert Profile.objects.filter(role=Profile.Role.THERAPIST).count() == 6
    assert CheckIn.objects.count() == 24
    enrolled = Enrollment.objects.values("organization__slug").annotate(n=Count("id"))
    assert {row["organization__slug"]: row["n"] for row in enrolled} == {"north": 8, "south": 4}
    assert Membership.objects.filter(organization__slug="north").count() == 4
    assert TreatmentPlan.objects.count() == 48  # the file's plans_per_patient, not overridden


@pytest.mark.django_db
def test_a_scenario_without_overrides_keeps_its_own_values(scenario_file):
    seed("--scenario", str(scenario_file(TWO_CLINICS)))

    assert Profile.objects.count() == 12
    assert CheckIn.objects.count() == 36
    assert Organization.objects.filter(synthetic_run_id__isnull=False).count() == 2


def test_every_given_option_overrides_the_scenario():
    request = scenario_request("demo-clinic", mood_pattern="cycling", checkins_per_user=7, locale="pt_BR", seed=4)

    assert (request.mood_pattern, request.checkins_per_user, request.locale, request.seed) == ("cycling", 7, "pt_BR", 4)
    assert request.patients_count == 20  # untouched values stay the scenario's


def test_turning_logins_off_drops_the_scenarios_password():
    request = scenario_request("demo-clinic", with_logins=False)

    assert (request.with_logins, request.password) == (False, None)


def test_without_a_scenario_the_request_defaults_apply():
    assert scenario_request(None, patients_count=None, therapists_count=3).therapists_count == 3
    assert scenario_request(None).organizations == ()


@pytest.mark.django_db
def test_no_with_logins_option_seeds_the_scenario_without_logins():
    seed("--scenario", "demo-clinic", "--no-with-logins", "--checkins-per-user", "1")

    assert Membership.objects.count() == 10
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("patients_count = 3\ntherapists_count = \n", ["line 2"]),
        ('patients_count = 3\n[[organizations]]\nname = "A"\nslug = "a" "b"\n', ["line 4"]),
        ("patient_count = 3\n", ["unknown key 'patient_count'", "patients_count"]),
        ("[availability]\ntemplates = [3, 5]\n", ["unknown key 'availability'"]),
        ('[[organizations]]\nname = "A"\nslug = "a"\nweight = 2\n', ["'organizations[0].weight'"]),
        ('[[organizations]]\nname = "A"\n', ["'organizations[0].slug' is missing"]),
        ('organizations = "A"\n', ["'organizations' must be an array of tables"]),
        ("clear_db = true\n", ["unknown key 'clear_db'"]),
    ],
)
def test_a_bad_scenario_file_gets_an_error_naming_the_line_or_key(scenario_file, text, fragments):
    path = scenario_file(text)

    with pytest.raises(CommandError) as caught:
        seed("--scenario", str(path))

    assert str(path) in str(caught.value)
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert not Profile.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('patients_count = "ten"\n', "patients_count must be a whole number"),
        ("templates_per_therapist = [5, 3]\n", "templates_per_therapist must be a pair"),
        (
            '[[organizations]]\nname = "A"\nslug = "a"\n[[organizations]]\nname = "B"\nslug = "a"\n',
            "organizations[1].slug 'a' repeats",
        ),
    ],
)
def test_a_bad_scenario_value_gets_an_error_naming_its_key(scenario_file, text, fragment):
    with pytest.raises(CommandError) as caught:
        seed("--scenario", str(scenario_file(text)))

    assert fragment in str(caught.value)
    assert not Profile.objects.exists()


@pytest.mark.django_db
def test_an_unknown_scenario_name_is_refused():
    with pytest.raises(CommandError, match=r"Unknown scenario 'no-such-clinic'.*demo-clinic"):
        seed("--scenario", "no-such-clinic")


def test_load_scenario_raises_its_own_error_for_a_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="not a file"):
        load_scenario(str(tmp_path / "missing.toml"))
