"""The admin's background runs: the generate form queues, the run's page shows progress and can cancel."""

import pytest
from django.urls import reverse

from clinic.models import Profile
from seeding.models import SeedRun

FORM = reverse("admin:clinic_profile_generate_test_data")
VALID = {"patients_count": "150", "therapists_count": "1", "admins_count": "0", "checkins_per_user": "3",
         "mood_pattern": "stable", "locale": "en_US", "seed": "9"}  # fmt: skip


def run_page(run: SeedRun) -> str:
    return reverse("admin:seeding_seedrun_change", args=[run.pk])


@pytest.mark.django_db
def test_run_in_the_background_queues_the_run_with_the_commands_limits_and_shows_its_page(admin_client):
    response = admin_client.post(FORM, {**VALID, "background": "on"})

    run = SeedRun.objects.get()
    assert response.status_code == 302
    assert response.url == run_page(run)
    assert (run.status, run.source, run.parameters["patients_count"]) == ("queued", "admin", 150)
    assert not Profile.objects.exists()


@pytest.mark.django_db
def test_without_the_box_the_form_keeps_the_apis_limits(admin_client):
    response = admin_client.post(FORM, VALID)

    assert response.status_code == 200
    assert "patients_count must be between 0 and 100" in response.content.decode()
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_a_live_runs_page_has_a_readable_progress_bar_per_kind_refreshes_itself_and_offers_cancel(admin_client):
    admin_client.post(FORM, {**VALID, "background": "on"})
    run = SeedRun.objects.get()
    SeedRun.objects.filter(pk=run.pk).update(
        status="running", progress={"profiles": {"done": 151, "total": 151}, "checkins": {"done": 2000, "total": 45000}}
    )

    page = admin_client.get(run_page(run)).content.decode()

    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress id="progress-checkins" value="2000" max="45000">' in page
    assert "2,000 of 45,000" in page
    assert '<progress id="progress-profiles" value="151" max="151">' in page
    assert reverse("admin:seeding_seedrun_cancel", args=[run.pk]) in page


@pytest.mark.django_db
def test_an_ended_runs_page_neither_refreshes_nor_offers_cancel(admin_client):
    admin_client.post(FORM, {**VALID, "background": "on"})
    run = SeedRun.objects.get()
    SeedRun.objects.filter(pk=run.pk).update(status="succeeded")

    page = admin_client.get(run_page(run)).content.decode()

    assert "http-equiv" not in page
    assert "Cancel this run" not in page


@pytest.mark.django_db
def test_the_cancel_button_cancels_a_queued_run(admin_client):
    admin_client.post(FORM, {**VALID, "background": "on"})
    run = SeedRun.objects.get()

    response = admin_client.post(reverse("admin:seeding_seedrun_cancel", args=[run.pk]))

    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert "is cancelled" in admin_client.get(run_page(run)).content.decode()


@pytest.mark.django_db
def test_cancel_is_refused_to_staff_who_may_not_generate(client, admin_client, staff_without_seeding):
    admin_client.post(FORM, {**VALID, "background": "on"})
    run = SeedRun.objects.get()
    client.force_login(staff_without_seeding)

    response = client.post(reverse("admin:seeding_seedrun_cancel", args=[run.pk]))

    assert response.status_code == 403
    assert SeedRun.objects.get().status == "queued"


@pytest.fixture
def staff_without_seeding(db):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user("viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_seedrun"))
    return user
