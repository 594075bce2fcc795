"""Ownership: clearing and undo remove exactly the rows seeding runs wrote, and never a row a person made."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from model_bakery import baker

from clinic.models import CheckIn, Enrollment, Membership, Organization, Profile, TreatmentPlan, WeeklyAvailability
from seeding.models import SeedRun, SyntheticLogin
from seeding.request import command_limits
from seeding.scenarios import scenario_request
from seeding.service import ClearBlocked, clear_synthetic_data, generate, undo_run
from tests.conftest import database_rows

User = get_user_model()
SMALL_CLINIC = {"seed": 5, "checkins_per_user": 3, "patients_count": 6, "therapists_count": 3}


def real_rows() -> dict[str, list[dict]]:
    """Every row that no seeding run wrote, by table."""
    synthetic_users = set(SyntheticLogin.objects.values_list("user_id", flat=True))
    logins = User._meta.db_table
    return {
        table: [
            row
            for row in rows
            if row.get("synthetic_run_id") is None and not (table == logins and row["id"] in synthetic_users)
        ]
        for table, rows in database_rows().items()
    }


def synthetic(model, **filters):
    return model.objects.filter(synthetic_run_id__isnull=False, **filters).order_by("pk").first()


@pytest.fixture
def clinic_run(db):
    return generate(scenario_request("demo-clinic", **SMALL_CLINIC), limits=command_limits(), source="command")


@pytest.fixture
def real_world(clinic_run):
    """Real rows of every kind that point at synthetic ones, and real rows that merely look synthetic."""
    patient = synthetic(Profile, role=Profile.Role.PATIENT)
    therapist = synthetic(Profile, role=Profile.Role.THERAPIST)
    organization = synthetic(Organization)
    real_org = baker.make(Organization, slug="real-clinic", name="Real clinic")
    real_therapist = baker.make(Profile, role=Profile.Role.THERAPIST, email="real.therapist@clinic.test")
    real_patient = baker.make(Profile, role=Profile.Role.PATIENT, email="real.patient@clinic.test")
    baker.make(CheckIn, user=patient, checkin_date="2020-01-01", mood=5, energy=5, anxiety=5, sleep_hours="7.0")
    baker.make(TreatmentPlan, patient=patient, therapist=real_therapist, organization=real_org, status="planned")
    baker.make(TreatmentPlan, patient=real_patient, therapist=therapist, organization=real_org, status="planned")
    baker.make(Enrollment, patient=real_patient, therapist=therapist, organization=real_org)
    baker.make(Membership, profile=real_therapist, organization=organization, role="therapist")
    baker.make(
        WeeklyAvailability, therapist=real_therapist, organization=organization, weekday=0,
        start_time="08:00", end_time="09:00",
    )  # fmt: skip
    return {"patient": patient, "therapist": therapist, "organization": organization}


@pytest.fixture
def people(clinic_run):
    """A superuser with admin history, a developer's own login on a synthetic profile, a hand-made flagged one."""
    superuser = User.objects.create_superuser("root", "root@clinic.test", "pw")
    LogEntry.objects.create(
        user=superuser, content_type=ContentType.objects.get_for_model(Profile), object_id="1",
        object_repr="x", action_flag=ADDITION,
    )  # fmt: skip
    developer = User.objects.create_user("developer", "dev@clinic.test", "pw")
    linked = synthetic(Profile, role=Profile.Role.ADMIN) or synthetic(Profile, role=Profile.Role.THERAPIST)
    Profile.objects.filter(pk=linked.pk).update(user=developer)
    flagged = baker.make(Profile, role=Profile.Role.PATIENT, email="flagged@clinic.test", is_test_patient=True)
    unflagged = synthetic(Profile, role=Profile.Role.PATIENT)
    Profile.objects.filter(pk=unflagged.pk).update(is_test_patient=False)
    SeedRun.objects.filter(pk=clinic_run.run_id).update(requested_by=superuser)
    return {"superuser": superuser, "developer": developer, "flagged": flagged, "unflagged": unflagged}


def test_clearing_refuses_while_real_rows_point_at_synthetic_ones_and_names_them(real_world):
    before = database_rows()

    with pytest.raises(ClearBlocked) as refusal:
        clear_synthetic_data(source="command")

    blocked = {(b.table, b.column, b.references): b.count for b in refusal.value.blockers}
    assert blocked == {
        ("check_ins", "user_id", "profiles.id"): 1,
        ("treatment_plans", "patient_id", "profiles.id"): 1,
        ("treatment_plans", "therapist_id", "profiles.id"): 1,
        ("enrollments", "therapist_id", "profiles.id"): 1,
        ("memberships", "organization_id", "organizations.id"): 1,
        ("weekly_availability", "organization_id", "organizations.id"): 1,
    }
    assert all(len(b.first_ids) == 1 for b in refusal.value.blockers)
    assert database_rows() == before
    assert "Nothing was deleted" in str(refusal.value)
    assert SeedRun.objects.get(kind=SeedRun.Kind.CLEAR).status == SeedRun.Status.FAILED


def test_undo_refuses_in_the_same_way(clinic_run, real_world):
    before = database_rows()

    with pytest.raises(ClearBlocked):
        undo_run(clinic_run.run_id, source="command")

    assert database_rows() == before
    assert SeedRun.objects.get(pk=clinic_run.run_id).status == SeedRun.Status.SUCCEEDED


def test_clear_db_refuses_in_the_same_way_and_writes_nothing(real_world):
    before = database_rows()

    with pytest.raises(ClearBlocked):
        generate(scenario_request("demo-clinic", clear_db=True, seed=6), limits=command_limits(), source="command")

    assert database_rows() == before


