from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from clinic.models import CheckIn, Profile
from seeding.models import SeedRun
from seeding.request import MOOD_PATTERNS, SeedRequest, command_limits
from seeding.service import generate
from tests.roadmap import COUNT_CHECK_INS_BY_ROLE, COUNT_PROFILES_BY_ROLE

EMAIL_DOMAINS = {"example.com", "example.org", "example.net"}


def fetch_counts(sql: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_generate_gives_exact_counts_by_its_own_sql():
    generate(
        SeedRequest(patients_count=5, therapists_count=2, checkins_per_user=30, seed=1),
        limits=command_limits(),
        source="command",
    )

    assert fetch_counts(COUNT_PROFILES_BY_ROLE) == {"patient": 5, "therapist": 2}
    assert fetch_counts(COUNT_CHECK_INS_BY_ROLE) == {"patient": 150, "therapist": 0}
    per_patient = Profile.objects.filter(role=Profile.Role.PATIENT).annotate(n=Count("check_ins"))
    assert [p.n for p in per_patient] == [30] * 5


@pytest.mark.django_db
def test_generate_reports_what_it_wrote():
    report = generate(
        SeedRequest(patients_count=3, therapists_count=2, admins_count=1, checkins_per_user=10, seed=4),
        limits=command_limits(),
        source="command",
    )

    assert report.seed == 4
    assert (report.patients_created, report.therapists_created, report.admins_created) == (3, 2, 1)
    assert report.users_created == 6
    assert report.rows["profiles"] == 6
    assert report.total_checkins == 30
    assert report.message == "Generated 3 patients, 2 therapists and 1 admin with 30 check-ins"
    assert set(report.user_ids) == {str(pk) for pk in Profile.objects.values_list("id", flat=True)}
    assert report.end_date == timezone.localdate()


@pytest.mark.django_db
def test_generate_records_a_succeeded_run_in_the_ledger():
    report = generate(
        SeedRequest(patients_count=2, therapists_count=1, seed=8, with_logins=True, password="pw-123"),
        limits=command_limits(),
        source="command",
    )

    run = SeedRun.objects.get()
    assert run.id == report.run_id
    assert run.status == SeedRun.Status.SUCCEEDED
    assert run.seed == 8
    assert run.counts == dict(report.rows)
    assert run.parameters["patients_count"] == 2
    assert "password" not in run.parameters
    assert run.finished_at is not None
    assert Profile.objects.filter(synthetic_run_id=run.id).count() == 3


@pytest.mark.django_db
def test_generate_without_a_seed_draws_one_and_reports_it():
    report = generate(SeedRequest(patients_count=1, therapists_count=0), limits=command_limits(), source="command")

    assert SeedRun.objects.get().seed == report.seed


@pytest.mark.django_db
def test_only_patients_get_checkins():
    generate(
        SeedRequest(patients_count=2, therapists_count=3, admins_count=2, checkins_per_user=5, seed=2),
        limits=command_limits(),
        source="command",
    )

    assert CheckIn.objects.exclude(user__role=Profile.Role.PATIENT).count() == 0
    assert Profile.objects.filter(role=Profile.Role.ADMIN).count() == 2


@pytest.mark.django_db(transaction=True)
def test_runs_of_every_mood_pattern_commit_and_keep_every_constraint():
    """Each run commits for real, so PostgreSQL checks its deferred foreign keys too."""
    today = timezone.localdate()
    reports = [
        generate(
            SeedRequest(
                patients_count=8,
                therapists_count=3,
                admins_count=2,
                checkins_per_user=90,
                mood_pattern=pattern,
                seed=index,
                end_date=None if pattern == "stable" else today - timedelta(days=10 * index),
                with_logins=pattern == "mixed",
                password="pw-123" if pattern == "mixed" else None,
            ),
            limits=command_limits(),
            source="command",
        )
        for index, pattern in enumerate(MOOD_PATTERNS)
    ]
    with transaction.atomic():
        connection.check_constraints()

    profiles = Profile.objects.all()
    assert profiles.count() == 13 * len(MOOD_PATTERNS)
    assert all(profile.is_test_patient for profile in profiles)
    assert {profile.role for profile in profiles} == set(Profile.Role.values)
    assert all(profile.email.isascii() and profile.email.rsplit("@", 1)[1] in EMAIL_DOMAINS for profile in profiles)
    in_range = {"mood__range": (1, 10), "energy__range": (1, 10), "anxiety__range": (1, 10)}
    assert not CheckIn.objects.exclude(**in_range, sleep_hours__range=(0, 24)).exists()
    for report in reports:
        histories = (
            CheckIn.objects.filter(user__synthetic_run_id=report.run_id)
            .values("user_id")
            .annotate(days=Count("checkin_date", distinct=True), n=Count("id"), first=Min("checkin_date"))
            .annotate(last=Max("checkin_date"))
        )
        assert len(histories) == 8
        for history in histories:
            assert history["days"] == history["n"] == 90
            assert history["last"] == report.end_date <= today
            assert history["first"] == report.end_date - timedelta(days=89)
    assert reports[0].end_date == today


@pytest.mark.django_db
def test_end_date_sets_the_latest_checkin():
    generate(
        SeedRequest(patients_count=3, therapists_count=0, checkins_per_user=20, end_date=date(2025, 2, 28)),
        limits=command_limits(),
        source="command",
    )

    assert CheckIn.objects.aggregate(Max("checkin_date"), Min("checkin_date")) == {
        "checkin_date__max": date(2025, 2, 28),
        "checkin_date__min": date(2025, 2, 9),
    }


@pytest.mark.django_db
def test_a_run_of_many_chunks_writes_exact_counts_and_reports_progress():
    updates = []

    report = generate(
        SeedRequest(patients_count=5100, therapists_count=5, checkins_per_user=1, seed=6),
        progress=updates.append,
        limits=command_limits(),
        source="command",
    )

    assert fetch_counts(COUNT_PROFILES_BY_ROLE) == {"patient": 5100, "therapist": 5}
    assert report.total_checkins == CheckIn.objects.count() == 5100
    for entity, total in (("profiles", 5105), ("checkins", 5100)):
        done = [update.done for update in updates if update.entity == entity]
        assert done == sorted(done)
        assert done[-1] == total
        assert {update.total for update in updates if update.entity == entity} == {total}


@pytest.mark.django_db
def test_a_table_too_small_for_two_full_batches_is_still_written_in_eight():
    """The first batch is generated before anything is written and the last written after all is generated:
    eight batches let the two overlap."""
    checkin_batches = []

    generate(
        SeedRequest(patients_count=25, therapists_count=1, checkins_per_user=320, seed=6),
        progress=lambda update: checkin_batches.append(update.done) if update.entity == "checkins" else None,
        limits=command_limits(),
        source="command",
    )

    assert checkin_batches == [1000 * batch for batch in range(1, 9)]
