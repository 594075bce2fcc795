import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from clinic import scheduling
from clinic.scheduling import MINIMUM_CONSULTATION_GAP_MINUTES, slots_conflict

SYNTHETIC_RUN_HELP = "The synthetic-data run that wrote this row; empty for a row a person made."


def synthetic_run_field(*, db_index: bool = True) -> models.UUIDField:
    """Which seeding run wrote the row (NULL: a real row). Ownership is decided by this, never by a flag."""
    return models.UUIDField(null=True, blank=True, editable=False, db_index=db_index, help_text=SYNTHETIC_RUN_HELP)


SLOT_CONFLICT_MESSAGE = (
    "This slot overlaps another one of the same therapist and organization, "
    f"or lies less than {MINIMUM_CONSULTATION_GAP_MINUTES} minutes from it."
)


class ProfileRole(models.TextChoices):
    PATIENT = "patient"
    THERAPIST = "therapist"
    ADMIN = "admin"


class Profile(models.Model):
    Role = ProfileRole

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    role = models.CharField(max_length=16, choices=ProfileRole.choices)
    full_name = models.CharField(max_length=200, blank=True)
    first_name = models.CharField(max_length=100, blank=True, default="", db_default="")
    last_name = models.CharField(max_length=100, blank=True, default="", db_default="")
    # Staff details: a therapist's licence (unique; empty for everyone else), specialization and phones.
    licence_number = models.CharField(max_length=40, null=True, blank=True, unique=True)
    specialization = models.CharField(max_length=100, blank=True, default="", db_default="")
    phone_numbers = models.JSONField(
        default=list, db_default=[], blank=True, help_text="One or more phone numbers, as a list of text."
    )
    is_test_patient = models.BooleanField(
        default=False,
        db_default=False,
        db_comment="Flag to identify synthetic/test patients (true) vs real patients (false)",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="profile",
        help_text="The login of this person, if they have one.",
    )
    synthetic_run_id = synthetic_run_field()
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        db_table = "profiles"
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=ProfileRole.values), name="profiles_role_check"),
        ]
        indexes = [models.Index(fields=["is_test_patient"], name="idx_profiles_is_test_patient")]

    def __str__(self) -> str:
        return self.full_name or self.email


class CheckIn(models.Model):
    # No index of its own: check_ins_one_per_day's (user_id, checkin_date) index serves lookups by user,
    # and a second index would slow every insert.
    user = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="check_ins", db_column="user_id", db_index=False
    )
    checkin_date = models.DateField()
    # Small integers whose 1-10 range is enforced by the named constraints below.
    mood = models.SmallIntegerField()
    energy = models.SmallIntegerField()
    anxiety = models.SmallIntegerField()
    sleep_hours = models.DecimalField(max_digits=3, decimal_places=1)
    notes = models.TextField(blank=True, default="")
    # No index: an index would slow every bulk insert; clearing scans the table once instead.
    synthetic_run_id = synthetic_run_field(db_index=False)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        db_table = "check_ins"
        ordering = ["user", "checkin_date"]
        constraints = [
            models.UniqueConstraint(fields=["user", "checkin_date"], name="check_ins_one_per_day"),
            models.CheckConstraint(condition=models.Q(mood__range=(1, 10)), name="check_ins_mood_range"),
            models.CheckConstraint(condition=models.Q(energy__range=(1, 10)), name="check_ins_energy_range"),
            models.CheckConstraint(condition=models.Q(anxiety__range=(1, 10)), name="check_ins_anxiety_range"),
            models.CheckConstraint(condition=models.Q(sleep_hours__range=(0, 24)), name="check_ins_sleep_hours_range"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.checkin_date}"


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    synthetic_run_id = synthetic_run_field()
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    class Meta:
        db_table = "organizations"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    ADMIN = "admin"
    THERAPIST = "therapist"


class Membership(models.Model):
    Role = MembershipRole

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    synthetic_run_id = synthetic_run_field()

    class Meta:
        db_table = "memberships"
        constraints = [
            models.UniqueConstraint(fields=["profile", "organization"], name="memberships_one_per_organization"),
            models.CheckConstraint(condition=models.Q(role__in=MembershipRole.values), name="memberships_role_check"),
        ]

    def __str__(self) -> str:
        return f"{self.profile} in {self.organization} ({self.role})"


class Enrollment(models.Model):
    """A patient's place in one organization, under one of its therapists."""

    patient = models.OneToOneField(Profile, on_delete=models.CASCADE, related_name="enrollment")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="enrollments")
    therapist = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="enrolled_patients")
    synthetic_run_id = synthetic_run_field()

    class Meta:
        db_table = "enrollments"

    def __str__(self) -> str:
        return f"{self.patient} at {self.organization}"


