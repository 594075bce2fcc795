import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from model_bakery import baker

from clinic.models import Profile
from seeding.request import SeedRequest, command_limits
from seeding.service import clear_synthetic_data, generate, undo_run

User = get_user_model()
PASSWORD = "correct horse battery staple"
WITH_LOGINS = SeedRequest(
    patients_count=3,
    therapists_count=2,
    admins_count=1,
    checkins_per_user=1,
    seed=5,
    with_logins=True,
    password=PASSWORD,
)


@pytest.mark.django_db
def test_with_logins_gives_every_profile_a_user_named_by_its_email():
    generate(WITH_LOGINS, limits=command_limits(), source="command")

    profiles = Profile.objects.select_related("user")
    assert User.objects.count() == profiles.count() == 6
    for profile in profiles:
        assert profile.user.username == profile.user.email == profile.email
        assert profile.user.check_password(PASSWORD)
        assert profile.user.is_active
        assert not profile.user.is_staff
        assert not profile.user.is_superuser


@pytest.mark.django_db
def test_with_logins_hashes_the_password_once_per_run():
    generate(WITH_LOGINS, limits=command_limits(), source="command")

    assert User.objects.values("password").distinct().count() == 1


@pytest.mark.django_db
def test_a_queued_runs_hash_is_stored_as_it_was_made_when_queued():
    made_when_queued = make_password(PASSWORD)

    generate(WITH_LOGINS, limits=command_limits(), source="command", password_hash=made_when_queued)

    assert set(User.objects.values_list("password", flat=True)) == {made_when_queued}


@pytest.mark.django_db
def test_without_logins_no_user_is_created():
    generate(
        SeedRequest(patients_count=3, therapists_count=2, admins_count=1, seed=5),
        limits=command_limits(),
        source="command",
    )

    assert not User.objects.exists()
    assert not Profile.objects.filter(user__isnull=False).exists()


@pytest.mark.django_db
def test_clearing_removes_the_generated_users_and_keeps_real_ones():
    real = baker.make(User, username="real.user")
    generate(WITH_LOGINS, limits=command_limits(), source="command")

    clear_synthetic_data(source="command")

    assert list(User.objects.all()) == [real]


@pytest.mark.django_db
def test_undo_removes_the_users_of_that_run_only():
    kept = generate(WITH_LOGINS, limits=command_limits(), source="command")
    undone = generate(WITH_LOGINS, limits=command_limits(), source="command")

    undo_run(undone.run_id, source="command")

    assert set(User.objects.values_list("username", flat=True)) == set(
        Profile.objects.filter(synthetic_run_id=kept.run_id).values_list("email", flat=True)
    )


@pytest.mark.django_db
def test_the_last_progress_of_logins_comes_after_they_are_linked_to_their_profiles():
    linked_at_each_update = []

    def watch(update):
        if update.entity == "logins":
            linked_at_each_update.append(Profile.objects.filter(user__isnull=False).count())

    generate(WITH_LOGINS, limits=command_limits(), source="command", progress=watch)

    assert linked_at_each_update[-1] == 6
