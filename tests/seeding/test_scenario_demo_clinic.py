"""The demo-clinic scenario, checked by queries on the database it leaves behind."""

from collections import defaultdict
from datetime import date, time, timedelta
from itertools import combinations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from model_bakery import baker

from clinic.models import (
    Appointment,
    AvailabilityException,
    Enrollment,
    Membership,
    Organization,
    Profile,
    TreatmentPlan,
    WeeklyAvailability,
)
from seeding.generators import availability
from seeding.request import API_LIMITS, OrganizationSpec, SeedRequest, command_limits, split_by_weight
from seeding.scenarios import scenario_request
from seeding.service import clear_synthetic_data, generate, undo_run

END_DATE = date(2025, 3, 3)
GAP_MINUTES = 15  # restated on purpose: these tests check the rows, not the rule's own code


def _minutes(moment) -> int:
    return moment.hour * 60 + moment.minute


def _too_close(first: tuple, second: tuple) -> bool:
    return (
        _minutes(first[0]) < _minutes(second[1]) + GAP_MINUTES
        and _minutes(second[0]) < _minutes(first[1]) + GAP_MINUTES
    )


def _close_pairs(rows) -> list[tuple]:
    """Pairs of (start, end) slots sharing a group key that lie closer than the gap."""
    groups = defaultdict(list)
    for *key, start, end in rows:
        groups[tuple(key)].append((start, end))
    return [pair for slots in groups.values() for pair in combinations(slots, 2) if _too_close(*pair)]


@pytest.fixture
def demo_clinic(db):
    return generate(
        scenario_request("demo-clinic", seed=2024, end_date=END_DATE), limits=command_limits(), source="command"
    )


def _per_organization(queryset) -> dict[str, int]:
    counts = queryset.values("organization__slug").annotate(n=Count("id"))
    return {row["organization__slug"]: row["n"] for row in counts}


def test_demo_clinic_counts_equal_the_scenario(demo_clinic):
    assert set(Organization.objects.values_list("name", "slug")) == {
        ("Kine Clinic A", "kine-clinic-a"),
        ("Kine Clinic B", "kine-clinic-b"),
        ("Kine Clinic C", "kine-clinic-c"),
    }
    assert Profile.objects.filter(role=Profile.Role.THERAPIST).count() == 9
    assert list(Profile.objects.filter(role=Profile.Role.ADMIN).values_list("email", flat=True)) == ["admin@seed.local"]
    assert Profile.objects.filter(role=Profile.Role.PATIENT).count() == 20
    staff = Membership.objects.all()
    assert _per_organization(staff) == {"kine-clinic-a": 4, "kine-clinic-b": 3, "kine-clinic-c": 3}
    therapists = Membership.objects.filter(role=Membership.Role.THERAPIST)
    assert _per_organization(therapists) == {"kine-clinic-a": 3, "kine-clinic-b": 3, "kine-clinic-c": 3}
    admin = Membership.objects.get(role=Membership.Role.ADMIN)
    assert (admin.profile.email, admin.organization.slug) == ("admin@seed.local", "kine-clinic-a")
    assert _per_organization(Enrollment.objects) == {"kine-clinic-a": 8, "kine-clinic-b": 6, "kine-clinic-c": 6}
    assert TreatmentPlan.objects.count() == 60
    templates = Profile.objects.filter(role=Profile.Role.THERAPIST).annotate(n=Count("weekly_availability"))
    assert all(3 <= n <= 5 for n in templates.values_list("n", flat=True))
    exceptions = Profile.objects.filter(role=Profile.Role.THERAPIST).annotate(n=Count("availability_exceptions"))
    assert all(2 <= n <= 4 for n in exceptions.values_list("n", flat=True))


def test_report_counts_equal_the_rows_written(demo_clinic):
    assert demo_clinic.rows["organizations"] == Organization.objects.count()
    assert demo_clinic.rows["memberships"] == Membership.objects.count()
    assert demo_clinic.rows["enrollments"] == Enrollment.objects.count()
    assert demo_clinic.rows["weekly_availability"] == WeeklyAvailability.objects.count()
    assert demo_clinic.rows["availability_exceptions"] == AvailabilityException.objects.count()
    assert demo_clinic.rows["treatment_plans"] == TreatmentPlan.objects.count()
    assert demo_clinic.rows["appointments"] == Appointment.objects.count() == 80