class WeeklyAvailability(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    therapist = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="weekly_availability")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="weekly_availability")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    synthetic_run_id = synthetic_run_field()

    class Meta:
        db_table = "weekly_availability"
        verbose_name_plural = "weekly availability"
        ordering = ["therapist", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__range=(0, 6)), name="weekly_availability_weekday_range"),
            models.CheckConstraint(
                condition=models.Q(start_time__lt=models.F("end_time")), name="weekly_availability_starts_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    def clean(self) -> None:
        siblings = WeeklyAvailability.objects.filter(
            therapist_id=self.therapist_id, organization_id=self.organization_id, weekday=self.weekday
        ).exclude(pk=self.pk)
        if any(slots_conflict(self.start_time, self.end_time, s.start_time, s.end_time) for s in siblings):
            raise ValidationError(SLOT_CONFLICT_MESSAGE)


class AvailabilityException(models.Model):
    therapist = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="availability_exceptions")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="availability_exceptions")
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True, help_text="Empty with end time for the full day.")
    end_time = models.TimeField(null=True, blank=True)
    is_available = models.BooleanField(default=False)
    synthetic_run_id = synthetic_run_field()

    class Meta:
        db_table = "availability_exceptions"
        ordering = ["therapist", "date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_time__isnull=True, end_time__isnull=True)
                | models.Q(start_time__isnull=False, end_time__isnull=False, start_time__lt=models.F("end_time")),
                name="availability_exceptions_full_day_or_ordered_times",
            ),
        ]

    def __str__(self) -> str:
        when = "full day" if self.is_full_day else f"{self.start_time:%H:%M}-{self.end_time:%H:%M}"
        return f"{self.date} {when} ({'available' if self.is_available else 'unavailable'})"

    @property
    def is_full_day(self) -> bool:
        return self.start_time is None and self.end_time is None

    def clean(self) -> None:
        siblings = AvailabilityException.objects.filter(
            therapist_id=self.therapist_id, organization_id=self.organization_id, date=self.date
        ).exclude(pk=self.pk)
        if any(slots_conflict(self.start_time, self.end_time, s.start_time, s.end_time) for s in siblings):
            raise ValidationError(SLOT_CONFLICT_MESSAGE)


class TreatmentPlanStatus(models.TextChoices):
    PLANNED = "planned"
    ONGOING = "ongoing"
    COMPLETED = "completed"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class TreatmentPlan(models.Model):
    Status = TreatmentPlanStatus

    patient = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="treatment_plans")
    therapist = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="treatment_plans_led")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="treatment_plans")
    status = models.CharField(max_length=16, choices=Status.choices)
    title = models.CharField(max_length=200)
    diagnosis = models.TextField(blank=True, default="")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    synthetic_run_id = synthetic_run_field()

    class Meta:
        db_table = "treatment_plans"
        ordering = ["patient", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status=TreatmentPlanStatus.ONGOING),
                name="treatment_plans_one_ongoing_per_patient",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=TreatmentPlanStatus.values), name="treatment_plans_status_check"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="treatment_plans_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show", "No-show"


