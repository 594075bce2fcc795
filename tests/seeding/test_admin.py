import json
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import FileField
from django.urls import reverse
from model_bakery import baker

from clinic.models import CheckIn, Profile
from seeding.models import SeedRun
from seeding.request import (
    APPOINTMENTS_WITHOUT_ORGANIZATIONS_MESSAGE,
    NO_PROFILES_MESSAGE,
    PASSWORD_MESSAGE,
    SeedRequest,
    command_limits,
)
from seeding.scenarios import scenario_request
from seeding.service import SEEDING_DISABLED_MESSAGE, SeedingError, generate

CHANGELIST = reverse("admin:clinic_profile_changelist")
FORM = reverse("admin:clinic_profile_generate_test_data")
DELETE = reverse("admin:clinic_profile_delete_test_data")
VALID = {
    "patients_count": "3",
    "therapists_count": "1",
    "admins_count": "0",
    "checkins_per_user": "10",
    "mood_pattern": "cycling",
    "seed": "7",
    "locale": "en_US",
}


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def staff_client(client, django_user_model):
    """Log in a staff user holding exactly the given clinic permissions."""

    def login(*codenames: str):
        user = django_user_model.objects.create_user("staff", password="staff-password", is_staff=True)
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="clinic", codename__in=codenames))
        client.force_login(user)
        return client

    return login


@pytest.fixture
def synthetic(db):
    return generate(
        SeedRequest(patients_count=2, therapists_count=1, checkins_per_user=5, seed=1),
        limits=command_limits(),
        source="command",
    )


@pytest.mark.django_db
def test_form_shows_request_defaults_and_ranges(admin_client):
    response = admin_client.get(FORM)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["patients_count"].value() == SeedRequest().patients_count
    assert form["mood_pattern"].value() == "stable"
    assert "0 to 100" in form.fields["patients_count"].help_text
    assert "0 to 50" in form.fields["therapists_count"].help_text
    assert "1 to 365" in form.fields["checkins_per_user"].help_text


@pytest.mark.django_db
def test_valid_form_generates_and_returns_to_list_with_the_api_message(admin_client, admin_user):
    response = admin_client.post(FORM, VALID)

    assert response.status_code == 302
    assert response.url == CHANGELIST
    assert _messages(response) == ["Generated 3 patients and 1 therapist with 30 check-ins (seed 7)."]
    assert Profile.objects.filter(is_test_patient=True, role=Profile.Role.PATIENT).count() == 3
    assert CheckIn.objects.count() == 30
    run = SeedRun.objects.get()
    assert (run.source, run.requested_by, run.status) == (SeedRun.Source.ADMIN, admin_user, SeedRun.Status.SUCCEEDED)
    listing = admin_client.get(CHANGELIST)
    assert listing.context["cl"].result_count == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"), [("patients_count", 101), ("checkins_per_user", 0), ("checkins_per_user", 366)]
)
def test_a_range_error_reads_the_same_in_the_admin_and_the_api(admin_client, admin_api, field, value):
    form = admin_client.post(FORM, {**VALID, field: str(value)}).context["adminform"].form
    body = {name: int(text) if text.isdigit() else text for name, text in VALID.items()}
    api = admin_api.post(
        "/api/admin/generate-data", json.dumps({**body, field: value}), content_type="application/json"
    )

    assert api.status_code == 400
    assert form.errors[field] == api.json()[field]
    assert not Profile.objects.exists()


