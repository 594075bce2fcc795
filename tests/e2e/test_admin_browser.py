import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from clinic.models import CheckIn, Profile

PASSWORD = "e2e-admin-password"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_admin_generates_charts_and_deletes_test_data(live_server, page, screenshot, real_patient):
    get_user_model().objects.create_superuser("admin", "admin@example.com", PASSWORD)
    profiles = f"{live_server.url}/admin/clinic/profile/"

    page.goto(f"{live_server.url}/admin/login/?next=/admin/clinic/profile/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    screenshot("01-profiles-list")

    # The action, with no row selected, leads to the form.
    page.select_option("select[name=action]", "generate_test_data")
    page.click("button[name=index]")
    expect(page.locator("#id_patients_count")).to_have_value("2")  # the request's default
    page.fill("#id_patients_count", "3")
    page.fill("#id_therapists_count", "1")
    page.fill("#id_checkins_per_user", "10")
    page.select_option("#id_mood_pattern", "cycling")
    screenshot("02-generate-form")
    page.click("input[value=Generate]")

    expect(page.locator(".messagelist .success")).to_contain_text(
        "Generated 3 patients and 1 therapist with 30 check-ins"
    )
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
    screenshot("03-generated")

    page.goto(f"{profiles}?role__exact=patient&is_test_patient__exact=1")
    page.click("#result_list tbody tr th a")
    chart = page.locator("svg.mood-chart")
    expect(chart).to_be_visible()
    for series in ("mood", "energy", "anxiety"):
        points = chart.locator(f'[data-series="{series}"] polyline').get_attribute("points")
        assert len(points.split()) == 10
    chart.scroll_into_view_if_needed()
    screenshot("04-patient-chart")

    page.goto(profiles)
    page.click("text=Delete test data")
    expect(page.locator("#content")).to_contain_text("4 profiles")
    expect(page.locator("#content")).to_contain_text("30 check-ins")
    screenshot("05-delete-confirmation")
    page.click("input[type=submit][value^=Yes]")

    expect(page.locator(".messagelist .success")).to_contain_text("Deleted 4 profiles, 30 check-ins.")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text(real_patient.email)
    screenshot("06-deleted")
    page.goto(f"{profiles}?is_test_patient__exact=1")
    expect(page.locator("#changelist-form")).to_contain_text("0 profiles")

    page.goto(f"{live_server.url}/admin/seeding/seedrun/")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)  # the run, then the clear that removed it
    expect(page.locator("#result_list tbody tr").first).to_contain_text("Clear")
    expect(page.locator("#result_list tbody tr").last).to_contain_text("cleared (its rows were deleted by a clear)")
    screenshot("07-run-history")
    assert not Profile.objects.filter(is_test_patient=True).exists()
    assert CheckIn.objects.filter(user=real_patient).count() == 1
