"""Texts drawn once per run from a seeded Faker, then picked by index: Faker per row is slow."""

import unicodedata
from dataclasses import dataclass

from faker import Faker

NAME_POOL_SIZE = 256
NOTE_POOL_SIZE = 64

# Check-in notes read like a patient's own words; Faker's lorem is Latin outside a few locales.
NOTE_PHRASES = {
    "en": (
        "Slept badly, woke up twice.",
        "Good day at work.",
        "Felt anxious before the appointment.",
        "Went for a long walk.",
        "Tired but calm.",
        "Argued with a friend, felt low afterwards.",
        "Meditated for ten minutes.",
        "Headache most of the afternoon.",
        "Saw family, felt supported.",
        "Skipped the gym, low energy.",
        "Busy day, hardly had time to eat.",
        "Feeling more like myself.",
        "Restless evening, could not focus.",
        "Cooked dinner and read a book.",
    ),
    "pt": (
        "Dormi mal, acordei duas vezes.",
        "Bom dia no trabalho.",
        "Fiquei ansioso antes da consulta.",
        "Fiz uma longa caminhada.",
        "Cansado, mas tranquilo.",
        "Discuti com um amigo e fiquei para baixo.",
        "Meditei por dez minutos.",
        "Dor de cabeça quase a tarde toda.",
        "Visitei a família e me senti apoiado.",
        "Não fui à academia, pouca energia.",
        "Dia corrido, quase não comi.",
        "Me sentindo mais eu mesmo.",
        "Noite agitada, sem conseguir me concentrar.",
        "Cozinhei o jantar e li um livro.",
    ),
    "es": (
        "Dormí mal, me desperté dos veces.",
        "Buen día en el trabajo.",
        "Sentí ansiedad antes de la cita.",
        "Di un paseo largo.",
        "Cansado pero tranquilo.",
        "Discutí con un amigo y me sentí bajo.",
        "Medité diez minutos.",
        "Dolor de cabeza casi toda la tarde.",
        "Vi a mi familia y me sentí apoyado.",
        "No fui al gimnasio, poca energía.",
    ),
}
DIAGNOSES = {
    "en": (
        "Generalized anxiety disorder",
        "Major depressive episode, moderate",
        "Adjustment disorder",
        "Insomnia disorder",
        "Panic disorder",
        "Post-traumatic stress disorder",
        "Social anxiety disorder",
        "Bipolar II disorder, stable",
        "Low back pain, chronic",
        "Rotator cuff tendinopathy",
    ),
    "pt": (
        "Transtorno de ansiedade generalizada",
        "Episódio depressivo moderado",
        "Transtorno de adaptação",
        "Insônia",
        "Transtorno do pânico",
        "Transtorno de estresse pós-traumático",
        "Ansiedade social",
        "Transtorno bipolar tipo II, estável",
        "Lombalgia crônica",
        "Tendinopatia do manguito rotador",
    ),
}


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits only, for the local part of an email address."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


@dataclass(frozen=True)
class TextPools:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    notes: tuple[str, ...]
    diagnoses: tuple[str, ...]

    @classmethod
    def build(cls, locale: str, seed: int) -> "TextPools":
        fake = Faker(locale)
        fake.seed_instance(seed)
        language = locale.split("_")[0]
        notes = NOTE_PHRASES.get(language) or _sentences(fake)
        return cls(
            first_names=tuple(fake.first_name() for _ in range(NAME_POOL_SIZE)),
            last_names=tuple(fake.last_name() for _ in range(NAME_POOL_SIZE)),
            notes=tuple(_copy_safe(note) for note in notes),
            diagnoses=DIAGNOSES.get(language, DIAGNOSES["en"]),
        )


def _sentences(fake: Faker) -> tuple[str, ...]:
    return tuple(fake.sentence(nb_words=6) for _ in range(NOTE_POOL_SIZE))


def _copy_safe(text: str) -> str:
    # Rows go through COPY's text format, where tabs, newlines and backslashes are special.
    return " ".join(text.replace("\\", " ").split())