@pytest.mark.django_db
def test_range_error_is_shown_on_its_field_and_nothing_is_written(admin_client):
    response = admin_client.post(FORM, {**VALID, "patients_count": "101", "checkins_per_user": "0"})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["patients_count"] == ["patients_count must be between 0 and 100; got 101."]
    assert errors["checkins_per_user"] == ["checkins_per_user must be between 1 and 365; got 0."]
    assert "Nothing was written" in response.text
    assert not Profile.objects.exists()
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_request_wide_error_is_shown_above_the_form(admin_client):
    response = admin_client.post(FORM, {**VALID, "patients_count": "0", "therapists_count": "0"})

    assert response.context["adminform"].form.non_field_errors() == [NO_PROFILES_MESSAGE]
    assert not Profile.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"mood_pattern": "sunny"},
            "mood_pattern",
            "Select a valid choice. sunny is not one of the available choices.",
        ),
        ({"locale": "xx_XX"}, "locale", "locale must be a Faker locale such as en_US or pt_BR; got 'xx_XX'."),
        ({"end_date": "2999-01-01"}, "end_date", "end_date must not be in the future; got 2999-01-01."),
        ({"with_logins": "on"}, "password", PASSWORD_MESSAGE),
        ({"patients_count": "many"}, "patients_count", "Enter a whole number."),
    ],
)
def test_invalid_field_is_reported_on_that_field(admin_client, changes, field, message):
    response = admin_client.post(FORM, {**VALID, **changes})

    assert response.context["adminform"].form.errors[field] == [message]
    assert not Profile.objects.exists()


@pytest.mark.django_db
def test_password_is_ignored_without_logins(admin_client, django_user_model):
    response = admin_client.post(FORM, {**VALID, "password": "autofilled"})

    assert response.status_code == 302
    assert django_user_model.objects.count() == 1  # only the admin


@pytest.mark.django_db
def test_action_runs_with_no_row_selected(admin_client, real_patient):
    response = admin_client.post(CHANGELIST, {"action": "generate_test_data", "index": "0"})

    assert response.status_code == 302
    assert response.url == FORM


@pytest.mark.django_db
def test_action_ignores_a_selection(admin_client, real_patient):
    data = {"action": "delete_test_data", "index": "0", "_selected_action": [str(real_patient.pk)]}

    response = admin_client.post(CHANGELIST, data)

    assert response.url == DELETE
    assert Profile.objects.filter(pk=real_patient.pk).exists()


@pytest.mark.django_db
def test_list_offers_actions_and_buttons_to_superusers(admin_client, real_patient):
    response = admin_client.get(CHANGELIST)

    actions = dict(response.context["action_form"].fields["action"].choices)
    assert {"generate_test_data", "delete_test_data"} <= actions.keys()
    assert f'href="{FORM}"' in response.text
    assert f'href="{DELETE}"' in response.text


@pytest.mark.django_db
def test_confirmation_says_how_many_rows_of_each_kind_will_go(admin_client, synthetic):
    response = admin_client.get(DELETE)

    assert response.status_code == 200
    assert dict(response.context["model_count"]) == {"profiles": 3, "check-ins": 10}
    assert "<li>3 profiles</li>" in response.text
    assert "<li>10 check-ins</li>" in response.text
    assert "a row a person made is never deleted or changed" in response.text
    assert Profile.objects.count() == 3  # asking does not delete


@pytest.mark.django_db
def test_confirming_deletes_synthetic_rows_only(admin_client, synthetic, real_patient):
    response = admin_client.post(DELETE)

    assert response.url == CHANGELIST
    assert _messages(response) == ["Deleted 3 profiles, 10 check-ins."]
    assert list(Profile.objects.all()) == [real_patient]
    assert CheckIn.objects.filter(user=real_patient).count() == 1


@pytest.mark.django_db
def test_confirmation_with_nothing_to_delete_offers_no_button(admin_client, real_patient):
    response = admin_client.get(DELETE)

    assert "There is no test data to delete." in response.text
    assert '<form method="post">' not in response.text


@pytest.mark.django_db
def test_staff_without_permission_sees_nothing_and_gets_403(staff_client, real_patient):
    client = staff_client("view_profile")

    listing = client.get(CHANGELIST)
    assert "generate_test_data" not in listing.text
    assert f'href="{FORM}"' not in listing.text
    assert client.get(FORM).status_code == 403
    assert client.post(FORM, VALID).status_code == 403
    assert client.post(DELETE).status_code == 403
    assert client.post(CHANGELIST, {"action": "generate_test_data", "index": "0"}).get("Location") != FORM
    assert not Profile.objects.filter(is_test_patient=True).exists()


