import json
import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from clinic.models import CheckIn, Profile
from seeding.models import SeedRun
from seeding.request import API_LIMITS, CHECKINS_PER_USER_RANGE, SEED_RANGE
from tests.roadmap import COUNT_CHECK_INS_BY_ROLE, COUNT_PROFILES_BY_ROLE
from tests.seeding.conftest import jwt_for, make_user

GENERATE = "/api/admin/generate-data"
CLEAR = "/api/admin/clear-data"
RUNS = "/api/admin/seed-runs/"

# The original specification's "Example Requests", verbatim bodies.
EXAMPLE_CREATE = {
    "patients_count": 5,
    "therapists_count": 2,
    "checkins_per_user": 30,
    "mood_pattern": "stable",
    "clear_db": False,
}
EXAMPLE_CLEAR_AND_CREATE = {"patients_count": 3, "therapists_count": 1, "checkins_per_user": 15, "clear_db": True}
EXAMPLE_ONLY_THERAPISTS = {"patients_count": 0, "therapists_count": 5}

SPECIFIED_STATISTICS = {
    "users_created",
    "patients_created",
    "therapists_created",
    "user_ids",
    "checkins_per_user",
    "total_checkins",
    "mood_pattern",
    "generated_at",
}
STATISTICS_EXTRAS = {"seed", "run_id", "elapsed_seconds", "end_date", "unplaced_appointments"}

pytestmark = pytest.mark.usefixtures("empty_cache")


