"""Hardening: throttles that hold, tokens that die, hostile bodies, and the demo shortcuts' guards."""

import json
import socket
import subprocess
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from clinic.models import Profile
from seeding.models import SeedRun
from seeding.parsers import MAX_BODY_BYTES, MAX_DEPTH, SURROGATE_MESSAGE, TOO_DEEP_MESSAGE, TOO_LARGE_MESSAGE
from tests.seeding.conftest import PASSWORD, jwt_for, make_user

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
GENERATE = "/api/admin/generate-data"

pytestmark = pytest.mark.usefixtures("empty_cache")


def tokens_for(user, password: str = PASSWORD) -> dict:
    response = APIClient().post(TOKEN, {"username": user.username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def refresh(token: str):
    return APIClient().post(REFRESH, {"refresh": token}, format="json")


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


# Throttles


@pytest.mark.django_db
def test_thirty_guesses_with_a_new_forwarded_for_each_are_throttled(staff_user, settings):
    assert settings.SEEDING_LOGIN_RATE == "20/min"
    wrong = {"username": staff_user.username, "password": "wrong"}
    client = APIClient()

    statuses = [
        client.post(TOKEN, wrong, format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{guess}").status_code
        for guess in range(30)
    ]

    assert statuses == [401] * 20 + [429] * 10


@pytest.mark.django_db
def test_with_one_trusted_proxy_the_client_is_the_address_it_appended(staff_user, settings):
    settings.SEEDING_LOGIN_RATE = "2/min"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    wrong = {"username": staff_user.username, "password": "wrong"}

    def guess(forwarded_for: str) -> int:
        return APIClient().post(TOKEN, wrong, format="json", HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    # What the client itself put first is ignored; the proxy's last entry names it.
    assert [guess(f"{spoofed}, 198.51.100.7") for spoofed in ("1.1.1.1", "2.2.2.2", "3.3.3.3")] == [401, 401, 429]
    assert guess("198.51.100.8") == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "fields"),
    [
        (TOKEN, {}),
        ("/admin/login/", {"this_is_the_login_form": "1", "next": "/admin/"}),
        ("/api/auth/login/", {}),
    ],
)
def test_every_login_counts_attempts_per_address_at_seeding_login_rate(staff_user, settings, client, url, fields):
    settings.SEEDING_LOGIN_RATE = "3/min"
    wrong = {"username": staff_user.username, "password": "wrong", **fields}

    statuses = [client.post(url, wrong).status_code for _ in range(4)]

    assert 429 not in statuses[:3]
    assert statuses[3] == 429
    right = {"username": staff_user.username, "password": PASSWORD, **fields}
    assert client.post(url, right).status_code == 429


@pytest.mark.django_db
def test_throttle_counts_live_in_the_shared_database_cache(staff_user, settings):
    settings.SEEDING_LOGIN_RATE = "2/min"
    wrong = {"username": staff_user.username, "password": "wrong"}
    for _ in range(2):
        APIClient().post(TOKEN, wrong, format="json")

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_cache")
        assert cursor.fetchone()[0] >= 1
    # Another worker (a cache connection of its own) sees the same count.
    other_worker = caches.create_connection("default")
    assert len(other_worker.get("throttle_login_127.0.0.1")) == 2
    assert APIClient().post(TOKEN, wrong, format="json").status_code == 429


# JWT


@pytest.mark.django_db
def test_a_refresh_token_works_once(staff_user):
    first = tokens_for(staff_user)["refresh"]

    rotated = refresh(first)
    reused = refresh(first)

    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != first
    assert reused.status_code == 401
    assert refresh(rotated.json()["refresh"]).status_code == 200


@pytest.mark.django_db
def test_tokens_issued_before_a_password_change_stop_working(staff_user):
    staff_user.user_permissions.add(*_clinic_permissions("add_profile"))
    tokens = tokens_for(staff_user)
    assert bearer(tokens["access"]).get("/api/admin/seed-runs/").status_code == 200

    staff_user.set_password("a new and different password")
    staff_user.save()

    assert bearer(tokens["access"]).get("/api/admin/seed-runs/").status_code == 401
    assert refresh(tokens["refresh"]).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["delete", "deactivate"])
def test_a_deleted_or_deactivated_users_refresh_is_a_401(staff_user, change):
    token = tokens_for(staff_user)["refresh"]
    if change == "delete":
        staff_user.delete()
    else:
        staff_user.is_active = False
        staff_user.save()

    response = refresh(token)

    assert response.status_code == 401
    assert "access" not in response.json()


def _clinic_permissions(*codenames: str):
    return Permission.objects.filter(content_type__app_label="clinic", codename__in=codenames)


# Hostile bodies

HOSTILE_BODIES = [
    pytest.param("[" * 100_000, TOO_LARGE_MESSAGE, id="100000-brackets"),
    pytest.param("[" * 5_000, TOO_DEEP_MESSAGE, id="5000-brackets"),
    pytest.param("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), TOO_DEEP_MESSAGE, id="one-level-too-deep"),
    pytest.param('{"\\ud800": 1}', SURROGATE_MESSAGE, id="lone-surrogate-key"),
    pytest.param('{"password": "\\udfff"}', SURROGATE_MESSAGE, id="lone-surrogate-value"),
    pytest.param(json.dumps({"seed": "x" * MAX_BODY_BYTES}), TOO_LARGE_MESSAGE, id="too-large"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "message"), HOSTILE_BODIES)
@pytest.mark.parametrize("url", [GENERATE, "/api/admin/clear-data", TOKEN, REFRESH])
def test_hostile_json_is_a_400_that_says_what_is_wrong(admin_api, url, body, message):
    client = admin_api if url.startswith("/api/admin/") else APIClient()

    response = client.post(url, body, content_type="application/json")

    assert response.status_code == 400
    # DRF's own views answer {"detail": ...}; the seeding API names the body's fault beside the fields'.
    expected = {"non_field_errors": [message]} if url.startswith("/api/admin/") else {"detail": message}
    assert response.json() == expected
    assert not SeedRun.objects.exists()


@pytest.mark.django_db
def test_nesting_within_the_bound_is_an_ordinary_field_error(admin_api):
    nested = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)  # inside the body's own object: MAX_DEPTH levels

    response = admin_api.post(GENERATE, f'{{"patients_count": {nested}}}', content_type="application/json")

    assert response.status_code == 400
    assert "patients_count" in response.json()


@pytest.mark.django_db
def test_a_chunked_body_is_refused_not_ignored(admin_api):
    body = json.dumps({"patients_count": 5, "therapists_count": 0})

    # As a WSGI server hands a chunked request to Django: a Transfer-Encoding and no Content-Length.
    response = admin_api.post(
        GENERATE, body, content_type="application/json", HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH=""
    )

    assert response.status_code == 411
    assert "Content-Length" in response.json()["detail"]
    assert not SeedRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_chunked_request_to_the_live_server_writes_nothing(live_server, staff_user):
    address = urlsplit(live_server.url)
    body = json.dumps({"patients_count": 5, "therapists_count": 0}).encode()
    request = (
        f"POST {GENERATE} HTTP/1.1\r\nHost: {address.netloc}\r\nAuthorization: Bearer {jwt_for(staff_user)}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)

    with socket.create_connection((address.hostname, address.port), timeout=30) as server:
        server.sendall(request)
        status_line = server.makefile("rb").readline()

    assert status_line.split()[1] == b"411"
    assert not Profile.objects.exists()
    assert not SeedRun.objects.exists()


# Schema and docs


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_with_debug_off_the_schema_and_docs_are_for_seeding_admins_only(settings, client_for, url):
    settings.DEBUG = False
    nobody = make_user("nobody", is_staff=True)
    adder = make_user("adder", is_staff=True)
    adder.user_permissions.add(*_clinic_permissions("add_profile"))

    assert APIClient().get(url).status_code == 401
    assert client_for(nobody).get(url).status_code == 403
    assert client_for(adder).get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_in_development_the_schema_and_docs_are_open(settings, url):
    settings.DEBUG = True

    assert APIClient().get(url).status_code == 200


# Demo shortcuts


@pytest.mark.django_db
def test_demo_admin_refuses_where_seeding_is_disabled(settings):
    settings.SEEDING_ENABLED = False

    with pytest.raises(CommandError, match="SEEDING_ENABLED"):
        call_command("demo_admin", stdout=StringIO())

    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_demo_admin_never_changes_a_user_it_did_not_create(settings):
    real = make_user("admin", is_staff=False, is_superuser=False)

    with pytest.raises(CommandError, match="--username"):
        call_command("demo_admin", stdout=StringIO())

    real.refresh_from_db()
    assert not real.is_superuser
    assert not real.is_staff
    assert real.check_password(PASSWORD)


@pytest.mark.django_db
def test_demo_admin_creates_the_login_once_and_keeps_it(settings):
    out = StringIO()

    call_command("demo_admin", stdout=out)
    call_command("demo_admin", stdout=out)
    call_command("demo_admin", "--username", "demo2", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Created the demo admin: username 'admin'")
    assert lines[1].startswith("Kept the demo admin")
    assert lines[2].startswith("Created the demo admin: username 'demo2'")
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password(settings.DEMO_ADMIN_PASSWORD)


@pytest.mark.django_db
def test_make_demo_refuses_another_database_unless_confirmed(tmp_path):
    other = tmp_path / "someone-elses.sqlite3"

    result = subprocess.run(
        ["make", "--no-print-directory", "demo", f"DATABASE_URL=sqlite:///{other}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode != 0
    assert "CONFIRM_DEMO_DATABASE=yes" in result.stderr
    assert not other.exists()


@pytest.mark.django_db
@override_settings(DEMO_ADMIN_USERNAME="clinic-demo", DEMO_ADMIN_PASSWORD="another-demo-password")
def test_demo_admin_reads_its_login_from_the_settings():
    out = StringIO()

    call_command("demo_admin", stdout=out)

    assert out.getvalue().startswith("Created the demo admin: username 'clinic-demo'")
    admin = get_user_model().objects.get(username="clinic-demo")
    assert admin.check_password("another-demo-password")