@pytest.mark.django_db
def test_staff_who_may_add_but_not_delete_can_generate_but_not_clear(staff_client, synthetic):
    client = staff_client("view_profile", "add_profile")

    assert "clear_db" not in client.get(FORM).context["adminform"].form.fields
    assert client.post(FORM, {**VALID, "clear_db": "on"}).status_code == 302
    assert Profile.objects.filter(is_test_patient=True).count() == 3 + 4  # nothing was cleared
    assert client.get(DELETE).status_code == 403
    listing = client.get(CHANGELIST)
    assert f'href="{FORM}"' in listing.text
    assert f'href="{DELETE}"' not in listing.text


@pytest.mark.django_db
def test_staff_with_add_and_delete_can_clear_before_generating(staff_client, synthetic):
    client = staff_client("view_profile", "add_profile", "delete_profile")

    assert client.post(FORM, {**VALID, "clear_db": "on"}).status_code == 302
    assert Profile.objects.filter(is_test_patient=True).count() == 4
    assert client.get(DELETE).status_code == 200


@pytest.mark.django_db
def test_disabled_seeding_hides_actions_and_buttons(admin_client, settings, real_patient):
    settings.SEEDING_ENABLED = False

    response = admin_client.get(CHANGELIST)

    actions = dict(response.context["action_form"].fields["action"].choices)
    assert not {"generate_test_data", "delete_test_data"} & actions.keys()
    assert f'href="{FORM}"' not in response.text
    assert f'href="{DELETE}"' not in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), [("get", FORM), ("post", FORM), ("get", DELETE), ("post", DELETE)])
def test_disabled_seeding_refuses_with_the_services_message(admin_client, settings, synthetic, method, url):
    settings.SEEDING_ENABLED = False

    response = getattr(admin_client, method)(url, VALID)

    assert response.url == CHANGELIST
    assert _messages(response) == [SEEDING_DISABLED_MESSAGE]
    assert Profile.objects.count() == 3
    assert SeedRun.objects.count() == 1


@pytest.mark.django_db
def test_patient_page_shows_the_chart(admin_client, synthetic):
    patient = Profile.objects.filter(role=Profile.Role.PATIENT).first()

    response = admin_client.get(reverse("admin:clinic_profile_change", args=[patient.pk]))

    assert '<svg class="mood-chart"' in response.text
    assert 'data-points="5"' in response.text
    for series in ("mood", "energy", "anxiety"):
        assert f'data-series="{series}"' in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Profile.Role.THERAPIST, Profile.Role.PATIENT])
def test_profiles_without_check_ins_have_no_chart(admin_client, role):
    profile = baker.make(Profile, role=role)

    response = admin_client.get(reverse("admin:clinic_profile_change", args=[profile.pk]))

    assert response.status_code == 200
    assert "mood-chart" not in response.text


@pytest.mark.django_db
def test_run_history_lists_runs_newest_first_read_only(admin_client, synthetic):
    newer = generate(
        SeedRequest(patients_count=1, therapists_count=0, checkins_per_user=2, seed=2),
        limits=command_limits(),
        source="command",
    )

    listing = admin_client.get(reverse("admin:seeding_seedrun_changelist"))
    runs = list(listing.context["cl"].result_list)
    assert [run.id for run in runs] == [newer.run_id, synthetic.run_id]
    assert '<td class="field-total_rows">3 rows</td>' in listing.text
    detail = admin_client.get(reverse("admin:seeding_seedrun_change", args=[newer.run_id]))
    assert detail.status_code == 200
    assert "&quot;mood_pattern&quot;: &quot;stable&quot;" in detail.text
    assert 'name="_save"' not in detail.text
    assert admin_client.get(reverse("admin:seeding_seedrun_add")).status_code == 403
    assert admin_client.post(reverse("admin:seeding_seedrun_delete", args=[newer.run_id])).status_code == 403


