"""The admin's seeding form: SeedRequest's fields, parsed; the rules stay in SeedRequest.validated()."""

from django import forms
from django.core.exceptions import ValidationError

from seeding.people import PEOPLE_FILE_HELP, read_uploaded_people, request_with_people
from seeding.request import API_LIMITS, MoodPattern, SeedRequest, field_help
from seeding.shards import MAX_SHARDS

DEFAULTS = SeedRequest()
SHARDS_NEED_BACKGROUND_MESSAGE = "Shards split a background run: tick 'Run in the background', or leave this empty."
LIMITS = API_LIMITS  # the admin is interactive, like the API: the same limits per run

FIELDSETS = [
    ("People", {"fields": ["patients_count", "therapists_count", "admins_count", "people"]}),
    ("Check-ins", {"fields": ["checkins_per_user", "checkin_adherence", "mood_pattern", "end_date"]}),
    ("Appointments", {"fields": ["appointments_per_patient"]}),
    ("Run", {"fields": ["seed", "locale", "clear_db"]}),
    ("Logins", {"fields": ["with_logins", "password"]}),
    ("Background", {"fields": ["background", "shards"]}),
]


def _help(name: str) -> str:
    return field_help(name, LIMITS)


class SeedForm(forms.Form):
    patients_count = forms.IntegerField(initial=DEFAULTS.patients_count, help_text=_help("patients_count"))
    therapists_count = forms.IntegerField(initial=DEFAULTS.therapists_count, help_text=_help("therapists_count"))
    admins_count = forms.IntegerField(initial=DEFAULTS.admins_count, help_text=_help("admins_count"))
    people = forms.FileField(label="People file", required=False, help_text=PEOPLE_FILE_HELP)
    checkins_per_user = forms.IntegerField(
        label="Check-ins per patient", initial=DEFAULTS.checkins_per_user, help_text=_help("checkins_per_user")
    )
    checkin_adherence = forms.FloatField(
        label="Check-in adherence",
        required=False,
        initial=DEFAULTS.checkin_adherence,
        help_text=_help("checkin_adherence") + " Empty: every day.",
    )
    mood_pattern = forms.ChoiceField(
        choices=MoodPattern.choices, initial=DEFAULTS.mood_pattern, help_text=_help("mood_pattern")
    )
    end_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text=_help("end_date")
    )
    appointments_per_patient = forms.IntegerField(
        required=False,
        initial=DEFAULTS.appointments_per_patient,
        help_text=_help("appointments_per_patient") + " This form creates no organizations, so it stays 0 here.",
    )
    seed = forms.IntegerField(required=False, help_text=_help("seed"))
    locale = forms.CharField(initial=DEFAULTS.locale, help_text=_help("locale"))
    clear_db = forms.BooleanField(
        label="Delete all test data first", required=False, initial=DEFAULTS.clear_db, help_text=_help("clear_db")
    )
    with_logins = forms.BooleanField(required=False, initial=DEFAULTS.with_logins, help_text=_help("with_logins"))
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_help("password"),
    )
    background = forms.BooleanField(
        label="Run in the background",
        required=False,
        help_text="A worker (manage.py db_worker) writes the run, up to the command's limits; "
        "its page shows the progress and can cancel it.",
    )

    shards = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_SHARDS,
        help_text="With a background run on PostgreSQL: split its check-ins into this many shards, which any "
        "number of workers write side by side. Leave empty for one.",
    )

    def __init__(self, *args, may_clear: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_clear:
            del self.fields["clear_db"]

    def fieldsets(self) -> list[tuple[str, dict]]:
        return [(name, {"fields": [f for f in group["fields"] if f in self.fields]}) for name, group in FIELDSETS]

    def clean_checkin_adherence(self) -> float:
        value = self.cleaned_data["checkin_adherence"]
        return DEFAULTS.checkin_adherence if value is None else value

    def clean_appointments_per_patient(self) -> int:
        value = self.cleaned_data["appointments_per_patient"]
        return DEFAULTS.appointments_per_patient if value is None else value

    def clean(self) -> dict:
        cleaned = super().clean()
        if (cleaned.get("shards") or 1) > 1 and not cleaned.get("background"):
            self.add_error("shards", SHARDS_NEED_BACKGROUND_MESSAGE)
        return cleaned

    def seed_request(self) -> SeedRequest:
        """The request the form asks for; an uploaded people file is checked here (ValidationError on `people`)."""
        values = dict(self.cleaned_data)
        upload = values.pop("people")
        values.pop("background", None)
        values.pop("shards", None)
        values["password"] = (values["password"] or None) if values["with_logins"] else None
        request = SeedRequest(**values)
        if upload is None:
            return request
        return request_with_people(request, read_uploaded_people(upload, request), source=upload.name)

    def add_request_errors(self, error: ValidationError) -> None:
        """Show the request's errors beside their fields; the others (non_field_errors) above the form."""
        for name, messages in error.message_dict.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
