"""Appointments: each patient's consultations with their own therapist, inside the therapist's availability.

One unit is one therapist's calendar, so every rule that spans appointments (the gap between a
therapist's consultations, one patient never booked twice at once) is kept within the unit. The
calendar is rebuilt from the schedules generator's own functions, never read from the database.
"""

import logging
import math
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from django.utils import timezone
from faker import Faker

from clinic.models import Appointment, Profile
from clinic.scheduling import APPOINTMENT_MINUTES, appointment_conflicts
from seeding.context import RunContext
from seeding.generators.availability import exception_slots, template_slots
from seeding.generators.identity import patient_id, role_counts, therapist_id
from seeding.generators.placement import clinic_units, organization_id, patient_placement, therapist_organization
from seeding.generators.registry import EntityGenerator, register

logger = logging.getLogger(__name__)

PAST_DAYS = 28  # appointments fall in the four weeks up to end_date (past) and the four after it (future)
FUTURE_DAYS = 28
STEP = 15  # appointments start on the quarter hour
MAX_DRAWS = 30  # random candidates for one appointment before the deterministic scan takes over
PAST_STATUSES = (Appointment.Status.COMPLETED, Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW)
PAST_STATUS_WEIGHTS = (80, 12, 8)
PAST_STATUS_CUMULATIVE = tuple(accumulate(PAST_STATUS_WEIGHTS))  # summed once, not on every draw
UNPLACED = "appointments_unplaced"  # ctx.cache key: therapist -> appointments their full calendar had no room for
NOTE_POOL_SIZE = 32

# A therapist's short note per status, in the run's language; other languages get Faker's sentences.
NOTES = {
    "en": {
        Appointment.Status.COMPLETED: (
            "Reviewed home exercises; good progress.",
            "Pain lower than last week.",
            "Worked on sleep routine.",
            "Discussed triggers and coping strategies.",
            "Range of motion improving.",
            "Adjusted the treatment plan.",
        ),
        Appointment.Status.CANCELLED: ("Cancelled by the patient.", "Cancelled: therapist unavailable."),
        Appointment.Status.NO_SHOW: ("Patient did not attend.", "No show; left a voicemail."),
        Appointment.Status.SCHEDULED: ("Follow-up session.", "Review progress.", "Bring the exercise diary."),
    },
    "pt": {
        Appointment.Status.COMPLETED: (
            "Revisamos os exercícios em casa; boa evolução.",
            "Dor menor que na semana passada.",
            "Trabalhamos a rotina de sono.",
            "Conversamos sobre gatilhos e estratégias.",
            "Amplitude de movimento melhorando.",
            "Plano de tratamento ajustado.",
        ),
        Appointment.Status.CANCELLED: ("Cancelada pelo paciente.", "Cancelada: terapeuta indisponível."),
        Appointment.Status.NO_SHOW: ("Paciente não compareceu.", "Faltou; deixei recado."),
        Appointment.Status.SCHEDULED: ("Sessão de acompanhamento.", "Revisar a evolução.", "Trazer o diário."),
    },
    "es": {
        Appointment.Status.COMPLETED: (
            "Revisamos los ejercicios en casa; buen progreso.",
            "Menos dolor que la semana pasada.",
            "Trabajamos la rutina de sueño.",
            "Hablamos de desencadenantes y estrategias.",
            "Mejora el rango de movimiento.",
            "Plan de tratamiento ajustado.",
        ),
        Appointment.Status.CANCELLED: ("Cancelada por el paciente.", "Cancelada: terapeuta no disponible."),
        Appointment.Status.NO_SHOW: ("El paciente no asistió.", "No acudió; dejé un mensaje."),
        Appointment.Status.SCHEDULED: ("Sesión de seguimiento.", "Revisar el progreso.", "Traer el diario."),
    },
}

Slot = tuple[time, time]


def patients_of(ctx: RunContext, therapist: int) -> list[int]:
    """The indices of the patients enrolled with a therapist, computed once per run for every therapist."""
    by_therapist = ctx.cache.get("patients_by_therapist")
    if by_therapist is None:
        by_therapist = defaultdict(list)
        for patient in range(role_counts(ctx.request)[Profile.Role.PATIENT]):
            by_therapist[patient_placement(ctx, patient)[1]].append(patient)
        ctx.cache["patients_by_therapist"] = by_therapist
    return by_therapist.get(therapist, [])


