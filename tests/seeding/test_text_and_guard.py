"""Text reaches the database exactly as given; seeding writes only to databases it is allowed to."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from clinic.models import Organization, Profile
from seeding.context import RunContext
from seeding.generators import REGISTRY
from seeding.models import SeedRun
from seeding.request import OrganizationSpec, command_limits
from seeding.scenarios import scenario_request
from seeding.service import DatabaseNotAllowed, generate
from seeding.writers import copy_text

HOSTILE = "Tab\there, new\nline, CR\rhere, back\\slash, \\N, \"quotes\" 'single', café ÿ 東京 🙂"


def test_copy_text_escapes_every_special_character_once():
    text = copy_text("t", ("a", "b"), [(HOSTILE, None), (1, "plain")])

    assert text == (
        b"Tab\\there, new\\nline, CR\\rhere, back\\\\slash, \\\\N, \"quotes\" 'single', "
        + "café ÿ 東京 🙂".encode()
        + b"\t\\N\n1\tplain\n"
    )


@pytest.mark.django_db
def test_hostile_text_from_a_scenario_file_is_stored_byte_for_byte(tmp_path):
    scenario = tmp_path / "hostile.toml"
    name = (
        HOSTILE.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    scenario.write_text(
        f'patients_count = 2\ntherapists_count = 1\n[[organizations]]\nname = "{name}"\nslug = "hostile"\n',
        encoding="utf-8",
    )

    generate(scenario_request(str(scenario), seed=3), limits=command_limits(), source="command")

    assert list(Organization.objects.values_list("name", flat=True)) == [HOSTILE]
    assert not Organization.objects.filter(synthetic_run_id__isnull=True).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("locale", ["en_US", "pt_BR", "ja_JP", "de_DE"])
def test_generated_names_are_stored_as_generated(locale):
    request = scenario_request("demo-clinic", locale=locale, seed=4, patients_count=4, therapists_count=3)
    report = generate(request, limits=command_limits(), source="command")

    profiles = REGISTRY["profiles"]
    ctx = RunContext.for_request(request, seed=4, run_id=report.run_id)
    position = profiles.columns.index("full_name")
    generated = {row[position] for unit in range(profiles.units(request)) for row in profiles.rows(ctx, unit)}
    assert set(Profile.objects.values_list("full_name", flat=True)) == generated


@pytest.mark.django_db
def test_a_nul_character_is_refused_by_name_before_anything_is_written():
    request = scenario_request("demo-clinic", seed=1, patients_count=2, therapists_count=1)
    request = type(request)(**{**request.__dict__, "organizations": (OrganizationSpec(name="bad\x00name", slug="b"),)})

    with pytest.raises(ValidationError, match=r"organizations\[0\]\.name contains the NUL character"):
        generate(request, limits=command_limits(), source="command")

    assert not Profile.objects.exists()
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_the_database_guard_refuses_a_database_it_does_not_match(settings):
    settings.SEEDING_ALLOWED_DATABASES = ["*_demo", "*-demo"]
    name = connection.settings_dict["NAME"]

    with pytest.raises(DatabaseNotAllowed) as refusal:
        generate(scenario_request(None, seed=1), limits=command_limits(), source="command")

    message = str(refusal.value)
    assert repr(str(name)) in message
    assert "*_demo, *-demo" in message
    assert "SEEDING_ALLOWED_DATABASES" in message
    assert not Profile.objects.exists()
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_the_database_guard_allows_a_matching_database(settings):
    name = str(connection.settings_dict["NAME"])
    settings.SEEDING_ALLOWED_DATABASES = ["*_demo", name[:4] + "*"]

    generate(scenario_request(None, seed=1), limits=command_limits(), source="command")

    assert Profile.objects.count() == 3


def test_without_debug_only_disposable_database_names_are_allowed_by_default():
    from config.settings import DISPOSABLE_DATABASE_PATTERNS

    assert DISPOSABLE_DATABASE_PATTERNS == [
        "*_demo", "*-demo", "*_test", "*-test", "*_dev", "*-dev", "*_staging", "*-staging",
    ]  # fmt: skip