@pytest.mark.parametrize("remove", ["clear", "undo"])
def test_keep_referenced_keeps_exactly_the_synthetic_rows_real_rows_need(clinic_run, real_world, remove):
    before = real_rows()

    if remove == "clear":
        report = clear_synthetic_data(source="command", keep_referenced=True)
    else:
        report = undo_run(clinic_run.run_id, source="command", keep_referenced=True)

    assert real_rows() == before
    kept_profiles = set(Profile.objects.filter(synthetic_run_id__isnull=False).values_list("pk", flat=True))
    assert kept_profiles == {real_world["patient"].pk, real_world["therapist"].pk}
    assert list(Organization.objects.filter(synthetic_run_id__isnull=False)) == [real_world["organization"]]
    for model in (CheckIn, Membership, Enrollment, TreatmentPlan, WeeklyAvailability):
        assert not model.objects.filter(synthetic_run_id__isnull=False).exists(), model
    # A kept profile keeps its login too: nothing kept may lose what it points at.
    assert set(SyntheticLogin.objects.values_list("user_id", flat=True)) == set(
        Profile.objects.filter(pk__in=kept_profiles).values_list("user_id", flat=True)
    )
    assert report.kept == {"profiles": 2, "organizations": 1, "logins": 2}


@pytest.mark.parametrize("remove", ["clear", "undo"])
def test_real_people_survive_whatever_synthetic_profile_they_touch(clinic_run, people, remove):
    before = real_rows()

    if remove == "clear":
        clear_synthetic_data(source="command")
    else:
        undo_run(clinic_run.run_id, source="command")

    assert real_rows() == {
        table: [row for row in rows if table != "profiles" or row["id"] != people["unflagged"].pk]
        for table, rows in before.items()
    }
    assert User.objects.filter(pk=people["developer"].pk).exists()
    assert LogEntry.objects.filter(user=people["superuser"]).count() == 1
    assert SeedRun.objects.get(pk=clinic_run.run_id).requested_by == people["superuser"]
    assert Profile.objects.filter(pk=people["flagged"].pk).exists()  # hand-made, flag or not
    assert not Profile.objects.filter(pk=people["unflagged"].pk).exists()  # synthetic, flag or not
    assert not SyntheticLogin.objects.exists()
    assert not User.objects.filter(username__contains="@example.").exists()


def test_undo_of_a_run_without_logins_keeps_a_real_login_on_its_profile(db):
    run = generate(scenario_request("demo-clinic", with_logins=False, password=None, **SMALL_CLINIC),
                   limits=command_limits(), source="command")  # fmt: skip
    developer = User.objects.create_user("developer", "dev@clinic.test", "pw")
    Profile.objects.filter(pk=synthetic(Profile).pk).update(user=developer)

    undo_run(run.run_id, source="command")

    assert list(User.objects.all()) == [developer]


def test_a_clear_and_an_undo_are_recorded_and_mark_the_runs_they_removed(db):
    first = generate(scenario_request("demo-clinic", **SMALL_CLINIC), limits=command_limits(), source="command")
    second = generate(scenario_request("demo-clinic", **SMALL_CLINIC | {"seed": 6}), limits=command_limits(),
                      source="api")  # fmt: skip

    undo = undo_run(second.run_id, source="admin")
    clear = clear_synthetic_data(source="api")

    assert SeedRun.objects.get(pk=first.run_id).status == SeedRun.Status.CLEARED
    assert SeedRun.objects.get(pk=second.run_id).status == SeedRun.Status.UNDONE
    undo_entry, clear_entry = SeedRun.objects.get(pk=undo.ledger_id), SeedRun.objects.get(pk=clear.ledger_id)
    assert (undo_entry.kind, undo_entry.source, undo_entry.status) == ("undo", "admin", "succeeded")
    assert undo_entry.parameters["run_id"] == str(second.run_id)
    assert undo_entry.counts["profiles"] == 10
    assert (clear_entry.kind, clear_entry.source, clear_entry.counts["profiles"]) == ("clear", "api", 10)


def test_clear_db_is_recorded_as_a_clear_before_the_run(db):
    first = generate(scenario_request("demo-clinic", **SMALL_CLINIC), limits=command_limits(), source="command")

    second = generate(scenario_request("demo-clinic", clear_db=True, **SMALL_CLINIC), limits=command_limits(),
                      source="command")  # fmt: skip

    clear = SeedRun.objects.get(kind=SeedRun.Kind.CLEAR)
    assert clear.parameters["before_run"] == str(second.run_id)
    assert clear.counts == dict(second.cleared)
    assert SeedRun.objects.get(pk=first.run_id).status == SeedRun.Status.CLEARED


def test_deleting_a_synthetic_profile_by_hand_takes_its_login_with_it(clinic_run, admin_client):
    profile = synthetic(Profile, role=Profile.Role.PATIENT)
    login = profile.user

    admin_client.post(
        "/admin/clinic/profile/", {"action": "delete_selected", "_selected_action": [profile.pk], "post": "yes"}
    )

    assert not Profile.objects.filter(pk=profile.pk).exists()
    assert not User.objects.filter(pk=login.pk).exists()
    clear_synthetic_data(source="command")
    assert not SyntheticLogin.objects.exists()
    assert User.objects.filter(is_superuser=True).count() == 1  # the admin who did it


def test_synthetic_logins_are_never_staff_whatever_their_role(clinic_run):
    logins = User.objects.filter(synthetic_login__isnull=False)

    assert logins.count() == Profile.objects.filter(synthetic_run_id=clinic_run.run_id).count()
    assert not logins.filter(is_staff=True).exists()
    assert not logins.filter(is_superuser=True).exists()