def test_templates_of_one_therapist_keep_the_minimum_gap(demo_clinic):
    rows = WeeklyAvailability.objects.values_list("therapist", "organization", "weekday", "start_time", "end_time")

    assert _close_pairs(rows) == []


def test_templates_lie_on_weekdays_within_opening_hours(demo_clinic):
    rows = WeeklyAvailability.objects.values_list("weekday", "start_time", "end_time")

    for weekday, start, end in rows:
        assert weekday in range(5)
        assert _minutes(start) >= 8 * 60
        assert _minutes(end) <= 19 * 60
        assert 60 <= _minutes(end) - _minutes(start) <= 240


def test_a_full_day_exception_stands_alone_on_its_date(demo_clinic):
    days = AvailabilityException.objects.values("therapist", "organization", "date").annotate(
        total=Count("id"), full_days=Count("id", filter=Q(start_time__isnull=True))
    )

    assert days.filter(full_days__gt=0).exists()
    assert not days.filter(full_days__gt=0, total__gt=1).exists()


def test_partial_exceptions_on_one_date_keep_the_minimum_gap(demo_clinic):
    rows = AvailabilityException.objects.filter(start_time__isnull=False).values_list(
        "therapist", "organization", "date", "start_time", "end_time"
    )

    assert _close_pairs(rows) == []


def test_exceptions_fall_in_the_next_90_days_and_mix_their_kinds(demo_clinic):
    exceptions = AvailabilityException.objects.all()

    assert not exceptions.exclude(date__range=(END_DATE + timedelta(days=1), END_DATE + timedelta(days=90))).exists()
    kinds = exceptions.values("therapist").annotate(
        available=Count("id", filter=Q(is_available=True)),
        unavailable=Count("id", filter=Q(is_available=False)),
        full_day=Count("id", filter=Q(start_time__isnull=True)),
        partial=Count("id", filter=Q(start_time__isnull=False)),
    )
    assert kinds.count() == 9
    assert all(min(k["available"], k["unavailable"], k["full_day"], k["partial"]) >= 1 for k in kinds)


def test_each_patient_has_exactly_one_ongoing_plan_among_mixed_statuses(demo_clinic):
    patients = Profile.objects.filter(role=Profile.Role.PATIENT).annotate(
        plans=Count("treatment_plans"),
        ongoing=Count("treatment_plans", filter=Q(treatment_plans__status=TreatmentPlan.Status.ONGOING)),
        statuses=Count("treatment_plans__status", distinct=True),
    )

    assert patients.count() == 20
    assert set(patients.values_list("plans", "ongoing", "statuses")) == {(3, 1, 3)}


def test_plans_are_dated_by_their_status(demo_clinic):
    plans = TreatmentPlan.objects.all()
    Status = TreatmentPlan.Status

    assert not plans.filter(status=Status.ONGOING).exclude(start_date__lte=END_DATE, end_date__isnull=True).exists()
    assert not plans.filter(status=Status.PLANNED).exclude(start_date__gt=END_DATE).exists()
    ended = plans.filter(status__in=[Status.COMPLETED, Status.CANCELLED])
    assert not ended.exclude(end_date__lt=END_DATE).exists()
    assert not plans.filter(status=Status.PAUSED).exclude(start_date__lt=END_DATE, end_date__isnull=True).exists()


def test_every_patients_therapist_belongs_to_the_patients_organization(demo_clinic):
    same_clinic = Membership.objects.filter(
        profile=OuterRef("therapist"), organization=OuterRef("organization"), role=Membership.Role.THERAPIST
    )

    assert Enrollment.objects.count() == 20
    assert not Enrollment.objects.filter(~Exists(same_clinic)).exists()
    enrolled = Enrollment.objects.filter(
        patient=OuterRef("patient"), therapist=OuterRef("therapist"), organization=OuterRef("organization")
    )
    assert not TreatmentPlan.objects.filter(~Exists(enrolled)).exists()


