"""The admin's seeding form: SeedRequest's fields, parsed; the rules stay in SeedRequest.validated()."""

from django import forms
from django.core.exceptions import ValidationError

from seeding.request import API_LIMITS, CHECKINS_PER_USER_RANGE, MOOD_PATTERNS, SEED_RANGE, SeedRequest

DEFAULTS = SeedRequest()
LIMITS = API_LIMITS  # the admin is interactive, like the API: the same limits per run

FIELDSETS = [
    ("People", {"fields": ["patients_count", "therapists_count", "admins_count"]}),
    ("Check-ins", {"fields": ["checkins_per_user", "mood_pattern", "end_date"]}),
    ("Run", {"fields": ["seed", "locale", "clear_db"]}),
    ("Logins", {"fields": ["with_logins", "password"]}),
]


class SeedForm(forms.Form):
    patients_count = forms.IntegerField(
        initial=DEFAULTS.patients_count,
        help_text=f"0 to {LIMITS.max_patients}. Patients get check-ins.",
    )
    therapists_count = forms.IntegerField(
        initial=DEFAULTS.therapists_count,
        help_text=f"0 to {LIMITS.max_therapists}. At least one patient or therapist.",
    )
    admins_count = forms.IntegerField(initial=DEFAULTS.admins_count, help_text=f"0 to {LIMITS.max_admins}.")
    checkins_per_user = forms.IntegerField(
        label="Check-ins per patient",
        initial=DEFAULTS.checkins_per_user,
        help_text=f"{CHECKINS_PER_USER_RANGE[0]} to {CHECKINS_PER_USER_RANGE[1]}: one a day, ending on the end date.",
    )
    mood_pattern = forms.ChoiceField(
        choices=[(pattern, pattern) for pattern in MOOD_PATTERNS],
        initial=DEFAULTS.mood_pattern,
        help_text="stable, cycling (waves of two to five weeks), random, or mixed (one of those per patient).",
    )
    end_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Date of the latest check-in; empty for today, never in the future.",
    )
    seed = forms.IntegerField(
        required=False,
        help_text=f"Empty for a random one; {SEED_RANGE[0]} to {SEED_RANGE[1]}. "
        "The same seed and end date give the same rows.",
    )
    locale = forms.CharField(
        initial=DEFAULTS.locale, help_text="Faker locale of names and notes, such as en_US or pt_BR."
    )
    clear_db = forms.BooleanField(
        label="Delete all test data first",
        required=False,
        initial=DEFAULTS.clear_db,
        help_text="Only synthetic rows go, in the same transaction; real rows stay.",
    )
    with_logins = forms.BooleanField(
        required=False, initial=DEFAULTS.with_logins, help_text="Give every generated profile a Django login."
    )
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="The password of every generated login; required with logins, ignored without.",
    )

    def __init__(self, *args, may_clear: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_clear:
            del self.fields["clear_db"]

    def fieldsets(self) -> list[tuple[str, dict]]:
        return [(name, {"fields": [f for f in group["fields"] if f in self.fields]}) for name, group in FIELDSETS]

    def seed_request(self) -> SeedRequest:
        values = dict(self.cleaned_data)
        values["password"] = (values["password"] or None) if values["with_logins"] else None
        return SeedRequest(**values)

    def add_request_errors(self, error: ValidationError) -> None:
        """Show the request's errors beside their fields; the others (non_field_errors) above the form."""
        for name, messages in error.message_dict.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