@pytest.mark.django_db
def test_run_history_shows_who_asked_and_how_long(admin_client, admin_user):
    admin_client.post(FORM, VALID)
    run = SeedRun.objects.get()

    detail = admin_client.get(reverse("admin:seeding_seedrun_change", args=[run.pk]))

    assert f"{run.duration_seconds:.2f} s" in detail.text
    assert admin_user.username in detail.text
    assert "Admin" in detail.text


@pytest.mark.django_db
def test_failed_run_keeps_the_form_and_says_why(admin_client, monkeypatch):
    def fail(*args, **kwargs):
        raise SeedingError("The run failed and wrote nothing: disk full")

    monkeypatch.setattr("seeding.admin.generate", fail)

    response = admin_client.post(FORM, VALID)

    assert response.status_code == 200
    assert _messages(response) == ["The run failed and wrote nothing: disk full"]
    assert response.context["adminform"].form["patients_count"].value() == "3"


@pytest.mark.django_db
def test_confirmation_lists_real_rows_in_the_way_and_offers_no_plain_delete(admin_client, synthetic):
    patient = Profile.objects.filter(role=Profile.Role.PATIENT, synthetic_run_id__isnull=False).first()
    real = baker.make("clinic.CheckIn", user=patient, checkin_date="2020-01-01", mood=5, energy=5, anxiety=5,
                      sleep_hours="7.0")  # fmt: skip

    page = admin_client.get(DELETE)
    refused = admin_client.post(DELETE)

    assert "Real rows stand in the way" in page.text
    assert f"first ids {real.pk}" in page.text
    assert 'name="keep_referenced" required' in page.text
    assert "Yes, I\u2019m sure" not in page.text
    assert "Nothing was deleted" in _messages(refused)[0]
    assert Profile.objects.count() == 3


@pytest.mark.django_db
def test_keeping_referenced_rows_deletes_the_rest(admin_client, synthetic):
    patient = Profile.objects.filter(role=Profile.Role.PATIENT, synthetic_run_id__isnull=False).first()
    real = baker.make("clinic.CheckIn", user=patient, checkin_date="2020-01-01", mood=5, energy=5, anxiety=5,
                      sleep_hours="7.0")  # fmt: skip

    response = admin_client.post(DELETE, {"keep_referenced": "on"})

    assert _messages(response) == ["Deleted 2 profiles, 10 check-ins. Kept 1 profile, which real rows point at."]
    assert list(Profile.objects.all()) == [patient]
    assert list(CheckIn.objects.all()) == [real]


@pytest.mark.django_db
def test_undo_of_one_run_uses_the_same_confirmation(admin_client, synthetic):
    run = SeedRun.objects.get()
    url = reverse("admin:clinic_profile_undo_run", args=[run.pk])

    page = admin_client.get(url)
    response = admin_client.post(url)

    assert f"exactly the rows that run {run.pk} wrote" in page.text
    assert _messages(response) == ["Deleted 3 profiles, 10 check-ins."]
    assert SeedRun.objects.get(pk=run.pk).status == SeedRun.Status.UNDONE


PEOPLE_HEADER = "email,full_name,role,mood_pattern,checkins_from,checkins_to,organization\n"


