"""The run history in the admin: the list shows what failed, a run's page undoes it and says how to repeat it."""

import shlex

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from model_bakery import baker

from seeding.models import SeedRun
from seeding.request import SeedRequest, command_limits
from seeding.service import generate

RUN_LIST = reverse("admin:seeding_seedrun_changelist")


def run_page(run: SeedRun) -> str:
    return reverse("admin:seeding_seedrun_change", args=[run.pk])


@pytest.fixture
def run(db) -> SeedRun:
    report = generate(
        SeedRequest(patients_count=2, therapists_count=1, checkins_per_user=5, seed=11),
        limits=command_limits(),
        source=SeedRun.Source.COMMAND,
    )
    return SeedRun.objects.get(pk=report.run_id)


@pytest.mark.django_db
def test_run_list_shows_the_error_of_a_failed_run(admin_client):
    baker.make(SeedRun, kind=SeedRun.Kind.GENERATE, status=SeedRun.Status.FAILED, error="The database refused it.")

    response = admin_client.get(RUN_LIST)

    assert "The database refused it." in response.content.decode()


@pytest.mark.django_db
def test_run_list_shortens_a_long_error_and_the_page_has_it_all(admin_client):
    failed = baker.make(SeedRun, kind=SeedRun.Kind.GENERATE, status=SeedRun.Status.FAILED, error="x" * 500)

    assert "x" * 59 + "…" in admin_client.get(RUN_LIST).content.decode()
    assert "x" * 500 not in admin_client.get(RUN_LIST).content.decode()
    assert "x" * 500 in admin_client.get(run_page(failed)).content.decode()


def test_run_list_counts_rows_and_the_page_reads_kinds_as_a_person_does(admin_client, run):
    assert "13 rows" in admin_client.get(RUN_LIST).content.decode()
    assert "3 profiles, 10 check-ins" in admin_client.get(run_page(run)).content.decode()


def test_run_page_offers_undo_to_those_who_may_delete_test_data(admin_client, run):
    page = admin_client.get(run_page(run)).content.decode()

    assert reverse("admin:clinic_profile_undo_run", args=[run.pk]) in page


def test_run_page_shows_no_undo_to_staff_who_may_only_view_runs(client, django_user_model, run):
    user = django_user_model.objects.create_user("viewer", password="viewer-password", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_seedrun"))
    client.force_login(user)

    page = client.get(run_page(run)).content.decode()

    assert "Undo this run" not in page


def test_run_page_shows_no_undo_for_a_run_already_undone(admin_client, run):
    run.status = SeedRun.Status.UNDONE
    run.save()

    assert "Undo this run" not in admin_client.get(run_page(run)).content.decode()


def test_run_page_shows_the_command_that_repeats_the_run(admin_client, run):
    page = admin_client.get(run_page(run)).content.decode()

    repeat = page.split("<code>python manage.py seed", 1)[1].split("</code>", 1)[0]
    arguments = shlex.split(repeat)
    assert arguments[arguments.index("--patients") + 1] == "2"
    assert arguments[arguments.index("--seed") + 1] == "11"
    assert arguments[arguments.index("--end-date") + 1] == run.parameters["end_date"]


def test_undo_from_the_run_page_deletes_its_rows(admin_client, run):
    response = admin_client.post(reverse("admin:clinic_profile_undo_run", args=[run.pk]))

    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == SeedRun.Status.UNDONE
