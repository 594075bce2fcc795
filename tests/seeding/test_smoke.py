import pytest

from clinic.models import CheckIn, Profile
from seeding.request import SeedRequest
from seeding.service import generate


@pytest.mark.django_db
def test_generate_writes_exact_counts():
    report = generate(SeedRequest(patients_count=5, therapists_count=2, seed=1))

    assert Profile.objects.filter(role=Profile.Role.PATIENT, is_test_patient=True).count() == 5
    assert Profile.objects.filter(role=Profile.Role.THERAPIST, is_test_patient=True).count() == 2
    assert CheckIn.objects.count() == 150
    assert report.message == "Generated 5 patients and 2 therapists with 150 check-ins"