def _upload(text: str, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.mark.django_db
def test_an_uploaded_people_file_adds_its_people_to_the_run(admin_client):
    people = (
        PEOPLE_HEADER + "ana.upload@clinic.test,Ana Upload,patient,cycling,,,\nbo.upload@clinic.test,Bo Up,admin,,,,\n"
    )

    response = admin_client.post(FORM, {**VALID, "people": _upload(people)})

    assert response.status_code == 302, response.context["adminform"].form.errors
    ana = Profile.objects.get(email="ana.upload@clinic.test")
    run = SeedRun.objects.get()
    assert (ana.role, ana.first_name, ana.synthetic_run_id) == ("patient", "Ana", run.id)
    assert Profile.objects.filter(email="bo.upload@clinic.test", role=Profile.Role.ADMIN).exists()
    assert Profile.objects.filter(role=Profile.Role.PATIENT).count() == 4
    assert run.parameters["people_file"] == "people.csv"
    assert _messages(response) == ["Generated 4 patients, 1 therapist and 1 admin with 40 check-ins (seed 7)."]


GOOD_ROW = "ok@clinic.test,Ok,patient,,,,\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("people.csv", GOOD_ROW + "x@clinic.test,X,doctor,,,,\n", "people.csv line 3: role 'doctor' is unknown"),
        ("people.csv", GOOD_ROW + "bad,X,patient,,,,\n", "people.csv line 3: email 'bad' is not a valid email"),
        ("people.csv", "x@clinic.test,X,patient,,2024-01-01,2025-03-01,\n", "line 2: the check-in range is 426 days"),
        ("people.csv", "x@clinic.test,X,patient,,,,kine-clinic-a\n", "line 2: organization 'kine-clinic-a' is not"),
        ("people.txt", "x", "a people file is .csv (with a header line) or .json"),
        ("people.json", "[1]", "a list of objects, one per person"),
    ],
)
def test_a_bad_people_file_is_reported_on_its_field_and_nothing_is_written(admin_client, name, text, message):
    body = PEOPLE_HEADER + text if name.endswith(".csv") else text

    response = admin_client.post(FORM, {**VALID, "people": _upload(body, name)})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["people"]
    assert any(message in error for error in errors), errors
    assert "Nothing was written" in response.text
    assert not Profile.objects.exists()
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_an_uploaded_email_already_taken_is_refused(admin_client, real_patient):
    response = admin_client.post(
        FORM, {**VALID, "people": _upload(PEOPLE_HEADER + f"{real_patient.email},T,patient,,,,\n")}
    )

    assert response.context["adminform"].form.errors["people"] == [
        f"people.csv line 2: email '{real_patient.email}' is already taken by a profile or a login."
    ]
    assert list(Profile.objects.all()) == [real_patient]


@pytest.mark.django_db
def test_appointments_per_patient_without_clinics_is_refused_on_its_field(admin_client):
    response = admin_client.post(FORM, {**VALID, "appointments_per_patient": "2"})

    assert response.context["adminform"].form.errors["appointments_per_patient"] == [
        APPOINTMENTS_WITHOUT_ORGANIZATIONS_MESSAGE
    ]
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_the_form_offers_the_people_upload_and_appointments(admin_client):
    response = admin_client.get(FORM)

    assert 'enctype="multipart/form-data"' in response.text
    form = response.context["adminform"].form
    assert form["appointments_per_patient"].value() == 0
    assert isinstance(form.fields["people"], FileField)


@pytest.mark.django_db
def test_a_therapists_page_lists_their_appointments(admin_client):
    generate(
        scenario_request("demo-clinic", seed=3, end_date=date(2025, 3, 3), checkins_per_user=1, with_logins=False),
        limits=command_limits(),
        source="command",
    )
    therapist = Profile.objects.filter(role=Profile.Role.THERAPIST, appointments_given__isnull=False).first()
    booked = list(therapist.appointments_given.order_by("starts_at"))

    response = admin_client.get(reverse("admin:clinic_profile_change", args=[therapist.pk]))

    assert response.status_code == 200
    assert "appointments with patients" in response.text.lower()
    for appointment in booked:
        assert str(appointment.patient) in response.text
        assert reverse("admin:clinic_appointment_change", args=[appointment.pk]) in response.text
    assert len(booked) == therapist.appointments_given.count() > 0


@pytest.mark.django_db
def test_undoing_an_unknown_run_in_the_admin_is_a_404(admin_client):
    response = admin_client.get(reverse("admin:clinic_profile_undo_run", args=["00000000-0000-4000-8000-000000000000"]))

    assert response.status_code == 404