APPOINTMENT_PROBLEM_MESSAGES = {
    scheduling.WRONG_DURATION: "An appointment lasts {minutes} minutes.".format(
        minutes=", ".join(map(str, scheduling.APPOINTMENT_MINUTES[:-1])) + f" or {scheduling.APPOINTMENT_MINUTES[-1]}"
    ),
    scheduling.OUTSIDE_AVAILABILITY: (
        "The appointment lies outside the therapist's weekly availability in this organization on that weekday."
    ),
    scheduling.DURING_UNAVAILABILITY: "The therapist is unavailable then (an availability exception).",
    scheduling.TOO_CLOSE_TO_THERAPISTS_APPOINTMENT: (
        "The appointment overlaps another one of the therapist, "
        f"or lies less than {MINIMUM_CONSULTATION_GAP_MINUTES} minutes from it."
    ),
    scheduling.PATIENT_ALREADY_BOOKED: "The patient has another appointment at that time.",
}
APPOINTMENT_SAME_DAY_MESSAGE = "An appointment starts and ends on the same day."
APPOINTMENT_ENROLLMENT_MESSAGE = "The patient is enrolled in {organization} with {therapist}: book them there."


class Appointment(models.Model):
    """A consultation between one therapist and one patient in one organization."""

    Status = AppointmentStatus

    therapist = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="appointments_given")
    patient = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="appointments")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    notes = models.TextField(blank=True, default="", db_default="")
    synthetic_run_id = synthetic_run_field()

    class Meta:
        db_table = "appointments"
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["therapist", "starts_at"], name="appointments_therapist_time")]
        # On PostgreSQL, migration 0006 adds exclusion constraints (btree_gist) that keep one therapist's,
        # and one patient's, appointments that are not cancelled from overlapping; clean() checks the rest.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="appointments_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AppointmentStatus.values), name="appointments_status_check"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} with {self.therapist} at {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"

    def clean(self) -> None:
        if None in (self.therapist_id, self.patient_id, self.organization_id, self.starts_at, self.ends_at):
            return
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        if start.date() != end.date():
            raise ValidationError(APPOINTMENT_SAME_DAY_MESSAGE)
        enrollment = (
            Enrollment.objects.filter(patient_id=self.patient_id).select_related("organization", "therapist").first()
        )
        if enrollment and (enrollment.organization_id, enrollment.therapist_id) != (
            self.organization_id,
            self.therapist_id,
        ):
            raise ValidationError(
                APPOINTMENT_ENROLLMENT_MESSAGE.format(
                    organization=enrollment.organization, therapist=enrollment.therapist
                )
            )
        if self.status == AppointmentStatus.CANCELLED:
            return  # a cancelled appointment frees its slot, so only its shape is checked
        problems = scheduling.appointment_conflicts(start.time(), end.time(), **self._day_calendar(start.date()))
        if problems:
            raise ValidationError([APPOINTMENT_PROBLEM_MESSAGES[problem] for problem in problems])

    def _day_calendar(self, day) -> dict[str, list]:
        """The slots of that day the rule weighs this appointment against."""
        windows = WeeklyAvailability.objects.filter(
            therapist_id=self.therapist_id, organization_id=self.organization_id, weekday=day.weekday()
        )
        unavailable = AvailabilityException.objects.filter(
            therapist_id=self.therapist_id, organization_id=self.organization_id, date=day, is_available=False
        )
        others = (
            Appointment.objects.filter(starts_at__date=day)
            .exclude(status=AppointmentStatus.CANCELLED)
            .exclude(pk=self.pk)
        )

        def local_slots(appointments) -> list:
            return [
                (timezone.localtime(a.starts_at).time(), timezone.localtime(a.ends_at).time()) for a in appointments
            ]

        return {
            "windows": list(windows.values_list("start_time", "end_time")),
            "unavailable": list(unavailable.values_list("start_time", "end_time")),
            "therapist_appointments": local_slots(others.filter(therapist_id=self.therapist_id)),
            "patient_appointments": local_slots(others.filter(patient_id=self.patient_id)),
        }