def test_more_patients_keep_the_scenarios_proportions(db):
    generate(
        scenario_request("demo-clinic", patients_count=40, with_logins=False, checkins_per_user=1),
        limits=command_limits(),
        source="command",
    )

    assert _per_organization(Enrollment.objects) == {"kine-clinic-a": 16, "kine-clinic-b": 12, "kine-clinic-c": 12}


def test_admins_join_the_first_organization(db):
    generate(
        scenario_request("demo-clinic", admins_count=2, with_logins=False, checkins_per_user=1),
        limits=command_limits(),
        source="command",
    )

    admins = Membership.objects.filter(role=Membership.Role.ADMIN)
    assert set(admins.values_list("organization__slug", "profile__role")) == {("kine-clinic-a", "admin")}
    assert admins.count() == 2
    assert admins.filter(profile__email="admin@seed.local").count() == 1
    assert not WeeklyAvailability.objects.filter(therapist__role=Profile.Role.ADMIN).exists()


def test_split_by_weight_uses_largest_remainder():
    assert split_by_weight(10, [4, 3, 3]) == [4, 3, 3]
    assert split_by_weight(20, [8, 6, 6]) == [8, 6, 6]
    assert split_by_weight(7, [1, 1, 1]) == [3, 2, 2]
    assert split_by_weight(5, [0, 2, 1]) == [0, 3, 2]
    assert split_by_weight(3, [0, 0]) == [0, 0]


def test_schedules_call_the_clinics_own_slot_rule(db, monkeypatch):
    calls = []

    def spy(*slots):
        calls.append(slots)
        return False

    monkeypatch.setattr(availability, "slots_conflict", spy)
    generate(
        scenario_request("demo-clinic", seed=1, with_logins=False, checkins_per_user=1),
        limits=command_limits(),
        source="command",
    )

    assert calls


@pytest.mark.parametrize("random_draws", [availability.MAX_DRAWS, 0], ids=["random", "deterministic-scan"])
def test_a_crowded_schedule_still_gets_every_row_asked_for(db, monkeypatch, random_draws):
    monkeypatch.setattr(availability, "MAX_DRAWS", random_draws)
    request = SeedRequest(
        patients_count=1,
        therapists_count=3,
        checkins_per_user=1,
        organizations=(OrganizationSpec(name="Tiny", slug="tiny"),),
        templates_per_therapist=(10, 10),
        exceptions_per_therapist=(3, 3),
        exception_days=3,
        seed=7,
    )
    generate(request, limits=command_limits(), source="command")

    assert WeeklyAvailability.objects.count() == 30
    assert AvailabilityException.objects.count() == 9
    rows = WeeklyAvailability.objects.values_list("therapist", "organization", "weekday", "start_time", "end_time")
    assert _close_pairs(rows) == []
    days = AvailabilityException.objects.values("therapist", "date").annotate(
        total=Count("id"), full_days=Count("id", filter=Q(start_time__isnull=True))
    )
    assert not days.filter(full_days__gt=0, total__gt=1).exists()
    partial = AvailabilityException.objects.filter(start_time__isnull=False)
    assert _close_pairs(partial.values_list("therapist", "date", "start_time", "end_time")) == []


def test_without_organizations_no_clinic_rows_are_written(db):
    report = generate(
        SeedRequest(patients_count=2, therapists_count=1, checkins_per_user=1),
        limits=command_limits(),
        source="command",
    )

    assert Organization.objects.count() == Membership.objects.count() == TreatmentPlan.objects.count() == 0
    assert report.rows["organizations"] == report.rows["treatment_plans"] == 0


def test_same_seed_and_end_date_give_the_same_schedules_and_plans(db):
    request = scenario_request("demo-clinic", seed=99, end_date=END_DATE, with_logins=False, checkins_per_user=1)

    def snapshot():
        return (
            set(WeeklyAvailability.objects.values_list("therapist", "weekday", "start_time", "end_time")),
            set(AvailabilityException.objects.values_list("therapist", "date", "start_time", "is_available")),
            set(TreatmentPlan.objects.values_list("patient", "therapist", "status", "title", "start_date")),
        )

    generate(request, limits=command_limits(), source="command")
    first = snapshot()
    clear_synthetic_data(source="command")
    generate(request, limits=command_limits(), source="command")

    assert snapshot() == first