def sql(query: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(query)
        return dict(cursor.fetchall())


def post_json(client: APIClient, body, url: str = GENERATE):
    return client.post(url, json.dumps(body), content_type="application/json")


def assert_nothing_written():
    assert not SeedRun.objects.exists()
    assert not Profile.objects.filter(is_test_patient=True).exists()


@pytest.mark.django_db
def test_the_documented_examples_replayed_with_a_real_jwt_then_checked_by_sql(real_patient, staff_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(staff_user)}")

    first = post_json(client, EXAMPLE_CREATE)
    assert first.status_code == 200, first.json()
    assert first.json()["message"] == "Generated 5 patients and 2 therapists with 150 check-ins"
    assert sql(COUNT_PROFILES_BY_ROLE) == {"patient": 5, "therapist": 2}
    assert sql(COUNT_CHECK_INS_BY_ROLE) == {"patient": 150, "therapist": 0}

    second = post_json(client, EXAMPLE_CLEAR_AND_CREATE)
    assert second.status_code == 200, second.json()
    assert second.json()["message"] == "Generated 3 patients and 1 therapist with 45 check-ins"
    assert sql(COUNT_PROFILES_BY_ROLE) == {"patient": 3, "therapist": 1}
    assert sql(COUNT_CHECK_INS_BY_ROLE) == {"patient": 45, "therapist": 0}

    third = post_json(client, EXAMPLE_ONLY_THERAPISTS)
    assert third.status_code == 200, third.json()
    assert third.json()["message"] == "Generated 0 patients and 5 therapists with 0 check-ins"
    assert sql(COUNT_PROFILES_BY_ROLE) == {"patient": 3, "therapist": 6}
    assert sql(COUNT_CHECK_INS_BY_ROLE) == {"patient": 45, "therapist": 0}
    assert CheckIn.objects.filter(user=real_patient).count() == 1


@pytest.mark.django_db
def test_the_documented_curl_without_content_type_is_accepted(admin_api):
    # `curl -d '{...}'` without -H sends application/x-www-form-urlencoded; the API must answer 200 all the same.
    body = json.dumps({"patients_count": 5, "therapists_count": 2})
    response = admin_api.post(GENERATE, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200, response.json()
    assert sql(COUNT_PROFILES_BY_ROLE) == {"patient": 5, "therapist": 2}
    assert sql(COUNT_CHECK_INS_BY_ROLE) == {"patient": 150, "therapist": 0}


@pytest.mark.django_db
def test_response_has_the_documented_schema_and_the_project_extras(admin_api):
    response = post_json(admin_api, {**EXAMPLE_CREATE, "seed": 7})

    body = response.json()
    assert set(body) == {"status", "message", "statistics"}
    assert body["status"] == "success"
    statistics = body["statistics"]
    assert set(statistics) == SPECIFIED_STATISTICS | STATISTICS_EXTRAS
    assert statistics["users_created"] == 7
    assert statistics["patients_created"] == 5
    assert statistics["therapists_created"] == 2
    assert statistics["checkins_per_user"] == 30
    assert statistics["total_checkins"] == 150
    assert statistics["mood_pattern"] == "stable"
    assert statistics["seed"] == 7
    assert statistics["end_date"] == date.today().isoformat()
    assert statistics["elapsed_seconds"] >= 0
    assert sorted(statistics["user_ids"]) == sorted(str(pk) for pk in Profile.objects.values_list("id", flat=True))
    run = SeedRun.objects.get()
    assert statistics["run_id"] == str(run.id)
    assert run.source == SeedRun.Source.API
    assert run.requested_by.username == "staff"
    assert statistics["generated_at"].endswith("Z")


@pytest.mark.django_db
def test_admins_created_is_reported_only_when_admins_were_asked_for(admin_api):
    without = post_json(admin_api, {"patients_count": 1}).json()
    with_admins = post_json(admin_api, {"patients_count": 1, "admins_count": 2}).json()

    assert "admins_created" not in without["statistics"]
    assert with_admins["statistics"]["admins_created"] == 2
    assert with_admins["statistics"]["users_created"] == 4
    assert with_admins["message"] == "Generated 1 patient, 1 therapist and 2 admins with 30 check-ins"


@pytest.mark.django_db
def test_empty_body_uses_the_documented_defaults(admin_api):
    response = post_json(admin_api, {})

    assert response.status_code == 200
    assert response.json()["message"] == "Generated 2 patients and 1 therapist with 60 check-ins"
    assert response.json()["statistics"]["mood_pattern"] == "stable"


@pytest.mark.django_db
def test_optional_generator_fields_are_accepted(admin_api):
    end = date.today() - timedelta(days=10)
    body = {
        "patients_count": 2,
        "therapists_count": 0,
        "checkins_per_user": 3,
        "mood_pattern": "mixed",
        "seed": 42,
        "locale": "pt_BR",
        "end_date": end.isoformat(),
        "with_logins": True,
        "password": "s3cret-enough",
    }

    response = post_json(admin_api, body)

    assert response.status_code == 200, response.json()
    assert response.json()["statistics"]["seed"] == 42
    assert response.json()["statistics"]["end_date"] == end.isoformat()
    assert max(CheckIn.objects.values_list("checkin_date", flat=True)) == end
    assert Profile.objects.filter(is_test_patient=True, user__isnull=False).count() == 2
    assert "s3cret-enough" not in json.dumps(SeedRun.objects.get().parameters)


@pytest.mark.django_db
def test_trailing_slash_variant_works_without_a_redirect(admin_api):
    response = post_json(admin_api, EXAMPLE_ONLY_THERAPISTS, url=GENERATE + "/")

    assert response.status_code == 200
    assert Profile.objects.filter(role=Profile.Role.THERAPIST).count() == 5


@pytest.mark.django_db
def test_legacy_num_users_creates_that_many_patients_and_no_therapists(admin_api):
    response = post_json(admin_api, {"num_users": 10, "checkins_per_user": 30, "mood_pattern": "stable"})

    assert response.status_code == 200, response.json()
    assert response.json()["message"] == "Generated 10 patients and 0 therapists with 300 check-ins"
    assert sql(COUNT_PROFILES_BY_ROLE) == {"patient": 10}


@pytest.mark.django_db
@pytest.mark.parametrize("other", ["patients_count", "therapists_count"])
def test_legacy_num_users_with_a_count_is_refused_with_the_reason(admin_api, other):
    response = post_json(admin_api, {"num_users": 10, other: 1})

    assert response.status_code == 400
    assert other in response.json()["num_users"][0]
    assert_nothing_written()


INVALID_BODIES = [
    # wrong JSON types
    ({"patients_count": "5"}, "patients_count"),
    ({"patients_count": 5.5}, "patients_count"),
    ({"patients_count": 5.0}, "patients_count"),
    ({"patients_count": True}, "patients_count"),
    ({"patients_count": None}, "patients_count"),
    ({"therapists_count": [1]}, "therapists_count"),
    ({"checkins_per_user": "30"}, "checkins_per_user"),
    ({"mood_pattern": 1}, "mood_pattern"),
    ({"clear_db": "true"}, "clear_db"),
    ({"clear_db": 1}, "clear_db"),
    ({"with_logins": "yes", "password": "x"}, "with_logins"),
    ({"seed": "1"}, "seed"),
    ({"end_date": 20240101}, "end_date"),
    ({"end_date": "2024-13-01"}, "end_date"),
    ({"locale": ["en_US"]}, "locale"),
    ({"with_logins": True, "password": 12345}, "password"),
    ({"num_users": "10"}, "num_users"),
    # out of range
    ({"patients_count": -1}, "patients_count"),
    ({"patients_count": API_LIMITS.max_patients + 1}, "patients_count"),
    ({"therapists_count": API_LIMITS.max_therapists + 1}, "therapists_count"),
    ({"admins_count": API_LIMITS.max_admins + 1}, "admins_count"),
    ({"checkins_per_user": CHECKINS_PER_USER_RANGE[0] - 1}, "checkins_per_user"),
    ({"checkins_per_user": CHECKINS_PER_USER_RANGE[1] + 1}, "checkins_per_user"),
    ({"seed": SEED_RANGE[0] - 1}, "seed"),
    ({"seed": SEED_RANGE[1] + 1}, "seed"),
    ({"num_users": 0}, "num_users"),
    ({"num_users": API_LIMITS.max_patients + 1}, "num_users"),
    ({"end_date": (date.today() + timedelta(days=1)).isoformat()}, "end_date"),
    ({"end_date": "0001-01-01"}, "end_date"),
    # unknown values and fields
    ({"mood_pattern": "happy"}, "mood_pattern"),
    ({"locale": "xx_XX"}, "locale"),
    ({"patient_count": 5}, "patient_count"),
    # rules across fields
    ({"patients_count": 0, "therapists_count": 0}, "non_field_errors"),
    ({"with_logins": True}, "password"),
    ({"password": "only-with-logins"}, "password"),
    # not a JSON object
    ([], "non_field_errors"),
    ("5 patients", "non_field_errors"),
    (None, "non_field_errors"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "field"), INVALID_BODIES)
def test_invalid_body_is_a_400_naming_the_field_and_writes_nothing(admin_api, body, field):
    response = post_json(admin_api, body)

    assert response.status_code == 400
    messages = response.json()[field]
    assert messages
    assert all(isinstance(message, str) for message in messages)
    assert_nothing_written()


@pytest.mark.django_db
def test_every_invalid_field_is_reported_at_once(admin_api):
    response = post_json(admin_api, {"patients_count": "5", "mood_pattern": "happy", "typo": 1})

    assert set(response.json()) == {"patients_count", "mood_pattern", "typo"}


@pytest.mark.django_db
def test_range_message_names_the_allowed_values(admin_api):
    response = post_json(admin_api, {"patients_count": 101})

    assert response.json() == {"patients_count": ["patients_count must be between 0 and 100; got 101."]}


@pytest.mark.django_db
@pytest.mark.parametrize("body", ['{"patients_count": 5,', "{'patients_count': 5}", "patients_count=5", "NaN"])
def test_malformed_json_is_a_400(admin_api, body):
    response = admin_api.post(GENERATE, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith("The body is not valid JSON")
    assert_nothing_written()


@pytest.mark.django_db
def test_form_body_sent_as_curl_sends_it_is_a_400(admin_api):
    response = admin_api.post(GENERATE, "patients_count=5", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert_nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x"])
def test_wrong_content_type_is_a_400(admin_api, content_type):
    response = admin_api.post(GENERATE, json.dumps(EXAMPLE_CREATE), content_type=content_type)

    assert response.status_code == 400
    assert "application/json" in response.json()["non_field_errors"][0]
    assert_nothing_written()


@pytest.mark.django_db
def test_clear_data_deletes_synthetic_rows_only_and_says_what(admin_api, real_patient):
    post_json(admin_api, {"patients_count": 2, "therapists_count": 1, "checkins_per_user": 4})

    response = admin_api.post(CLEAR)

    assert response.status_code == 200
    deleted = response.json()["deleted"]
    assert deleted["profiles"] == 3
    assert deleted["checkins"] == 8
    assert list(Profile.objects.all()) == [real_patient]
    assert CheckIn.objects.filter(user=real_patient).count() == 1


@pytest.mark.django_db
def test_seed_runs_are_listed_newest_first_and_paginated(admin_api):
    for count in range(1, 4):
        post_json(admin_api, {"patients_count": 0, "therapists_count": count})

    response = admin_api.get(RUNS)

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3
    assert body["next"] is None
    assert [run["parameters"]["therapists_count"] for run in body["results"]] == [3, 2, 1]
    assert body["results"][0]["status"] == "succeeded"
    assert body["results"][0]["requested_by"] == "staff"
    assert body["results"][0]["counts"]["profiles"] == 3


@pytest.mark.django_db
def test_seed_run_detail(admin_api):
    run_id = post_json(admin_api, {"patients_count": 1, "checkins_per_user": 2}).json()["statistics"]["run_id"]

    response = admin_api.get(f"{RUNS}{run_id}/")

    assert response.status_code == 200
    assert response.json()["id"] == run_id
    assert response.json()["source"] == "api"
    assert response.json()["counts"]["checkins"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("run_id", ["00000000-0000-4000-8000-000000000000", "not-a-uuid"])
@pytest.mark.parametrize("method", ["get", "delete"])
def test_unknown_seed_run_is_a_404(admin_api, run_id, method):
    response = getattr(admin_api, method)(f"{RUNS}{run_id}/")

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.django_db
def test_deleting_a_seed_run_undoes_that_run_only(admin_api):
    kept = post_json(admin_api, {"patients_count": 1, "therapists_count": 0, "checkins_per_user": 2}).json()
    undone = post_json(admin_api, {"patients_count": 2, "therapists_count": 1, "checkins_per_user": 3}).json()
    run_id = undone["statistics"]["run_id"]

    response = admin_api.delete(f"{RUNS}{run_id}/")

    assert response.status_code == 200
    assert response.json()["run_id"] == run_id
    assert response.json()["deleted"]["profiles"] == 3
    assert response.json()["deleted"]["checkins"] == 6
    assert set(map(str, Profile.objects.values_list("id", flat=True))) == set(kept["statistics"]["user_ids"])
    assert SeedRun.objects.get(pk=run_id).status == SeedRun.Status.UNDONE


@pytest.mark.django_db
def test_undoing_a_run_twice_is_a_409(admin_api):
    run_id = post_json(admin_api, {"patients_count": 1, "checkins_per_user": 1}).json()["statistics"]["run_id"]
    admin_api.delete(f"{RUNS}{run_id}/")

    response = admin_api.delete(f"{RUNS}{run_id}/")

    assert response.status_code == 409
    assert "undone" in response.json()["detail"]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_all_succeed_with_exact_totals_and_no_duplicate_emails():
    clients = []
    for index in range(6):
        user = make_user(f"staff{index}", is_staff=True, is_superuser=True)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(user)}")
        clients.append(client)
    body = {"patients_count": 20, "therapists_count": 5, "checkins_per_user": 30}
    statuses = []
    start = threading.Barrier(len(clients))

    def post(client: APIClient) -> None:
        try:
            start.wait()
            statuses.append(post_json(client, body).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * len(clients)
    assert sql(COUNT_PROFILES_BY_ROLE) == {"patient": 20 * len(clients), "therapist": 5 * len(clients)}
    assert CheckIn.objects.count() == 20 * 30 * len(clients)
    assert sql("SELECT email, COUNT(*) FROM profiles GROUP BY email HAVING COUNT(*) > 1") == {}
    assert SeedRun.objects.filter(status=SeedRun.Status.SUCCEEDED).count() == len(clients)


def create_index(sql_text: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql_text)


@pytest.mark.django_db
def test_a_database_failure_is_a_500_naming_the_run_and_never_the_database(admin_api):
    # Every generated check-in has a mood from 1 to 10: a unique index on it refuses the 30 rows.
    create_index("CREATE UNIQUE INDEX test_refuses_checkins ON check_ins (mood)")

    response = post_json(admin_api, {"patients_count": 1, "therapists_count": 0, "checkins_per_user": 30})

    assert response.status_code == 500
    run = SeedRun.objects.get()
    assert run.status == SeedRun.Status.FAILED
    assert set(response.json()) == {"detail"}
    assert str(run.id) in response.json()["detail"]
    for database_text in ("test_refuses_checkins", "check_ins.mood", "Key (mood)"):
        assert database_text not in response.content.decode()
    assert not Profile.objects.exists()


@pytest.mark.django_db
def test_rows_that_keep_colliding_are_a_409_and_nothing_is_written(admin_api):
    # Two patients always share a role, whatever fresh values the retries draw.
    create_index("CREATE UNIQUE INDEX test_one_profile_per_role ON profiles (role)")

    response = post_json(admin_api, {"patients_count": 2, "therapists_count": 0, "checkins_per_user": 1})

    assert response.status_code == 409
    assert "unique constraint" in response.json()["detail"]
    assert not Profile.objects.exists()


@pytest.fixture
def real_checkin_on_a_synthetic_patient(admin_api):
    post_json(admin_api, {"patients_count": 1, "therapists_count": 0, "checkins_per_user": 1})
    patient = Profile.objects.get(role=Profile.Role.PATIENT)
    return CheckIn.objects.create(
        user=patient, checkin_date=date(2020, 1, 1), mood=5, energy=5, anxiety=5, sleep_hours="7.0"
    )


@pytest.mark.django_db
def test_clearing_synthetic_rows_that_real_rows_point_at_is_a_409_listing_them(
    admin_api, real_checkin_on_a_synthetic_patient
):
    response = admin_api.post(CLEAR)

    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail", "blockers"}
    assert body["blockers"][0]["table"] == "check_ins"
    assert body["blockers"][0]["count"] == 1
    assert str(real_checkin_on_a_synthetic_patient.pk) in body["blockers"][0]["first_ids"]
    assert Profile.objects.filter(synthetic_run_id__isnull=False).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["clear", "clear_db", "undo"])
def test_keep_referenced_keeps_what_real_rows_point_at(admin_api, real_checkin_on_a_synthetic_patient, how):
    run_id = SeedRun.objects.get(kind=SeedRun.Kind.GENERATE).id
    if how == "clear":
        response = post_json(admin_api, {"keep_referenced": True}, url=CLEAR)
    elif how == "clear_db":
        response = post_json(
            admin_api, {"patients_count": 0, "therapists_count": 1, "clear_db": True, "keep_referenced": True}
        )
    else:
        response = admin_api.delete(f"{RUNS}{run_id}/?keep_referenced=true")

    assert response.status_code == 200, response.json()
    assert CheckIn.objects.filter(pk=real_checkin_on_a_synthetic_patient.pk).exists()
    assert Profile.objects.filter(pk=real_checkin_on_a_synthetic_patient.user_id).exists()
    if how != "clear_db":
        assert response.json()["kept"]["profiles"] == 1


@pytest.mark.django_db
def test_clear_data_refuses_unknown_fields(admin_api):
    response = post_json(admin_api, {"keep_referencd": True}, url=CLEAR)

    assert response.status_code == 400
    assert "keep_referencd" in response.json()


@pytest.mark.django_db
def test_appointments_per_patient_zero_is_accepted_and_nothing_is_unplaced(admin_api):
    response = post_json(admin_api, {"patients_count": 2, "appointments_per_patient": 0})

    assert response.status_code == 200, response.json()
    assert response.json()["statistics"]["unplaced_appointments"] == 0
    assert SeedRun.objects.get().parameters["appointments_per_patient"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "fragment"),
    [(3, "appointments_per_patient needs organizations"), (21, "between 0 and 20"), ("3", "whole number")],
)
def test_appointments_per_patient_without_clinics_or_out_of_range_is_a_400_naming_it(admin_api, value, fragment):
    response = post_json(admin_api, {"patients_count": 2, "appointments_per_patient": value})

    assert response.status_code == 400
    assert any(fragment in message for message in response.json()["appointments_per_patient"])
    assert_nothing_written()
