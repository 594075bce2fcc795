"""Generation order comes from declared dependencies: a new entity is one generator and its registration."""

import pytest
from django.contrib.auth.models import Group

from clinic.models import Organization, Profile, TreatmentPlan
from seeding.generators import REGISTRY, EntityGenerator, generation_order
from seeding.generators.placement import clinic_units, organization_id
from seeding.request import SeedRequest, command_limits
from seeding.scenarios import scenario_request
from seeding.service import clear_synthetic_data, generate

TEAM_PREFIX = "synthetic-team-"


def _team_rows(ctx, index: int):
    # Reading the organization's database id proves the organizations were written first.
    yield (f"{TEAM_PREFIX}{ctx.run_id.hex[:8]}-{organization_id(ctx, index)}",)


def _owned_teams(run_id):
    prefix = TEAM_PREFIX if run_id is None else f"{TEAM_PREFIX}{run_id.hex[:8]}-"
    return Group.objects.filter(name__startswith=prefix)


TEAMS = EntityGenerator(
    name="teams",
    model=Group,
    columns=("name",),
    depends_on=("organizations",),
    units=clinic_units(lambda request: len(request.organizations)),
    rows=_team_rows,
    owned_rows=_owned_teams,
)

SMALL_CLINIC = {"with_logins": False, "checkins_per_user": 1, "seed": 11}


def _with(*generators: EntityGenerator) -> dict[str, EntityGenerator]:
    """A copy of the built-in registry with extra generators: nothing is registered globally."""
    return REGISTRY | {generator.name: generator for generator in generators}


def test_every_built_in_generator_comes_after_what_it_depends_on():
    order = [generator.name for generator in generation_order()]

    for generator in REGISTRY.values():
        assert all(order.index(dependency) < order.index(generator.name) for dependency in generator.depends_on)
    assert order.index("organizations") < order.index("memberships") < order.index("weekly_availability")
    assert order.index("enrollments") < order.index("treatment_plans")


@pytest.mark.django_db
def test_a_new_generator_runs_after_its_dependency_and_its_rows_are_written_and_cleared():
    registry = _with(TEAMS)
    progress = []

    report = generate(
        scenario_request("demo-clinic", **SMALL_CLINIC),
        registry=registry,
        progress=lambda update: progress.append(update.entity),
        limits=command_limits(),
        source="command",
    )

    assert progress.index("teams") > progress.index("organizations")
    assert report.rows["teams"] == 3
    organization_ids = set(Organization.objects.values_list("id", flat=True))
    assert {int(name.rsplit("-", 1)[1]) for name in _owned_teams(None).values_list("name", flat=True)} == (
        organization_ids
    )
    real_group = Group.objects.create(name="therapists")

    cleared = clear_synthetic_data(registry=registry, source="command").deleted

    assert cleared["teams"] == 3
    assert list(Group.objects.all()) == [real_group]
    assert not Organization.objects.exists()
    assert "teams" not in REGISTRY


@pytest.mark.django_db
def test_the_built_in_registry_does_not_know_a_generator_registered_in_a_copy():
    report = generate(scenario_request("demo-clinic", **SMALL_CLINIC), limits=command_limits(), source="command")

    assert "teams" not in report.rows
    assert not Group.objects.exists()


def test_a_dependency_nobody_registered_is_reported():
    orphan = EntityGenerator(
        name="orphan",
        model=Group,
        columns=("name",),
        depends_on=("nowhere",),
        units=lambda request: 0,
        rows=lambda ctx, unit: (),
        owned_rows=_owned_teams,
    )

    with pytest.raises(LookupError, match="nowhere"):
        generation_order(_with(orphan))


@pytest.mark.django_db
def test_a_failing_generator_leaves_nothing_of_the_run_behind(real_patient):
    def fail(ctx, unit):
        raise RuntimeError("the disk is full")
        yield  # pragma: no cover

    broken = EntityGenerator(
        name="broken",
        model=Group,
        columns=("name",),
        depends_on=("treatment_plans",),
        units=lambda request: 1,
        rows=fail,
        owned_rows=_owned_teams,
    )

    with pytest.raises(RuntimeError, match="the disk is full"):
        generate(
            scenario_request("demo-clinic", **SMALL_CLINIC),
            registry=_with(broken),
            limits=command_limits(),
            source="command",
        )

    assert list(Profile.objects.all()) == [real_patient]
    assert not Organization.objects.exists()
    assert not TreatmentPlan.objects.exists()


def test_generators_without_organizations_have_no_units():
    request = SeedRequest(patients_count=3, therapists_count=2)

    clinic = ("organizations", "memberships", "enrollments", "weekly_availability", "treatment_plans")
    assert [REGISTRY[name].units(request) for name in clinic] == [0, 0, 0, 0, 0]