class Calendar:
    """One therapist's weeks around end_date: their windows, their unavailability and what is booked."""

    def __init__(self, ctx: RunContext, therapist: int) -> None:
        by_weekday: dict[int, list[Slot]] = defaultdict(list)
        for weekday, slot in template_slots(ctx, therapist):
            by_weekday[weekday].append(slot)
        self.unavailable: dict[int, list] = defaultdict(list)
        for offset, slot, is_available in exception_slots(ctx, therapist):
            if not is_available:
                self.unavailable[offset].append(slot)
        first_weekday = ctx.end_date.weekday()
        # Each bookable day (an offset from end_date) with its weekday's windows, looked up once.
        self.windows: dict[int, list[Slot]] = {}
        for offset in range(1 - PAST_DAYS, FUTURE_DAYS + 1):
            if windows := by_weekday.get((first_weekday + offset) % 7):
                self.windows[offset] = windows
        self.days = list(self.windows)
        self.booked: dict[int, list[Slot]] = defaultdict(list)

    def fits(self, offset: int, slot: Slot) -> bool:
        return not appointment_conflicts(
            *slot,
            windows=self.windows[offset],
            unavailable=self.unavailable[offset],
            therapist_appointments=self.booked[offset],
            patient_appointments=(),  # a patient sees one therapist and at most once a day: see place()
        )

    def place(self, rng, patient_days: set[int]) -> tuple[int, Slot] | None:
        """A free (day, slot) on a day the patient has no appointment yet, or None when none is left."""
        if len(patient_days) >= len(self.days):
            return None
        for _ in range(MAX_DRAWS):
            offset = rng.choice(self.days)
            while offset in patient_days:  # drawn again: uniform over the patient's free days (one is left)
                offset = rng.choice(self.days)
            slot = _random_slot(rng, rng.choice(self.windows[offset]))
            if slot and self.fits(offset, slot):
                return self._book(offset, slot)
        for offset in self.days:  # a crowded calendar: the first free slot, if any
            if offset in patient_days:
                continue
            for window in self.windows[offset]:
                for start in range(_minutes(window[0]), _minutes(window[1]) - APPOINTMENT_MINUTES[0] + 1, STEP):
                    slot = (_clock(start), _clock(start + APPOINTMENT_MINUTES[0]))
                    if self.fits(offset, slot):
                        return self._book(offset, slot)
        return None

    def _book(self, offset: int, slot: Slot) -> tuple[int, Slot]:
        self.booked[offset].append(slot)
        return offset, slot


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _random_slot(rng, window: Slot) -> Slot | None:
    duration = rng.choice(APPOINTMENT_MINUTES)
    first, last = _minutes(window[0]), _minutes(window[1]) - duration
    if last < first:
        return None
    start = first + STEP * rng.randrange((last - first) // STEP + 1)
    return _clock(start), _clock(start + duration)


def _stamp(day: date, moment: time, zone) -> str:
    # Availability is wall-clock time where the clinic is; the column holds UTC, as Django writes it.
    if zone is UTC:
        return f"{day.isoformat()} {moment.isoformat()}"
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _zone():
    """The clinic's time zone (TIME_ZONE); UTC itself when it is UTC, which needs no conversion."""
    zone = timezone.get_default_timezone()
    return UTC if getattr(zone, "key", None) in ("UTC", "Etc/UTC") else zone


def note_phrases(ctx: RunContext) -> dict[str, tuple[str, ...]]:
    """Short notes by status in the run's language, drawn once per run."""
    phrases = ctx.cache.get("appointment_notes")
    if phrases is None:
        phrases = NOTES.get(ctx.request.locale.split("_")[0])
        if phrases is None:
            fake = Faker(ctx.request.locale)
            fake.seed_instance(ctx.seed)
            sentences = tuple(" ".join(fake.sentence(nb_words=5).split()) for _ in range(NOTE_POOL_SIZE))
            phrases = dict.fromkeys(Appointment.Status.values, sentences)
        ctx.cache["appointment_notes"] = phrases
    return phrases


def _rows(ctx: RunContext, therapist: int):
    patients = patients_of(ctx, therapist)
    if not patients:
        return
    rng = ctx.rng("appointments", therapist)
    calendar = Calendar(ctx, therapist)
    organization = organization_id(ctx, therapist_organization(ctx, therapist))
    therapist_key = therapist_id(ctx, therapist)
    notes = note_phrases(ctx)
    zone = _zone()
    unplaced = 0
    for patient in patients:
        patient_key = patient_id(ctx, patient)
        patient_days: set[int] = set()
        for _ in range(ctx.request.appointments_per_patient):
            placed = calendar.place(rng, patient_days)
            if placed is None:
                unplaced += 1
                continue
            offset, (start, end) = placed
            patient_days.add(offset)
            day = ctx.end_date + timedelta(days=offset)
            is_past = offset <= 0
            if is_past:
                status = rng.choices(PAST_STATUSES, cum_weights=PAST_STATUS_CUMULATIVE)[0]
            else:
                status = Appointment.Status.SCHEDULED
            yield (
                therapist_key,
                patient_key,
                organization,
                _stamp(day, start, zone),
                _stamp(day, end, zone),
                status.value,
                rng.choice(notes[status]),
            )
    if unplaced:
        ctx.cache.setdefault(UNPLACED, {})[therapist] = unplaced


def _report_full_calendars(ctx: RunContext, using: str) -> None:
    unplaced = ctx.cache.get(UNPLACED, {})
    if unplaced:
        logger.warning(
            "%d appointments did not fit: the calendars of %d therapists were full (run %s).",
            sum(unplaced.values()),
            len(unplaced),
            ctx.run_id,
        )


def unplaced_appointments(ctx: RunContext) -> int:
    """Appointments asked for that no therapist's calendar had room for (reported, never forced in)."""
    return sum(ctx.cache.get(UNPLACED, {}).values())


def _per_therapist(request) -> int:
    therapists = role_counts(request)[Profile.Role.THERAPIST]
    patients = role_counts(request)[Profile.Role.PATIENT]
    return math.ceil(patients * request.appointments_per_patient / therapists) if therapists else 0


register(
    EntityGenerator(
        name="appointments",
        model=Appointment,
        columns=("therapist_id", "patient_id", "organization_id", "starts_at", "ends_at", "status", "notes"),
        depends_on=("enrollments", "weekly_availability", "availability_exceptions"),
        units=clinic_units(
            lambda request: role_counts(request)[Profile.Role.THERAPIST] if request.appointments_per_patient else 0
        ),
        rows=_rows,
        rows_per_unit=_per_therapist,
        after_write=_report_full_calendars,
    )
)