def test_rows_are_synthetic_and_clearing_keeps_real_ones(demo_clinic):
    real_clinic = baker.make(Organization, slug="real-clinic")
    therapist = baker.make(Profile, role=Profile.Role.THERAPIST, email="real.therapist@clinic.test")
    patient = baker.make(Profile, role=Profile.Role.PATIENT, email="real.patient@clinic.test")
    baker.make(Membership, profile=therapist, organization=real_clinic, role=Membership.Role.THERAPIST)
    baker.make(Enrollment, patient=patient, organization=real_clinic, therapist=therapist)
    baker.make(
        WeeklyAvailability,
        therapist=therapist,
        organization=real_clinic,
        weekday=0,
        start_time=time(9),
        end_time=time(10),
    )
    baker.make(
        TreatmentPlan,
        patient=patient,
        therapist=therapist,
        organization=real_clinic,
        status=TreatmentPlan.Status.ONGOING,
        end_date=None,
    )

    assert not Organization.objects.filter(synthetic_run_id__isnull=True).exclude(pk=real_clinic.pk).exists()
    clear_synthetic_data(source="command")

    assert list(Organization.objects.all()) == [real_clinic]
    assert Membership.objects.get().profile == therapist
    assert Enrollment.objects.get().patient == patient
    assert WeeklyAvailability.objects.get().therapist == therapist
    assert TreatmentPlan.objects.get().patient == patient
    assert AvailabilityException.objects.count() == 0


def test_a_second_run_gets_unique_slugs_and_undo_removes_only_its_own(demo_clinic):
    second = generate(
        scenario_request("demo-clinic", seed=5, with_logins=False, checkins_per_user=1),
        limits=command_limits(),
        source="command",
    )

    assert Organization.objects.count() == 6
    assert Organization.objects.filter(slug__startswith="kine-clinic-a").count() == 2
    undo_run(demo_clinic.run_id, source="command")

    assert set(Organization.objects.values_list("synthetic_run_id", flat=True)) == {second.run_id}
    assert Membership.objects.count() == 10
    assert TreatmentPlan.objects.count() == 60


@pytest.mark.parametrize(
    ("organizations", "counts", "fragment"),
    [
        ((OrganizationSpec("A", "a"), OrganizationSpec("B", "a")), {}, "organizations[1].slug 'a' repeats"),
        ((OrganizationSpec("A", ""),), {}, "organizations[0].slug must be"),
        ((OrganizationSpec("A", "Not A Slug"),), {}, "organizations[0].slug must be"),
        ((OrganizationSpec(" ", "a"),), {}, "organizations[0].name must be"),
        ((OrganizationSpec("A", "a", therapist_weight=-1),), {}, "organizations[0].therapist_weight must be"),
        ((OrganizationSpec("A", "a", patient_weight=0),), {}, "the patient_weight values add up to 0"),
        (
            (OrganizationSpec("A", "a"), OrganizationSpec("B", "b", therapist_weight=0)),
            {},
            "organizations[1] (b) gets 1 patient but no therapist",
        ),
        ((OrganizationSpec("A", "a"),), {"therapists_count": 0}, "organizations[0] (a) gets 2 patients"),
    ],
)
def test_invalid_organizations_are_refused_with_a_message_naming_them(organizations, counts, fragment):
    request = SeedRequest(organizations=organizations, **counts)

    with pytest.raises(ValidationError) as caught:
        request.validated(API_LIMITS)

    assert any(fragment in message for message in caught.value.message_dict["organizations"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"templates_per_therapist": (3, 11)}, "templates_per_therapist"),
        ({"exceptions_per_therapist": (2, 5), "exception_days": 4}, "exceptions_per_therapist"),
        ({"exceptions_per_therapist": (2, 31)}, "exceptions_per_therapist"),
    ],
)
def test_schedules_that_cannot_fit_are_refused(changes, field):
    with pytest.raises(ValidationError) as caught:
        SeedRequest(**changes).validated(API_LIMITS)

    assert field in caught.value.message_dict
